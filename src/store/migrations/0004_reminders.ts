import { sql, type Kysely } from 'kysely';

/**
 * Reminders and proactive notifications: the outbox and what the dispatcher shares between
 * instances.
 * - reminder_outbox: one row per message to one person. Written in the same transaction as the
 *   change that causes it. Its identity (cycle, recipient, kind, due time, subject) is a unique
 *   constraint, so planning the schedule twice inserts nothing the second time. The dispatcher
 *   claims due rows with FOR UPDATE SKIP LOCKED and a lease (lease_owner/lease_until); a row is
 *   marked sent only after the Bot Connector accepted the message.
 * - reminder_mutes: kinds an admin has muted (never planned, never claimed).
 * - reminder_settings: per-cycle overrides of the reminder offsets / quiet hours (jsonb).
 * - notification_pacing: one row per app+tenant: the shared "throttled until" back-off and the
 *   next free send slot, so every instance together keeps to Teams' per-app rate.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE reminder_outbox (
      id text PRIMARY KEY,
      cycle_id text NOT NULL DEFAULT '',
      recipient_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('submission_deadline','dropin_upcoming','dropin_changed',
        'review_closing','decision_opening','decision_closing','award_expiry')),
      due_at timestamptz NOT NULL,
      subject_kind text NOT NULL,
      subject_id text NOT NULL,
      application_id text,
      booking_id text,
      session_id text,
      planned boolean NOT NULL DEFAULT false,
      send_after timestamptz NOT NULL,
      expires_at timestamptz,
      payload jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed','unreachable',
        'cancelled','dead_lettered')),
      attempts integer NOT NULL DEFAULT 0,
      lease_owner text,
      lease_until timestamptz,
      last_error text,
      activity_id text,
      conversation_id text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      sent_at timestamptz,
      CONSTRAINT reminder_outbox_identity UNIQUE (cycle_id, recipient_id, kind, due_at, subject_id)
    );
    CREATE INDEX reminder_outbox_due_idx ON reminder_outbox (send_after) WHERE status = 'pending';
    CREATE INDEX reminder_outbox_application_idx ON reminder_outbox (application_id) WHERE status = 'pending';
    CREATE INDEX reminder_outbox_booking_idx ON reminder_outbox (booking_id) WHERE status = 'pending';
    CREATE INDEX reminder_outbox_session_idx ON reminder_outbox (session_id) WHERE status = 'pending';
    CREATE INDEX reminder_outbox_recipient_idx ON reminder_outbox (recipient_id, status);
    CREATE INDEX reminder_outbox_status_idx ON reminder_outbox (status, kind);

    CREATE TABLE reminder_mutes (
      kind text PRIMARY KEY,
      muted_by text NOT NULL,
      muted_at timestamptz NOT NULL
    );

    CREATE TABLE reminder_settings (
      cycle_id text PRIMARY KEY REFERENCES cycles(id) ON DELETE CASCADE,
      settings jsonb NOT NULL,
      updated_at timestamptz NOT NULL,
      updated_by text NOT NULL
    );

    CREATE TABLE notification_pacing (
      id text PRIMARY KEY,
      throttled_until timestamptz NOT NULL,
      next_slot_at timestamptz NOT NULL,
      consecutive_throttles integer NOT NULL DEFAULT 0
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS notification_pacing, reminder_settings, reminder_mutes, reminder_outbox;`.execute(db);
}
