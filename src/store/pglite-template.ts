/**
 * An image of a freshly initialised, empty PGlite cluster, so a new embedded database (the first
 * `npm start`, every test database) is unpacked in well under a second instead of running
 * PostgreSQL's initdb in WebAssembly (about four seconds of CPU). The image holds no schema and
 * no data: migrations run on it as on any new database (one in a directory that is to be migrated
 * starts instead from the migrated image made from it, when there is a current one:
 * pglite-migrated-image.ts). It is written once per PGlite version into node_modules/.cache (by
 * `npm ci`/`npm install` through the `prepare` script, or by the first database created without
 * it) and is never needed: without it PGlite runs initdb.
 *
 * The image comes in two forms: a tar for in-memory databases (PGlite's loadDataDir), and, for
 * databases in a directory (DATA_DIR), the same cluster as a directory of files to copy: copying
 * it and opening the copy takes about a second less CPU than unpacking the tar through PGlite's
 * file system layer, which is most of the first `npm start`'s database time.
 *
 * Only Node built-ins and PGlite are imported, so `scripts/prepare.mjs` can load this file with
 * Node's own type stripping (no TypeScript tooling in a production install).
 * https://pglite.dev/docs/api#dumpdatadir (dumpDataDir, loadDataDir)
 */
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

function pgliteRoot(): string {
  // …/node_modules/@electric-sql/pglite/dist/index.cjs → …/node_modules/@electric-sql/pglite
  return path.resolve(path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), '..');
}

/** Where the image of this PGlite version is kept. */
export function pgliteTemplatePath(): string {
  const root = pgliteRoot();
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return path.join(root, '..', '..', '.cache', 'wexqs', `pglite-${version}-empty-cluster.tar`);
}

/** Where the directory form of the image is kept (a cluster PGlite opened from the tar and closed). */
export function pgliteTemplateDirPath(): string {
  return pgliteTemplatePath().replace(/\.tar$/, '');
}

/** The image, or undefined when there is none yet. */
export function readPgliteTemplate(): Blob | undefined {
  try {
    return new Blob([readFileSync(pgliteTemplatePath())]);
  } catch {
    return undefined;
  }
}

/**
 * Copies the directory form of the image into `dir` (empty or absent), a cluster PGlite opens as
 * it opens any existing one; false when there is no directory image.
 */
export function copyPgliteTemplateTo(dir: string): boolean {
  const source = pgliteTemplateDirPath();
  if (!existsSync(path.join(source, 'PG_VERSION'))) return false;
  cpSync(source, dir, { recursive: true });
  return true;
}

/** Forget an image that PGlite could not use (a later database or install writes a new one). */
export function discardPgliteTemplate(): void {
  rmSync(pgliteTemplatePath(), { force: true });
  discardPgliteTemplateDir();
}

/** Forget the directory form of the image (the tar stays). */
export function discardPgliteTemplateDir(): void {
  rmSync(pgliteTemplateDirPath(), { recursive: true, force: true });
}

/** Save the cluster of `client`, which must be freshly initialised and untouched, as the image. */
export async function savePgliteTemplate(client: PGlite): Promise<string> {
  const target = pgliteTemplatePath();
  // Uncompressed (about 40 MB): unpacking it costs less CPU than gunzipping a 4.5 MB one.
  const image = Buffer.from(await (await client.dumpDataDir('none')).arrayBuffer());
  mkdirSync(path.dirname(target), { recursive: true });
  // Several test workers may write it at once: each writes its own file, then renames (atomic).
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, image);
  renameSync(tmp, target);
  return target;
}

/** Write the directory form of the image from its tar (PGlite unpacks it into a directory once). */
export async function savePgliteTemplateDir(image: Blob): Promise<string> {
  const target = pgliteTemplateDirPath();
  const tmp = `${target}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const client = await PGlite.create(tmp, { loadDataDir: image });
  await client.close();
  rmSync(target, { recursive: true, force: true });
  // Several installs may write it at once: each writes its own directory, then renames it.
  renameSync(tmp, target);
  return target;
}

/** Write the image, in both forms, if there is none (the prepare script). */
export async function ensurePgliteTemplate(): Promise<{ path: string; created: boolean }> {
  let created = false;
  let image = readPgliteTemplate();
  if (!image) {
    const client = await PGlite.create();
    try {
      await savePgliteTemplate(client);
    } finally {
      await client.close();
    }
    image = readPgliteTemplate()!;
    created = true;
  }
  if (!existsSync(path.join(pgliteTemplateDirPath(), 'PG_VERSION'))) {
    await savePgliteTemplateDir(image);
    created = true;
  }
  return { path: pgliteTemplatePath(), created };
}
