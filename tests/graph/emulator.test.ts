import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGraphEmulator } from '../../src/graph/emulator/index.js';
import { graphCall } from '../../src/graph/client.js';
import { harness, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const folder = (name: string, conflict = 'fail') => ({
  name,
  folder: {},
  '@microsoft.graph.conflictBehavior': conflict,
});

async function drive(hh: Harness): Promise<string> {
  return (await graphCall<any>(hh.client, 'GET', '/sites/root/drive')).body.id;
}

describe('graph emulator: auth and errors', () => {
  it("requires a bearer token and answers in Graph's error shape", async () => {
    h = await harness();
    const none = await fetch(`${h.emu.url}/v1.0/sites/root/drive`);
    expect(none.status).toBe(401);
    const body = await none.json();
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.error.innerError.date).toBeTypeOf('string');
    const wrong = await fetch(`${h.emu.url}/v1.0/sites/root/drive`, { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const ok = await graphCall<any>(h.client, 'GET', '/sites/root/drive');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ driveType: 'documentLibrary', id: expect.stringMatching(/^b!/) });
  });
});

describe('graph emulator: drive items', () => {
  it('creates folders with conflictBehavior fail/rename/replace and addresses them by id and by path', async () => {
    h = await harness();
    const d = await drive(h);
    const a = await graphCall<any>(h.client, 'POST', `/drives/${d}/root/children`, folder('Cycle 1'));
    expect(a.status).toBe(201);
    // driveItem shape (driveitem-post-children / driveItem resource)
    expect(a.body).toMatchObject({
      id: expect.any(String),
      name: 'Cycle 1',
      folder: { childCount: 0 },
      parentReference: { driveId: d, driveType: 'documentLibrary', path: `/drives/${d}/root:` },
      webUrl: expect.stringContaining('/Shared%20Documents/Cycle%201'),
      eTag: expect.any(String),
      createdDateTime: expect.any(String),
      lastModifiedDateTime: expect.any(String),
    });
    const dup = await graphCall<any>(h.client, 'POST', `/drives/${d}/root/children`, folder('cycle 1'));
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('nameAlreadyExists');
    const renamed = await graphCall<any>(h.client, 'POST', `/drives/${d}/root/children`, folder('Cycle 1', 'rename'));
    expect(renamed.status).toBe(201);
    expect(renamed.body.name).toBe('Cycle 1 1');
    const byPath = await graphCall<any>(h.client, 'GET', `/drives/${d}/root:/Cycle%201`);
    expect(byPath.body.id).toBe(a.body.id);
    const sub = await graphCall<any>(h.client, 'POST', `/drives/${d}/items/${a.body.id}/children`, folder('Org A'));
    const rel = await graphCall<any>(h.client, 'GET', `/drives/${d}/items/${a.body.id}:/Org%20A`);
    expect(rel.body.id).toBe(sub.body.id);
    expect((await graphCall<any>(h.client, 'GET', `/drives/${d}/root:/Missing`)).status).toBe(404);
    const replaced = await graphCall<any>(
      h.client,
      'POST',
      `/drives/${d}/items/${a.body.id}/children`,
      folder('Org A', 'replace'),
    );
    expect(replaced.status).toBe(201);
    expect(replaced.body.id).not.toBe(sub.body.id);
    expect(h.emu.stats().drive.sameNameAttempts).toBe(3);
    const bad = await graphCall<any>(h.client, 'POST', `/drives/${d}/root/children`, folder('a:b'));
    expect(bad.status).toBe(400);
  });

  it('pages children with $top, @odata.nextLink and $select', async () => {
    h = await harness();
    const d = await drive(h);
    const p = (await graphCall<any>(h.client, 'POST', `/drives/${d}/root/children`, folder('P'))).body.id;
    for (let i = 0; i < 5; i++)
      await graphCall<any>(h.client, 'POST', `/drives/${d}/items/${p}/children`, folder(`F${i}`));
    const first = await graphCall<any>(h.client, 'GET', `/drives/${d}/items/${p}/children?$top=2&$select=id,name`);
    expect(first.body.value).toHaveLength(2);
    expect(Object.keys(first.body.value[0]).sort()).toEqual(['id', 'name']);
    const seen = [...first.body.value.map((x: any) => x.name)];
    let link: string | undefined = first.body['@odata.nextLink'];
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.0\/drives\/.+\/children\?/);
    while (link) {
      const page = await graphCall<any>(h.client, 'GET', link.replace(/^.*\/v1\.0/, ''));
      seen.push(...page.body.value.map((x: any) => x.name));
      link = page.body['@odata.nextLink'];
    }
    expect(seen).toEqual(['F0', 'F1', 'F2', 'F3', 'F4']);
  });

  it('uploads small files with PUT .../{parent-id}:/{filename}:/content and keeps the bytes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emu-'));
    h = await harness({ dataDir: dir });
    const d = await drive(h);
    const p = (await graphCall<any>(h.client, 'POST', `/drives/${d}/root/children`, folder('Docs'))).body.id;
    const up = await graphCall<any>(
      h.client,
      'PUT',
      `/drives/${d}/items/${p}:/plan.txt:/content`,
      Buffer.from('hello'),
      { 'Content-Type': 'text/plain' },
    );
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({
      name: 'plan.txt',
      size: 5,
      file: { mimeType: 'text/plain' },
      cTag: expect.any(String),
    });
    const again = await graphCall<any>(
      h.client,
      'PUT',
      `/drives/${d}/items/${p}:/plan.txt:/content`,
      Buffer.from('hello!'),
      { 'Content-Type': 'text/plain' },
    );
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(up.body.id);
    await h.close();
    // restart on the same data directory: item and bytes are still there
    const emu2 = await startGraphEmulator({ dataDir: dir });
    const res = await fetch(`${emu2.url}/v1.0/drives/${d}/items/${up.body.id}/content`, {
      headers: { Authorization: 'Bearer x' },
    });
    expect(await res.text()).toBe('hello!');
    await emu2.close();
    h = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('graph emulator: permissions', () => {
  it('children inherit (no inheritedFrom in a document library); the first invite breaks inheritance; inherited permissions cannot be deleted', async () => {
    h = await harness();
    const d = await drive(h);
    const org = (await graphCall<any>(h.client, 'POST', `/drives/${d}/root/children`, folder('Org'))).body.id;
    const sec = (await graphCall<any>(h.client, 'POST', `/drives/${d}/items/${org}/children`, folder('Sec'))).body.id;
    const root = await graphCall<any>(h.client, 'GET', `/drives/${d}/root/permissions`);
    const before = await graphCall<any>(h.client, 'GET', `/drives/${d}/items/${org}/permissions`);
    expect(before.body.value.length).toBe(3); // the site groups, from the root
    expect(before.body.value.map((p: any) => p.grantedToV2.siteGroup.displayName).sort()).toEqual([
      'WExQS Members',
      'WExQS Owners',
      'WExQS Visitors',
    ]);
    // Same ids as where they are held, and nothing says they are inherited.
    expect(before.body.value.map((p: any) => p.id)).toEqual(root.body.value.map((p: any) => p.id));
    expect(before.body.value.every((p: any) => !('inheritedFrom' in p))).toBe(true);
    const del = await graphCall<any>(
      h.client,
      'DELETE',
      `/drives/${d}/items/${org}/permissions/${before.body.value[0].id}`,
    );
    expect(del.status).toBe(400);
    const inv = await graphCall<any>(h.client, 'POST', `/drives/${d}/items/${org}/invite`, {
      recipients: [{ email: 'Ann@Example.org' }, { email: 'bob@example.org' }],
      roles: ['write'],
      requireSignIn: true,
      sendInvitation: false,
      retainInheritedPermissions: false,
    });
    expect(inv.status).toBe(200);
    expect(inv.body.value).toHaveLength(2);
    // permission shape from driveitem-invite; the id is the person's claim, base64-encoded
    expect(inv.body.value[0]).toMatchObject({
      id: Buffer.from('i:0#.f|membership|ann@example.org').toString('base64').replace(/=+$/, ''),
      roles: ['write'],
      grantedTo: { user: { email: 'ann@example.org' } },
      grantedToV2: { siteUser: { loginName: 'i:0#.f|membership|ann@example.org' } },
      invitation: { email: 'ann@example.org', signInRequired: true },
    });
    const again = await graphCall<any>(h.client, 'POST', `/drives/${d}/items/${org}/invite`, {
      recipients: [{ email: 'ann@example.org' }],
      roles: ['write'],
      requireSignIn: true,
      sendInvitation: false,
    });
    expect(again.body.value[0].id).toBe(inv.body.value[0].id); // idempotent
    const after = await graphCall<any>(h.client, 'GET', `/drives/${d}/items/${org}/permissions`);
    expect(after.body.value.map((p: any) => p.grantedTo?.user?.email).sort()).toEqual([
      'ann@example.org',
      'bob@example.org',
    ]);
    const secPerms = await graphCall<any>(h.client, 'GET', `/drives/${d}/items/${sec}/permissions`);
    expect(secPerms.body.value.map((p: any) => p.id)).toEqual(after.body.value.map((p: any) => p.id));
    expect(
      (await graphCall<any>(h.client, 'DELETE', `/drives/${d}/items/${sec}/permissions/${inv.body.value[0].id}`))
        .status,
    ).toBe(400);
    expect(
      (await graphCall<any>(h.client, 'DELETE', `/drives/${d}/items/${org}/permissions/${inv.body.value[0].id}`))
        .status,
    ).toBe(204);
    expect((await graphCall<any>(h.client, 'GET', `/drives/${d}/items/${sec}/permissions`)).body.value).toHaveLength(1);
    const expanded = await graphCall<any>(h.client, 'GET', `/drives/${d}/items/${org}?$expand=permissions`);
    expect(expanded.body.permissions).toHaveLength(1);
  });

  it('createLink answers 201 for a new link and 200 for the existing one', async () => {
    h = await harness();
    const d = await drive(h);
    const org = (await graphCall<any>(h.client, 'POST', `/drives/${d}/root/children`, folder('Org'))).body.id;
    const l1 = await graphCall<any>(h.client, 'POST', `/drives/${d}/items/${org}/createLink`, {
      type: 'view',
      scope: 'users',
      retainInheritedPermissions: false,
    });
    expect(l1.status).toBe(201);
    expect(l1.body).toMatchObject({
      id: expect.any(String),
      roles: ['read'],
      link: { type: 'view', scope: 'users', webUrl: expect.stringMatching(/^https:\/\//) },
    });
    const l2 = await graphCall<any>(h.client, 'POST', `/drives/${d}/items/${org}/createLink`, {
      type: 'view',
      scope: 'users',
    });
    expect(l2.status).toBe(200);
    expect(l2.body.id).toBe(l1.body.id);
    const perms = await graphCall<any>(h.client, 'GET', `/drives/${d}/items/${org}/permissions`);
    expect(perms.body.value.map((p: any) => p.id)).toEqual([l1.body.id]); // inherited site groups dropped
  });
});

describe('graph emulator: $batch', () => {
  it('validates, answers per entry, gives 424 to dependants of a failed request', async () => {
    h = await harness();
    const d = await drive(h);
    const mk = (id: string, name: string, dependsOn?: string[]) => ({
      id,
      method: 'POST',
      url: `/drives/${d}/root/children`,
      body: folder(name),
      headers: { 'Content-Type': 'application/json' },
      ...(dependsOn ? { dependsOn } : {}),
    });
    const tooMany = await graphCall<any>(h.client, 'POST', '/$batch', {
      requests: Array.from({ length: 21 }, (_, i) => mk(String(i), `n${i}`)),
    });
    expect(tooMany.status).toBe(400);
    const dupIds = await graphCall<any>(h.client, 'POST', '/$batch', { requests: [mk('1', 'x'), mk('1', 'y')] });
    expect(dupIds.status).toBe(400);
    const mixed = await graphCall<any>(h.client, 'POST', '/$batch', {
      requests: [mk('1', 'x'), mk('2', 'y', ['1']), mk('3', 'z')],
    });
    expect(mixed.status).toBe(400);
    await graphCall<any>(h.client, 'POST', `/drives/${d}/root/children`, folder('Exists'));
    const r = await graphCall<any>(h.client, 'POST', '/$batch', {
      requests: [mk('1', 'Exists'), { id: '2', method: 'GET', url: `/drives/${d}/root:/Exists`, dependsOn: ['1'] }],
    });
    expect(r.status).toBe(200);
    const byId = Object.fromEntries(r.body.responses.map((x: any) => [x.id, x]));
    expect(byId['1'].status).toBe(409);
    expect(byId['1'].body.error.code).toBe('nameAlreadyExists');
    expect(byId['2'].status).toBe(424);
    const ok = await graphCall<any>(h.client, 'POST', '/$batch', {
      requests: [
        mk('a', 'New'),
        { id: 'b', method: 'GET', url: `drives/${d}/root:/New?$select=id,name`, dependsOn: ['a'] },
      ],
    });
    const okById = Object.fromEntries(ok.body.responses.map((x: any) => [x.id, x]));
    expect(okById.a.status).toBe(201);
    expect(okById.b.body).toEqual({ id: okById.a.body.id, name: 'New' });
    const noCt = await graphCall<any>(h.client, 'POST', '/$batch', {
      requests: [{ id: '1', method: 'POST', url: `/drives/${d}/root/children`, body: folder('Q') }],
    });
    expect(noCt.body.responses[0].status).toBe(400);
  });

  it('charges batch entries individually and throttles them with their own Retry-After and RateLimit headers', async () => {
    h = await harness({ ruPerMinute: 20, timeScale: 60 });
    const d = await drive(h); // 1 RU
    const reqs = Array.from({ length: 12 }, (_, i) => ({
      id: String(i + 1),
      method: 'POST',
      url: `/drives/${d}/root/children`,
      body: folder(`F${i}`),
      headers: { 'Content-Type': 'application/json' },
    }));
    const r = await graphCall<any>(h.client, 'POST', '/$batch', { requests: reqs });
    expect(r.status).toBe(200);
    const statuses = r.body.responses.map((x: any) => x.status);
    expect(statuses.filter((s: number) => s === 201)).toHaveLength(9); // 1 + 9×2 = 19 ≤ 20
    const throttled = r.body.responses.filter((x: any) => x.status === 429);
    expect(throttled).toHaveLength(3);
    const t = throttled[0];
    expect(t.body.error.code).toBe('activityLimitReached');
    expect(Number(t.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(t.headers['retry-after'])).toBeLessThanOrEqual(1); // one scaled minute = 1 s
    expect(t.headers['ratelimit-limit']).toBe('20');
    expect(t.headers['ratelimit-remaining']).toBe('0');
    const s = h.emu.stats();
    expect(s.ruUsed).toBe(1 + 12 * 2); // throttled entries still count
    expect(s.throttled).toBe(3);
  });
});

describe('graph emulator: users and calendar', () => {
  it('creates Teams meetings with a joinUrl, replaces attendees on PATCH, cancels', async () => {
    h = await harness({ users: [{ mail: 'organiser@t.example.org', displayName: 'Org' }] });
    const u = await graphCall<any>(h.client, 'GET', '/users/organiser@t.example.org?$select=id,displayName');
    expect(u.status).toBe(200);
    expect(u.body).toEqual({ id: expect.any(String), displayName: 'Org' });
    const body = {
      subject: 'Drop-in',
      start: { dateTime: '2025-10-26T10:00:00', timeZone: 'Europe/London' },
      end: { dateTime: '2025-10-26T11:00:00', timeZone: 'Europe/London' },
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
      attendees: [{ emailAddress: { address: 'a@x.org', name: 'A' }, type: 'required' }],
      transactionId: 'tx-1',
    };
    const ev = await graphCall<any>(h.client, 'POST', `/users/${u.body.id}/events`, body);
    expect(ev.status).toBe(201);
    expect(ev.body.onlineMeeting.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    expect(ev.body).toMatchObject({
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
      subject: 'Drop-in',
      attendees: [{ emailAddress: { address: 'a@x.org' }, status: { response: 'none' } }],
    });
    const dup = await graphCall<any>(h.client, 'POST', `/users/${u.body.id}/events`, body);
    expect(dup.body.id).toBe(ev.body.id); // transactionId de-duplicates
    const p = await graphCall<any>(h.client, 'PATCH', `/users/${u.body.id}/events/${ev.body.id}`, {
      attendees: [{ emailAddress: { address: 'b@x.org' } }],
    });
    expect(p.body.attendees.map((a: any) => a.emailAddress.address)).toEqual(['b@x.org']);
    expect(p.body.onlineMeeting.joinUrl).toBe(ev.body.onlineMeeting.joinUrl);
    expect(
      (await graphCall<any>(h.client, 'POST', `/users/${u.body.id}/events/${ev.body.id}/cancel`, { Comment: 'x' }))
        .status,
    ).toBe(202);
    expect((await graphCall<any>(h.client, 'GET', `/users/${u.body.id}/events/${ev.body.id}`)).status).toBe(404);
    expect((await graphCall<any>(h.client, 'GET', '/users/nobody@t.example.org')).status).toBe(404);
  });
});

describe('graph emulator: fault injection', () => {
  it('is reproducible from its seed and reports faults in stats', async () => {
    const run = async () => {
      const hh = await harness({ seed: 42, faults: { rate503: 0.3, rate429: 0.2 } }, {});
      const codes: number[] = [];
      for (let i = 0; i < 20; i++)
        codes.push(
          (await fetch(`${hh.emu.url}/v1.0/sites/root/drive`, { headers: { Authorization: 'Bearer test-token' } }))
            .status,
        );
      const s = hh.emu.stats();
      await hh.close();
      return { codes, s };
    };
    const a = await run();
    const b = await run();
    expect(a.codes).toEqual(b.codes);
    expect(a.codes.filter((c) => c === 503).length).toBe(a.s.faults['503']);
    expect(a.s.faults['503'] + a.s.faults['429']).toBeGreaterThan(0);
  });

  it('times out and drops connections', async () => {
    h = await harness({ faults: { rateTimeout: 1 } }, { requestTimeoutMs: 200 });
    await expect(graphCall<any>(h.client, 'GET', '/sites/root/drive')).rejects.toMatchObject({
      code: 'TransportTimeout',
    });
    h.emu.setFaults({ rateDrop: 1 });
    await expect(graphCall<any>(h.client, 'GET', '/sites/root/drive')).rejects.toMatchObject({
      code: 'TransportError',
    });
    h.emu.setFaults({});
    expect((await graphCall<any>(h.client, 'GET', '/sites/root/drive')).status).toBe(200);
  });
});
