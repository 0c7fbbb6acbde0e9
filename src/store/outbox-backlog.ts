import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

/** Reminders waiting to be sent, and how long the oldest due one has waited (for telemetry). */
export async function outboxBacklog(
  db: Kysely<DB>,
  now: Date,
): Promise<{ pending: number; oldestDueAgeSeconds: number }> {
  const r = await sql<{ pending: string; oldest_due: Date | null }>`
    SELECT count(*) AS pending, min(send_after) FILTER (WHERE send_after <= ${now}) AS oldest_due
    FROM reminder_outbox WHERE status = 'pending'
  `.execute(db);
  const row = r.rows[0];
  const oldest = row?.oldest_due ? new Date(row.oldest_due) : null;
  return {
    pending: Number(row?.pending ?? 0),
    oldestDueAgeSeconds: oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0,
  };
}
