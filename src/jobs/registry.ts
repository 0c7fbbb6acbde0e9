/**
 * One registry for every background job of the app, over one job library (pg-boss, see
 * job-queue.ts). A job is registered with one line:
 *
 *   jobs.periodic('attendance', { cron: '*\/15 * * * *', description, run: () => collect(svc) });
 *   jobs.queue('meeting-attendees', description, (d) => sync(svc, d.sessionId), { serialiseBy: (d) => d.sessionId });
 *   jobs.service('reminder-dispatch', description, { start, stop, status });
 *
 * - periodic: a cron schedule (London time) kept in the database; one run at a time across all
 *   instances (pg-boss `stately` policy: one waiting, one running), also run once at start.
 *   `runNow` runs one here at once (a run in progress here is joined, not doubled).
 * - queue: work queued by a change, in its transaction (`enqueue`), retried with exponential
 *   back-off and then moved to a dead-letter queue (`<name>.dead`, kept for inspection);
 *   `serialiseBy` runs one job per key at a time across instances (a newer request while one
 *   waits adds nothing: jobs here bring things in line with the database, they carry no orders).
 * - service: long-running work with its own loop (the notification dispatcher).
 *
 * Every job is on in every mode unless this instance's JOB_* setting switches it off
 * (src/config.ts `jobSetting`). Each run's start, end, outcome and error (type and a masked
 * message, no personal data) and a summary of counts are written to `job_status`, so any instance
 * reports every job (`status`, shown by /readyz).
 */
import { hostname } from 'node:os';
import type { Job, JobWithMetadata, PgBoss } from 'pg-boss';
import { jobSetting } from '../config.js';
import type { Clock } from '../domain/time.js';
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
  /** The id of the job (a queued job's id is what `enqueue` returned; '' for a run started by `runNow`). */
  jobId: string;
  signal: AbortSignal;
}

export interface ServiceContext {
  /** Record how the service is doing (at most now and then: on a change of outcome, or every minute). */
  record(outcome: 'ok' | 'failed', detail?: { error?: unknown; summary?: JobSummary }): Promise<void>;
}

/** One finished run, as /readyz shows it. */
export interface JobRun {
  startedAt: string;
  finishedAt: string;
  outcome: 'succeeded' | 'failed';
  /** Counts the job reported (succeeded) or the error's type (failed). */
  summary: JobSummary;
}

/** What /readyz shows of a job. */
export interface JobStatus {
  name: string;
  /** The setting that switches it off on an instance. */
  setting: string;
  description: string;
  /** Whether this instance runs it. */
  enabled: boolean;
  kind: 'periodic' | 'queue' | 'service';
  /** Cron schedule, London time (periodic jobs). */
  schedule?: string;
  /** Running now: here (periodic: a run in progress; service: started), or on any instance per job_status. */
  running: boolean;
  /** The last finished run, on whichever instance ran it. */
  lastRun: JobRun | null;
  /** Which instance ran it last. */
  lastInstance: string | null;
  runs: number;
  failures: number;
  /** Service jobs on this instance: their own counters (counts only). */
  counters?: JobSummary;
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
  status?: () => JobSummary;
}
type JobDef = PeriodicDef | QueueDef | ServiceDef;

export interface RetryOptions {
  /** Retries after the first attempt before the job is dead-lettered. Default 5 (periodic: 1). */
  retryLimit?: number;
  /** First retry delay (s); doubles each time, with jitter, up to 10 minutes. Default 15. */
  retryDelaySeconds?: number;
  /** A run still going after this long (s) is taken to be dead and retried. Default 15 minutes. */
  timeoutSeconds?: number;
  /**
   * How often (s) this instance looks for jobs when nothing wakes it. Default 2 (periodic: 10).
   * While its workers hear the queue's notices (a PostgreSQL server), every NOTIFIED_POLL_SECONDS
   * at most often: the poll is then only a backstop.
   */
  pollSeconds?: number;
}

export interface QueueOptions<T> extends RetryOptions {
  /** One job per key at a time, across instances (e.g. per drop-in session). */
  serialiseBy?: (data: T) => string;
  /** After the last attempt failed (before the job is dead-lettered). */
  onGiveUp?: (data: T, error: unknown) => Promise<void>;
}

export interface JobRegistryOptions {
  boss: PgBoss;
  store: Store;
  log: Logger;
  /** Times runs are recorded with. */
  clock: Clock;
  /** Whether this instance runs each job (config.jobs, the JOB_* settings); a job not named is on. */
  enabled?: Readonly<Record<string, boolean>>;
  /** This instance's name in job_status. Default host:pid. */
  instance?: string;
  /** Wraps each run (telemetry spans and metrics, src/telemetry.ts). */
  trace?: (name: string, run: () => Promise<void>) => Promise<void>;
}

const DAY = 86_400;

/**
 * Seconds between a worker's polls while it hears its queue's notices (LISTEN/NOTIFY on a
 * PostgreSQL server): a job wakes it when the transaction that queued it commits, and a notice
 * lost while the listening connection was down is covered by pg-boss fetching once it is back.
 */
