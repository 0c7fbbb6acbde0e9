import { sql, type Kysely } from 'kysely';

/**
 * Provisioning runs, shared by every app instance: what the progress card shows (done, failed,
 * status) lives here rather than in one process's memory, so any instance answers "Show progress".
 * - One active run per cycle (a partial unique index), so two admins clicking on two instances
 *   start one run, not two.
 * - The instance running it refreshes heartbeat_at; a run whose heartbeat is stale (its instance
 *   stopped or was killed) is reported as interrupted and a new run may start.
 * - failures hold organisation ids and short reasons, never names or e-mail addresses.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE provisioning_runs (
      id text PRIMARY KEY,
      cycle_id text NOT NULL,
      started_by text NOT NULL,
      status text NOT NULL CHECK (status IN ('starting','running','finished','failed','interrupted')),
      total integer NOT NULL,
      done integer NOT NULL DEFAULT 0,
      failed integer NOT NULL DEFAULT 0,
      failures jsonb NOT NULL DEFAULT '[]'::jsonb,
      owner text NOT NULL,
      started_at timestamptz NOT NULL,
      heartbeat_at timestamptz NOT NULL,
      finished_at timestamptz
    );
    CREATE UNIQUE INDEX provisioning_runs_one_active ON provisioning_runs (cycle_id)
      WHERE status IN ('starting','running');
    CREATE INDEX provisioning_runs_owner_idx ON provisioning_runs (owner) WHERE status IN ('starting','running');
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS provisioning_runs;`.execute(db);
}
