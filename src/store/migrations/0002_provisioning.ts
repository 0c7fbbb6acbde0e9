import { sql, type Kysely } from 'kysely';

/**
 * SharePoint provisioning and Teams meetings:
 * - provisioning_journal: every step the provisioner confirmed with Graph, in order (the ledger
 *   that makes a crashed run resumable and a re-run cheap);
 * - evidence_folders: the current folder per (cycle, organisation), kept in step with the journal
 *   in the same transaction, for cards that link to it;
 * - dropin_sessions gain the calendar event that carries their Teams meeting.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE provisioning_journal (
      seq bigserial PRIMARY KEY,
      cycle_id text NOT NULL,
      organisation_id text,
      mutation jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX provisioning_journal_cycle_idx ON provisioning_journal (cycle_id, seq);

    CREATE TABLE evidence_folders (
      cycle_id text NOT NULL,
      organisation_id text NOT NULL,
      folder_id text NOT NULL,
      web_url text NOT NULL,
      is_private boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (cycle_id, organisation_id)
    );

    ALTER TABLE dropin_sessions ADD COLUMN graph_event_id text;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE dropin_sessions DROP COLUMN IF EXISTS graph_event_id;
    DROP TABLE IF EXISTS evidence_folders, provisioning_journal;
  `.execute(db);
}