export const NOTIFIED_POLL_SECONDS = 30;

export class UnknownJobError extends Error {
  override readonly name = 'UnknownJobError';
}
export class JobDisabledError extends Error {
  override readonly name = 'JobDisabledError';
}

/** An error as stored and logged: its type and masked message, no ids or addresses. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return mask(`${err.name}: ${err.message}`);
  return mask(String(err));
}

function errorType(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

export class JobRegistry {
  private readonly defs = new Map<string, JobDef>();
  private readonly instance: string;
  private started = false;
  private readonly running = new Set<string>();
  /** Periodic runs in progress here (runNow joins them). */
  private readonly inFlight = new Map<string, Promise<JobRun>>();
  private readonly lastService = new Map<string, { outcome: string; at: number }>();

  constructor(private readonly o: JobRegistryOptions) {
    this.instance = o.instance ?? `${hostname()}:${process.pid}`;
  }

  /** A job that runs on a schedule (cron, London time) and once at start. */
  periodic(
    name: string,
    def: { cron: string; description: string; run: (ctx: JobContext) => Promise<JobSummary | void> } & RetryOptions,
  ): this {
    const { cron, description, run, ...o } = def;
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
    s: {
      start: (ctx: ServiceContext) => void | Promise<void>;
      stop: () => Promise<void>;
      /** The service's own counters (ids and counts only). */
      status?: () => JobSummary;
    },
  ): this {
    return this.add({ kind: 'service', name, description, ...s });
  }

  private add(def: JobDef): this {
    if (this.started) throw new Error(`job ${def.name} registered after the jobs started`);
    if (this.defs.has(def.name)) throw new Error(`job ${def.name} registered twice`);
    if (!/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/.test(def.name)) throw new Error(`job name ${def.name} is not valid`);
    this.defs.set(def.name, def);
    return this;
  }

  names(): string[] {
    return [...this.defs.keys()];
  }

  /** Whether a job is registered and switched on here. */
  isEnabled(name: string): boolean {
    return this.defs.has(name) && this.o.enabled?.[name] !== false;
  }

  /**
   * Install the queues (pg-boss schema, queues, dead-letter queues, schedules) and, with
   * `workers` (default), start the enabled jobs here. Without workers, jobs can still be queued
   * (and run by hand with `drain` or `runNow`): tests, and instances that only serve requests.
   */
  async start(opts: { workers?: boolean } = {}): Promise<void> {
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
        // A job's insert also sends NOTIFY (delivered when the inserting transaction commits), so
        // workers listening on a PostgreSQL server start it at once rather than at their next poll.
        notify: true,
      };
      const serialised = periodic || (def.kind === 'queue' && def.o.serialiseBy !== undefined);
      await boss.createQueue(def.name, { ...options, policy: serialised ? 'stately' : 'standard' });
      await boss.updateQueue(def.name, options);
    }
    this.started = true;
    if (!(opts.workers ?? true)) return;
    for (const def of this.defs.values()) {
      if (!this.isEnabled(def.name)) {
        log.info({ job: def.name, setting: jobSetting(def.name) }, 'background job switched off on this instance');
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
        {
          batchSize: 1,
          includeMetadata: true,
          pollingIntervalSeconds: pollSeconds,
          notifyPollingIntervalSeconds: Math.max(NOTIFIED_POLL_SECONDS, pollSeconds),
        },
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
    await Promise.all([...this.inFlight.values()].map((p) => p.catch(() => undefined)));
  }

  /**
   * Queue a job in the caller's transaction (`tx`): it exists exactly when the change commits.
   * Returns its id, or null when the job is serialised and an identical one is already waiting.
   */
  async enqueue(tx: Store, name: string, data: object): Promise<string | null> {
    const def = this.defs.get(name);
    if (!def || def.kind !== 'queue') throw new UnknownJobError(`no queued job named ${name}`);
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

  /**
   * Run a periodic job here now and return how it went (a run already in progress here is joined,
   * not doubled). Refuses a job that is switched off on this instance, or not registered.
   */
  async runNow(name: string): Promise<JobRun> {
    const def = this.defs.get(name);
    if (!def || def.kind !== 'periodic') throw new UnknownJobError(`no periodic job ${name}`);
    if (!this.isEnabled(name))
      throw new JobDisabledError(`job ${name} is switched off on this instance (${jobSetting(name)})`);
    return this.runHere(def, { attempt: 1, lastAttempt: true, jobId: '', signal: new AbortController().signal }).catch(
      (err: unknown) => {
        if (err instanceof RunFailed) return err.run;
        throw err;
      },
    );
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

  /** Every registered job: whether this instance runs it, and its last run on any instance. */
  async status(): Promise<JobStatus[]> {
    const runs = new Map((await this.o.store.jobRuns.list()).map((r) => [r.name, r]));
    return [...this.defs.values()].map((def) => {
      const r = runs.get(def.name);
      const finished = r?.lastFinishedAt && r.lastOutcome !== 'running' && r.lastOutcome !== null;
      const here = def.kind === 'service' ? this.running.has(def.name) : this.inFlight.has(def.name) || false;
      return {
        name: def.name,
        setting: jobSetting(def.name),
        description: def.description,
        enabled: this.isEnabled(def.name),
        kind: def.kind,
        ...(def.kind === 'periodic' ? { schedule: def.cron } : {}),
        running: here || (def.kind !== 'service' && r?.lastOutcome === 'running'),
        lastRun: finished
          ? {
              startedAt: (r.lastStartedAt ?? r.lastFinishedAt!).toISOString(),
              finishedAt: r.lastFinishedAt!.toISOString(),
              outcome: r.lastOutcome === 'ok' ? 'succeeded' : 'failed',
              summary: (r.lastSummary ?? {}) as JobSummary,
            }
          : null,
        lastInstance: r?.lastInstance ?? null,
        runs: r?.runs ?? 0,
        failures: r?.failures ?? 0,
        ...(def.kind === 'service' && def.status && this.running.has(def.name) ? { counters: def.status() } : {}),
      };
    });
  }

  /** One attempt taken from the queue: recorded, errors rethrown for pg-boss to retry. */
  private async execute(def: PeriodicDef | QueueDef, job: Job<object> | JobWithMetadata<object>): Promise<void> {
    const meta = job as Partial<JobWithMetadata>;
    const retryLimit = meta.retryLimit ?? def.o.retryLimit ?? 0;
    const ctx: JobContext = {
      attempt: job.retryCount + 1,
      lastAttempt: job.retryCount >= retryLimit,
      jobId: job.id,
      signal: job.signal,
    };
    try {
      await (def.kind === 'periodic' ? this.runHere(def, ctx) : this.attempt(def, ctx, job.data));
    } catch (err) {
      throw err instanceof RunFailed ? err.cause : err;
    }
  }

  /** A periodic run here; a run already in progress here is joined. */
  private runHere(def: PeriodicDef, ctx: JobContext): Promise<JobRun> {
    let p = this.inFlight.get(def.name);
    if (!p) {
      p = this.attempt(def, ctx, null).finally(() => this.inFlight.delete(def.name));
      this.inFlight.set(def.name, p);
    }
    return p;
  }

  /** One run: recorded in job_status and logged (ids and counts only); a failure rejects with RunFailed. */
  private async attempt(def: PeriodicDef | QueueDef, ctx: JobContext, data: unknown): Promise<JobRun> {
    const store = this.o.store.jobRuns;
    const startedAt = this.o.clock.now();
    await store.started(def.name, this.instance, startedAt);
    const trace = this.o.trace ?? ((_name: string, run: () => Promise<void>) => run());
    try {
      const result: { summary: JobSummary } = { summary: {} };
      await trace(def.name, async () => {
        result.summary = (def.kind === 'periodic' ? await def.run(ctx) : await def.run(data, ctx)) ?? {};
      });
      const { summary } = result;
      const finishedAt = this.o.clock.now();
      await store.finished(def.name, this.instance, startedAt, finishedAt, 'ok', null, summary);
      if (Object.values(summary).some((v) => v !== 0 && v !== false))
        this.o.log.info({ job: def.name, ...summary }, 'job done');
      return {
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        outcome: 'succeeded',
        summary,
      };
    } catch (err) {
      const finishedAt = this.o.clock.now();
      const summary = { error: errorType(err) };
      await store
        .finished(def.name, this.instance, startedAt, finishedAt, 'failed', errorText(err), summary)
        .catch(() => undefined);
      this.o.log.warn(
        { job: def.name, attempt: ctx.attempt, last: ctx.lastAttempt, err: errorText(err) },
        'job failed',
      );
      if (ctx.lastAttempt && def.kind === 'queue' && def.o.onGiveUp) {
        await def.o
          .onGiveUp(data, err)
          .catch((e: unknown) => this.o.log.error({ job: def.name, err: errorText(e) }, 'job give-up step failed'));
      }
      throw new RunFailed(
        { startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), outcome: 'failed', summary },
        err,
      );
    }
  }

  private async recordService(
    name: string,
    outcome: 'ok' | 'failed',
    detail: { error?: unknown; summary?: JobSummary } = {},
  ): Promise<void> {
    // A busy service reports often: write on a change of outcome, else at most every minute.
    const last = this.lastService.get(name);
    const t = performance.now();
    if (last && last.outcome === outcome && t - last.at < 60_000) return;
    this.lastService.set(name, { outcome, at: t });
    const at = this.o.clock.now();
    await this.o.store.jobRuns.finished(
      name,
      this.instance,
      at,
      at,
      outcome,
      detail.error === undefined ? null : errorText(detail.error),
      detail.error === undefined ? (detail.summary ?? null) : { ...detail.summary, error: errorType(detail.error) },
    );
  }
}

/** A run that failed, with how it was recorded. */
class RunFailed extends Error {
  override readonly name = 'RunFailed';
  constructor(
    readonly run: JobRun,
    override readonly cause: unknown,
  ) {
    super('job run failed');
  }
}
