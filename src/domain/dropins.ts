/**
 * Drop-in sessions, bookings and eligibility.
 *
 * Eligibility: the organisation attended a drop-in within the 8 weeks before the request.
 * "8 weeks" is counted on the London calendar (addWeeks keeps the wall-clock time), so a clock
 * change in between neither gains nor loses an hour: attended Fri 5 Sep 2025 10:00 → a request up
 * to and including Fri 31 Oct 2025 10:00 London is eligible, one minute later it is not.
 * Attendances after the request instant do not count.
 */
import type { AttendanceSource } from './attendance.js';
import { DomainError } from './errors.js';
import { addWeeks, formatLondon } from './time.js';
import type { Attendance, Booking, DropInSession } from './types.js';

export const ELIGIBILITY_WEEKS = 8;

export type Eligibility =
  | { eligible: true; lastAttended: Date; expiresAt: Date; source: AttendanceSource | null }
  | {
      eligible: false;
      reason: 'never_attended' | 'attendance_too_old';
      lastAttended: Date | null;
      source: AttendanceSource | null;
    };

/** The last instant a request is still eligible on the strength of an attendance at `attendedAt`. */
export function eligibilityExpiresAt(attendedAt: Date): Date {
  return addWeeks(attendedAt, ELIGIBILITY_WEEKS);
}

export function checkEligibility(attendances: readonly Attendance[], requestAt: Date): Eligibility {
  const t = requestAt.getTime();
  let last: Attendance | null = null;
  for (const a of attendances) {
    const at = a.attendedAt.getTime();
    if (Number.isNaN(at) || at > t) continue;
    if (last === null || at > last.attendedAt.getTime()) last = a;
  }
  if (last === null) return { eligible: false, reason: 'never_attended', lastAttended: null, source: null };
  const source = last.source ?? null;
  const expiresAt = eligibilityExpiresAt(last.attendedAt);
  if (t <= expiresAt.getTime()) return { eligible: true, lastAttended: last.attendedAt, expiresAt, source };
  return { eligible: false, reason: 'attendance_too_old', lastAttended: last.attendedAt, source };
}

/** Like checkEligibility, but throws NOT_ELIGIBLE (details: reason, lastAttended, weeks). */
export function assertEligible(
  attendances: readonly Attendance[],
  requestAt: Date,
): Extract<Eligibility, { eligible: true }> {
  const e = checkEligibility(attendances, requestAt);
  if (e.eligible) return e;
  const message =
    e.reason === 'never_attended'
      ? 'Your organisation has not attended a drop-in session yet. Attending one is the first step before you can request an application form.'
      : `Your organisation last attended a drop-in session on ${formatLondon(e.lastAttended ?? requestAt, 'date')}, more than ${ELIGIBILITY_WEEKS} weeks ago.`;
  throw new DomainError('NOT_ELIGIBLE', message, {
    reason: e.reason,
    lastAttended: e.lastAttended,
    weeks: ELIGIBILITY_WEEKS,
  });
}

/** Places left (never negative). */
export function seatsLeft(capacity: number, bookedCount: number): number {
  return Math.max(0, capacity - bookedCount);
}

/** True once the session has started (a session can be booked up to its start). */
export function hasStarted(session: Pick<DropInSession, 'startsAt'>, now: Date): boolean {
  return now.getTime() >= session.startsAt.getTime();
}

/** Checks in this order: cancelled → DROPIN_CANCELLED, started → DROPIN_PAST, full → DROPIN_FULL. */
export function assertBookable(session: DropInSession, bookedCount: number, now: Date): void {
  const details = { sessionId: session.id, title: session.title, startsAt: session.startsAt };
  if (session.cancelled) {
    throw new DomainError('DROPIN_CANCELLED', `The drop-in session “${session.title}” has been cancelled.`, details);
  }
  if (hasStarted(session, now)) {
    throw new DomainError(
      'DROPIN_PAST',
      `The drop-in session “${session.title}” started at ${formatLondon(session.startsAt)} and can no longer be booked.`,
      details,
    );
  }
  if (seatsLeft(session.capacity, bookedCount) === 0) {
    throw new DomainError('DROPIN_FULL', `The drop-in session “${session.title}” is full.`, {
      ...details,
      capacity: session.capacity,
      bookedCount,
    });
  }
}

/** Throws ALREADY_BOOKED when the person holds a live (not cancelled) booking on the session. */
export function assertNotAlreadyBooked(bookings: readonly Booking[], sessionId: string, personId: string): void {
  const existing = bookings.find(
    (b) => b.sessionId === sessionId && b.personId === personId && b.status !== 'cancelled',
  );
  if (existing) {
    throw new DomainError('ALREADY_BOOKED', undefined, { sessionId, personId, bookingId: existing.id });
  }
}

/** Attendances (for eligibility) from bookings marked attended, dated at the session start. */
export function attendancesFromBookings(
  bookings: readonly Booking[],
  sessions: readonly Pick<DropInSession, 'id' | 'startsAt'>[],
): Attendance[] {
  const starts = new Map(sessions.map((s) => [s.id, s.startsAt] as const));
  const out: Attendance[] = [];
  for (const b of bookings) {
    const at = starts.get(b.sessionId);
    if (b.attended && at)
      out.push({
        sessionId: b.sessionId,
        organisationId: b.organisationId,
        attendedAt: at,
        source: b.attendedSource ?? null,
      });
  }
  return out;
}
