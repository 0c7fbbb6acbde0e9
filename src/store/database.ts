/**
 * One typed query layer (Kysely) over two PostgreSQL engines:
 * - PGlite (Postgres compiled to WASM) embedded, the local default, data under `.data/`;
 * - a PostgreSQL server through `pg`, selected by DATABASE_URL.
 * Both run the same migrations and the same SQL.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Mutex } from 'async-mutex';
import { Kysely, sql, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { migrateToLatest } from './migrator.js';
import { pgliteDialect } from './pglite-dialect.js';
import { copyMigratedImageTo, discardMigratedImage } from './pglite-migrated-image.js';
import {
  copyPgliteTemplateTo,
  discardPgliteTemplate,
  discardPgliteTemplateDir,
  readPgliteTemplate,
  savePgliteTemplate,
} from './pglite-template.js';
import { withUnstorableTextGuard } from './text-guard.js';

export type Db = Kysely<DB>;

export interface DatabaseHandle {
  db: Db;
  engine: 'pglite' | 'postgres';
  /** The server's URL (engine 'postgres'): the job queue opens its own small pool to it. */
  connectionString?: string;
  /**
   * The embedded session (engine 'pglite') and a way to use it exclusively: the job queue runs its
   * own statements through it, never inside someone else's transaction.
   */
  pglite?: { client: PGlite; exclusive<T>(fn: () => Promise<T>): Promise<T> };
  close(): Promise<void>;
}

/**
 * The database could not be opened at start-up. The message is one line that names the setting to
 * check (DATABASE_URL, or DATA_DIR for the embedded database) and never contains a password.
 */
