import { sql, type Kysely } from 'kysely';

/**
 * The application workflow in Teams (issue 4):
 * - evidence_documents: the last listing of an application's evidence folder (name, section,
 *   last modified, link) kept in the database so cards never call Graph on the invoke path, plus
 *   what the applicant declares of each document (evidence date, completed and anonymised);
 * - assessments: one outcome (met / partly met / not met) and note per reviewer per criterion;
 * - recommendations: one recommended level (null = no award) with feedback per reviewer;
 * - clarifications: a reviewer's question and the applicant team's answer;
 * - awards: at most one award per application (a second decide can never make a second award).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE evidence_documents (
      application_id text NOT NULL REFERENCES applications(id),
      name_key text NOT NULL,
      name text NOT NULL,
      section smallint CHECK (section BETWEEN 1 AND 6),
      web_url text,
      last_modified timestamptz NOT NULL,
      present boolean NOT NULL DEFAULT true,
      listed_at timestamptz NOT NULL,
      evidence_date timestamptz,
      completed boolean NOT NULL DEFAULT false,
      declared_by text,
      declared_at timestamptz,
      PRIMARY KEY (application_id, name_key)
    );

    CREATE TABLE assessments (
      application_id text NOT NULL REFERENCES applications(id),
      reviewer_id text NOT NULL REFERENCES people(id),
      criterion_id text NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('met','partly_met','not_met')),
      note text NOT NULL DEFAULT '',
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (application_id, reviewer_id, criterion_id)
    );

    CREATE TABLE recommendations (
      application_id text NOT NULL REFERENCES applications(id),
      reviewer_id text NOT NULL REFERENCES people(id),
      level text CHECK (level IN ('bronze','silver','gold')),
      strengths text NOT NULL,
      improvements text NOT NULL,
      recommended_at timestamptz NOT NULL,
      PRIMARY KEY (application_id, reviewer_id)
    );

    CREATE TABLE clarifications (
      id text PRIMARY KEY,
      application_id text NOT NULL REFERENCES applications(id),
      asked_by text NOT NULL REFERENCES people(id),
      question text NOT NULL,
      asked_at timestamptz NOT NULL,
      answer text,
      answered_by text REFERENCES people(id),
      answered_at timestamptz
    );
    CREATE INDEX clarifications_application_idx ON clarifications (application_id, asked_at);
    CREATE UNIQUE INDEX clarifications_one_open_key ON clarifications (application_id) WHERE answer IS NULL;

    CREATE INDEX reviewer_assignments_reviewer_idx ON reviewer_assignments (reviewer_id);
    CREATE UNIQUE INDEX awards_application_key ON awards (application_id) WHERE application_id IS NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS awards_application_key;
    DROP INDEX IF EXISTS reviewer_assignments_reviewer_idx;
    DROP TABLE IF EXISTS clarifications, recommendations, assessments, evidence_documents;
  `.execute(db);
}
