/**
 * The PostgreSQL provisioning ledger on both engines: a real provisioning run against the Graph
 * emulator is recorded, an interrupted run resumes where it stopped, and a re-run of a complete
 * cycle costs almost nothing; the evidence_folders table follows the journal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Provisioner } from '../../src/graph/provisioning/engine.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { PostgresProvisioningLedger } from '../../src/store/provisioning-ledger.js';
import { engines } from '../support/databases.js';
import { harness, smallCycle, verifyCycle, type Harness } from '../graph/helpers.js';

const PACE = { ruPerMinute: 100_000 };

describe.each(engines())('provisioning ledger on $name', (engine) => {
  let handle: DatabaseHandle;
  let h: Harness;

  beforeAll(async () => {
    handle = await engine.open();
    // A large tenant budget: this test is about the ledger, not pacing.
    h = await harness({ ruPerMinute: 100_000 });
  });
  afterAll(async () => {
    await h.close();
    await handle.close();
  });

  it('resumes an interrupted run and then re-runs for one request', async () => {
    const input = smallCycle(12, 'c-ledger');
    const ledger = new PostgresProvisioningLedger(handle.db);
    const abort = new AbortController();
    const first = new Provisioner({
      client: h.client,
      ledger,
      signal: abort.signal,
      maxConcurrentBatches: 1,
      pacer: PACE,
    });
    first.on('progress', (p) => {
      if (p.orgsDone >= 4) abort.abort();
    });
    await first.run(input).catch(() => undefined);
    const partial = await new PostgresProvisioningLedger(handle.db).loadCycle('c-ledger');
    const donePartly = Object.values(partial.orgs).filter((o) => o.completedFingerprint).length;
    expect(donePartly).toBeGreaterThanOrEqual(4);
    expect(donePartly).toBeLessThan(12);

    // A new process: only the database remembers.
    const resumed = await new Provisioner({
      client: h.client,
      ledger: new PostgresProvisioningLedger(handle.db),
      pacer: PACE,
    }).run(input);
    expect(resumed.failed).toEqual([]);
    expect(resumed.alreadyThere).toBeGreaterThanOrEqual(donePartly);
    const state = await new PostgresProvisioningLedger(handle.db).loadCycle('c-ledger');
    expect(verifyCycle(h.emu, input, state)).toEqual([]);

    const before = h.emu.stats().requests;
    const rerun = await new Provisioner({
      client: h.client,
      ledger: new PostgresProvisioningLedger(handle.db),
      pacer: PACE,
    }).run(input);
    expect(rerun.alreadyThere).toBe(12);
    expect(h.emu.stats().requests - before).toBeLessThanOrEqual(1);
  });

  it('keeps the current folder per organisation for cards to link to, private once shared', async () => {
    const ledger = new PostgresProvisioningLedger(handle.db);
    const folder = await ledger.folderFor('c-ledger', 'o3');
    expect(folder).toMatchObject({ cycleId: 'c-ledger', organisationId: 'o3', isPrivate: true });
    expect(folder!.webUrl).toMatch(/^https:\/\//);
    expect(await ledger.folderFor('c-ledger', 'nobody')).toBeNull();
    await ledger.recordOrgFolder('c-ledger', 'o3', null);
    expect(await ledger.folderFor('c-ledger', 'o3')).toBeNull();
  });
});
