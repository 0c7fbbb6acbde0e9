import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  parseUkDate,
  LONDON,
  addDaysLondon,
  addMinutes,
  addMonthsLondon,
  addMonthsToDateKey,
  addWeeks,
  addYearsLondon,
  daysLeftLondon,
  fixedClock,
  formatLondon,
  londonDate,
  londonDateKey,
  startOfLondonDay,
} from '../../src/domain/time.js';

const iso = (d: Date) => d.toISOString();

describe('time', () => {
  it('LONDON is Europe/London', () => expect(LONDON).toBe('Europe/London'));

  it('londonDate converts London wall-clock to UTC, summer (BST) and winter (GMT)', () => {
    expect(iso(londonDate(2025, 9, 19, 17, 0))).toBe('2025-09-19T16:00:00.000Z');
    expect(iso(londonDate(2025, 12, 1))).toBe('2025-12-01T00:00:00.000Z');
    expect(iso(londonDate(2025, 10, 27, 17))).toBe('2025-10-27T17:00:00.000Z');
    expect(iso(londonDate(2025, 10, 24, 17))).toBe('2025-10-24T16:00:00.000Z');
  });

  it('londonDate handles the skipped and the repeated hour', () => {
    // 30 Mar 2025: 01:00 GMT → 02:00 BST; 01:30 does not exist and moves forward to 02:30 BST.
    expect(iso(londonDate(2025, 3, 30, 1, 30))).toBe('2025-03-30T01:30:00.000Z');
    // 26 Oct 2025: 01:30 happens twice; the first (BST) is used.
    expect(iso(londonDate(2025, 10, 26, 1, 30))).toBe('2025-10-26T00:30:00.000Z');
  });

  it('londonDate rejects impossible dates', () => {
    expect(() => londonDate(2025, 2, 30)).toThrow();
    expect(() => londonDate(2025, 13, 1)).toThrow();
    expect(() => londonDate(2025, 1, 1, 24, 0)).toThrow();
  });

  it('formatLondon renders London wall time', () => {
    const d = londonDate(2025, 9, 19, 17, 0);
    expect(formatLondon(d)).toBe('Fri 19 Sep 2025, 17:00');
    expect(formatLondon(d, 'datetime')).toBe('Fri 19 Sep 2025, 17:00');
    expect(formatLondon(d, 'date')).toBe('Fri 19 Sep 2025');
    expect(formatLondon(d, 'time')).toBe('17:00');
    // 23:30 UTC on 31 Aug is 00:30 BST on Mon 1 Sep.
    expect(formatLondon(new Date('2025-08-31T23:30:00Z'))).toBe('Mon 1 Sep 2025, 00:30');
    expect(formatLondon(new Date('2025-12-31T23:05:00Z'))).toBe('Wed 31 Dec 2025, 23:05');
    expect(() => formatLondon(new Date('nope'))).toThrow();
  });

  it('daysLeftLondon counts London calendar days', () => {
    const deadline = londonDate(2025, 9, 19, 17, 0);
    expect(daysLeftLondon(londonDate(2025, 9, 19, 9, 0), deadline)).toBe(0);
    expect(daysLeftLondon(londonDate(2025, 9, 19, 23, 59), deadline)).toBe(0);
    expect(daysLeftLondon(londonDate(2025, 9, 18, 23, 59), deadline)).toBe(1);
    expect(daysLeftLondon(londonDate(2025, 9, 1, 0, 0), deadline)).toBe(18);
    expect(daysLeftLondon(londonDate(2025, 9, 20, 0, 0), deadline)).toBe(-1);
    // 23:30 UTC on 18 Sep is already 19 Sep in London.
    expect(daysLeftLondon(new Date('2025-09-18T23:30:00Z'), deadline)).toBe(0);
  });

  it('daysLeftLondon across the October clock change (deadline Mon 27 Oct 2025 17:00 GMT)', () => {
    const deadline = londonDate(2025, 10, 27, 17, 0);
    // Fri 24 Oct 23:30 UTC is Sat 25 Oct 00:30 BST: 2 days left (UTC dates would say 3).
    expect(daysLeftLondon(new Date('2025-10-24T23:30:00Z'), deadline)).toBe(2);
    expect(daysLeftLondon(new Date('2025-10-24T22:59:00Z'), deadline)).toBe(3);
    // Sat 25 Oct 23:30 UTC is Sun 26 Oct 00:30 BST (the day of the change): 1 day.
    expect(daysLeftLondon(new Date('2025-10-25T23:30:00Z'), deadline)).toBe(1);
    expect(daysLeftLondon(new Date('2025-10-26T23:59:00Z'), deadline)).toBe(1);
    expect(daysLeftLondon(new Date('2025-10-27T00:00:00Z'), deadline)).toBe(0);
    expect(daysLeftLondon(new Date('2025-10-28T00:00:00Z'), deadline)).toBe(-1);
  });

  it('daysLeftLondon across the March clock change', () => {
    const deadline = londonDate(2025, 3, 31, 9, 0);
    expect(daysLeftLondon(londonDate(2025, 3, 29, 9, 0), deadline)).toBe(2);
    expect(daysLeftLondon(londonDate(2025, 3, 30, 0, 0), deadline)).toBe(1);
    expect(daysLeftLondon(londonDate(2025, 3, 30, 23, 30), deadline)).toBe(1);
  });

  it('addWeeks keeps the London wall-clock time across a clock change', () => {
    const fri = londonDate(2025, 9, 5, 10, 0); // BST
    const later = addWeeks(fri, 8);
    expect(formatLondon(later)).toBe('Fri 31 Oct 2025, 10:00'); // GMT
    expect(later.getTime() - fri.getTime()).toBe((56 * 24 + 1) * 3600_000);
    expect(formatLondon(addWeeks(later, -8))).toBe('Fri 5 Sep 2025, 10:00');
  });

  it('addMonthsLondon clamps to month end and keeps wall time', () => {
    expect(formatLondon(addMonthsLondon(londonDate(2025, 1, 31, 12), 1))).toBe('Fri 28 Feb 2025, 12:00');
    expect(formatLondon(addMonthsLondon(londonDate(2024, 1, 31, 12), 1))).toBe('Thu 29 Feb 2024, 12:00');
    expect(formatLondon(addMonthsLondon(londonDate(2025, 9, 19, 17), -12))).toBe('Thu 19 Sep 2024, 17:00');
    expect(formatLondon(addMonthsLondon(londonDate(2025, 11, 1, 9), -1))).toBe('Wed 1 Oct 2025, 09:00');
  });

  it('addYearsLondon maps 29 Feb to 28 Feb', () => {
    expect(formatLondon(addYearsLondon(londonDate(2024, 2, 29, 10), 2))).toBe('Sat 28 Feb 2026, 10:00');
  });

  it('addDaysLondon, addMinutes, startOfLondonDay, londonDateKey, fixedClock', () => {
    expect(formatLondon(addDaysLondon(londonDate(2025, 10, 25, 12), 2))).toBe('Mon 27 Oct 2025, 12:00');
    expect(iso(addMinutes(new Date('2025-01-01T00:00:00Z'), 90))).toBe('2025-01-01T01:30:00.000Z');
    expect(iso(startOfLondonDay(new Date('2025-08-31T23:30:00Z')))).toBe('2025-08-31T23:00:00.000Z');
    expect(londonDateKey(new Date('2025-08-31T23:30:00Z'))).toBe('2025-09-01');
    const at = new Date('2025-01-01T00:00:00Z');
    const clock = fixedClock(at);
    expect(clock.now().getTime()).toBe(at.getTime());
    clock.now().setTime(0);
    expect(clock.now().getTime()).toBe(at.getTime());
  });
});

