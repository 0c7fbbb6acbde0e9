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

export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: opts.name ?? 'wexqs',
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
