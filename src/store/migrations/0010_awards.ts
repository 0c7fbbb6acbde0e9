import { sql, type Kysely } from 'kysely';

/**
 * Awards people can show and check, and a fair review panel:
 * - awards gain a public verification code (unique; 16 Crockford base-32 characters), the cycle
 *   and organisation name they were issued for (so the certificate is the same every time it is
 *   drawn), whether the cycle's framework was illustrative, when it was issued, and revocation
 *   (when, by whom, why). Awards that already exist get a random code here.
 * - reviewer_conflicts: organisations a reviewer declared a conflict of interest with (and why);
 *   assignment, manual or automatic, never picks them for those organisations.
 * - the outbox learns two messages: the decision to the applicant team, and the outcome to the
 *   reviewers of an application once it is communicated.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE awards
      ADD COLUMN verification_code text,
      ADD COLUMN cycle_id text REFERENCES cycles(id),
      ADD COLUMN organisation_name text,
      ADD COLUMN illustrative boolean NOT NULL DEFAULT false,
      ADD COLUMN issued_at timestamptz,
      ADD COLUMN revoked_at timestamptz,
      ADD COLUMN revoked_by text,
      ADD COLUMN revoke_reason text;

    UPDATE awards a SET
      verification_code = (
        SELECT string_agg(substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (get_byte(x.b, i * 2) % 32) + 1, 1), '' ORDER BY i)
        FROM (SELECT uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) AS b, a.id AS for_award) x,
             generate_series(0, 15) AS i
      ),
      issued_at = a.valid_from,
      organisation_name = (SELECT o.name FROM organisations o WHERE o.id = a.organisation_id),
      cycle_id = (SELECT ap.cycle_id FROM applications ap WHERE ap.id = a.application_id);

    ALTER TABLE awards ALTER COLUMN verification_code SET NOT NULL;
    ALTER TABLE awards ALTER COLUMN issued_at SET NOT NULL;
    CREATE UNIQUE INDEX awards_verification_code_key ON awards (verification_code);
    CREATE INDEX awards_cycle_idx ON awards (cycle_id);
    ALTER TABLE awards ADD CONSTRAINT awards_revocation_complete
      CHECK ((revoked_at IS NULL) = (revoke_reason IS NULL) AND (revoked_at IS NULL) = (revoked_by IS NULL));

    CREATE TABLE reviewer_conflicts (
      reviewer_id text NOT NULL REFERENCES people(id),
      organisation_id text NOT NULL REFERENCES organisations(id),
      reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
      declared_at timestamptz NOT NULL,
      PRIMARY KEY (reviewer_id, organisation_id)
    );
    CREATE INDEX reviewer_conflicts_organisation_idx ON reviewer_conflicts (organisation_id);

    ALTER TABLE reminder_outbox DROP CONSTRAINT reminder_outbox_kind_check;
    ALTER TABLE reminder_outbox ADD CONSTRAINT reminder_outbox_kind_check CHECK (kind IN ('submission_deadline',
      'dropin_upcoming','dropin_changed','review_closing','decision_opening','decision_closing','award_expiry',
      'decision_communicated','review_outcome'));
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DELETE FROM reminder_outbox WHERE kind IN ('decision_communicated','review_outcome');
    ALTER TABLE reminder_outbox DROP CONSTRAINT reminder_outbox_kind_check;
    ALTER TABLE reminder_outbox ADD CONSTRAINT reminder_outbox_kind_check CHECK (kind IN ('submission_deadline',
      'dropin_upcoming','dropin_changed','review_closing','decision_opening','decision_closing','award_expiry'));
    DROP TABLE IF EXISTS reviewer_conflicts;
    DROP INDEX IF EXISTS awards_cycle_idx;
    DROP INDEX IF EXISTS awards_verification_code_key;
    ALTER TABLE awards DROP CONSTRAINT IF EXISTS awards_revocation_complete;
    ALTER TABLE awards
      DROP COLUMN verification_code, DROP COLUMN cycle_id, DROP COLUMN organisation_name,
      DROP COLUMN illustrative, DROP COLUMN issued_at, DROP COLUMN revoked_at, DROP COLUMN revoked_by,
      DROP COLUMN revoke_reason;
  `.execute(db);
}
