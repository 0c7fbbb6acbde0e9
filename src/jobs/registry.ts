/**
 * One registry for every background job of the app, over one job library (pg-boss, see
 * job-queue.ts). A job is registered with one line:
 *
 *   jobs.periodic('attendance.collect', '*\/15 * * * *', 'Collect drop-in attendance', () => collect(svc));
 *   jobs.queue('dropins.attendees', 'Meeting attendees follow bookings', (d) => sync(svc, d.sessionId), { serialiseBy: (d) => d.sessionId });
 *   jobs.service('reminders.dispatch', 'Sends the notification outbox', { start, stop });
 *
 * - periodic: a cron schedule (London time) kept in the database; one run at a time across all
 *   instances (pg-boss `stately` policy: one waiting, one running), also run once at start.
 * - queue: work queued by a change, in its transaction (`enqueue`), retried with exponential
 *   back-off and then moved to a dead-letter queue (`<name>.dead`, kept for inspection);
 *   `serialiseBy` runs one job per key at a time across instances (a newer request while one
 *   waits adds nothing: jobs here bring things in line with the database, they carry no orders).
 * - service: long-running work with its own loop (the notification dispatcher).
 *
 * Every job is on in every mode unless this instance's JOBS_DISABLED names it (src/config.ts).
 * Each run's start, end, outcome and error (type and a masked message, no personal data) and a
 * summary of counts are written to `job_status`, so any instance can report every job (`list`).
 */
import { hostname } from 'node:os';
import type { Job, JobWithMetadata, PgBoss } from 'pg-boss';
import type { Logger } from '../log.js';
import { mask } from '../notifications/teams-installer.js';
import type { Store } from '../store/store.js';
import type { JobRequest, Jobs } from '../workflows/ports.js';
import { inTransaction } from './job-queue.js';

/** Counts and flags only: it is stored and shown to admins. */
export type JobSummary = Record<string, number | string | boolean>;

export interface JobContext {
  /** This attempt, from 1. */
  attempt: number;
  /** No retry follows if this attempt fails (the job then goes to its dead-letter queue). */
  lastAttempt: boolean;
  /** The id of the job (a queued job's id is what `enqueue` returned). */
  jobId: string;
  signal: AbortSignal;
}

export interface ServiceContext {
  /** Record how the service is doing (at most now and then: on a change of outcome, or every few minutes). */
  record(outcome: 'ok' | 'failed', detail?: { error?: unknown; summary?: JobSummary }): Promise<void>;
}

interface Base {
  name: string;
  description: string;
}
interface PeriodicDef extends Base {
  kind: 'periodic';
  cron: string;
  run: (ctx: JobContext) => Promise<JobSummary | void>;
  o: RetryOptions;
}
interface QueueDef extends Base {
  kind: 'queue';
  run: (data: unknown, ctx: JobContext) => Promise<JobSummary | void>;
  o: QueueOptions<unknown>;
}
interface ServiceDef extends Base {
  kind: 'service';
  start: (ctx: ServiceContext) => void | Promise<void>;
  stop: () => Promise<void>;
}
type JobDef = PeriodicDef | QueueDef | ServiceDef;

export interface RetryOptions {
  /** Retries after the first attempt before the job is dead-lettered. Default 5 (periodic: 1). */
  retryLimit?: number;
  /** First retry delay (s); doubles each time, with jitter, up to 10 minutes. Default 15. */
  retryDelaySeconds?: number;
  /** A run still going after this long (s) is taken to be dead and retried. Default 15 minutes. */
  timeoutSeconds?: number;
  /** How often (s) this instance looks for jobs when nothing wakes it. Default 2 (periodic: 10). */
  pollSeconds?: number;
}

export interface QueueOptions<T> extends RetryOptions {
  /** One job per key at a time, across instances (e.g. per drop-in session). */
  serialiseBy?: (data: T) => string;
  /** After the last attempt failed (before the job is dead-lettered). */
  onGiveUp?: (data: T, error: unknown) => Promise<void>;
}

