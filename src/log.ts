/**
 * Structured logging (pino). Personal data and secrets are redacted by key name at any depth of a
 * logged object (a nested `email`, `name`, `token`, `password`, `authorization`, `secret`…,
 * inside arrays too): log ids and counts, never names or email addresses.
 *
 * pino's own `redact` option takes fixed paths (`*.email` reaches one level only), so the redaction
 * runs in the log formatter instead, over the whole object, before it is serialised.
 */
import { randomBytes } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export const REDACTED = '[redacted]';

/**
 * A short reference for a server-side failure (8 hexadecimal characters): given in the answer and
 * written in the log line, so the two can be matched without the answer carrying any internals.
 */
export const failureRef = (): string => randomBytes(4).toString('hex').toUpperCase();

/** Keys whose values are redacted, compared without case, `_` or `-` (so `display_name`, `Display-Name`). */
const REDACTED_KEYS = new Set([
  'email',
  'emails',
  'mail',
  'upn',
  'userprincipalname',
  'preferredusername',
  'name',
  'displayname',
  'givenname',
  'surname',
  'firstname',
  'lastname',
  'fullname',
  'username',
  'recipientname',
  'password',
  'passwd',
  'secret',
  'token',
  'authorization',
  'cookie',
  'setcookie',
  'apikey',
  'connectionstring',
  'databaseurl',
]);
/** Key endings that mark a secret or an address whatever comes first (`clientSecret`, `accessToken`, `userEmail`). */
const REDACTED_SUFFIXES = ['secret', 'password', 'token', 'email', 'authorization', 'apikey'];

const normaliseKey = (k: string) => k.toLowerCase().replace(/[-_]/g, '');

/** True when a value logged under this key is redacted. */
export function isRedactedKey(key: string): boolean {
  const k = normaliseKey(key);
  return REDACTED_KEYS.has(k) || REDACTED_SUFFIXES.some((s) => k.endsWith(s));
}

/** Deeper than this, objects are replaced by a marker (logs carry ids and counts, not documents). */
const MAX_DEPTH = 12;

/**
 * A copy of `value` with every redacted key's value replaced, at any depth. Errors become
 * `{ type, message, stack }` (their own properties are walked too); cycles are cut.
 */
export function redactDeep(value: unknown): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return '[circular]';
    if (depth >= MAX_DEPTH) return '[too deep]';
    if (v instanceof Date) return v;
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
      const out: Record<string, unknown> = {};
      if (v instanceof Error) {
        out.type = v.name;
        out.message = v.message;
        if (v.stack) out.stack = v.stack;
      }
      for (const [k, x] of Object.entries(v)) out[k] = isRedactedKey(k) ? REDACTED : walk(x, depth + 1);
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, 0);
}

function traceIds(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const c = span.spanContext();
  return c.traceFlags ? { trace_id: c.traceId, span_id: c.spanId } : {};
}

export interface LoggerSetup {
  level?: string;
  name?: string;
  /** A file (the local stack's .data/logs/app.log) keeps the terminal for people; else stdout. */
  file?: string;
  /** Any other destination (tests capture lines with it). */
  stream?: DestinationStream | NodeJS.WritableStream;
}

/** pino options with the app's redaction; exported so every logger in the app (and tests) shares it. */
export function loggerOptions(opts: Pick<LoggerSetup, 'level' | 'name'> = {}): LoggerOptions {
  return {
    name: opts.name ?? 'wexqs',
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    // redactDeep turns errors into { type, message, stack } itself; pino's err serializer, which
    // runs after the formatter, would rename that type to "Object".
    serializers: { err: (e: unknown) => e },
    // Correlation: a line logged inside a traced request or job carries its trace and span ids.
    mixin: traceIds,
    formatters: {
      log: (object) => redactDeep(object) as Record<string, unknown>,
      // The logger's own `name` (e.g. "wexqs") is a binding too: keep it, redact the rest.
      bindings: ({ name, ...rest }) => ({ ...(name !== undefined ? { name } : {}), ...(redactDeep(rest) as object) }),
    },
  };
}

/**
 * pino does not run the bindings formatter for child loggers' bindings; redact them on the way in.
 * Children inherit this `child` from the logger they come from, so grandchildren are covered too.
 */
function redactChildBindings(logger: Logger): Logger {
  const original = logger.child;
  logger.child = function (this: Logger, bindings: Record<string, unknown>, options?: object) {
    return original.call(this, redactDeep(bindings) as Record<string, unknown>, options);
  } as Logger['child'];
  return logger;
}

export function createLogger(opts: LoggerSetup = {}): Logger {
  const options = loggerOptions(opts);
  if (opts.stream) return redactChildBindings(pino(options, opts.stream as DestinationStream));
  // The file is opened synchronously: a process that exits early (a start-up error) must not find
  // its log destination still opening (pino then throws on exit).
  return redactChildBindings(
    opts.file ? pino(options, pino.destination({ dest: opts.file, mkdir: true, sync: true })) : pino(options),
  );
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
