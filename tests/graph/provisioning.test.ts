import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sanitiseFolderName, planOrgFolders } from '../../src/graph/evidence-folders.js';
import { Provisioner, InMemoryLedger, JsonFileLedger, RuPacer } from '../../src/graph/provisioning/index.js';
import { entryRetryDelayMs } from '../../src/graph/provisioning/graph-batch.js';
import { graphCall } from '../../src/graph/client.js';
import { harness, smallCycle, verifyCycle, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('sanitiseFolderName', () => {
  it('removes SharePoint-invalid characters, edge spaces and dots, reserved names, and caps the length', () => {
    expect(sanitiseFolderName('A "B" * C: <D> ? E/F\\G|H')).toBe('A -B- - C- -D- - E-F-G-H');
    expect(sanitiseFolderName('  .Trust name.  ')).toBe('Trust name');
    expect(sanitiseFolderName('CON')).toBe('CON-');
    expect(sanitiseFolderName('forms')).toBe('forms-');
    expect(sanitiseFolderName('~$draft')).toBe('draft');
    expect(sanitiseFolderName('x_vti_y')).toBe('xvtiy');
    expect(sanitiseFolderName('a\u0001b\tc')).toBe('ab c');
    expect(sanitiseFolderName('...')).toBe('Unnamed');
    const long = sanitiseFolderName('x'.repeat(300));
    expect(long.length).toBe(80);
    expect(sanitiseFolderName(`${'y'.repeat(79)}. z`)).toBe('y'.repeat(79));
  });

  it('disambiguates organisations whose names collide after sanitising, and keeps ledger names', () => {
    const input = {
      cycle: { id: 'c', name: 'c' },
      sections: [],
      orgs: [
        { id: '1', name: "St Mary's: North", applicants: [], reviewers: [] },
        { id: '2', name: "st mary's/ north", applicants: [], reviewers: [] },
      ],
    };
    const plans = planOrgFolders(input);
    expect(plans[0]!.folderName).toBe("St Mary's- North (1)");
    expect(plans[1]!.folderName).toBe("st mary's- north (2)");
    expect(planOrgFolders(input, new Map([['1', 'Kept']]))[0]!.folderName).toBe('Kept');
  });
});

describe('RuPacer', () => {
  it('paces to the target share of the budget and honours RateLimit and Retry-After', async () => {
    // Time is the test's: the pacer's sleeps park until the test moves the clock on.
    let t = 0;
    const sleepers: (() => void)[] = [];
    let parked: () => void = () => undefined;
    const nextSleep = () => new Promise<void>((resolve) => (parked = resolve));
    const advance = (ms: number) => {
      t += ms;
      for (const wake of sleepers.splice(0)) wake();
    };
    const p = new RuPacer({
      ruPerMinute: 600,
      targetUtilisation: 1,
      burstRu: 10,
      now: () => t,
      sleep: () =>
        new Promise<void>((wake) => {
          sleepers.push(wake);
          parked();
        }),
    });
    // 600 RU/min = 0.01 RU/ms; bucket starts full (10)
    await p.acquire(10);
    let slept = nextSleep();
    const pending = p.acquire(5);
    let resolved = false;
    void pending.then(() => (resolved = true));
    await slept; // waiting for the bucket to refill
    expect(resolved).toBe(false);
    advance(500); // 5 RU refilled
    await pending;
    expect(p.stats.acquiredRu).toBe(15);
    p.observe(200, { 'ratelimit-limit': '600', 'ratelimit-remaining': '3', 'ratelimit-reset': '2' });
    p.observe(429, { 'retry-after': '5' });
    t += 1000;
    slept = nextSleep();
    const held = p.acquire(1);
    let ok = false;
    void held.then(() => (ok = true));
    await slept;
    expect(ok).toBe(false); // still held
    advance(5000);
    await held;
    expect(p.stats.holds).toBe(2);
  });

  it('reads entry retry delays as the larger of Retry-After and RateLimit-Reset', () => {
    expect(entryRetryDelayMs({ 'retry-after': '0.5' })).toBe(500);
    expect(entryRetryDelayMs({ 'retry-after': '1', 'ratelimit-reset': '3' })).toBe(3000);
    expect(entryRetryDelayMs({ 'retry-after-ms': '250' })).toBe(250);
    expect(entryRetryDelayMs({})).toBeUndefined();
  });
});

describe('Provisioner', () => {
  it('retries throttled batch entries after their Retry-After and finishes without failures', async () => {
    // budget so small that entries are throttled inside batches; the pacer is told a larger budget
    h = await harness({ ruPerMinute: 60, timeScale: 60 });
    const ledger = new InMemoryLedger();
    const input = smallCycle(4);
    const rep = await new Provisioner({
      client: h.client,
      ledger,
      metrics: h.metrics,
      pacer: { ruPerMinute: 6000, timeScale: 60 },
      backoffBaseMs: 20,
    }).run(input);
    const s = h.emu.stats();
    expect(s.throttled).toBeGreaterThan(0);
    expect(rep.throttled).toBeGreaterThan(0);
    expect(rep.failed).toEqual([]);
    expect(verifyCycle(h.emu, input, await ledger.loadCycle('c1'))).toEqual([]);
  }, 30_000);

  it('re-syncs grants as people change and never touches permissions it did not create', async () => {
    h = await harness({ timeScale: 60 });
    const ledger = new InMemoryLedger();
    const input = smallCycle(2);
    const opts = { client: h.client, ledger, pacer: { ruPerMinute: 1250, timeScale: 60 } };
    await new Provisioner(opts).run(input);
    const state = await ledger.loadCycle('c1');
    const folderId = state.orgs.o0!.folder!.id;
    // someone grants access by hand in SharePoint: the app must leave it alone
    const d = h.emu.driveId;
    const foreign = await graphCall<any>(h.client, 'POST', `/drives/${d}/items/${folderId}/invite`, {
      recipients: [{ email: 'manual@t.example.org' }],
      roles: ['read'],
      requireSignIn: true,
      sendInvitation: false,
    });
    const foreignId = foreign.body.value[0].id;
    // applicant b0 leaves, c0 joins, reviewer changes
    input.orgs[0]!.applicants = [{ email: 'a0@t.example.org' }, { email: 'c0@t.example.org' }];
    input.orgs[0]!.reviewers = [{ email: 'r9@nhs.example.org' }];
    const rep = await new Provisioner(opts).run(input);
    expect(rep.updated).toBe(1);
    expect(rep.alreadyThere).toBe(1);
    const perms = h.emu.drive
      .permissions(folderId)
      .map((p) => `${p.rec.roles[0]}|${p.rec.email}`)
      .sort();
    expect(perms).toEqual([
      'read|manual@t.example.org',
      'read|r9@nhs.example.org',
      'write|a0@t.example.org',
      'write|c0@t.example.org',
    ]);
    expect(h.emu.drive.permissions(folderId).some((p) => p.rec.id === foreignId)).toBe(true);
    const after = await ledger.loadCycle('c1');
    expect(after.orgs.o0!.grants.map((g) => g.email).sort()).toEqual([
      'a0@t.example.org',
      'c0@t.example.org',
      'r9@nhs.example.org',
    ]);
    // verifyCycle would flag the foreign grant; check the rest of org o1 is intact
    const problems = verifyCycle(h.emu, input, after);
    expect(problems).toEqual(['o0: grants 4 vs 3']);
  }, 30_000);

  it('resumes after a crash mid-run from a JSON-file ledger without duplicates', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    const file = path.join(dir, 'ledger.json');
    h = await harness({ timeScale: 30, latencyMs: 200 });
    const input = smallCycle(30);
    const ac = new AbortController();
    const l1 = new JsonFileLedger(file);
    const p1 = new Provisioner({
      client: h.client,
      ledger: l1,
      pacer: { ruPerMinute: 1250, timeScale: 30 },
      signal: ac.signal,
    });
    p1.on('progress', (e) => {
      if (e.orgsDone >= 8) ac.abort();
    });
    // "crash": the run stops; batches already sent finish first (run() settles them before it rejects)
    await expect(p1.run(input)).rejects.toThrow();
    const mid = await new JsonFileLedger(file).loadCycle('c1');
    const doneBefore = Object.values(mid.orgs).filter((o) => o.completedFingerprint).length;
    expect(doneBefore).toBeGreaterThanOrEqual(8);
    expect(doneBefore).toBeLessThan(30);
    const l2 = new JsonFileLedger(file);
    const rep = await new Provisioner({
      client: h.client,
      ledger: l2,
      pacer: { ruPerMinute: 1250, timeScale: 30 },
    }).run(input);
    expect(rep.failed).toEqual([]);
    expect(rep.alreadyThere).toBeGreaterThanOrEqual(doneBefore);
    expect(verifyCycle(h.emu, input, await l2.loadCycle('c1'))).toEqual([]);
    expect(h.emu.stats().drive.foldersCreated).toBe(2 + 30 * 7);
    // and a third run costs one request
    const before = h.emu.stats().requests;
    const again = await new Provisioner({
      client: h.client,
      ledger: l2,
      pacer: { ruPerMinute: 1250, timeScale: 30 },
    }).run(input);
    expect(again.alreadyThere).toBe(30);
    expect(h.emu.stats().requests - before).toBe(1);
    l2.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('makes an organisation with nobody to invite private with a sharing link', async () => {
    h = await harness({ timeScale: 60 });
    const ledger = new InMemoryLedger();
    const input = {
      cycle: { id: 'c2', name: 'Empty' },
      sections: ['1 A'],
      orgs: [{ id: 'e', name: 'Empty org', applicants: [], reviewers: [] }],
    };
    const rep = await new Provisioner({ client: h.client, ledger, pacer: { ruPerMinute: 1250, timeScale: 60 } }).run(
      input,
    );
    expect(rep.created).toBe(1);
    const st = (await ledger.loadCycle('c2')).orgs.e!;
    expect(st.private).toBe(true);
    const perms = h.emu.drive.permissions(st.folder!.id);
    expect(perms.map((p) => [p.rec.kind, p.inheritedFrom])).toEqual([['link', null]]);
  });
});
