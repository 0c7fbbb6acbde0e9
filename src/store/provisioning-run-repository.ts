import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, ProvisioningRunsTable } from './schema.js';

export type ProvisioningRunStatus = 'starting' | 'running' | 'finished' | 'failed' | 'interrupted';

export interface ProvisioningRun {
  id: string;
  cycleId: string;
  startedBy: string;
  status: ProvisioningRunStatus;
  total: number;
  done: number;
  failed: number;
  /** Organisation ids and short reasons; never names or e-mail addresses. */
  failures: { organisationId: string; reason: string }[];
  /** The app instance running it. */
  owner: string;
  startedAt: Date;
  heartbeatAt: Date;
  finishedAt: Date | null;
}

const ACTIVE = ['starting', 'running'] as const;

type Row = Selectable<ProvisioningRunsTable>;

/**
 * Provisioning runs shared by every app instance (migration 0011). At most one active run per
 * cycle; an active run whose heartbeat is older than `staleMs` belongs to an instance that stopped
 * and is reported (and recorded, when a new run starts) as interrupted.
 */
export class ProvisioningRunRepository {
  constructor(private readonly db: Kysely<DB>) {}

  private async row(id: string): Promise<Row | undefined> {
    return this.db.selectFrom('provisioning_runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  private static toRun(r: Row): ProvisioningRun {
    return {
      id: r.id,
      cycleId: r.cycle_id,
      startedBy: r.started_by,
      status: r.status,
      total: r.total,
      done: r.done,
      failed: r.failed,
      failures: r.failures,
      owner: r.owner,
      startedAt: r.started_at,
      heartbeatAt: r.heartbeat_at,
      finishedAt: r.finished_at,
    };
  }

  /**
   * Start a run for the cycle unless one is already active (on any instance). Returns the run that
   * is active afterwards and whether this call started it. A stale active run is first marked
   * interrupted. Concurrent calls for one cycle start exactly one run (unique partial index).
   */
  async start(input: {
    id: string;
    cycleId: string;
    startedBy: string;
    total: number;
    owner: string;
    now: Date;
    staleMs: number;
  }): Promise<{ run: ProvisioningRun; started: boolean }> {
    const staleBefore = new Date(input.now.getTime() - input.staleMs);
    await this.db
      .updateTable('provisioning_runs')
      .set({ status: 'interrupted', finished_at: input.now })
      .where('cycle_id', '=', input.cycleId)
      .where('status', 'in', ACTIVE)
      .where('heartbeat_at', '<', staleBefore)
      .execute();
    const inserted = await sql<{ id: string }>`
      INSERT INTO provisioning_runs (id, cycle_id, started_by, status, total, failures, owner, started_at, heartbeat_at)
      VALUES (${input.id}, ${input.cycleId}, ${input.startedBy}, 'starting', ${input.total}, '[]'::jsonb,
              ${input.owner}, ${input.now}, ${input.now})
      ON CONFLICT (cycle_id) WHERE status IN ('starting','running') DO NOTHING
      RETURNING id
    `.execute(this.db);
    const started = inserted.rows.length === 1;
    const active = await this.db
      .selectFrom('provisioning_runs')
      .selectAll()
      .where('cycle_id', '=', input.cycleId)
      .where(started ? sql<boolean>`id = ${input.id}` : sql<boolean>`status IN ('starting','running')`)
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!active) {
      // The active run finished between the insert and the read: report the latest one.
      const latest = await this.latest(input.cycleId);
      if (!latest) throw new Error('provisioning run vanished');
      return { run: latest, started };
    }
    return { run: ProvisioningRunRepository.toRun(active), started };
  }

  /**
   * The instance about to do the run's work takes it over (the job doing it may run on any
   * instance, and again after a crash): a run not yet started, a running one whose instance
   * stopped beating, or an interrupted one that no later run has replaced. Null when the run
   * finished, failed, is being done by a live instance, or was replaced.
   */
  async takeOver(id: string, owner: string, now: Date, staleMs: number): Promise<ProvisioningRun | null> {
    const staleBefore = new Date(now.getTime() - staleMs);
    const r = await sql<Row>`
      UPDATE provisioning_runs r
         SET status = 'running', owner = ${owner}, heartbeat_at = ${now}, finished_at = NULL
       WHERE r.id = ${id}
         AND (r.status = 'starting'
              OR (r.status = 'running' AND (r.owner = ${owner} OR r.heartbeat_at < ${staleBefore}))
              OR (r.status = 'interrupted' AND NOT EXISTS (
                    SELECT 1 FROM provisioning_runs o
                     WHERE o.cycle_id = r.cycle_id AND o.id <> r.id
                       AND (o.status IN ('starting','running') OR o.started_at > r.started_at))))
      RETURNING r.*`.execute(this.db);
    const row = r.rows[0];
    return row ? ProvisioningRunRepository.toRun(row) : null;
  }

  /** Progress from the instance that owns the run (also its heartbeat). False if no longer active. */
  async progress(id: string, p: { done: number; failed: number; now: Date }): Promise<boolean> {
    const r = await this.db
      .updateTable('provisioning_runs')
      .set({ status: 'running', done: p.done, failed: p.failed, heartbeat_at: p.now })
      .where('id', '=', id)
      .where('status', 'in', ACTIVE)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async finish(
    id: string,
    outcome: {
      status: 'finished' | 'failed' | 'interrupted';
      done: number;
      failed: number;
      failures: { organisationId: string; reason: string }[];
      now: Date;
    },
  ): Promise<void> {
    await this.db
      .updateTable('provisioning_runs')
      .set({
        status: outcome.status,
        done: outcome.done,
        failed: outcome.failed,
        failures: JSON.stringify(outcome.failures),
        heartbeat_at: outcome.now,
        finished_at: outcome.now,
      })
      .where('id', '=', id)
      .where('status', 'in', ACTIVE)
      .execute();
  }

  /** Mark every active run of one instance interrupted (its graceful shutdown). Returns how many. */
  async releaseOwner(owner: string, now: Date): Promise<number> {
    const r = await this.db
      .updateTable('provisioning_runs')
      .set({ status: 'interrupted', finished_at: now })
      .where('owner', '=', owner)
      .where('status', 'in', ACTIVE)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** The run, with an active run whose heartbeat is older than `staleMs` reported as interrupted. */
  async get(id: string, now: Date, staleMs: number): Promise<ProvisioningRun | null> {
    const r = await this.row(id);
    if (!r) return null;
    const run = ProvisioningRunRepository.toRun(r);
    const active = (ACTIVE as readonly string[]).includes(run.status);
    return active && now.getTime() - run.heartbeatAt.getTime() > staleMs ? { ...run, status: 'interrupted' } : run;
  }

  async latest(cycleId: string): Promise<ProvisioningRun | null> {
    const r = await this.db
      .selectFrom('provisioning_runs')
      .selectAll()
      .where('cycle_id', '=', cycleId)
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? ProvisioningRunRepository.toRun(r) : null;
  }
}
