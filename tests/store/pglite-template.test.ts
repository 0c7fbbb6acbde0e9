import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import {
  copyPgliteTemplateTo,
  ensurePgliteTemplate,
  pgliteTemplateDirPath,
  pgliteTemplatePath,
} from '../../src/store/pglite-template.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'wexqs-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

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
    const { rows: migrations } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM kysely_migration`.execute(
      again.db,
    );
    expect(migrations[0]!.n).toBeGreaterThan(0);
    await again.close();

    // Another new database starts empty: nothing was written into the image.
    const other = await openDatabase({ pgliteDir: path.join(root, 'other'), migrate: false });
    const { rows: tables } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`.execute(other.db);
    expect(tables[0]!.n).toBe(0);
    await other.close();
    expect(readdirSync(pgliteTemplateDirPath(), { recursive: true }).length).toBe(imageFiles);
  });
});
