/**
 * What a person sees when the app cannot start: one line naming the setting to fix, and an exit
 * code a supervisor can act on. Never a stack trace, never a secret.
 *
 * Exit codes: 2 a setting is wrong (configuration, a port in use), 3 the database cannot be
 * opened (DATABASE_URL unreachable, the embedded database's directory locked or damaged), 1
 * anything else.
 */
import { ConfigError } from './config.js';
import { DatabaseUnavailableError } from './store/database.js';

export const EXIT_CONFIG = 2;
export const EXIT_DATABASE = 3;
export const EXIT_OTHER = 1;

export function describeStartupError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof ConfigError) return { message: err.message, exitCode: EXIT_CONFIG };
  if (err instanceof DatabaseUnavailableError) return { message: err.message, exitCode: EXIT_DATABASE };
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e?.code === 'EADDRINUSE' || e?.code === 'EACCES') {
    const where = e.port !== undefined ? `${e.address ?? ''}:${e.port}` : 'the configured address';
    return {
      message:
        e.code === 'EADDRINUSE'
          ? `Port ${where} is already in use: stop what is using it, or set PORT (and HOST) to a free one.`
          : `Not allowed to listen on ${where}: set PORT to a port above 1024, or HOST to an address of this machine.`,
      exitCode: EXIT_CONFIG,
    };
  }
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return { message: `WEx QS could not start: ${message}`, exitCode: EXIT_OTHER };
}
