/**
 * Kysely over PGlite. PGlite is a single Postgres session. Kysely runs each transaction on one
 * "connection", so the driver hands out that session to one holder at a time: concurrent
 * transactions queue instead of interleaving their statements inside one another's BEGIN … COMMIT.
 *
 * Written without TypeScript-only syntax (Node's type stripping runs it): `scripts/prepare.mjs`
 * uses it to migrate the prepared database image (src/store/pglite-migrated-image.ts).
 */
import type { PGlite } from '@electric-sql/pglite';
import type { Mutex } from 'async-mutex';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';

class PGliteDriver implements Driver {
  readonly #client: PGlite;
  readonly #lock: Mutex;
  readonly #connection: DatabaseConnection;
  #release: (() => void) | null = null;

  constructor(client: PGlite, lock: Mutex) {
    this.#client = client;
    this.#lock = lock;
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
    await this.#client.waitReady;
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    this.#release = await this.#lock.acquire();
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
    await this.#client.close();
  }
}

/** A Kysely dialect over one PGlite session; `lock` serialises its holders. */
export function pgliteDialect(client: PGlite, lock: Mutex): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new PGliteDriver(client, lock),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}
