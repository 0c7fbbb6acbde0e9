import { afterEach, describe, expect, it } from 'vitest';
import { Provisioner, InMemoryLedger } from '../../src/graph/provisioning/index.js';
import { harness, smallCycle, verifyCycle, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('provisioning under faults', () => {
  it('provisions 100 organisations correctly with 20% of requests failing (429/503/504, timeouts, drops)', async () => {
    h = await harness(
      {
        seed: 2024,
        timeScale: 120,
        ruPerMinute: 1250,
        faults: {
          rate429: 0.05,
          rate503: 0.05,
          rate504: 0.04,
          rateTimeout: 0.04,
          rateDrop: 0.02,
          executedBeforeLoss: 0.5,
          retryAfterSeconds: 1,
        },
      },
      { requestTimeoutMs: 250 },
    );
    const input = smallCycle(100);
    const ledger = new InMemoryLedger();
    const report = await new Provisioner({
      client: h.client,
      ledger,
      metrics: h.metrics,
      pacer: { ruPerMinute: 1250, timeScale: 120 },
      backoffBaseMs: 40,
      backoffMaxMs: 1000,
      maxAttempts: 30,
    }).run(input);
    const s = h.emu.stats();
    // the faults really happened, at about the configured rate
    const injected = s.faults['429'] + s.faults['503'] + s.faults['504'] + s.faults.timeout + s.faults.drop;
    expect(injected).toBeGreaterThan(0.1 * (s.requests + s.batchEntries));
    expect(s.faults.timeout).toBeGreaterThan(0);
    expect(s.faults.drop).toBeGreaterThan(0);
    expect(report.failed).toEqual([]);
    expect(report.created + report.updated).toBe(100);
    expect(verifyCycle(h.emu, input, await ledger.loadCycle('c1'))).toEqual([]);
    expect(s.drive.renamedDuplicates).toBe(0);
    expect(s.drive.foldersCreated).toBe(2 + 100 * 7); // no duplicate folder was ever created
  }, 60_000);
});
