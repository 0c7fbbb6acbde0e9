/**
 * /readyz and the background jobs of an instance: every job on by default, each switchable off by
 * its setting; last run (on any instance) and outcome as counts; 503 when the database does not
 * answer; nothing personal or secret in the answer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { createJobQueue } from '../../src/jobs/job-queue.js';
import { JobDisabledError, JobRegistry, UnknownJobError } from '../../src/jobs/registry.js';
import { Store } from '../../src/store/store.js';
import { loadConfig } from '../../src/config.js';
import { fixedClock } from '../../src/domain/time.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { freePort } from '../support/local-stack.js';
import { T0 } from '../support/fixtures.js';

describe('/readyz', () => {
  let app: RunningApp | null = null;
  // Two embedded databases: one shared by the apps below, one the last test closes under its app.
  let shared: DatabaseHandle;
  let doomed: DatabaseHandle;
  beforeAll(async () => {
    [shared, doomed] = await Promise.all([
      openDatabase({ pgliteDir: 'memory://' }),
      openDatabase({ pgliteDir: 'memory://' }),
    ]);
  });
  afterEach(async () => {
    await app?.close();
    app = null;
  });
  afterAll(async () => {
    await shared?.close();
  });

  async function start(env: Record<string, string> = {}, database = shared) {
    app = await startApp(loadConfig({ PORT: String(await freePort()), LOG_LEVEL: 'silent', ...env }), {
      database,
      graph: false,
      log: silentLogger,
      clock: fixedClock(T0),
    });
    return { app, database };
  }

  it('lists every job as enabled with its setting, and each run with its outcome in counts', async () => {
    const { app } = await start();
    await app.jobs.runNow('attendance');
    await app.jobs.runNow('lapsing');
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as any;
    expect(body.status).toBe('ready');
    expect(body.database).toEqual({ ok: true, engine: 'pglite' });
    expect(body.jobs.map((j: any) => [j.name, j.setting, j.enabled, j.kind])).toEqual([
      ['reminder-planning', 'JOB_REMINDER_PLANNING', true, 'periodic'],
      ['reminder-dispatch', 'JOB_REMINDER_DISPATCH', true, 'service'],
      ['lapsing', 'JOB_LAPSING', true, 'periodic'],
      ['attendance', 'JOB_ATTENDANCE', true, 'periodic'],
      ['evidence-refresh', 'JOB_EVIDENCE_REFRESH', true, 'periodic'],
      ['meeting-attendees', 'JOB_MEETING_ATTENDEES', true, 'queue'],
      ['evidence-folders', 'JOB_EVIDENCE_FOLDERS', true, 'queue'],
      ['provisioning', 'JOB_PROVISIONING', true, 'queue'],
      ['evidence-recheck', 'JOB_EVIDENCE_RECHECK', true, 'queue'],
    ]);
    const attendance = body.jobs.find((j: any) => j.name === 'attendance');
    expect(attendance.lastRun).toEqual({
      startedAt: T0.toISOString(),
      finishedAt: T0.toISOString(),
      outcome: 'succeeded',
      summary: { sessions: 0, reports: 0, recorded: 0, unmatched: 0, waiting: 0, failed: 0 },
    });
    expect(attendance.runs).toBeGreaterThanOrEqual(1);
    expect(body.jobs.find((j: any) => j.name === 'reminder-dispatch')).toMatchObject({
      kind: 'service',
      running: true,
      counters: { claimed: 0, sent: 0 },
    });
    // Health stays a plain liveness answer.
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: 'ok' });
  });

  it('shows a job switched off on this instance, and refuses to run it', async () => {
    const own = await openDatabase({ pgliteDir: 'memory://' });
    const { app } = await start({ JOB_ATTENDANCE: 'false', JOB_REMINDER_DISPATCH: 'false' }, own);
    onTestFinished(() => own.close());
    const body = (await (await fetch(`${app.url}/readyz`)).json()) as any;
    expect(body.jobs.find((j: any) => j.name === 'attendance')).toMatchObject({
      enabled: false,
      running: false,
      lastRun: null,
    });
    expect(body.jobs.find((j: any) => j.name === 'reminder-dispatch')).toMatchObject({
      enabled: false,
      running: false,
    });
    await expect(app.jobs.runNow('attendance')).rejects.toThrow('switched off on this instance (JOB_ATTENDANCE)');
    expect(app.svc.reminders).toBeUndefined();
  });

  it('answers 503 when the database does not answer', async () => {
    const { app, database } = await start({}, doomed);
    await database.close();
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).database).toEqual({ ok: false, engine: 'pglite' });
  });
});

describe('JobRegistry runs', () => {
  it('records a failed run with the error type only, joins a run in progress, and refuses unknown jobs', async () => {
    const database = await openDatabase({ pgliteDir: 'memory://' });
    onTestFinished(() => database.close());
    const jobs = new JobRegistry({
      boss: createJobQueue(database),
      store: new Store(database.db),
      clock: fixedClock(T0),
      log: silentLogger,
      enabled: { attendance: false },
    });
    let release: () => void = () => undefined;
    let started: () => void = () => undefined;
    const running = new Promise<void>((r) => (started = r));
    let calls = 0;
    jobs.periodic('lapsing', {
      cron: '0 * * * *',
      description: 'test',
      run: async () => {
        calls++;
        started();
        await new Promise<void>((r) => (release = r));
        throw new TypeError('contains someone@example.nhs.uk');
      },
    });
    jobs.periodic('attendance', { cron: '0 * * * *', description: 'test', run: async () => undefined });
    await jobs.start({ workers: false });
    onTestFinished(() => jobs.stop());
    const a = jobs.runNow('lapsing');
    const b = jobs.runNow('lapsing');
    await running;
    expect((await jobs.status())[0]?.running).toBe(true);
    release();
    const [ra, rb] = await Promise.all([a, b]);
    expect(calls).toBe(1);
    expect(ra).toEqual(rb);
    expect(ra).toEqual({
      startedAt: T0.toISOString(),
      finishedAt: T0.toISOString(),
      outcome: 'failed',
      summary: { error: 'TypeError' },
    });
    const [lapsing] = await jobs.status();
    expect(lapsing).toMatchObject({ runs: 1, failures: 1, lastRun: ra });
    expect(JSON.stringify(lapsing)).not.toContain('example.nhs.uk');
    await expect(jobs.runNow('evidence-refresh')).rejects.toBeInstanceOf(UnknownJobError);
    await expect(jobs.runNow('attendance')).rejects.toBeInstanceOf(JobDisabledError);
    expect(jobs.isEnabled('attendance')).toBe(false);
    expect(jobs.isEnabled('evidence-refresh')).toBe(false);
  });
});
