/**
 * The last run of each background job (migration 0012_jobs), whichever instance ran it, so any
 * instance can say how every job is doing (readiness, admins). Errors are stored as a type and a
 * masked message (the job library masks ids and addresses); summaries hold counts only.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

export interface JobRun {
  name: string;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastOutcome: 'running' | 'ok' | 'failed' | null;
  lastError: string | null;
  lastSummary: Record<string, unknown> | null;
  lastInstance: string | null;
  runs: number;
  failures: number;
}

export class JobStatusRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async started(name: string, instance: string, at: Date): Promise<void> {
    await this.db
      .insertInto('job_status')
      .values({
        name,
        last_started_at: at,
        last_outcome: 'running',
        last_instance: instance,
        updated_at: at,
      })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          last_started_at: at,
          last_outcome: 'running',
          last_instance: instance,
          updated_at: at,
        }),
      )
      .execute();
  }

  async finished(
    name: string,
    instance: string,
    startedAt: Date,
    at: Date,
    outcome: 'ok' | 'failed',
    error: string | null,
    summary: Record<string, unknown> | null,
  ): Promise<void> {
    const failed = outcome === 'failed' ? 1 : 0;
    const json = summary ? JSON.stringify(summary) : null;
    await this.db
      .insertInto('job_status')
      .values({
        name,
        last_started_at: startedAt,
        last_finished_at: at,
        last_outcome: outcome,
        last_error: error,
        last_summary: json,
        last_instance: instance,
        runs: 1,
        failures: failed,
        updated_at: at,
      })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          last_started_at: startedAt,
          last_finished_at: at,
          last_outcome: outcome,
          last_error: error,
          last_summary: json,
          last_instance: instance,
          runs: sql<number>`job_status.runs + 1`,
          failures: sql<number>`job_status.failures + ${failed}`,
          updated_at: at,
        }),
      )
      .execute();
  }

  async list(): Promise<JobRun[]> {
    const rows = await this.db.selectFrom('job_status').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      name: r.name,
      lastStartedAt: r.last_started_at ? new Date(r.last_started_at) : null,
      lastFinishedAt: r.last_finished_at ? new Date(r.last_finished_at) : null,
      lastOutcome: r.last_outcome,
      lastError: r.last_error,
      lastSummary:
        typeof r.last_summary === 'string'
          ? (JSON.parse(r.last_summary) as Record<string, unknown>)
          : (r.last_summary as Record<string, unknown> | null),
      lastInstance: r.last_instance,
      runs: Number(r.runs),
      failures: Number(r.failures),
    }));
  }
}
