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
    const folders = new InMemoryEvidenceFolders({ baseUrl: 'http://127.0.0.1/emulated' });
    await folders.provision(DEMO_CYCLE_ID, ['org-northshire', 'org-riverside']);
    folders.setDocuments(DEMO_CYCLE_ID, 'org-northshire', [
      { name: 'Work experience policy <2025>.pdf', section: 1, lastModified: T0, webUrl: null },
    ]);
    const web = express();
    // With the tenant configured, as the local stack configures it (GRAPH_TENANT_ID).
    mountEvidencePage(web, { ...services(store), tenantId: DEMO_TENANT_ID }, {
      evidence: folders,
      // Graph's preview action, as the emulator answers it: a viewer link with the page as a fragment.
      scanner: {
        previewUrl: async (_cycle: string, _org: string, name: string, page: number) =>
          name === 'Work experience policy <2025>.pdf' ? `http://127.0.0.1:1/_emulator/view/item-1#page=${page}` : null,
      },
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

  it('a file link opens the file for people the folder is shared with, keeping the page asked for', async () => {
    const file = `/local/evidence/org-northshire/files/${encodeURIComponent('Work experience policy <2025>.pdf')}`;
    const picker = await get(file);
    expect(picker.status).toBe(200);
    expect(picker.html).toContain(demoPerson('sam').displayName);
    expect(picker.html).toContain('location.hash');
    const opened = await fetch(`${base}${file}?${as('morgan')}`, { redirect: 'manual' });
    expect(opened.status).toBe(302);
    // No fragment of its own: the browser keeps the #page=N of the link it followed.
    expect(opened.headers.get('location')).toBe('http://127.0.0.1:1/_emulator/view/item-1');
    expect((await get(`${file}?${as('grace')}`)).status).toBe(403);
    expect((await get(`/local/evidence/org-northshire/files/missing.pdf?${as('priya')}`)).status).toBe(404);
    expect((await get(`/local/evidence/org-nowhere/files/a.pdf?${as('priya')}`)).status).toBe(404);
  });
});
