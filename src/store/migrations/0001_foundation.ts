import { sql, type Kysely } from 'kysely';

/**
 * The foundation schema. Invariants are enforced here, not by read-then-write in code:
 * - one application per (organisation, cycle): unique constraint;
 * - optimistic concurrency: applications.version, bumped by every transition;
 * - one live booking per person per session: partial unique index;
 * - drop-in capacity: checked under a row lock on the session (see drop-in repository);
 * - the audit log is append-only: a trigger refuses UPDATE and DELETE.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE organisations (
      id text PRIMARY KEY,
      name text NOT NULL,
      code text UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX organisations_name_key ON organisations (lower(name));

    CREATE TABLE people (
      id text PRIMARY KEY,
      display_name text NOT NULL,
      email text NOT NULL,
      entra_object_id text UNIQUE,
      organisation_id text REFERENCES organisations(id),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX people_email_key ON people (lower(email));

    CREATE TABLE person_roles (
      person_id text NOT NULL REFERENCES people(id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('applicant_lead','applicant_contributor','reviewer','admin')),
      PRIMARY KEY (person_id, role)
    );

    CREATE TABLE frameworks (
      version text PRIMARY KEY,
      title text NOT NULL,
      illustrative boolean NOT NULL,
      document jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE cycles (
      id text PRIMARY KEY,
      name text NOT NULL UNIQUE,
      submission_deadline timestamptz NOT NULL,
      grace_minutes integer NOT NULL DEFAULT 0 CHECK (grace_minutes >= 0),
      review_start timestamptz NOT NULL,
      review_end timestamptz NOT NULL,
      decision_start timestamptz NOT NULL,
      decision_end timestamptz NOT NULL,
      intake_paused boolean NOT NULL DEFAULT false,
      framework_version text NOT NULL REFERENCES frameworks(version),
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (submission_deadline < review_start AND review_start <= review_end
             AND review_end < decision_start AND decision_start <= decision_end)
    );

    CREATE TABLE dropin_sessions (
      id text PRIMARY KEY,
      title text NOT NULL,
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      capacity integer NOT NULL CHECK (capacity > 0),
      cancelled boolean NOT NULL DEFAULT false,
      join_url text,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (starts_at < ends_at)
    );

    CREATE TABLE dropin_bookings (
      id text PRIMARY KEY,
      session_id text NOT NULL REFERENCES dropin_sessions(id),
      person_id text NOT NULL REFERENCES people(id),
      organisation_id text NOT NULL REFERENCES organisations(id),
      status text NOT NULL CHECK (status IN ('booked','cancelled','waitlisted')),
      attended boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX dropin_bookings_live_key ON dropin_bookings (session_id, person_id)
      WHERE status <> 'cancelled';
    CREATE INDEX dropin_bookings_org_idx ON dropin_bookings (organisation_id) WHERE attended;

    CREATE TABLE applications (
      id text PRIMARY KEY,
      organisation_id text NOT NULL REFERENCES organisations(id),
      cycle_id text NOT NULL REFERENCES cycles(id),
      state text NOT NULL CHECK (state IN ('requested','open','submitted','in_review',
        'clarification_requested','recommended','decided','communicated','withdrawn','lapsed')),
      target_level text CHECK (target_level IN ('bronze','silver','gold')),
      version integer NOT NULL DEFAULT 1,
      requested_at timestamptz NOT NULL,
      submitted_at timestamptz,
      submitted_late boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL,
      updated_by text NOT NULL,
      CONSTRAINT applications_one_per_org_cycle UNIQUE (organisation_id, cycle_id)
    );
    CREATE INDEX applications_cycle_state_idx ON applications (cycle_id, state);

    CREATE TABLE commentary (
      application_id text NOT NULL REFERENCES applications(id),
      criterion_id text NOT NULL,
      text text NOT NULL DEFAULT '',
      evidence_refs jsonb NOT NULL DEFAULT '[]',
      updated_at timestamptz NOT NULL,
      updated_by text NOT NULL,
      PRIMARY KEY (application_id, criterion_id)
    );

    CREATE TABLE reviewer_assignments (
      application_id text NOT NULL REFERENCES applications(id),
      reviewer_id text NOT NULL REFERENCES people(id),
      assigned_at timestamptz NOT NULL,
      PRIMARY KEY (application_id, reviewer_id)
    );

    CREATE TABLE decisions (
      application_id text PRIMARY KEY REFERENCES applications(id),
      level text CHECK (level IN ('bronze','silver','gold')),
      feedback_strengths text NOT NULL,
      feedback_improvements text NOT NULL,
      decided_at timestamptz NOT NULL,
      decided_by text NOT NULL
    );

    CREATE TABLE awards (
      id text PRIMARY KEY,
      organisation_id text NOT NULL REFERENCES organisations(id),
      application_id text REFERENCES applications(id),
      level text NOT NULL CHECK (level IN ('bronze','silver','gold')),
      valid_from timestamptz NOT NULL,
      valid_until timestamptz NOT NULL
    );

    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL,
      actor_id text NOT NULL,
      action text NOT NULL,
      entity_kind text NOT NULL,
      entity_id text NOT NULL,
      from_state text,
      to_state text,
      details jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_log_entity_idx ON audit_log (entity_kind, entity_id, id);

    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

    CREATE TABLE conversation_refs (
      key text PRIMARY KEY,
      person_id text REFERENCES people(id),
      aad_object_id text,
      scope text NOT NULL CHECK (scope IN ('personal','groupChat','channel')),
      reference jsonb NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX conversation_refs_person_idx ON conversation_refs (person_id);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS conversation_refs, audit_log, awards, decisions, reviewer_assignments,
      commentary, applications, dropin_bookings, dropin_sessions, cycles, frameworks, person_roles,
      people, organisations CASCADE;
    DROP FUNCTION IF EXISTS audit_log_append_only();
  `.execute(db);
}
