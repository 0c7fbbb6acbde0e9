/**
 * An image of an embedded database with the schema already in place: the empty-cluster image
 * (pglite-template.ts) with every migration applied and pg-boss's schema installed, so a new
 * database in a directory (the first `npm start`) starts from a copy of it instead of running
 * about ten migrations and pg-boss's installation in WebAssembly (well over a second of CPU).
 *
 * The image is made by `npm ci`/`npm install` (scripts/prepare.mjs) and kept in
 * node_modules/.cache/wexqs under a name that holds a key of everything that went into it: the
 * PGlite version, the migrations' files (names and contents), pg-boss's version and schema name.
 * Changing, adding or removing a migration, or upgrading pg-boss or PGlite, gives another key, so
 * an image made from other migrations is never found, let alone used: the database is then made
 * from the empty-cluster image and migrated as before, until the next install makes a current
 * image. A database made from the image still runs the migrator and starts pg-boss as usual;
 * both find their work done.
 *
 * Written without TypeScript-only syntax: `scripts/prepare.mjs` loads it with Node's own type
 * stripping.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Mutex } from 'async-mutex';
import { Kysely } from 'kysely';
import { JOB_SCHEMA } from '../jobs/job-queue.js';
import { migrateToLatest } from './migrator.js';
import { pgliteDialect } from './pglite-dialect.js';
import { copyPgliteTemplateTo, ensurePgliteTemplate, pgliteTemplateDirPath } from './pglite-template.js';

/** Bumped when what goes into the image changes in a way the other key parts do not show. */
const IMAGE_FORMAT = 1;

/** The directory holding the migrations the app runs (src/store/migrations). */
export const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');

function pgBossVersion(): string {
  const file = createRequire(import.meta.url).resolve('pg-boss/package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * The key of an image made from the migrations in `migrationsDir`: a hash of every file there
 * (name and contents), pg-boss's version and schema name, and the image format. (The PGlite
 * version is in the image's name.)
 */
export function migratedImageKey(migrationsDir: string = MIGRATIONS_DIR): string {
  const hash = createHash('sha256');
  hash.update(`format ${IMAGE_FORMAT}\npg-boss ${pgBossVersion()} schema ${JOB_SCHEMA}\n`);
  for (const name of readdirSync(migrationsDir).sort()) {
    hash.update(`file ${name}\n`);
    hash.update(readFileSync(path.join(migrationsDir, name)));
  }
  return hash.digest('hex').slice(0, 16);
}

const IMAGE_INFIX = '-migrated-';

/** Where the image for `key` (default: the migrations as they are now) is kept. */
export function migratedImagePath(key: string = migratedImageKey()): string {
  return pgliteTemplateDirPath().replace(/-empty-cluster$/, `${IMAGE_INFIX}${key}`);
}

/**
 * Copies the image for the migrations as they are now (or those of `key`) into `dir` (empty or
 * absent); false, and nothing copied, when there is no image for them.
 */
export function copyMigratedImageTo(dir: string, key: string = migratedImageKey()): boolean {
  const source = migratedImagePath(key);
  if (!existsSync(path.join(source, 'PG_VERSION'))) return false;
  cpSync(source, dir, { recursive: true });
  return true;
}

/** Forget the current image (PGlite could not open a copy of it). */
export function discardMigratedImage(): void {
  rmSync(migratedImagePath(), { recursive: true, force: true });
}

/**
 * Make the image for the migrations as they are now, if there is none (the prepare script), and
 * remove images made from other migrations.
 */
export async function ensureMigratedImage(): Promise<{ path: string; created: boolean }> {
  const target = migratedImagePath();
  let created = false;
  if (!existsSync(path.join(target, 'PG_VERSION'))) {
    await ensurePgliteTemplate();
    // Several installs may write it at once: each writes its own directory, then renames it.
    const tmp = `${target}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    try {
      if (!copyPgliteTemplateTo(tmp)) throw new Error('no empty-cluster image to start from');
      const client = await PGlite.create(tmp);
      const db = new Kysely<unknown>({ dialect: pgliteDialect(client, new Mutex()) });
      try {
        await migrateToLatest(db);
        // The schema pg-boss installs when it first starts on a database (src/jobs/job-queue.ts).
        const { getConstructionPlans } = await import('pg-boss');
        await client.exec(getConstructionPlans(JOB_SCHEMA, { backend: 'pglite' }));
      } finally {
        await db.destroy();
      }
      rmSync(target, { recursive: true, force: true });
      renameSync(tmp, target);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    created = true;
  }
  const cache = path.dirname(target);
  const prefix = path.basename(pgliteTemplateDirPath()).replace(/-empty-cluster$/, IMAGE_INFIX);
  for (const name of readdirSync(cache)) {
    if (name.startsWith(prefix) && !name.endsWith('.tmp') && name !== path.basename(target))
      rmSync(path.join(cache, name), { recursive: true, force: true });
  }
  return { path: target, created };
}
