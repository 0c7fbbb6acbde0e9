/**
 * The background jobs an app instance runs, in one place: each is a plain function (idempotent,
 * resumable, safe on several instances at once) run every so often, or a long-running service
 * (the reminder dispatcher). Each can be switched off per instance (config.jobs, JOB_* settings).
 * This keeps, per job, whether it is enabled and how its last run went, for /readyz.
 *
 * Runs and outcomes are kept in this process only; they carry counts and reason codes, never
 * personal data or secrets.
 */
import { jobSetting, type JobName } from './config.js';
import type { Clock } from './domain/time.js';
import type { Logger } from './log.js';

export type JobSummary = Record<string, number | string | boolean>;

export interface JobRun {
  startedAt: string;
  finishedAt: string;
  outcome: 'succeeded' | 'failed';
  /** Counts the job reported (succeeded) or the error's type (failed). */
  summary: JobSummary;
}

/** What /readyz shows of a job. */
export interface JobStatus {
  name: JobName;
  /** The setting that switches it off on an instance. */
  setting: string;
  enabled: boolean;
  kind: 'periodic' | 'service';
  /** Periodic jobs: real ms between runs. */
  everyMs?: number;
  running: boolean;
  lastRun: JobRun | null;
  runs: number;
  failures: number;
  /** Service jobs: their own counters (counts only). */
  counters?: JobSummary;
}

interface PeriodicJob {
  kind: 'periodic';
  name: JobName;
  enabled: boolean;
  everyMs: number;
  run: () => Promise<JobSummary | void>;
  timer: NodeJS.Timeout | null;
  inFlight: Promise<JobRun> | null;
  lastRun: JobRun | null;
  runs: number;
  failures: number;
}

interface ServiceJob {
  kind: 'service';
  name: JobName;
  enabled: boolean;
  start: () => void;
  stop: () => Promise<void>;
  /** The service's own counters (ids and counts only). */
  status?: () => JobSummary;
  started: boolean;
}

type Job = PeriodicJob | ServiceJob;

export class UnknownJobError extends Error {}
export class JobDisabledError extends Error {}

export class BackgroundJobs {
  private readonly jobs = new Map<JobName, Job>();
  private started = false;

  constructor(
    private readonly o: {
      clock: Clock;
      log: Logger;
    },
  ) {}

  /** A job run every `everyMs` (and once at start). */
  periodic(name: JobName, opts: { enabled: boolean; everyMs: number; run: () => Promise<JobSummary | void> }): void {
    this.add({ kind: 'periodic', name, ...opts, timer: null, inFlight: null, lastRun: null, runs: 0, failures: 0 });
  }

  /** A long-running job with its own loop. */
  service(
    name: JobName,
    opts: { enabled: boolean; start: () => void; stop: () => Promise<void>; status?: () => JobSummary },
  ): void {
    this.add({ kind: 'service', name, ...opts, started: false });
  }

  private add(job: Job): void {
    if (this.jobs.has(job.name)) throw new Error(`job ${job.name} registered twice`);
    this.jobs.set(job.name, job);
  }

  /** Starts every enabled job. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const job of this.jobs.values()) {
      if (!job.enabled) {
        this.o.log.info(
          { job: job.name, setting: jobSetting(job.name) },
          'background job switched off on this instance',
        );
        continue;
      }
      if (job.kind === 'service') {
        job.start();
        job.started = true;
      } else {
        job.timer = setInterval(() => void this.runNow(job.name).catch(() => undefined), job.everyMs);
        job.timer.unref();
        void this.runNow(job.name).catch(() => undefined);
      }
    }
  }

  /**
   * Runs a periodic job now (a run already in progress is joined, not doubled). Refuses a job
   * that is switched off on this instance, or not registered.
   */
  async runNow(name: JobName): Promise<JobRun> {
    const job = this.jobs.get(name);
    if (!job || job.kind !== 'periodic') throw new UnknownJobError(`no periodic job ${name}`);
    if (!job.enabled) throw new JobDisabledError(`job ${name} is switched off on this instance (${jobSetting(name)})`);
    job.inFlight ??= this.execute(job).finally(() => {
      job.inFlight = null;
    });
    return job.inFlight;
  }

  private async execute(job: PeriodicJob): Promise<JobRun> {
    const startedAt = this.o.clock.now().toISOString();
    let run: JobRun;
    try {
      const summary = (await job.run()) ?? {};
      run = { startedAt, finishedAt: this.o.clock.now().toISOString(), outcome: 'succeeded', summary };
    } catch (err) {
      job.failures++;
      const type = err instanceof Error ? err.name : typeof err;
      run = { startedAt, finishedAt: this.o.clock.now().toISOString(), outcome: 'failed', summary: { error: type } };
      this.o.log.error(
        {
          job: job.name,
          err: err instanceof Error ? { type: err.name, message: err.message } : { value: String(err) },
        },
        'background job failed',
      );
    }
    job.runs++;
    job.lastRun = run;
    return run;
  }

  /** Whether a job is registered and switched on here. */
  isEnabled(name: JobName): boolean {
    return this.jobs.get(name)?.enabled ?? false;
  }

  status(): JobStatus[] {
    return [...this.jobs.values()].map((job) =>
      job.kind === 'periodic'
        ? {
            name: job.name,
            setting: jobSetting(job.name),
            enabled: job.enabled,
            kind: job.kind,
            everyMs: job.everyMs,
            running: job.inFlight !== null,
            lastRun: job.lastRun,
            runs: job.runs,
            failures: job.failures,
          }
        : {
            name: job.name,
            setting: jobSetting(job.name),
            enabled: job.enabled,
            kind: job.kind,
            running: job.started,
            lastRun: null,
            runs: 0,
            failures: 0,
            ...(job.status ? { counters: job.status() } : {}),
          },
    );
  }

  /** Stops every job; runs in progress finish first. */
  async stop(): Promise<void> {
    for (const job of this.jobs.values()) {
      if (job.kind === 'periodic') {
        if (job.timer) clearInterval(job.timer);
        job.timer = null;
        await job.inFlight?.catch(() => undefined);
      } else if (job.started) {
        job.started = false;
        await job.stop();
      }
    }
    this.started = false;
  }
}
