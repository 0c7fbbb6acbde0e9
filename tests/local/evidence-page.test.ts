/**
 * The local stand-in for the SharePoint evidence library: a card's folder link opens one
 * organisation's folder, and the person chosen sees only what they may see (its applicants read
 * and upload; an assigned reviewer and admins read; anyone else, the unregistered person
 * included, nothing), as SharePoint shares a folder only with those people.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CYCLE_ID, seedDemoData } from '../../src/local/demo-data.js';
import { DEMO_TENANT_ID, demoPerson } from '../../src/local/demo-people.js';
import { mountEvidencePage } from '../../src/local/evidence-page.js';
import type { GraphPorts } from '../../src/graph/graph-setup.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { InMemoryEvidenceFolders } from '../../src/workflows/fakes.js';
import { services, T0 } from '../support/fixtures.js';

describe('local evidence folder pages', () => {
  let handle: DatabaseHandle;
  let server: Server;
  let base = '';
  const as = (key: string) => `as=${encodeURIComponent(demoPerson(key).entraObjectId)}`;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, html: await res.text() };
  };

  beforeAll(async () => {
    handle = await openDatabase({ pgliteDir: 'memory://' });
    const store = new Store(handle.db);
    await seedDemoData(store, T0);
    const app = await store.transaction((tx) =>
      tx.applications.create({
        organisationId: 'org-northshire',
        cycleId: DEMO_CYCLE_ID,
        actorId: 'demo-priya',
        now: T0,
      }),
    );
    await store.transaction((tx) => tx.reviews.setReviewers(app.id, ['demo-morgan'], 'demo-alex', T0));
    const folders = new InMemoryEvidenceFolders('http://127.0.0.1/emulated');
    await folders.provision(DEMO_CYCLE_ID, ['org-northshire', 'org-riverside']);
    folders.setDocuments(DEMO_CYCLE_ID, 'org-northshire', [
      { name: 'Work experience policy <2025>.pdf', section: 1, lastModified: T0, webUrl: null },
    ]);
    const web = express();
    // As `npm start` runs it: the app serves the demo tenant, and the people chosen are in it.
    mountEvidencePage(web, { ...services(store), tenantId: DEMO_TENANT_ID }, {
      evidence: folders,
    } as unknown as GraphPorts);
    server = await new Promise((resolve) => {
      const s = web.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await handle.close();
  });

  it('asks who you are first, offering every demo person', async () => {
    const { status, html } = await get('/local/evidence/org-northshire');
    expect(status).toBe(200);
    for (const key of ['priya', 'tom', 'grace', 'sam', 'morgan', 'alex', 'jordan'])
      expect(html).toContain(demoPerson(key).displayName);
  });

  it('the applicants of the organisation see its documents and can upload', async () => {
    for (const key of ['priya', 'tom']) {
      const { status, html } = await get(`/local/evidence/org-northshire?${as(key)}`);
      expect(status).toBe(200);
      expect(html).toContain('Work experience policy &#60;2025&#62;.pdf');
      expect(html).toContain('type="file"');
    }
  });

  it('the assigned reviewer and the admin read it but cannot add to it', async () => {
    for (const key of ['morgan', 'alex']) {
      const { status, html } = await get(`/local/evidence/org-northshire?${as(key)}`);
      expect(status).toBe(200);
      expect(html).toContain('Work experience policy');
      expect(html).not.toContain('type="file"');
      expect(html).toContain('can read this folder but not add to it');
    }
  });

  it('another organisation’s applicant, an unassigned reviewer and the unregistered person see nothing', async () => {
    for (const key of ['grace', 'sam', 'jordan']) {
      const { status, html } = await get(`/local/evidence/org-northshire?${as(key)}`);
      expect(status).toBe(403);
      expect(html).toContain(`This folder is not shared with ${demoPerson(key).displayName}`);
      expect(html).not.toContain('Work experience policy');
    }
  });

  it('the index lists only the folders the person may open', async () => {
    const priya = await get(`/local/evidence?${as('priya')}`);
    expect(priya.html).toContain('Northshire Hospitals NHS Foundation Trust');
    expect(priya.html).not.toContain('Riverside');
    const alex = await get(`/local/evidence?${as('alex')}`);
    expect(alex.html).toContain('Northshire');
    expect(alex.html).toContain('Riverside');
    const jordan = await get(`/local/evidence?${as('jordan')}`);
    expect(jordan.html).toContain('No evidence folder is shared with Jordan Lee');
  });

  it('an unknown organisation is a plain 404', async () => {
    expect((await get('/local/evidence/org-nowhere')).status).toBe(404);
  });
});