describe('parseUkDate', () => {
  it('reads dates day first, as people in the UK write them, and ISO dates', () => {
    expect(parseUkDate('19/09/2025')).toEqual({ year: 2025, month: 9, day: 19 });
    expect(parseUkDate(' 1/2/2026 ')).toEqual({ year: 2026, month: 2, day: 1 });
    expect(parseUkDate('01-02-2026')).toEqual({ year: 2026, month: 2, day: 1 });
    expect(parseUkDate('1.2.2026')).toEqual({ year: 2026, month: 2, day: 1 });
    expect(parseUkDate('2025-09-19')).toEqual({ year: 2025, month: 9, day: 19 });
  });
  it('refuses what is not a real calendar date or not a date at all', () => {
    expect(parseUkDate('31/02/2025')).toBeNull();
    expect(parseUkDate('29/02/2025')).toBeNull();
    expect(parseUkDate('29/02/2024')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseUkDate('09/19/2025')).toBeNull(); // month first is not a UK date
    expect(parseUkDate('yesterday')).toBeNull();
    expect(parseUkDate('')).toBeNull();
  });
});

describe('remembered London dates agree with the time-zone database', () => {
  // Any instant from 1997 (the EU rule) to 2100, biased to the hours around the clock changes.
  const instant = fc.oneof(
    fc.integer({ min: Date.UTC(1997, 0, 1), max: Date.UTC(2100, 0, 1) }),
    fc
      .tuple(
        fc.integer({ min: 1997, max: 2099 }),
        fc.constantFrom(2, 9),
        fc.integer({ min: 24, max: 31 }),
        fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 }),
      )
      .map(([y, m, d, ms]) => Date.UTC(y, m, d, 1) + ms),
  );

  it('londonDateKey is the London date of the very instant, whatever else was asked in the same hour', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 3_599_999 }), (ms, offset) => {
        const hourStart = Math.floor(ms / 3_600_000) * 3_600_000;
        londonDateKey(new Date(hourStart + offset)); // remembered first, for the same hour
        expect(londonDateKey(new Date(ms))).toBe(DateTime.fromMillis(ms, { zone: LONDON }).toISODate());
      }),
      { numRuns: 2000 },
    );
  });

  it('addMonthsToDateKey moves a London date as addMonthsLondon moves its instant', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -36, max: 36 }), (ms, months) => {
        const at = new Date(ms);
        expect(addMonthsToDateKey(londonDateKey(at), months)).toBe(
          DateTime.fromMillis(ms, { zone: LONDON }).plus({ months }).toISODate(),
        );
        expect(addMonthsToDateKey(londonDateKey(at), months)).toBe(londonDateKey(addMonthsLondon(at, months)));
      }),
      { numRuns: 2000 },
    );
    expect(addMonthsToDateKey('2025-03-31', -1)).toBe('2025-02-28');
    expect(addMonthsToDateKey('2024-02-29', -12)).toBe('2023-02-28');
    expect(addMonthsToDateKey('2025-01-31', 13)).toBe('2026-02-28');
  });
});
