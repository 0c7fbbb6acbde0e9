/**
 * How a running app process stops: on SIGTERM (a platform stopping or replacing this instance)
 * or Ctrl-C it stops taking work, finishes or releases what was claimed and closes the pool,
 * within `timeoutMs`; a second signal, or a shutdown that overruns its bound, exits at once.
 * Returns the same stop, for a process that is asked to stop some other way.
 */
import type { Logger } from './log.js';

export function stopOnSignals(o: {
  /** Closes the app (and whatever else the process runs) within the bound. */
  close: (timeoutMs: number) => Promise<void>;
  timeoutMs: number;
  log: Logger;
}): (reason: string) => void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    o.log.info({ signal, timeoutMs: o.timeoutMs }, 'stopping');
    setTimeout(() => process.exit(1), o.timeoutMs + 2_000).unref();
    o.close(o.timeoutMs).then(
      () => process.exit(0),
      (err: unknown) => {
        o.log.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return stop;
}
