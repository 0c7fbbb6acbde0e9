import { sql, type Kysely } from 'kysely';

/**
 * Evidence folders verified private, and drop-in meetings created with a fresh transaction id.
 * - evidence_folders.is_private becomes true only once the folder's permissions were read back
 *   with no site group or inherited access left. Folders recorded private before this (on the
 *   strength of the sharing call alone) were never checked: they count as not private until the
 *   next provisioning run checks (and if need be repairs) them.
 * - dropin_sessions.graph_transaction_id: the transactionId of the calendar event being created
 *   for the session. Kept until Graph confirms the event (so a retried POST is not a second event)
 *   and cleared then, so a later event for the session gets a new one: Graph refuses a
 *   transactionId used for another event, even a cancelled one (ErrorDuplicateTransactionId).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    UPDATE evidence_folders SET is_private = false;
    ALTER TABLE dropin_sessions ADD COLUMN graph_transaction_id text;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE dropin_sessions DROP COLUMN IF EXISTS graph_transaction_id;`.execute(db);
}
