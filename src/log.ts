/**
 * Structured logging (pino). Personal data and secrets are redacted by path wherever they could
 * appear in a logged object; log ids and counts, never names or email addresses.
 */
import { trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  '*.email',
  '*.password',
  '*.secret',
  '*.clientSecret',
  '*.appPassword',
  '*.authorization',
  '*.Authorization',
  '*.token',
  '*.displayName',
  '*.name',
  'headers.authorization',
  'req.headers.authorization',
];

function traceIds(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const c = span.spanContext();
  return c.traceFlags ? { trace_id: c.traceId, span_id: c.spanId } : {};
}

export function createLogger(
  opts: { level?: string; name?: string; file?: string; stream?: NodeJS.WritableStream } = {},
): Logger {
  const options = {
    name: opts.name ?? 'wexqs',
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Correlation: a line logged inside a traced request or job carries its trace and span ids.
    mixin: traceIds,
  };
  // A file (the local stack's .data/logs/app.log) keeps the terminal for people; else stdout.
  if (opts.stream) return pino(options, opts.stream);
  return opts.file ? pino(options, pino.destination({ dest: opts.file, mkdir: true, sync: false })) : pino(options);
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
