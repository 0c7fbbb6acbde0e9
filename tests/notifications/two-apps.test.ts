/**
 * Two apps in one process (as tests run them): each app's reminder service is reached through its
 * own Services (`svc.reminders`), so waking one ("send now") reaches its dispatcher, and closing
 * one leaves the other's service in place.
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
import { openDatabase } from '../../src/store/database.js';
import { freePort } from '../support/local-stack.js';
import { enqueueDue, seedRecipients, statusCounts } from './helpers.js';

describe('two apps in one process', () => {
  let connector: ConnectorEmulator;
  const apps: RunningApp[] = [];

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
      apps.push(
        await startApp(config, {
          database,
          graph: false,
          log: silentLogger,
          reminders: { pollMs: 60_000, planEveryMs: 3_600_000 },
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

  it('each app has its own reminder service; waking it delivers; closing one leaves the other', async () => {
    const [a, b] = apps as [RunningApp, RunningApp];
    expect(a.svc.reminders).toBeDefined();
    expect(b.svc.reminders).toBeDefined();
    expect(a.svc.reminders).not.toBe(b.svc.reminders);

    await a.close();
    expect(a.svc.reminders).toBeUndefined();
    expect(b.svc.reminders).toBeDefined();

    const [id] = await seedRecipients(b.svc.store, connector, 1, 'two-apps');
    await enqueueDue(b.svc.store, [id!]);
    // Let the lanes reach their (one-minute) pause, then wake B: "send now" goes out at once.
    await new Promise((r) => setTimeout(r, 300));
    b.svc.reminders!.wake();
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && (await statusCounts(b.svc.store)).sent !== 1)
      await new Promise((r) => setTimeout(r, 25));
    expect(await statusCounts(b.svc.store)).toEqual({ sent: 1 });
    expect(connector.receivedBy(id!)).toBe(1);
  });
});