export class DatabaseUnavailableError extends Error {
  constructor(
    readonly setting: 'DATABASE_URL' | 'DATA_DIR',
    message: string,
  ) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

/** How long opening a connection to a server may take before it counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 10_000;

export interface OpenDatabaseOptions {
  /** postgres:// URL of a server; when absent, PGlite is used. */
  databaseUrl?: string | undefined;
  /** Directory for PGlite's files; `memory://` for an in-memory database. */
  pgliteDir?: string;
  /** Run migrations before returning (default true). */
  migrate?: boolean;
  poolSize?: number;
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<DatabaseHandle> {
  let db: Db;
  let engine: DatabaseHandle['engine'];
  let release = () => undefined as void;
  let pglite: DatabaseHandle['pglite'];
  if (opts.databaseUrl) {
    engine = 'postgres';
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    // An idle connection the server closes (restart, failover, admin) must not crash the process:
    // the pool drops it and opens a new one on the next query.
    pool.on('error', () => undefined);
    db = new Kysely<DB>({ dialect: withUnstorableTextGuard(new PostgresDialect({ pool })) });
  } else {
    engine = 'pglite';
    const dir = opts.pgliteDir ?? 'memory://';
    if (!dir.startsWith('memory://')) {
      try {
        mkdirSync(dir, { recursive: true });
      } catch (err) {
        throw new DatabaseUnavailableError(
          'DATA_DIR',
          `Cannot create the embedded database directory ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'}): check DATA_DIR.`,
        );
      }
      release = lockForThisProcess(`${dir}.lock`);
    }
    let client: PGlite;
    try {
      client = await createPglite(dir, opts.migrate ?? true);
    } catch (err) {
      release();
      throw err;
    }
    const lock = new Mutex();
    db = new Kysely<DB>({ dialect: withUnstorableTextGuard(pgliteDialect(client, lock)) });
    pglite = { client, exclusive: (fn) => lock.runExclusive(fn) };
  }
  try {
    await sql`SELECT 1`.execute(db);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    release();
    throw opts.databaseUrl
      ? new DatabaseUnavailableError('DATABASE_URL', unreachableServerMessage(opts.databaseUrl, err))
      : new DatabaseUnavailableError(
          'DATA_DIR',
          `Cannot open the embedded database in ${opts.pgliteDir ?? 'memory://'}: its files may be damaged (check DATA_DIR, or move that directory away to start afresh).`,
        );
  }
  try {
    if (opts.migrate ?? true) await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    release();
    throw err;
  }
  return {
    db,
    engine,
    ...(opts.databaseUrl ? { connectionString: opts.databaseUrl } : {}),
    ...(pglite ? { pglite } : {}),
    close: async () => {
      await db.destroy();
      release();
    },
  };
}

/**
 * A new cluster in a directory that is to be migrated is copied from the migrated image when there
 * is one for the migrations as they are now (see pglite-migrated-image.ts). Otherwise a new cluster
 * is copied (in a directory) or unpacked (in memory) from the empty-cluster image when there is one
 * (see pglite-template.ts); the first one made without it writes the image for the next.
 */
/**
 * Opens a copy of an image in `dir`; null when there is no image. An unusable copy makes the image
 * forgotten and `dir` empty again, for the next way of making the cluster.
 */
async function openImageCopy(dir: string, copy: (dir: string) => boolean, discard: () => void): Promise<PGlite | null> {
  try {
    if (copy(dir)) return await PGlite.create(dir);
  } catch {
    discard();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  return null;
}

async function createPglite(dir: string, migrated: boolean): Promise<PGlite> {
  const memory = dir.startsWith('memory://');
  if (!memory && existsSync(path.join(dir, 'PG_VERSION'))) return PGlite.create(dir);
  if (!memory && migrated) {
    const copied = await openImageCopy(dir, (d) => copyMigratedImageTo(d), discardMigratedImage);
    if (copied) return copied;
  }
  if (!memory) {
    const copied = await openImageCopy(dir, copyPgliteTemplateTo, discardPgliteTemplateDir);
    if (copied) return copied;
  }
  const image = readPgliteTemplate();
  if (image) {
    try {
      return await PGlite.create(dir, { loadDataDir: image });
    } catch {
      discardPgliteTemplate();
      if (!memory) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
      }
    }
  }
  const client = await PGlite.create(dir);
  await savePgliteTemplate(client).catch(() => undefined);
  return client;
}

/**
 * PGlite keeps its files in one directory that only one process may open: a second process
 * (the admin CLI while `npm start` runs) would corrupt it. A lock file holding the owner's pid
 * refuses that with a clear message; a lock left by a process that died is taken over.
 */
function lockForThisProcess(lockPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST')
        throw new DatabaseUnavailableError('DATA_DIR', `Cannot lock ${lockPath} (${code ?? 'error'}): check DATA_DIR.`);
      const owner = Number(readFileSync(lockPath, 'utf8').trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new DatabaseUnavailableError(
          'DATA_DIR',
          `The local database (${lockPath.replace(/\.lock$/, '')}) is in use by another process (pid ${owner}). ` +
            'Stop `npm start` first, set DATA_DIR to another directory, or set DATABASE_URL to share a PostgreSQL server.',
        );
      }
      unlinkSync(lockPath); // stale: its owner is gone
    }
  }
  throw new DatabaseUnavailableError('DATA_DIR', `Cannot lock ${lockPath}: check DATA_DIR.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where a connection URL points, without user name or password. */
function serverOf(databaseUrl: string): string {
  try {
    const u = new URL(databaseUrl);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'the configured server';
  }
}

/** One line saying why a PostgreSQL server could not be used, naming DATABASE_URL. */
export function unreachableServerMessage(databaseUrl: string, err: unknown): string {
  const e = (err ?? {}) as { code?: string; message?: string; errors?: { code?: string }[] };
  // A host name with both IPv4 and IPv6 addresses fails with an AggregateError of both attempts.
  const code = e.code ?? e.errors?.[0]?.code;
  const why: Record<string, string> = {
    ECONNREFUSED: 'nothing accepts connections there (connection refused)',
    ENOTFOUND: 'the host name does not resolve',
    EAI_AGAIN: 'the host name could not be resolved just now',
    ETIMEDOUT: 'the server did not answer in time',
    EHOSTUNREACH: 'the host cannot be reached',
    ENETUNREACH: 'the network cannot be reached',
    ECONNRESET: 'the server closed the connection',
    '28P01': 'the server refused the user name or password',
    '28000': 'the server refused this user or client address (pg_hba.conf)',
    '3D000': 'that database does not exist on the server',
    '57P03': 'the server is starting up or shutting down',
    '53300': 'the server has no free connections',
  };
  const reason =
    (code && why[code]) ??
    (/timeout/i.test(e.message ?? '') ? `no connection within ${CONNECT_TIMEOUT_MS / 1000} s` : null) ??
    `the connection failed${code ? ` (${code})` : ''}`;
  return `Cannot use the database at DATABASE_URL (${serverOf(databaseUrl)}): ${reason}. Check DATABASE_URL and that the PostgreSQL server is running and reachable.`;
}

/** Raise the Postgres error code of a unique violation to a boolean, across both drivers. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; message?: string } | null;
  if (!e || e.code !== '23505') return false;
  if (!constraint) return true;
  return e.constraint === constraint || (e.message ?? '').includes(constraint);
}
