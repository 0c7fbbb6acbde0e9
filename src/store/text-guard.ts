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
import type {
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
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

/** Nodes that name things (tables, columns, identifiers) and never hold a value sent as a parameter. */
const NAMES_ONLY: ReadonlySet<string> = new Set([
  'IdentifierNode',
  'SchemableIdentifierNode',
  'TableNode',
  'ColumnNode',
  'ReferenceNode',
  'SelectAllNode',
  'OperatorNode',
]);

function walk(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) walk(n);
    return;
  }
  const n = node as OperationNode & { value?: unknown; values?: readonly unknown[] };
  if (n.kind === 'ValueNode') return checkParameter(n.value);
  if (n.kind === 'PrimitiveValueListNode') return void n.values?.forEach(checkParameter);
  if (NAMES_ONLY.has(n.kind)) return;
  for (const key in n) {
    const child = (n as unknown as Record<string, unknown>)[key];
    if (child !== null && typeof child === 'object') walk(child);
  }
}

export class UnstorableTextGuard implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    walk(args.node);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
