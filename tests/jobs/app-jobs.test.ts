/**
 * The app's jobs as the app starts them: every job on by default in tenant mode as in local mode
 * (the reminder planner and the notification dispatcher included), switched off per instance by
 * its JOB_* setting (then the dispatcher is not woken by "send now" here), and every one run
 * through the job library with its run recorded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { seedBasics } from '../support/fixtures.js';
import { freePort } from '../support/local-stack.js';
import { exampleTenantEnv } from '../support/tenant-env.js';

const APP_JOBS = [
  'reminder-planning',
  'reminder-dispatch',
  'lapsing',
  'attendance',
  'evidence-refresh',
  'meeting-attendees',
  'evidence-folders',
  'provisioning',
  'evidence-recheck',
];

describe('the app’s background jobs', () => {
  let app: RunningApp | undefined;
  let database: DatabaseHandle | undefined;
  afterEach(async () => {
    await app?.close();
    await database?.close();
    app = undefined;
    database = undefined;
  });

  it('in tenant mode every job runs by default, the reminder planner and the dispatcher included', async () => {
    database = await openDatabase({ pgliteDir: 'memory://' });
    app = await startApp(loadConfig(exampleTenantEnv({ PORT: String(await freePort()) })), {
      database,
      graph: false,
      log: silentLogger,
    });
    const jobs = await app.jobs.status();
    expect(jobs.map((j) => [j.name, j.enabled])).toEqual(APP_JOBS.map((n) => [n, true]));
    expect(jobs.find((j) => j.name === 'reminder-planning')).toMatchObject({
      kind: 'periodic',
      schedule: '*/10 * * * *',
    });
    expect(app.svc.reminders).toBeDefined();
    expect(app.svc.jobs).toBeDefined();
  });

  it('JOB_* settings switch jobs off on this instance only; they are still listed', async () => {
    database = await openDatabase({ pgliteDir: 'memory://' });
    const config = loadConfig({
      APP_MODE: 'local',
      PORT: String(await freePort()),
      GRAPH_EMULATOR: 'false',
      JOB_REMINDER_DISPATCH: 'false',
      JOB_LAPSING: 'false',
      JOB_EVIDENCE_FOLDERS: 'false',
    });
    app = await startApp(config, { database, graph: false, log: silentLogger });
    const off = (await app.jobs.status()).filter((j) => !j.enabled).map((j) => j.setting);
    expect(off).toEqual(['JOB_REMINDER_DISPATCH', 'JOB_LAPSING', 'JOB_EVIDENCE_FOLDERS']);
    // A job switched off here can still be queued: another instance runs it.
    const id = await app.svc.store.transaction((tx) =>
      app!.jobs.enqueue(tx, 'evidence-folders', { cycleId: 'cycle-1', organisationId: 'org-a' }),
    );
    expect(id).not.toBeNull();
    // "Send now" has no dispatcher to wake here; another instance sends.
    expect(app.svc.reminders).toBeUndefined();
  });

  it('each of the app’s jobs runs through the job library and records its run', async () => {
    database = await openDatabase({ pgliteDir: 'memory://' });
    const config = loadConfig({ APP_MODE: 'local', PORT: String(await freePort()), GRAPH_EMULATOR: 'false' });
    app = await startApp(config, { database, graph: false, log: silentLogger, jobs: { workers: false } });
    const { store } = app.svc;
    await seedBasics(store);
    const startsAt = new Date(Date.now() + 5 * 86_400_000);
    await store.dropIns.createSession({
      id: 's-jobs',
      title: 'Drop-in',
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3_600_000),
      capacity: 5,
      cancelled: false,
      joinUrl: null,
    });
    const jobs = app.jobs;
    expect((await jobs.runNow('reminder-planning')).outcome).toBe('succeeded');
    expect((await jobs.runNow('lapsing')).summary).toEqual({ lapsed: 0 });
    expect((await jobs.runNow('attendance')).outcome).toBe('succeeded');
    expect((await jobs.runNow('evidence-refresh')).outcome).toBe('succeeded');
    await store.transaction(async (tx) => {
      await jobs.enqueue(tx, 'meeting-attendees', { sessionId: 's-jobs' });
      await jobs.enqueue(tx, 'evidence-folders', { cycleId: 'cycle-1', organisationId: 'org-a' });
    });
    expect(await jobs.drain()).toBe(2);
    const ran = (await jobs.status()).filter((j) => j.runs > 0);
    expect(ran.map((j) => [j.name, j.lastRun?.outcome])).toEqual([
      ['reminder-planning', 'succeeded'],
      ['lapsing', 'succeeded'],
      ['attendance', 'succeeded'],
      ['evidence-refresh', 'succeeded'],
      ['meeting-attendees', 'succeeded'],
      ['evidence-folders', 'succeeded'],
    ]);
    expect(ran.find((j) => j.name === 'meeting-attendees')!.lastRun?.summary).toEqual({
      added: 0,
      removed: 0,
      booked: 0,
    });
  });
});