export interface JobInfo {
  name: string;
  description: string;
  kind: 'periodic' | 'queue' | 'service';
  /** Cron schedule (periodic jobs). */
  schedule: string | null;
  /** Whether this instance runs it (JOBS_DISABLED). */
  enabled: boolean;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastOutcome: 'running' | 'ok' | 'failed' | null;
  lastError: string | null;
  lastSummary: Record<string, unknown> | null;
  /** Which instance ran it last. */
  lastInstance: string | null;
  runs: number;
  failures: number;
}

export interface JobRegistryOptions {
  boss: PgBoss;
  store: Store;
  log: Logger;
  /** Names of jobs this instance does not run. Unknown names are refused at start. */
  disabled?: Iterable<string>;
  /** This instance's name in job_status. Default host:pid. */
  instance?: string;
  /** Wraps each run (telemetry spans and metrics, src/telemetry.ts). */
  trace?: (name: string, run: () => Promise<void>) => Promise<void>;
}

const DAY = 86_400;

/** An error as stored and logged: its type and masked message, no ids or addresses. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return mask(`${err.name}: ${err.message}`);
  return mask(String(err));
}

export class JobRegistry {
  private readonly defs = new Map<string, JobDef>();
  private readonly disabled: Set<string>;
  private readonly instance: string;
  private started = false;
  private workers = false;
  private readonly running = new Set<string>();

  constructor(private readonly o: JobRegistryOptions) {
    this.disabled = new Set(o.disabled ?? []);
    this.instance = o.instance ?? `${hostname()}:${process.pid}`;
  }

  /** A job that runs on a schedule (cron, London time). */
  periodic(
    name: string,
    cron: string,
    description: string,
    run: (ctx: JobContext) => Promise<JobSummary | void>,
    o: RetryOptions = {},
  ): this {
    return this.add({ kind: 'periodic', name, cron, description, run, o });
  }

  /** A job queued by changes (`enqueue` in their transaction) and run after them. */
  queue<T>(
    name: string,
    description: string,
    run: (data: T, ctx: JobContext) => Promise<JobSummary | void>,
    o: QueueOptions<T> = {},
  ): this {
    return this.add({
      kind: 'queue',
      name,
      description,
      run: run as QueueDef['run'],
      o: o as QueueOptions<unknown>,
    });
  }

  /** Long-running work with its own loop, started and stopped with the app. */
  service(
    name: string,
    description: string,
    s: { start: (ctx: ServiceContext) => void | Promise<void>; stop: () => Promise<void> },
  ): this {
    return this.add({ kind: 'service', name, description, start: s.start, stop: s.stop });
  }

  private add(def: JobDef): this {
    if (this.started) throw new Error(`job ${def.name} registered after the jobs started`);
    if (this.defs.has(def.name)) throw new Error(`job ${def.name} is registered twice`);
    if (!/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/.test(def.name)) throw new Error(`job name ${def.name} is not valid`);
    this.defs.set(def.name, def);
    return this;
  }

  names(): string[] {
    return [...this.defs.keys()];
  }

  isEnabled(name: string): boolean {
    return this.defs.has(name) && !this.disabled.has(name);
  }

  /**
   * Install the queues (pg-boss schema, queues, dead-letter queues, schedules) and, with
   * `workers` (default), start the enabled jobs here. Without workers, jobs can still be queued
   * (and run by hand with `drain`): tests, and instances that only serve requests.
   */
  async start(opts: { workers?: boolean } = {}): Promise<void> {
    const unknown = [...this.disabled].filter((n) => !this.defs.has(n));
    if (unknown.length > 0)
      throw new Error(`JOBS_DISABLED names no such job: ${unknown.join(', ')} (jobs: ${this.names().join(', ')})`);
    const { boss, log } = this.o;
    boss.on('error', (err: unknown) => log.error({ err: errorText(err) }, 'job queue error'));
    await boss.start();
    for (const def of this.defs.values()) {
      if (def.kind === 'service') continue;
      const periodic = def.kind === 'periodic';
      const retryLimit = def.o.retryLimit ?? (periodic ? 1 : 5);
      const dead = `${def.name}.dead`;
      await boss.createQueue(dead, { retentionSeconds: 30 * DAY, deleteAfterSeconds: 30 * DAY });
      const retryDelay = def.o.retryDelaySeconds ?? 15;
      const options = {
        retryLimit,
        retryDelay,
        retryBackoff: retryDelay > 0,
        ...(retryDelay > 0 ? { retryDelayMax: 600 } : {}),
        expireInSeconds: def.o.timeoutSeconds ?? 900,
        deadLetter: dead,
        deleteAfterSeconds: 7 * DAY,
      };
      const serialised = periodic || (def.kind === 'queue' && def.o.serialiseBy !== undefined);
      await boss.createQueue(def.name, { ...options, policy: serialised ? 'stately' : 'standard' });
      await boss.updateQueue(def.name, options);
    }
    this.started = true;
    this.workers = opts.workers ?? true;
    if (!this.workers) return;
    for (const def of this.defs.values()) {
      if (!this.isEnabled(def.name)) {
        log.info({ job: def.name }, 'job disabled on this instance');
        continue;
      }
      if (def.kind === 'service') {
        await def.start({ record: (outcome, detail) => this.recordService(def.name, outcome, detail) });
        this.running.add(def.name);
        continue;
      }
      if (def.kind === 'periodic') {
        await boss.schedule(def.name, def.cron, null, { tz: 'Europe/London' });
        await boss.send(def.name, null);
      }
      const pollSeconds = def.o.pollSeconds ?? (def.kind === 'periodic' ? 10 : 2);
      await boss.work(
        def.name,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: pollSeconds },
        async (jobs: JobWithMetadata<object>[]) => {
          for (const job of jobs) await this.execute(def, job);
        },
      );
      this.running.add(def.name);
    }
    log.info({ jobs: [...this.running], instance: this.instance }, 'jobs started');
  }

  /**
   * Stop the jobs here: services stop (the dispatcher gives back what it claimed), no new jobs are
   * taken, running ones get up to `timeoutMs` to finish (one that does not is taken to be dead
   * after its timeout and retried by another instance).
   */
  async stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const { boss } = this.o;
    for (const def of this.defs.values()) {
      if (def.kind === 'service' && this.running.has(def.name)) await def.stop();
    }
    this.running.clear();
    await boss.stop({ graceful: true, timeout: opts.timeoutMs ?? 10_000 });
  }

  /**
   * Queue a job in the caller's transaction (`tx`): it exists exactly when the change commits.
   * Returns its id, or null when the job is serialised and an identical one is already waiting.
   */
  async enqueue(tx: Store, name: string, data: object): Promise<string | null> {
    const def = this.defs.get(name);
    if (!def || def.kind !== 'queue') throw new Error(`no queued job named ${name}`);
    const key = def.o.serialiseBy?.(data);
    return this.o.boss.send(name, data, {
      db: inTransaction(tx.db),
      ...(key !== undefined ? { singletonKey: key } : {}),
    });
  }

  /** The port workflows use (src/workflows/ports.ts `Jobs`). */
  port(): Jobs {
    return { enqueue: (tx: Store, job: JobRequest) => this.enqueue(tx, job.name, job.data) };
  }

  /** Run a periodic job now (it is not run twice at once; another waiting run makes this one a no-op). */
  async runNow(name: string): Promise<string | null> {
    const def = this.defs.get(name);
    if (!def || def.kind !== 'periodic') throw new Error(`no periodic job named ${name}`);
    return this.o.boss.send(name, null);
  }

  /**
   * Run what is due now in this process, until nothing is left (tests and one-off tools; the
   * workers do this on their own). Failed attempts are retried only once their back-off is due.
   */
  async drain(names: readonly string[] = this.names()): Promise<number> {
    let total = 0;
    for (;;) {
      let ran = 0;
      for (const name of names) {
        const def = this.defs.get(name);
        if (!def || def.kind === 'service') continue;
        const jobs = await this.o.boss.fetch<object>(name, { batchSize: 10, includeMetadata: true });
        for (const job of jobs) {
          try {
            await this.execute(def, job);
            await this.o.boss.complete(name, job.id);
          } catch (err) {
            await this.o.boss.fail(name, job.id, { message: errorText(err) });
          }
          ran++;
        }
      }
      if (ran === 0) return total;
      total += ran;
    }
  }

  /** Jobs of `name` that failed every attempt and were moved to its dead-letter queue (kept 30 days). */
  async deadLetters(name: string, limit = 100): Promise<{ id: string; data: unknown; createdOn: Date }[]> {
    const jobs = await this.o.boss.findJobs<object>(`${name}.dead`, { limit });
    return jobs.map((j) => ({ id: j.id, data: j.data, createdOn: j.createdOn }));
  }

  /** Every registered job with whether this instance runs it and its last run (from any instance). */
  async list(): Promise<JobInfo[]> {
    const runs = new Map((await this.o.store.jobRuns.list()).map((r) => [r.name, r]));
    return [...this.defs.values()].map((def) => {
      const r = runs.get(def.name);
      return {
        name: def.name,
        description: def.description,
        kind: def.kind,
        schedule: def.kind === 'periodic' ? def.cron : null,
        enabled: this.isEnabled(def.name),
        lastStartedAt: r?.lastStartedAt ?? null,
        lastFinishedAt: r?.lastFinishedAt ?? null,
        lastOutcome: r?.lastOutcome ?? null,
        lastError: r?.lastError ?? null,
        lastSummary: r?.lastSummary ?? null,
        lastInstance: r?.lastInstance ?? null,
        runs: r?.runs ?? 0,
        failures: r?.failures ?? 0,
      };
    });
  }

  /** One attempt of a job: recorded, logged (ids and counts only), errors rethrown for pg-boss to retry. */
  private async execute(def: PeriodicDef | QueueDef, job: Job<object> | JobWithMetadata<object>): Promise<void> {
    const store = this.o.store.jobRuns;
    const meta = job as Partial<JobWithMetadata>;
    const retryLimit = meta.retryLimit ?? def.o.retryLimit ?? 0;
    const ctx: JobContext = {
      attempt: job.retryCount + 1,
      lastAttempt: job.retryCount >= retryLimit,
      jobId: job.id,
      signal: job.signal,
    };
    await store.started(def.name, this.instance, new Date());
    const trace = this.o.trace ?? ((_name: string, run: () => Promise<void>) => run());
    try {
      const result: { summary: JobSummary | null } = { summary: null };
      await trace(def.name, async () => {
        result.summary = (def.kind === 'periodic' ? await def.run(ctx) : await def.run(job.data, ctx)) ?? null;
      });
      const { summary } = result;
      await store.finished(def.name, this.instance, new Date(), 'ok', null, summary);
      if (summary && Object.values(summary).some((v) => v !== 0 && v !== false))
        this.o.log.info({ job: def.name, ...summary }, 'job done');
    } catch (err) {
      const text = errorText(err);
      await store.finished(def.name, this.instance, new Date(), 'failed', text, null).catch(() => undefined);
      this.o.log.warn({ job: def.name, attempt: ctx.attempt, last: ctx.lastAttempt, err: text }, 'job failed');
      if (ctx.lastAttempt && def.kind === 'queue' && def.o.onGiveUp) {
        await def.o
          .onGiveUp(job.data, err)
          .catch((e: unknown) => this.o.log.error({ job: def.name, err: errorText(e) }, 'job give-up step failed'));
      }
      throw err;
    }
  }

  private lastService = new Map<string, { outcome: string; at: number }>();

  private async recordService(
    name: string,
    outcome: 'ok' | 'failed',
    detail: { error?: unknown; summary?: JobSummary } = {},
  ): Promise<void> {
    // A busy service reports often: write on a change of outcome, else at most every minute.
    const last = this.lastService.get(name);
    const now = Date.now();
    if (last && last.outcome === outcome && now - last.at < 60_000) return;
    this.lastService.set(name, { outcome, at: now });
    const at = new Date(now);
    await this.o.store.jobRuns.started(name, this.instance, at);
    await this.o.store.jobRuns.finished(
      name,
      this.instance,
      at,
      outcome,
      detail.error === undefined ? null : errorText(detail.error),
      detail.summary ?? null,
    );
  }
}
