import { describe, expect, it } from 'vitest';
import {
  ELIGIBILITY_WEEKS,
  assertBookable,
  assertEligible,
  assertNotAlreadyBooked,
  attendancesFromBookings,
  checkEligibility,
  seatsLeft,
} from '../../src/domain/dropins.js';
import { DomainError, type ErrorCode } from '../../src/domain/errors.js';
import { londonDate } from '../../src/domain/time.js';
import type { Attendance, Booking, DropInSession } from '../../src/domain/types.js';

const att = (attendedAt: Date, sessionId = 's1'): Attendance => ({ sessionId, organisationId: 'org-a', attendedAt });
const MIN = 60_000;
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

function codeOf(fn: () => unknown): ErrorCode {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('eligibility (attended a drop-in within the 8 weeks before the request)', () => {
  it('is 8 weeks', () => expect(ELIGIBILITY_WEEKS).toBe(8));

  it('exactly 8 weeks is eligible; 8 weeks + 1 minute is not (no clock change)', () => {
    const attended = londonDate(2025, 6, 2, 10, 0);
    const exactly = londonDate(2025, 7, 28, 10, 0);
    expect(exactly.getTime() - attended.getTime()).toBe(56 * 24 * 3600_000);
    const ok = checkEligibility([att(attended)], exactly);
    expect(ok).toEqual({ eligible: true, lastAttended: attended, expiresAt: exactly, source: null });
    expect(checkEligibility([att(attended)], plus(exactly, MIN))).toEqual({
      eligible: false,
      reason: 'attendance_too_old',
      lastAttended: attended,
      source: null,
    });
  });

  it('says where the attendance that counts was recorded from (the latest one before the request)', () => {
    const request = londonDate(2025, 7, 28, 10, 0);
    const older = { ...att(londonDate(2025, 6, 2, 10, 0)), source: 'admin' as const };
    const newer = { ...att(londonDate(2025, 7, 1, 10, 0)), source: 'teams_report' as const };
    expect(checkEligibility([newer, older], request)).toMatchObject({ eligible: true, source: 'teams_report' });
    expect(checkEligibility([older], plus(request, 7 * 24 * 60 * MIN))).toMatchObject({
      eligible: false,
      reason: 'attendance_too_old',
      source: 'admin',
    });
  });

  it('counts London calendar weeks across the October clock change (56 days + 1 hour elapsed is still eligible)', () => {
    const attended = londonDate(2025, 9, 5, 10, 0); // BST
    const exactly = londonDate(2025, 10, 31, 10, 0); // GMT
    expect(exactly.getTime() - attended.getTime()).toBe((56 * 24 + 1) * 3600_000);
    expect(checkEligibility([att(attended)], exactly).eligible).toBe(true);
    expect(checkEligibility([att(attended)], plus(exactly, MIN)).eligible).toBe(false);
  });

  it('counts London calendar weeks across the March clock change', () => {
    const attended = londonDate(2026, 3, 2, 10, 0); // GMT
    const exactly = londonDate(2026, 4, 27, 10, 0); // BST, 56 days − 1 hour later
    expect(checkEligibility([att(attended)], exactly).eligible).toBe(true);
    expect(checkEligibility([att(attended)], plus(exactly, MIN)).eligible).toBe(false);
  });

  it('never attended', () => {
    expect(checkEligibility([], londonDate(2025, 7, 1))).toEqual({
      eligible: false,
      reason: 'never_attended',
      lastAttended: null,
      source: null,
    });
  });

  it('attendance after the request does not count', () => {
    const request = londonDate(2025, 7, 1, 12);
    expect(checkEligibility([att(plus(request, MIN))], request)).toEqual({
      eligible: false,
      reason: 'never_attended',
      lastAttended: null,
      source: null,
    });
    expect(checkEligibility([att(request)], request).eligible).toBe(true);
    const old = londonDate(2025, 1, 1);
    expect(checkEligibility([att(old), att(plus(request, MIN))], request)).toMatchObject({
      eligible: false,
      reason: 'attendance_too_old',
      lastAttended: old,
    });
  });

  it('uses the most recent attendance, in any order', () => {
    const old = londonDate(2025, 1, 6, 10);
    const recent = londonDate(2025, 6, 20, 10);
    const r = checkEligibility([att(recent, 's2'), att(old, 's1')], londonDate(2025, 7, 1));
    expect(r).toMatchObject({ eligible: true, lastAttended: recent });
  });

  it('assertEligible throws NOT_ELIGIBLE with details', () => {
    const attended = londonDate(2025, 1, 6, 10);
    try {
      assertEligible([att(attended)], londonDate(2025, 7, 1));
      expect.fail('should throw');
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      const de = e as DomainError;
      expect(de.code).toBe('NOT_ELIGIBLE');
      expect(de.details).toMatchObject({ reason: 'attendance_too_old', lastAttended: attended, weeks: 8 });
      expect(de.message).toMatch(/Mon 6 Jan 2025/);
    }
    expect(codeOf(() => assertEligible([], londonDate(2025, 7, 1)))).toBe('NOT_ELIGIBLE');
    expect(assertEligible([att(attended)], londonDate(2025, 2, 1)).eligible).toBe(true);
  });
});

describe('bookings', () => {
  const session: DropInSession = {
    id: 's1',
    title: 'WEx QS drop-in',
    startsAt: londonDate(2025, 7, 10, 14),
    endsAt: londonDate(2025, 7, 10, 15),
    capacity: 10,
    cancelled: false,
    joinUrl: null,
  };
  const before = londonDate(2025, 7, 1, 9);

  it('seatsLeft never goes below zero', () => {
    expect(seatsLeft(10, 0)).toBe(10);
    expect(seatsLeft(10, 9)).toBe(1);
    expect(seatsLeft(10, 10)).toBe(0);
    expect(seatsLeft(10, 12)).toBe(0);
  });

  it('bookable while open, with places, before it starts', () => {
    expect(() => assertBookable(session, 9, before)).not.toThrow();
    expect(() => assertBookable(session, 0, plus(session.startsAt, -1))).not.toThrow();
  });
  it('full', () => {
    expect(codeOf(() => assertBookable(session, 10, before))).toBe('DROPIN_FULL');
    expect(codeOf(() => assertBookable({ ...session, capacity: 0 }, 0, before))).toBe('DROPIN_FULL');
  });
  it('started or past', () => {
    expect(codeOf(() => assertBookable(session, 0, session.startsAt))).toBe('DROPIN_PAST');
    expect(codeOf(() => assertBookable(session, 0, session.endsAt))).toBe('DROPIN_PAST');
  });
  it('cancelled wins over past and full; past wins over full', () => {
    expect(codeOf(() => assertBookable({ ...session, cancelled: true }, 10, session.endsAt))).toBe('DROPIN_CANCELLED');
    expect(codeOf(() => assertBookable({ ...session, cancelled: true }, 0, before))).toBe('DROPIN_CANCELLED');
    expect(codeOf(() => assertBookable(session, 10, session.endsAt))).toBe('DROPIN_PAST');
  });

  const booking = (over: Partial<Booking>): Booking => ({
    id: 'b1',
    sessionId: 's1',
    personId: 'p1',
    organisationId: 'org-a',
    status: 'booked',
    attended: false,
    createdAt: before,
    ...over,
  });

  it('assertNotAlreadyBooked ignores cancelled bookings and other sessions', () => {
    expect(codeOf(() => assertNotAlreadyBooked([booking({})], 's1', 'p1'))).toBe('ALREADY_BOOKED');
    expect(codeOf(() => assertNotAlreadyBooked([booking({ status: 'waitlisted' })], 's1', 'p1'))).toBe(
      'ALREADY_BOOKED',
    );
    expect(() => assertNotAlreadyBooked([booking({ status: 'cancelled' })], 's1', 'p1')).not.toThrow();
    expect(() => assertNotAlreadyBooked([booking({ sessionId: 's2' })], 's1', 'p1')).not.toThrow();
    expect(() => assertNotAlreadyBooked([booking({ personId: 'p2' })], 's1', 'p1')).not.toThrow();
  });

  it('attendancesFromBookings uses attended bookings at the session start', () => {
    const list = attendancesFromBookings(
      [
        booking({ attended: true }),
        booking({ id: 'b2', attended: false }),
        booking({ id: 'b3', sessionId: 'gone', attended: true }),
      ],
      [session],
    );
    expect(list).toEqual([{ sessionId: 's1', organisationId: 'org-a', attendedAt: session.startsAt, source: null }]);
    const fromTeams = attendancesFromBookings([booking({ attended: true, attendedSource: 'teams_report' })], [session]);
    expect(fromTeams[0]?.source).toBe('teams_report');
  });
});
