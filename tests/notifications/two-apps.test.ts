/**
 * Two apps in one process (as tests run them): each app's notification dispatcher is a job of its
 * own registry, reached through its own Services (`svc.reminders`), so waking one ("send now")
 * reaches its dispatcher, and closing one leaves the other's in place. Waits are events (the
 * dispatcher's lanes going idle, the message sent), never the wall clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import {
  EmulatorCredentialsFactory,
  startConnectorEmulator,
  type ConnectorEmulator,
} from '../../src/connector-emulator/index.js';
import { silentLogger } from '../../src/log.js';
import type { DispatchEvent } from '../../src/notifications/dispatcher.js';
import { openDatabase } from '../../src/store/database.js';
import { freePort } from '../support/local-stack.js';
import { enqueueDue, seedRecipients, statusCounts } from './helpers.js';

/** Resolves when `n` events matching `pred` have been seen (counting those seen already). */
class EventLog {
  private readonly seen: DispatchEvent[] = [];
  private waiters: { pred: (e: DispatchEvent) => boolean; n: number; resolve: () => void }[] = [];
  push(e: DispatchEvent): void {
    this.seen.push(e);
    this.waiters = this.waiters.filter((w) => {
      if (this.seen.filter(w.pred).length < w.n) return true;
      w.resolve();
      return false;
    });
  }
  waitFor(pred: (e: DispatchEvent) => boolean, n = 1): Promise<void> {
    if (this.seen.filter(pred).length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pred, n, resolve }));
  }
  count(pred: (e: DispatchEvent) => boolean): number {
    return this.seen.filter(pred).length;
  }
}

describe('two apps in one process', () => {
  let connector: ConnectorEmulator;
  const apps: RunningApp[] = [];
  const logs = [new EventLog(), new EventLog()];

  beforeAll(async () => {
    connector = await startConnectorEmulator({ timeScale: 10 });
    for (let i = 0; i < 2; i++) {
      const database = await openDatabase({ pgliteDir: 'memory://' });
      const config = loadConfig({
        APP_MODE: 'local',
        PORT: String(await freePort()),
        GRAPH_EMULATOR: 'false',
        GRAPH_ORGANISER_UPN: 'wexqs@example.nhs.uk',
      });
      // Polls only once a minute: a delivery within the test means the wake reached this app's dispatcher.
      const log = logs[i]!;
      apps.push(
        await startApp(config, {
          database,
          graph: false,
          log: silentLogger,
          jobs: { dispatcher: { pollMs: 60_000, lanes: 2, onEvent: (e) => log.push(e) } },
          connectorCredentials: new EmulatorCredentialsFactory(),
        }),
      );
    }
  });
  afterAll(async () => {
    for (const a of apps) {
      await a.close().catch(() => undefined);
      await a.database.close().catch(() => undefined);
    }
    await connector?.close();
  });

  it('each app has its own dispatcher job; waking it delivers; closing one leaves the other', async () => {
    const [a, b] = apps as [RunningApp, RunningApp];
    expect(a.svc.reminders).toBeDefined();
    expect(b.svc.reminders).toBeDefined();
    expect(a.svc.reminders).not.toBe(b.svc.reminders);
    const dispatchJob = async (app: RunningApp) =>
      (await app.jobs.status()).find((j) => j.name === 'reminder-dispatch');
    expect(await dispatchJob(b)).toMatchObject({ kind: 'service', enabled: true });

    await a.close();
    expect(a.svc.reminders).toBeUndefined();
    expect(b.svc.reminders).toBeDefined();

    // Both of B's lanes have found nothing and wait for their (one-minute) poll ...
    await logs[1]!.waitFor((e) => e.type === 'idle', 2);
    const [id] = await seedRecipients(b.svc.store, connector, 1, 'two-apps');
    await enqueueDue(b.svc.store, [id!]);
    // ... so "send now" is what makes it go out.
    b.svc.reminders!.wake();
    await logs[1]!.waitFor((e) => e.type === 'sent');
    expect(await statusCounts(b.svc.store)).toEqual({ sent: 1 });
    expect(connector.receivedBy(id!)).toBe(1);
    expect(logs[0]!.count((e) => e.type === 'sent')).toBe(0);
  });
});
