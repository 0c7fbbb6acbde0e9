/**
 * GET /readyz: whether this instance can do its work, for a load balancer or an operator.
 * `/healthz` stays the liveness probe (the process answers and the database responds).
 *
 * Answers 200 when the database answers, 503 when it does not, with JSON: the database check and
 * each background job (name, the setting that switches it off, enabled, and its last run and
 * outcome as counts). A job that failed its last run does not make the instance unready (the next
 * run tries again); its outcome is there to see. No secrets, no personal data: job summaries are
 * counts and reason codes.
 */
import type { Express } from 'express';
import { sql } from 'kysely';
import type { Services } from '../workflows/services.js';

/** One job as /readyz shows it (the shape any job registry can give). */
export interface ReadinessJob {
  name: string;
  setting?: string;
  enabled: boolean;
  running?: boolean;
  lastRun: {
    startedAt: string;
    finishedAt: string;
    outcome: 'succeeded' | 'failed';
    summary?: Record<string, unknown>;
  } | null;
}

export function mountReadiness(
  app: Express,
  deps: { svc: Services; engine: string; jobs: () => ReadinessJob[] | Promise<ReadinessJob[]> },
): void {
  app.get('/readyz', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    let database: { ok: boolean; engine: string };
    try {
      await sql`SELECT 1`.execute(deps.svc.store.db);
      database = { ok: true, engine: deps.engine };
    } catch {
      database = { ok: false, engine: deps.engine };
    }
    let jobs: ReadinessJob[] = [];
    try {
      jobs = await deps.jobs();
    } catch {
      jobs = [];
    }
    res.status(database.ok ? 200 : 503).json({ status: database.ok ? 'ready' : 'unavailable', database, jobs });
  });
}
