/**
 * Locks shared by every app instance: a PostgreSQL transaction-level advisory lock
 * (pg_advisory_xact_lock) held for the duration of `fn`, released when its transaction ends
 * (commit, rollback, or the connection dropping with a killed process).
 * https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS
 *
 * Use it for short read-modify-write sequences against an outside service that has no
 * concurrency control of its own (a calendar event's attendee list). `fn` must not use the
 * database through `db` (PGlite has one session, held by the lock's transaction).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

export async function withAdvisoryLock<T>(db: Kysely<DB>, key: string, fn: () => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
    return fn();
  });
}
