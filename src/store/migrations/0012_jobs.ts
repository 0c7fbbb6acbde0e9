import { sql, type Kysely } from 'kysely';

/**
 * Background jobs and notifications beyond reminders.
 * - job_status: the last run of each background job (src/jobs), whichever instance ran it: when
 *   it started and finished, its outcome, the error (type and a masked message, never personal
 *   data) and counts, so any instance can report every job (readiness, admins). The job queue
 *   itself (pg-boss) keeps its tables in its own schema, `pgboss`, created and migrated by pg-boss.
 * - reminder_outbox: also carries the notifications that actions cause (application opened,
 *   reviewer assigned, questions and answers, recommendation, decision, waitlist promotion, a
 *   delivery problem for admins). `held_for` names a job a message waits for (the evidence folder
 *   link is sent once the folder exists); a held row is never claimed.
 * - notification_alerts: configuration faults that stop notifications (e.g. the app's own
 *   missing Graph consent), with when they were first and last seen and when they cleared, so
 *   admins see them and nobody is marked unreachable because of them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE job_status (
      name text PRIMARY KEY,
      last_started_at timestamptz,
      last_finished_at timestamptz,
      last_outcome text CHECK (last_outcome IN ('running', 'ok', 'failed')),
      last_error text,
      last_summary jsonb,
      last_instance text,
      runs bigint NOT NULL DEFAULT 0,
      failures bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL
    );

    ALTER TABLE reminder_outbox DROP CONSTRAINT reminder_outbox_kind_check;
    ALTER TABLE reminder_outbox ADD CONSTRAINT reminder_outbox_kind_check CHECK (kind IN (
      'submission_deadline', 'dropin_upcoming', 'dropin_changed', 'review_closing', 'decision_opening',
      'decision_closing', 'award_expiry', 'decision_communicated', 'review_outcome',
      'application_opened', 'reviewer_assigned', 'clarification_asked', 'clarification_answered',
      'recommendation_made', 'waitlist_promoted', 'delivery_problem'));
    ALTER TABLE reminder_outbox ADD COLUMN held_for text;
    CREATE INDEX reminder_outbox_held_idx ON reminder_outbox (application_id, held_for) WHERE held_for IS NOT NULL;

    CREATE TABLE notification_alerts (
      code text PRIMARY KEY,
      message text NOT NULL,
      first_seen_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      occurrences bigint NOT NULL DEFAULT 1,
      cleared_at timestamptz
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS notification_alerts, job_status;
    DROP INDEX IF EXISTS reminder_outbox_held_idx;
    ALTER TABLE reminder_outbox DROP COLUMN IF EXISTS held_for;
    ALTER TABLE reminder_outbox DROP CONSTRAINT reminder_outbox_kind_check;
    ALTER TABLE reminder_outbox ADD CONSTRAINT reminder_outbox_kind_check CHECK (kind IN (
      'submission_deadline', 'dropin_upcoming', 'dropin_changed', 'review_closing', 'decision_opening',
      'decision_closing', 'award_expiry', 'decision_communicated', 'review_outcome'));
  `.execute(db);
}
