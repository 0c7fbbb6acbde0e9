/**
 * Time helpers. Instants are UTC Dates; people see and think in Europe/London wall-clock time.
 * Nothing here reads the system clock: the current time is always passed in (see `Clock`).
 *
 * Calendar arithmetic (weeks, months, years, "days left") is done on the London calendar so that
 * a daylight-saving change never shifts a date: 8 weeks after Mon 09:00 is Mon 09:00 London, even
 * though across a clock change that is 56 × 24 h ± 1 h of elapsed time.
 */
import { DateTime } from 'luxon';
import { DomainError } from './errors.js';

export const LONDON = 'Europe/London';

/** The source of "now". Workflows receive one; tests pass a fixed one. */
export interface Clock {
  now(): Date;
}

/** A clock that always returns the given instant (tests, replays). */
export function fixedClock(at: Date): Clock {
  const ms = at.getTime();
  return { now: () => new Date(ms) };
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

function assertValidDate(d: Date, what = 'date'): void {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw new DomainError('VALIDATION', `The ${what} is not a valid date.`, { field: what });
  }
}

/** The instant as a luxon DateTime in London. */
export function inLondon(d: Date): DateTime {
  assertValidDate(d);
  return DateTime.fromJSDate(d, { zone: LONDON });
}

/**
 * Converting an instant to London wall-clock time asks the time-zone database each time (luxon
 * through Intl), which is slow next to everything else a card does; cards and readiness convert
 * the same instants (deadlines, document dates) again and again. The conversions are pure, so
 * their results are kept, a bounded number of them.
 */
