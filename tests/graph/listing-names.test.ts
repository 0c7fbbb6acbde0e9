/**
 * Names coming back from a Graph listing are cleaned before they are used or stored: a file (or
 * section folder) whose name holds a NUL or another control character no longer makes every
 * listing and refresh of that folder fail when it is saved. A stand-in Graph answers with such
 * names (whatever SharePoint itself accepts, the app must not depend on it).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphClient } from '../../src/graph/client.js';
import { listEvidence, refreshEvidence } from '../../src/graph/evidence-listing.js';
import { sectionFromFolderName } from '../../src/graph/graph-ports.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { seedBasics, T0 } from '../support/fixtures.js';

const modified = '2026-02-01T10:00:00Z';
const file = (id: string, name: string, parent: string) => ({
  id,
  name,
  size: 3,
  lastModifiedDateTime: modified,
  webUrl: `https://contoso.sharepoint.com/Evidence/${id}`,
  file: {},
  parentReference: { id: parent },
});

describe('names from a Graph listing', () => {
  let server: http.Server;
  let base = '';
  let handle: DatabaseHandle;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', base);
      const json = (body: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const p = url.pathname;
      if (p === '/v1.0/drives/d1/root/delta' && url.searchParams.get('token') === 'latest')
        return json({ value: [], '@odata.deltaLink': `${base}/v1.0/drives/d1/root/delta?token=t1` });
      if (p === '/v1.0/drives/d1/root/delta' && url.searchParams.get('token') === 't1')
        return json({
          value: [file('f3', 'minutes\u0000 2026\u001b.pdf', 's1')],
          '@odata.deltaLink': `${base}/v1.0/drives/d1/root/delta?token=t2`,
        });
      if (p === '/v1.0/drives/d1/items/org/children')
        return json({
          value: [
            { id: 's1', name: '1 Healthcare\u0000 organisation', folder: {}, parentReference: { id: 'org' } },
            file('f1', '\u0007policy\u0000.pdf', 'org'),
          ],
        });
      if (p === '/v1.0/drives/d1/items/s1/children')
        return json({ value: [file('f2', 'risk\u0000 assessment.pdf', 's1')] });
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"itemNotFound"}}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    handle = await openDatabase({ pgliteDir: 'memory://' });
  });
  afterAll(async () => {
    await handle.close();
    await new Promise((r) => server.close(r));
  });

  it('are cleaned on the first listing and on a refresh, and the listing can be stored', async () => {
    const client = createGraphClient({
      mode: 'local',
      staticToken: 't',
      baseUrl: base,
      appVersion: '0.0.0-test',
      requestTimeoutMs: 5000,
      retry: { delaySeconds: 0.01, maxRetries: 0 },
    });
    const opts = { client, baseUrl: base, driveId: 'd1', orgFolderId: 'org' };
    const first = await listEvidence(opts);
    expect(first.files.map((f) => [f.name, f.section, f.path])).toEqual([
      ['policy.pdf', null, 'policy.pdf'],
      ['risk assessment.pdf', '1 Healthcare organisation', 'risk assessment.pdf'],
    ]);
    const refreshed = await refreshEvidence(opts, first.cursor);
    expect(refreshed.files.map((f) => f.name)).toContain('minutes 2026.pdf');
    expect(JSON.stringify(refreshed.cursor)).not.toMatch(/\\u000/);

    const store = new Store(handle.db);
    await seedBasics(store);
    const app = await store.applications.create({
      organisationId: 'org-a',
      cycleId: 'cycle-1',
      actorId: 'lead-a',
      now: T0,
    });
    const docs = refreshed.files.map((f) => ({
      name: f.name,
      section: sectionFromFolderName(f.section),
      lastModified: new Date(f.lastModified),
      webUrl: f.webUrl,
    }));
    expect(await store.transaction((tx) => tx.evidence.syncListing(app.id, docs, T0))).toBe(3);
    expect((await store.evidence.documents(app.id)).map((d) => [d.name, d.section])).toEqual([
      ['minutes 2026.pdf', 1],
      ['risk assessment.pdf', 1],
      ['policy.pdf', null],
    ]);
  });
});
