/**
 * The store's last line of defence for text: every value a query sends to PostgreSQL is checked,
 * and text PostgreSQL cannot hold is refused with a domain error (a plain "not valid" answer to
 * whoever typed it) instead of a database error (a 500). PostgreSQL rejects the NUL character in
 * `text` ("invalid byte sequence for encoding UTF8: 0x00") and, in `jsonb`, both `\u0000` and a
 * lone UTF-16 surrogate such as `\ud800` ("unsupported Unicode escape sequence").
 * https://www.postgresql.org/docs/current/datatype-json.html
 *
 * The faces clean text before it gets here (src/domain/text.ts); this only catches what slipped
 * through, so it refuses rather than silently changing data.
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { DomainError } from '../domain/errors.js';

export const UNSTORABLE_TEXT_MESSAGE =
  'The text contains an invisible control character that cannot be saved. Remove it (or retype the text) and try again.';

/** A JSON escape of NUL or of a UTF-16 surrogate, the only escapes worth decoding to check. */
const SUSPECT_ESCAPE = /\\u(?:0000|d[89a-f][0-9a-f]{2})/i;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function refuse(): never {
  throw new DomainError('VALIDATION', UNSTORABLE_TEXT_MESSAGE, { field: 'text' });
}

const badInJson = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);

/** JSON data (decoded, or an object the driver will serialise): no NUL, no lone surrogate. */
function checkJson(v: unknown): void {
  if (typeof v === 'string') {
    if (badInJson(v)) refuse();
    return;
  }
  if (v === null || typeof v !== 'object' || v instanceof Date || ArrayBuffer.isView(v)) return;
  if (Array.isArray(v)) return v.forEach(checkJson);
  for (const [k, x] of Object.entries(v)) {
    if (badInJson(k)) refuse();
    checkJson(x);
  }
}

/** A string parameter: never NUL; when it is JSON text with suspect escapes, what they decode to. */
function checkString(s: string): void {
  if (s.includes('\u0000')) refuse();
  if (!SUSPECT_ESCAPE.test(s)) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    return; // not JSON: a backslash followed by "u0000" is ordinary text
  }
  checkJson(parsed);
}

function checkParameter(v: unknown): void {
  if (typeof v === 'string') return checkString(v);
  if (Array.isArray(v)) return v.forEach(checkParameter); // a PostgreSQL array of values
  if (v !== null && typeof v === 'object' && !(v instanceof Date) && !ArrayBuffer.isView(v)) checkJson(v);
}

/** Refuses a statement that would send PostgreSQL text it cannot hold: its SQL text or any parameter. */
function checkStatement(q: CompiledQuery): void {
  if (q.sql.includes('\u0000')) refuse();
  for (const p of q.parameters) checkParameter(p);
}

/**
 * The connection's statements checked before they are sent. What is checked is the statement as
 * compiled, its SQL and its parameters, so a statement compiled once and run again with other
 * values (src/store/prepared.ts) is checked like any other.
 */
class GuardedConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}
  executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    checkStatement(q);
    return this.inner.executeQuery<R>(q);
  }
  streamQuery<R>(q: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    checkStatement(q);
    return this.inner.streamQuery<R>(q, chunkSize);
  }
}

const inner = (c: DatabaseConnection) => (c instanceof GuardedConnection ? c.inner : c);

class GuardedDriver implements Driver {
  readonly savepoint?: Driver['savepoint'];
  readonly rollbackToSavepoint?: Driver['rollbackToSavepoint'];
  readonly releaseSavepoint?: Driver['releaseSavepoint'];

  constructor(private readonly driver: Driver) {
    // The savepoints the driver has, on its own connections.
    const { savepoint, rollbackToSavepoint, releaseSavepoint } = driver;
    if (savepoint) this.savepoint = (c, name, compile) => savepoint.call(driver, inner(c), name, compile);
    if (rollbackToSavepoint)
      this.rollbackToSavepoint = (c, name, compile) => rollbackToSavepoint.call(driver, inner(c), name, compile);
    if (releaseSavepoint)
      this.releaseSavepoint = (c, name, compile) => releaseSavepoint.call(driver, inner(c), name, compile);
  }
  init(): Promise<void> {
    return this.driver.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    return new GuardedConnection(await this.driver.acquireConnection());
  }
  beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.driver.beginTransaction(inner(c), settings);
  }
  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.driver.commitTransaction(inner(c));
  }
  rollbackTransaction(c: DatabaseConnection): Promise<void> {
    return this.driver.rollbackTransaction(inner(c));
  }
  releaseConnection(c: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(inner(c));
  }
  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}

/** The dialect with every statement checked before it is sent (checkStatement). */
export function withUnstorableTextGuard(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new GuardedDriver(dialect.createDriver()),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
  };
}
