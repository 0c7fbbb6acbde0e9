/**
 * An image of a freshly initialised, empty PGlite cluster, so a new embedded database (the first
 * `npm start`, every test database) is unpacked in well under a second instead of running
 * PostgreSQL's initdb in WebAssembly (about four seconds of CPU). The image holds no schema and
 * no data: migrations run on it as on any new database. It is written once per PGlite version
 * into node_modules/.cache (by `npm ci`/`npm install` through the `prepare` script, or by the
 * first database created without it) and is never needed: without it PGlite runs initdb.
 *
 * Only Node built-ins and PGlite are imported, so `scripts/prepare.mjs` can load this file with
 * Node's own type stripping (no TypeScript tooling in a production install).
 * https://pglite.dev/docs/api#dumpdatadir (dumpDataDir, loadDataDir)
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/** The image, or undefined when there is none yet. */
export function readPgliteTemplate(): Blob | undefined {
  try {
    return new Blob([readFileSync(pgliteTemplatePath())]);
  } catch {
    return undefined;
  }
}

/** Forget an image that PGlite could not use (a later database writes a new one). */
export function discardPgliteTemplate(): void {
  rmSync(pgliteTemplatePath(), { force: true });
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

/** Write the image if there is none (the prepare script). */
export async function ensurePgliteTemplate(): Promise<{ path: string; created: boolean }> {
  if (readPgliteTemplate()) return { path: pgliteTemplatePath(), created: false };
  const client = await PGlite.create();
  try {
    return { path: await savePgliteTemplate(client), created: true };
  } finally {
    await client.close();
  }
}
