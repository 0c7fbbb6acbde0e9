/**
 * Graceful shutdown (what SIGTERM triggers in src/main.ts): the app stops taking requests, lets
 * running jobs finish, releases what has not finished by the bound (provisioning runs it owns are
 * marked interrupted so any instance may start them again) and closes its pool. The work is a job
 * registered beside the app's own; the test learns that it runs from the job itself.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startApp, type StartOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase } from '../../src/store/database.js';
import { PROVISIONING_STALE_MS } from '../../src/workflows/admin.js';
import { instanceIdOf, type Services } from '../../src/workflows/services.js';
import { freePort } from '../support/local-stack.js';

async function config(dataDir: string) {
  return loadConfig({
    APP_MODE: 'local',
    PORT: String(await freePort()),
    DATA_DIR: dataDir,
    GRAPH_EMULATOR: 'false',
    SEED_DEMO_DATA: 'false',
    PLAYGROUND: 'false',
  });
}

const startRun = (app: Awaited<ReturnType<typeof startApp>>, id: string) =>
  app.svc.store.provisioningRuns.start({
    id,
    cycleId: `cycle-${id}`,
    startedBy: 'admin-1',
    total: 3,
    owner: instanceIdOf(app.svc),
    now: app.svc.clock.now(),
    staleMs: PROVISIONING_STALE_MS,
  });

/** A job `t.work` whose run the test holds: `running` resolves when it starts, `finish()` lets it end. */
function heldJob(work: (svc: Services) => Promise<void>) {
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const register: NonNullable<StartOptions['jobs']>['register'] = (jobs, svc) =>
    void jobs.queue('t.work', 'Work the test holds', async () => {
      started();
      await work(svc);
    });
  return { running, register };
}

describe('graceful shutdown', () => {
  it('finishes a running job that completes within the bound, then refuses connections and closes the pool', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'wexqs-shutdown-'));
    let finishWork!: () => void;
    const release = new Promise<void>((r) => (finishWork = r));
    const job = heldJob(async (svc) => {
      await release;
      await svc.store.provisioningRuns.finish('run-1', {
        status: 'finished',
        done: 3,
        failed: 0,
        failures: [],
        now: svc.clock.now(),
      });
    });
    const app = await startApp(await config(dataDir), {
      log: silentLogger,
      graph: false,
      jobs: { register: job.register },
    });
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    await startRun(app, 'run-1');
    await app.svc.store.transaction((tx) => app.jobs.enqueue(tx, 't.work', {}));
    await job.running;
    const closed = app.close({ timeoutMs: 600_000 });
    await expect(fetch(`${app.url}/healthz`)).rejects.toThrow(); // no new connections
    finishWork();
    await closed;
    await expect(app.svc.store.db.selectFrom('provisioning_runs').selectAll().execute()).rejects.toThrow();

    const reopened = await openDatabase({ pgliteDir: path.join(dataDir, 'pglite') });
    const run = await reopened.db.selectFrom('provisioning_runs').selectAll().executeTakeFirstOrThrow();
    expect(run.status).toBe('finished');
    await reopened.close();
  }, 180_000); // an on-disk PGlite is created and migrated twice: slow on a loaded machine

  it('releases work that does not finish within the bound and still closes', async () => {
    const database = await openDatabase({ pgliteDir: 'memory://' });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'wexqs-shutdown-'));
    const job = heldJob(() => new Promise<void>(() => undefined)); // never ends
    const app = await startApp(await config(dataDir), {
      log: silentLogger,
      graph: false,
      database,
      jobs: { register: job.register },
    });
    await startRun(app, 'run-stuck');
    await app.svc.store.transaction((tx) => app.jobs.enqueue(tx, 't.work', {}));
    await job.running;
    await app.close({ timeoutMs: 100 });
    await app.close(); // a second call (a second signal) is harmless
    const run = await database.db.selectFrom('provisioning_runs').selectAll().executeTakeFirstOrThrow();
    expect(run.status).toBe('interrupted');
    await database.close();
  });
});
