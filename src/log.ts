/**
 * Structured logging (pino). Personal data and secrets are redacted by path wherever they could
 * appear in a logged object; log ids and counts, never names or email addresses.
 */
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

export function createLogger(opts: { level?: string; name?: string; file?: string } = {}): Logger {
  const options = {
    name: opts.name ?? 'wexqs',
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  // A file (the local stack's .data/logs/app.log) keeps the terminal for people; else stdout.
  return opts.file ? pino(options, pino.destination({ dest: opts.file, mkdir: true, sync: false })) : pino(options);
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
