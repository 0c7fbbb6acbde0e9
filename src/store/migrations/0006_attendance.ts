import { sql, type Kysely } from 'kysely';

/**
 * Drop-in attendance recorded from Teams, and Entra object ids compared case-insensitively.
 * - dropin_bookings.attended_source / attended_marked_at: where an attendance came from (the
 *   Teams meeting's attendance report, an admin, the demo data) and when it was recorded; the
 *   eligibility card shows the source. Attendances recorded before this migration keep no source.
 * - dropin_sessions.attendance_*: the collector's progress per session (pending until the report
 *   is read; `no_report` when none came in time), when to look next, how often it looked and the
 *   last failure as a reason code (never a message that could carry personal data).
 * - dropin_attendance_reports: each attendance report already applied (one per meeting
 *   occurrence), so a re-run or a second instance never applies one twice.
 * - people: at most one person per Entra object id, whatever the letter case of the GUID.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE dropin_bookings
      ADD COLUMN attended_source text CHECK (attended_source IN ('teams_report','admin','seeded')),
      ADD COLUMN attended_marked_at timestamptz;

    ALTER TABLE dropin_sessions
      ADD COLUMN attendance_status text NOT NULL DEFAULT 'pending'
        CHECK (attendance_status IN ('pending','collected','no_report')),
      ADD COLUMN attendance_next_check_at timestamptz,
      ADD COLUMN attendance_checks integer NOT NULL DEFAULT 0,
      ADD COLUMN attendance_last_error text;
    CREATE INDEX dropin_sessions_attendance_due_idx ON dropin_sessions (ends_at)
      WHERE attendance_status = 'pending' AND NOT cancelled AND join_url IS NOT NULL;

    CREATE TABLE dropin_attendance_reports (
      session_id text NOT NULL REFERENCES dropin_sessions(id),
      report_id text NOT NULL,
      collected_at timestamptz NOT NULL,
      records integer NOT NULL,
      matched integer NOT NULL,
      PRIMARY KEY (session_id, report_id)
    );

    CREATE UNIQUE INDEX people_entra_object_id_lower_key ON people (lower(entra_object_id));
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS people_entra_object_id_lower_key;
    DROP TABLE IF EXISTS dropin_attendance_reports;
    DROP INDEX IF EXISTS dropin_sessions_attendance_due_idx;
    ALTER TABLE dropin_sessions
      DROP COLUMN IF EXISTS attendance_status,
      DROP COLUMN IF EXISTS attendance_next_check_at,
      DROP COLUMN IF EXISTS attendance_checks,
      DROP COLUMN IF EXISTS attendance_last_error;
    ALTER TABLE dropin_bookings DROP COLUMN IF EXISTS attended_source, DROP COLUMN IF EXISTS attended_marked_at;
  `.execute(db);
}
