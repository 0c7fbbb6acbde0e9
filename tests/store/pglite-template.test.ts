import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { JOB_SCHEMA } from '../../src/jobs/job-queue.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { migrations } from '../../src/store/migrations/index.js';
import {
  copyMigratedImageTo,
  ensureMigratedImage,
  migratedImageKey,
  migratedImagePath,
  MIGRATIONS_DIR,
} from '../../src/store/pglite-migrated-image.js';
import {
  copyPgliteTemplateTo,
  ensurePgliteTemplate,
  pgliteTemplateDirPath,
  pgliteTemplatePath,
} from '../../src/store/pglite-template.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'wexqs-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const count = async (db: Db, query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(db)).rows[0]!.n;
const publicTables = sql<{
  n: number;
}>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`;
const jobSchemaVersion = sql<{
  n: number;
}>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = ${JOB_SCHEMA} AND table_name = 'version'`;
/** Every column of the app's tables, to compare two databases' schemas. */
const columns = async (db: Db) =>
  (
    await sql<{ c: string }>`SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS c
      FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`.execute(db)
  ).rows.map((r) => r.c);

describe('the empty-cluster image of the embedded database', () => {
  it('exists as a tar (in-memory databases) and as a directory (databases in DATA_DIR)', async () => {
    await ensurePgliteTemplate();
    expect(existsSync(pgliteTemplatePath())).toBe(true);
    expect(existsSync(path.join(pgliteTemplateDirPath(), 'PG_VERSION'))).toBe(true);
  });

  it('is copied into a new database directory, which opens, migrates and keeps data; the image stays empty', async () => {
    await ensurePgliteTemplate();
    const imageFiles = readdirSync(pgliteTemplateDirPath(), { recursive: true }).length;
    const copied = path.join(root, 'copied');
    expect(copyPgliteTemplateTo(copied)).toBe(true);
    expect(existsSync(path.join(copied, 'PG_VERSION'))).toBe(true);

    const dir = path.join(root, 'data', 'pglite');
    const first = await openDatabase({ pgliteDir: dir });
    await sql`CREATE TABLE kept (v text)`.execute(first.db);
    await sql`INSERT INTO kept VALUES ('still here')`.execute(first.db);
    await first.close();
    const again = await openDatabase({ pgliteDir: dir });
    const { rows } = await sql<{ v: string }>`SELECT v FROM kept`.execute(again.db);
    expect(rows).toEqual([{ v: 'still here' }]);
    // Migrated like any new database.
    const { rows: applied } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM kysely_migration`.execute(
      again.db,
    );
    expect(applied[0]!.n).toBe(Object.keys(migrations).length);
    await again.close();

    // A new database that is not to be migrated starts empty: nothing was written into the image.
    const other = await openDatabase({ pgliteDir: path.join(root, 'other'), migrate: false });
    expect(await count(other.db, publicTables)).toBe(0);
    expect(await count(other.db, jobSchemaVersion)).toBe(0);
    await other.close();
    expect(readdirSync(pgliteTemplateDirPath(), { recursive: true }).length).toBe(imageFiles);
  });
});

describe('the migrated image of the embedded database', () => {
  it('holds every migration and the job queue schema, the same schema the migrations make', async () => {
    await ensureMigratedImage();
    const copied = path.join(root, 'migrated-copy');
    expect(copyMigratedImageTo(copied)).toBe(true);
    const fromImage = await openDatabase({ pgliteDir: copied, migrate: false });
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(fromImage.db);
    expect(rows.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
    expect(await count(fromImage.db, jobSchemaVersion)).toBe(1);
    // Nothing left for the migrator to do.
    expect(await migrateToLatest(fromImage.db)).toEqual([]);

    const migrated = await openDatabase({ pgliteDir: path.join(root, 'migrated-here'), migrate: false });
    expect(await migrateToLatest(migrated.db)).toEqual(Object.keys(migrations));
    expect(await columns(fromImage.db)).toEqual(await columns(migrated.db));
    await migrated.close();
    await fromImage.close();
  });

  it('is what a new database in a directory starts from (the job queue schema is there before pg-boss starts)', async () => {
    await ensureMigratedImage();
    const handle = await openDatabase({ pgliteDir: path.join(root, 'new-from-image') });
    expect(await count(handle.db, jobSchemaVersion)).toBe(1);
    await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('9999_scratch', now()::text)`.execute(handle.db);
    await handle.close();
    // The database's own changes stay in it, not in the image.
    const second = path.join(root, 'new-from-image-2');
    expect(copyMigratedImageTo(second)).toBe(true);
    const other = await openDatabase({ pgliteDir: second, migrate: false });
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM kysely_migration`.execute(other.db);
    expect(rows[0]!.n).toBe(Object.keys(migrations).length);
    await other.close();
  });

  it('is keyed on the migrations: a changed, added or removed migration gives another key', () => {
    const dir = path.join(root, 'migrations');
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const key = migratedImageKey(dir);
    expect(key).toBe(migratedImageKey());

    appendFileSync(path.join(dir, '0001_foundation.ts'), '\n// changed\n');
    const changed = migratedImageKey(dir);
    expect(changed).not.toBe(key);

    writeFileSync(path.join(dir, '9999_new.ts'), 'export async function up() {}\n');
    const added = migratedImageKey(dir);
    expect(added).not.toBe(changed);

    rmSync(path.join(dir, '9999_new.ts'));
    rmSync(path.join(dir, '0012_jobs.ts'));
    expect(migratedImageKey(dir)).not.toBe(changed);
    expect(migratedImagePath(changed)).not.toBe(migratedImagePath(key));
  });

  it('made from other migrations is never used, and the next install removes it', async () => {
    await ensureMigratedImage();
    // An image left from an earlier version of the migrations (a directory PGlite could open).
    const dir = path.join(root, 'earlier-migrations');
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    appendFileSync(path.join(dir, '0003_workflow.ts'), '\n// an earlier version\n');
    const staleKey = migratedImageKey(dir);
    const stale = migratedImagePath(staleKey);
    mkdirSync(stale, { recursive: true });
    cpSync(pgliteTemplateDirPath(), stale, { recursive: true });
    try {
      // Only the image of the migrations as they are now is copied.
      expect(copyMigratedImageTo(path.join(root, 'current'))).toBe(true);
      expect(copyMigratedImageTo(path.join(root, 'stale'), staleKey)).toBe(true);
      const current = await openDatabase({ pgliteDir: path.join(root, 'current'), migrate: false });
      expect(await count(current.db, publicTables)).toBeGreaterThan(0);
      await current.close();

      await ensureMigratedImage();
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(path.join(migratedImagePath(), 'PG_VERSION'))).toBe(true);
    } finally {
      rmSync(stale, { recursive: true, force: true });
    }
  });
});
