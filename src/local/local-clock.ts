/**
 * Local mode only: the app's clock, optionally shifted so a person (or an end-to-end test) can try
 * the later steps of a cycle without waiting for them. `LOCAL_CLOCK_OFFSET_DAYS=116 npm start`
 * runs the stack as if it were 116 days later (the demo cycle's decision window); time still
 * passes normally. Only `npm start` (src/local/start.ts, which refuses tenant mode) reads the
 * variable; a tenant deployment always runs on the system clock.
 */
import type { Clock } from '../domain/time.js';

export const LOCAL_CLOCK_OFFSET_VARIABLE = 'LOCAL_CLOCK_OFFSET_DAYS';

/** At most ten years either way: enough for any cycle, and far from Date's limits. */
const MAX_OFFSET_DAYS = 3650;

export interface LocalClock {
  clock: Clock;
  /** The shift in days (may be fractional; 0 when unset). */
  offsetDays: number;
}

/**
 * The clock for `LOCAL_CLOCK_OFFSET_DAYS` (a number of days, fractions allowed, negative allowed).
 * Unset or blank: the system clock. Throws with a plain message for anything else.
 */
export function localClockFromEnv(value: string | undefined, systemNow: () => number = Date.now): LocalClock {
  const raw = value?.trim() ?? '';
  if (raw === '') return { clock: { now: () => new Date(systemNow()) }, offsetDays: 0 };
  const days = /^[-+]?\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(days) || Math.abs(days) > MAX_OFFSET_DAYS) {
    throw new Error(
      `${LOCAL_CLOCK_OFFSET_VARIABLE} must be a number of days between -${MAX_OFFSET_DAYS} and ${MAX_OFFSET_DAYS} (e.g. 116 or 20.5)`,
    );
  }
  const offsetMs = Math.round(days * 86_400_000);
  return { clock: { now: () => new Date(systemNow() + offsetMs) }, offsetDays: days };
}
