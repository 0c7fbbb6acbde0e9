/**
 * The job queue under the registry: pg-boss (https://pgboss.io) in the app's own database, in its
 * own schema (`pgboss`, created and migrated by pg-boss at start). Claims use `FOR UPDATE SKIP
 * LOCKED`; retries, back-off, dead-letter queues, singleton policies and cron schedules are
 * pg-boss's.
 *
 * - PostgreSQL server: pg-boss keeps a small pool of its own to the same database, and listens
 *   for new jobs (LISTEN/NOTIFY), so a job queued by a transaction starts as soon as it commits.
 * - Embedded PGlite (local mode): one session for everything. pg-boss's statements run through
 *   the same lock as the app's transactions, so they never land inside one; jobs are polled.
 *
 * Jobs are queued inside the app's own Kysely transaction (`inTransaction`), so a job exists
 * exactly when the change that caused it commits.
 */
import { fromKysely, fromPglite, PgBoss, type Db, type KyselyTransactionLike } from 'pg-boss';
import type { DatabaseHandle } from '../store/database.js';

export const JOB_SCHEMA = 'pgboss';

export interface JobQueueOptions {
  /**
   * How often (s) an instance looks after the queues: expires jobs whose instance died (they are
   * retried), deletes old ones. Default 30.
   */
  superviseIntervalSeconds?: number;
}

/** A pg-boss instance for the app's database (not started). */
export function createJobQueue(database: DatabaseHandle, o: JobQueueOptions = {}): PgBoss {
  const common = {
    schema: JOB_SCHEMA,
    // pg-boss's registry of instances (a row per instance, refreshed every 30 s) samples the event
    // loop's delay on a 20 ms timer for it: 50 wake-ups a second on an idle instance. Nothing reads
    // the registry; the app's own telemetry and /readyz say how each instance is.
    registerInstance: false,
    superviseIntervalSeconds: o.superviseIntervalSeconds ?? 30,
    monitorIntervalSeconds: o.superviseIntervalSeconds ?? 30,
    // The flow resolver (jobs waiting on other jobs) looks every 5 s by default; the app queues no
    // such jobs, so once a minute is plenty.
    flowIntervalSeconds: 60,
    openTelemetry: { enabled: false },
  };
  if (database.pglite) {
    const { client, exclusive } = database.pglite;
    const inner = fromPglite(client);
    const db: Db = { executeSql: (text, values) => exclusive(() => inner.executeSql(text, values)) };
    return new PgBoss({ ...common, db, backend: 'pglite' });
  }
  if (!database.connectionString) throw new Error('the job queue needs the database URL');
  return new PgBoss({
    ...common,
    connectionString: database.connectionString,
    max: 4,
    application_name: 'wexqs-jobs',
    useListenNotify: true,
  });
}

/** Run pg-boss statements inside the caller's Kysely transaction (or on its connection). */
export function inTransaction(db: KyselyTransactionLike): Db {
  return fromKysely(db);
}
