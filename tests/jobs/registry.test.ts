/**
 * The job registry over pg-boss, on embedded PGlite and (with TEST_DATABASE_URL) a PostgreSQL
 * server: jobs queued in the app's own transaction exist exactly when it commits; serialised jobs
 * keep one waiting per key; a failing job is retried, given up on and kept in its dead-letter
 * queue with a masked error; every run is recorded where any instance can list it; a job switched
 * off on one instance is run by another; workers pick jobs up on their own. No test waits on the
 * clock: jobs are run by hand (`drain`) or awaited by the event of running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobQueue } from '../../src/jobs/job-queue.js';
import { JobRegistry, type JobContext } from '../../src/jobs/registry.js';
import { fixedClock } from '../../src/domain/time.js';
import { silentLogger } from '../../src/log.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { engines } from '../support/databases.js';
import { T0 } from '../support/fixtures.js';

const clock = fixedClock(T0);

for (const engine of engines()) {
  describe(`job registry on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let store: Store;
    let jobs: JobRegistry;
    let boss: ReturnType<typeof createJobQueue>;
    const ran: { name: string; data: unknown; ctx: JobContext }[] = [];
    const gaveUp: unknown[] = [];
    const service = { started: 0, stopped: 0 };

    beforeAll(async () => {
      handle = await engine.open();
      store = new Store(handle.db);
      boss = createJobQueue(handle);
      jobs = new JobRegistry({
        boss,
        store,
        log: silentLogger,
        clock,
        instance: 'instance-a',
        enabled: { 't.elsewhere': false },
      });
      jobs
        .periodic('t.tick', {
          cron: '*/5 * * * *',
          description: 'A periodic job',
          run: async (ctx) => {
            ran.push({ name: 't.tick', data: null, ctx });
            return { ticked: 1 };
          },
        })
        .queue<{ n: number }>('t.work', 'A queued job', async (data, ctx) => {
          ran.push({ name: 't.work', data, ctx });
          return { n: data.n };
        })
        .queue<{ key: string; n: number }>(
          't.keyed',
          'One at a time per key',
          async (data, ctx) => void ran.push({ name: 't.keyed', data, ctx }),
          { serialiseBy: (d) => d.key },
        )
        .queue<{ who: string }>(
          't.failing',
          'Always fails',
          async (data, ctx) => {
            ran.push({ name: 't.failing', data, ctx });
            throw new Error(`could not reach ada.lovelace@trust.example (11111111-2222-4333-8444-555555555555)`);
          },
          { retryLimit: 1, retryDelaySeconds: 0, onGiveUp: async (d) => void gaveUp.push(d) },
        )
        .queue('t.elsewhere', 'Switched off on this instance', async (data, ctx) => {
          ran.push({ name: 't.elsewhere', data, ctx });
        })
        .service('t.service', 'A long-running loop', {
          start: () => void service.started++,
          stop: async () => void service.stopped++,
        });
      await jobs.start({ workers: false });
    });
    afterAll(async () => {
      await jobs?.stop();
      await handle?.close();
    });

    it('a started instance is not in pg-boss’s registry of instances (its vitals sampler wakes the event loop every 20 ms)', async () => {
      expect(await boss.getInstances()).toEqual([]);
    });

    it('a job queued in a transaction that rolls back never runs; one that commits runs once', async () => {
      await expect(
        store.transaction(async (tx) => {
          await jobs.enqueue(tx, 't.work', { n: 1 });
          throw new Error('the change failed after queueing its job');
        }),
      ).rejects.toThrow('the change failed');
      expect(await jobs.drain(['t.work'])).toBe(0);

      const id = await store.transaction((tx) => jobs.enqueue(tx, 't.work', { n: 2 }));
      expect(id).toMatch(/[0-9a-f-]{36}/);
      expect(await jobs.drain(['t.work'])).toBe(1);
      expect(await jobs.drain(['t.work'])).toBe(0);
      expect(ran.filter((r) => r.name === 't.work').map((r) => [r.data, r.ctx.attempt, r.ctx.jobId])).toEqual([
        [{ n: 2 }, 1, id],
      ]);
      await expect(store.transaction((tx) => jobs.enqueue(tx, 't.tick', {}))).rejects.toThrow('no queued job');
    });

    it('serialised jobs: one waits per key (a second adds nothing), other keys queue their own', async () => {
      const send = (key: string, n: number) => store.transaction((tx) => jobs.enqueue(tx, 't.keyed', { key, n }));
      expect(await send('s1', 1)).not.toBeNull();
      expect(await send('s1', 2)).toBeNull();
      expect(await send('s2', 3)).not.toBeNull();
      expect(await jobs.drain(['t.keyed'])).toBe(2);
      expect(
        ran
          .filter((r) => r.name === 't.keyed')
          .map((r) => r.data)
          .sort((a, b) => (a as { n: number }).n - (b as { n: number }).n),
      ).toEqual([
        { key: 's1', n: 1 },
        { key: 's2', n: 3 },
      ]);
      // Once it has run, the key takes a new one.
      expect(await send('s1', 4)).not.toBeNull();
      expect(await jobs.drain(['t.keyed'])).toBe(1);
    });

    it('a failing job is retried, then given up on: masked error recorded, give-up step run, kept in its dead-letter queue', async () => {
      await store.transaction((tx) => jobs.enqueue(tx, 't.failing', { who: 'p-1' }));
      expect(await jobs.drain(['t.failing'])).toBe(2); // the first attempt and its one retry
      const attempts = ran.filter((r) => r.name === 't.failing').map((r) => [r.ctx.attempt, r.ctx.lastAttempt]);
      expect(attempts).toEqual([
        [1, false],
        [2, true],
      ]);
      expect(gaveUp).toEqual([{ who: 'p-1' }]);
      const info = (await jobs.status()).find((j) => j.name === 't.failing')!;
      expect(info).toMatchObject({
        lastRun: { outcome: 'failed', summary: { error: 'Error' } },
        runs: 2,
        failures: 2,
        lastInstance: 'instance-a',
      });
      // Admins' record keeps the error's masked message; the status shows its type only.
      const stored = (await store.jobRuns.list()).find((j) => j.name === 't.failing')!;
      expect(stored.lastError).toBe('Error: could not reach <address> (<id>)');
      expect(JSON.stringify(info)).not.toContain('trust.example');
      // The dead-letter queue keeps a copy for inspection; nothing runs it.
      expect((await jobs.deadLetters('t.failing')).map((j) => j.data)).toEqual([{ who: 'p-1' }]);
    });

    it('a periodic job runs here on demand and says how it went', async () => {
      expect(await jobs.runNow('t.tick')).toEqual({
        startedAt: T0.toISOString(),
        finishedAt: T0.toISOString(),
        outcome: 'succeeded',
        summary: { ticked: 1 },
      });
      await expect(jobs.runNow('t.work')).rejects.toThrow('no periodic job');
    });

    it('lists every job: kind, schedule, whether this instance runs it, and its last run from any instance', async () => {
      const list = await jobs.status();
      expect(list.map((j) => [j.name, j.setting, j.kind, j.schedule, j.enabled])).toEqual([
        ['t.tick', 'JOB_T.TICK', 'periodic', '*/5 * * * *', true],
        ['t.work', 'JOB_T.WORK', 'queue', undefined, true],
        ['t.keyed', 'JOB_T.KEYED', 'queue', undefined, true],
        ['t.failing', 'JOB_T.FAILING', 'queue', undefined, true],
        ['t.elsewhere', 'JOB_T.ELSEWHERE', 'queue', undefined, false],
        ['t.service', 'JOB_T.SERVICE', 'service', undefined, true],
      ]);
      expect(list.find((j) => j.name === 't.tick')).toMatchObject({
        lastRun: { outcome: 'succeeded', summary: { ticked: 1 } },
        runs: 1,
        failures: 0,
      });
      expect(list.find((j) => j.name === 't.work')!.lastRun?.outcome).toBe('succeeded');
      expect(list.find((j) => j.name === 't.elsewhere')).toMatchObject({ lastRun: null, runs: 0 });
      // Without workers nothing long-running was started here.
      expect(service).toEqual({ started: 0, stopped: 0 });
    });

    it('a job switched off here is run by another instance, which records it under its own name', async () => {
      await store.transaction((tx) => jobs.enqueue(tx, 't.elsewhere', { n: 9 }));
      const b = new JobRegistry({
        boss: createJobQueue(handle),
        store,
        log: silentLogger,
        clock,
        instance: 'instance-b',
      });
      let done: () => void = () => undefined;
      const ranThere = new Promise<void>((resolve) => (done = resolve));
      b.queue('t.elsewhere', 'Switched off on instance a', async () => void done()).service(
        't.service',
        'A long-running loop',
        {
          start: () => void service.started++,
          stop: async () => void service.stopped++,
        },
      );
      // B's workers pick it up on their own (polling; on a server also woken by NOTIFY).
      await b.start();
      await ranThere;
      await b.stop();
      expect(service).toEqual({ started: 1, stopped: 1 });
      expect(ran.some((r) => r.name === 't.elsewhere')).toBe(false);
      expect((await jobs.status()).find((j) => j.name === 't.elsewhere')).toMatchObject({
        enabled: false,
        lastInstance: 'instance-b',
      });
    });

    // Only a server delivers notices to other connections (PGlite's workers poll).
    if (engine.name === 'postgres')
      it('on a server a queued job wakes the workers when its transaction commits, long before their next poll', async () => {
        const c = new JobRegistry({
          boss: createJobQueue(handle),
          store,
          log: silentLogger,
          clock,
          instance: 'instance-c',
        });
        let done: (n: number) => void = () => undefined;
        let ranNow = new Promise<number>((resolve) => (done = resolve));
        // Polling every 10 minutes: were the notice not heard, no job below would run in this test's time.
        c.queue<{ n: number }>('t.notified', 'Woken by the notice', async (d) => void done(d.n), { pollSeconds: 600 });
        await c.start();
        try {
          // Each job is queued once the worker has run the one before and gone back to waiting.
          for (const n of [1, 2, 3]) {
            await store.transaction((tx) => c.enqueue(tx, 't.notified', { n }));
            expect(await ranNow).toBe(n);
            ranNow = new Promise<number>((resolve) => (done = resolve));
          }
        } finally {
          await c.stop();
        }
      });

    it('refuses a job name that is not valid, and a job registered twice', () => {
      const c = new JobRegistry({ boss: createJobQueue(handle), store, log: silentLogger, clock });
      c.periodic('t.tick', { cron: '*/5 * * * *', description: 'A periodic job', run: async () => undefined });
      expect(() => c.queue('Bad Name', 'x', async () => undefined)).toThrow('not valid');
      expect(() =>
        c.periodic('t.tick', { cron: '* * * * *', description: 'twice', run: async () => undefined }),
      ).toThrow('registered twice');
    });
  });
}
