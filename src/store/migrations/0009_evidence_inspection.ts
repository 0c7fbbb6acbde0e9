import { sql, type Kysely } from 'kysely';

/**
 * Evidence inspection.
 * - evidence_inspections: one row per inspected version of a file (item id + quickXorHash), with
 *   the result as JSON (kinds, pages and masked hints only: never a value of personal data).
 *   `current` marks the latest version of each file still in the folder.
 * - evidence_dismissals: warnings an applicant dismissed, with the reason (also in the audit log).
 * - evidence_scan_state: the Graph delta cursor per application, so only new or changed files are
 *   read again.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE evidence_inspections (
      application_id text NOT NULL REFERENCES applications(id),
      item_id text NOT NULL,
      version_key text NOT NULL,
      name text NOT NULL,
      name_key text NOT NULL,
      inspected_at timestamptz NOT NULL,
      result jsonb NOT NULL,
      current boolean NOT NULL DEFAULT true,
      PRIMARY KEY (application_id, item_id, version_key)
    )`.execute(db);
  await sql`CREATE INDEX evidence_inspections_current ON evidence_inspections (application_id) WHERE current`.execute(
    db,
  );
  await sql`
    CREATE TABLE evidence_dismissals (
      application_id text NOT NULL REFERENCES applications(id),
      name_key text NOT NULL,
      finding_key text NOT NULL,
      reason text NOT NULL CHECK (length(reason) BETWEEN 3 AND 500),
      dismissed_by text NOT NULL,
      dismissed_at timestamptz NOT NULL,
      PRIMARY KEY (application_id, name_key, finding_key)
    )`.execute(db);
  await sql`
    CREATE TABLE evidence_scan_state (
      application_id text PRIMARY KEY REFERENCES applications(id),
      cursor jsonb NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE evidence_scan_state`.execute(db);
  await sql`DROP TABLE evidence_dismissals`.execute(db);
  await sql`DROP TABLE evidence_inspections`.execute(db);
}
