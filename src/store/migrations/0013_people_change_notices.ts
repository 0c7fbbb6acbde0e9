import { sql, type Kysely } from 'kysely';

/**
 * A notice on the `people_changed` channel (PostgreSQL NOTIFY) whenever anyone's record or roles
 * change, whoever changes them (the app, the admin CLI, an import, a statement typed by an
 * operator): each instance keeps the people it has recently identified in memory and forgets
 * them all on this notice (src/store/person-cache.ts). NOTIFY is delivered when the change
 * commits, and not at all when it rolls back (https://www.postgresql.org/docs/current/sql-notify.html).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION notify_people_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('people_changed', '');
      RETURN NULL;
    END $$
  `.execute(db);
  for (const table of ['people', 'person_roles'])
    await sql`
      CREATE TRIGGER ${sql.id(`${table}_changed`)}
      AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION notify_people_changed()
    `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS person_roles_changed ON person_roles`.execute(db);
  await sql`DROP TRIGGER IF EXISTS people_changed ON people`.execute(db);
  await sql`DROP FUNCTION IF EXISTS notify_people_changed()`.execute(db);
}
