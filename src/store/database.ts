/**
 * One typed query layer (Kysely) over two PostgreSQL engines:
 * - PGlite (Postgres compiled to WASM) embedded, the local default, data under `.data/`;
 * - a PostgreSQL server through `pg`, selected by DATABASE_URL.
 * Both run the same migrations and the same SQL.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Mutex } from 'async-mutex';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { migrateToLatest } from './migrator.js';

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
 * PGlite is a single Postgres session. Kysely runs each transaction on one "connection", so the
 * driver hands out that session to one holder at a time: concurrent transactions queue instead of
 * interleaving their statements inside one another's BEGIN … COMMIT.
 */
class PGliteDriver implements Driver {
  readonly #connection: DatabaseConnection;
  #release: (() => void) | null = null;

  constructor(
    private readonly client: PGlite,
    readonly lock: Mutex,
  ) {
    this.#connection = {
      executeQuery: async <R>(q: CompiledQuery): Promise<QueryResult<R>> => {
        // Without parameters use the simple protocol, which also runs multi-statement migrations.
        const res =
          q.parameters.length === 0
            ? ((await client.exec(q.sql)).at(-1) ?? { rows: [], affectedRows: 0 })
            : await client.query<R>(q.sql, [...q.parameters]);
        return {
          rows: res.rows as R[],
          ...(res.affectedRows !== undefined ? { numAffectedRows: BigInt(res.affectedRows) } : {}),
        };
      },
      // eslint-disable-next-line require-yield
      streamQuery: async function* () {
        throw new Error('PGlite does not support streaming');
      },
    };
  }
  async init(): Promise<void> {
    await this.client.waitReady;
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    this.#release = await this.lock.acquire();
    return this.#connection;
  }
  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = null;
    release?.();
  }
  async beginTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('BEGIN'));
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('COMMIT'));
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }
  async destroy(): Promise<void> {
    await this.client.close();
  }
}

function pgliteDialect(client: PGlite, lock: Mutex): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new PGliteDriver(client, lock),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}

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
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // An idle connection the server closes (restart, failover, admin) must not crash the process:
    // the pool drops it and opens a new one on the next query.
    pool.on('error', () => undefined);
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  } else {
    engine = 'pglite';
    const dir = opts.pgliteDir ?? 'memory://';
    if (!dir.startsWith('memory://')) {
      mkdirSync(dir, { recursive: true });
      release = lockForThisProcess(`${dir}.lock`);
    }
    const client = new PGlite(dir);
    const lock = new Mutex();
    db = new Kysely<DB>({ dialect: pgliteDialect(client, lock) });
    pglite = { client, exclusive: (fn) => lock.runExclusive(fn) };
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
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(lockPath, 'utf8').trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `The local database (${lockPath.replace(/\.lock$/, '')}) is in use by another process (pid ${owner}). ` +
            'Stop `npm start` first, or set DATABASE_URL to share a PostgreSQL server.',
        );
      }
      unlinkSync(lockPath); // stale: its owner is gone
    }
  }
  throw new Error(`could not lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Raise the Postgres error code of a unique violation to a boolean, across both drivers. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; message?: string } | null;
  if (!e || e.code !== '23505') return false;
  if (!constraint) return true;
  return e.constraint === constraint || (e.message ?? '').includes(constraint);
}