const REMEMBERED = 10_000;
const formatted = new Map<string, string>();
const dateKeys = new Map<number, string>();
function remembered<K, V>(cache: Map<K, V>, key: K, compute: () => V): V {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = compute();
  if (cache.size >= REMEMBERED) cache.clear();
  cache.set(key, value);
  return value;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * London wall-clock rendering, independent of the machine's ICU data:
 * - 'datetime' (default): "Fri 19 Sep 2025, 17:00"
 * - 'date': "Fri 19 Sep 2025"
 * - 'time': "17:00"
 */
export function formatLondon(d: Date, style: 'date' | 'datetime' | 'time' = 'datetime'): string {
  assertValidDate(d);
  return remembered(formatted, `${style}:${d.getTime()}`, () => formatLondonNow(d, style));
}

function formatLondonNow(d: Date, style: 'date' | 'datetime' | 'time'): string {
  const t = inLondon(d);
  const time = `${pad2(t.hour)}:${pad2(t.minute)}`;
  const date = `${WEEKDAYS[t.weekday - 1]} ${t.day} ${MONTHS[t.month - 1]} ${t.year}`;
  if (style === 'time') return time;
  if (style === 'date') return date;
  return `${date}, ${time}`;
}

/**
 * London wall-clock time → UTC instant, DST-correct. `month` is 1-12.
 * A wall time that does not exist (the hour skipped when clocks go forward) is moved forward by
 * the gap (01:30 → 02:30 BST); an ambiguous one (the hour repeated when clocks go back) is the
 * first occurrence (BST).
 */
export function londonDate(year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const parts = [year, month, day, hour, minute];
  const t = DateTime.fromObject({ year, month, day, hour, minute }, { zone: LONDON });
  if (
    !parts.every(Number.isInteger) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    !t.isValid ||
    t.month !== month ||
    t.day !== day
  ) {
    throw new DomainError('VALIDATION', `${year}-${month}-${day} ${hour}:${minute} is not a valid date and time.`, {
      year,
      month,
      day,
      hour,
      minute,
    });
  }
  // Ambiguous wall time (clocks going back): prefer the earlier instant if it shows the same wall time.
  const earlier = DateTime.fromMillis(t.toMillis() - 3_600_000, { zone: LONDON });
  if (
    earlier.year === year &&
    earlier.month === month &&
    earlier.day === day &&
    earlier.hour === hour &&
    earlier.minute === minute
  ) {
    return earlier.toJSDate();
  }
  return t.toJSDate();
}

/**
 * A date as people in the UK write it, day first: "19/09/2025" (also "19-9-2025" or "19.09.2025"),
 * or an ISO date ("2025-09-19"). Null when it is not one of those or not a real calendar date.
 */
export function parseUkDate(input: string): { year: number; month: number; day: number } | null {
  const v = input.trim();
  const uk = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(v);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const [day, month, year] = uk
    ? [Number(uk[1]), Number(uk[2]), Number(uk[3])]
    : iso
      ? [Number(iso[3]), Number(iso[2]), Number(iso[1])]
      : [0, 0, 0];
  if (!uk && !iso) return null;
  const t = DateTime.fromObject({ year, month, day }, { zone: LONDON });
  return t.isValid && t.month === month && t.day === day ? { year, month, day } : null;
}

/** 00:00 London on the London calendar day of `d`. */
export function startOfLondonDay(d: Date): Date {
  return inLondon(d).startOf('day').toJSDate();
}

/**
 * The London calendar date of an instant as "YYYY-MM-DD". Remembered per UTC hour: London's
 * clocks change at 01:00 UTC (since 1996, the EU rule), so its offset, and with it the London
 * date, is the same for every instant of a UTC hour; "now" thus hits as often as a deadline does.
 */
export function londonDateKey(d: Date): string {
  assertValidDate(d);
  return remembered(dateKeys, Math.floor(d.getTime() / HOUR_MS), () => inLondon(d).toISODate() ?? '');
}

const HOUR_MS = 3_600_000;

/**
 * A "YYYY-MM-DD" calendar date moved by whole months, clamped to the end of a shorter month
 * (31 Mar - 1 month = 28/29 Feb), as `addMonthsLondon` moves the date of an instant.
 */
export function addMonthsToDateKey(key: string, months: number): string {
  const year = Number(key.slice(0, 4));
  const month = Number(key.slice(5, 7)) - 1 + months;
  const day = Number(key.slice(8, 10));
  const first = new Date(Date.UTC(year, month, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(day, lastDay));
  return first.toISOString().slice(0, 10);
}

/**
 * Calendar days from `now`'s London date to `deadline`'s London date: 0 on the day itself,
 * 1 the day before, negative after. Times of day are ignored, so a clock change never gives 0.96.
 */
export function daysLeftLondon(now: Date, deadline: Date): number {
  return (calendarDayNumber(londonDateKey(deadline)) - calendarDayNumber(londonDateKey(now))) / 86_400_000;
}

/** A "YYYY-MM-DD" calendar date as the UTC midnight of that date in ms (days apart are exact multiples). */
function calendarDayNumber(key: string): number {
  return Date.UTC(Number(key.slice(0, 4)), Number(key.slice(5, 7)) - 1, Number(key.slice(8, 10)));
}

/**
 * Adds calendar months on the London calendar, keeping the London wall-clock time.
 * Past the end of a month it clamps (31 Jan + 1 month = 28/29 Feb). Negative n subtracts.
 */
export function addMonthsLondon(d: Date, months: number): Date {
  return inLondon(d).plus({ months }).toJSDate();
}

/** Adds calendar years on the London calendar (29 Feb + 1 year = 28 Feb). */
export function addYearsLondon(d: Date, years: number): Date {
  return inLondon(d).plus({ years }).toJSDate();
}

/**
 * Adds weeks on the London calendar, keeping the London wall-clock time across clock changes
 * (so it is 7 × n calendar days, not 7 × 24 × n hours). Negative n subtracts.
 */
export function addWeeks(d: Date, weeks: number): Date {
  return inLondon(d).plus({ weeks }).toJSDate();
}

/** Adds calendar days on the London calendar, keeping the London wall-clock time. */
export function addDaysLondon(d: Date, days: number): Date {
  return inLondon(d).plus({ days }).toJSDate();
}

/** Adds elapsed minutes (absolute time, not calendar). */
export function addMinutes(d: Date, minutes: number): Date {
  return new Date(d.getTime() + minutes * 60_000);
}
