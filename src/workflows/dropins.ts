import { randomUUID } from 'node:crypto';
import { authorise } from '../domain/authorisation.js';
import { checkEligibility } from '../domain/dropins.js';
import { DomainError } from '../domain/errors.js';
import type { Actor, Booking, DropInSession } from '../domain/types.js';
import { cancelFor, onSessionChanged } from '../notifications/outbox.js';
import { planSession } from '../notifications/schedule.js';
import type { SessionWithSeats } from '../store/dropin-repository.js';
import type { Store } from '../store/store.js';
import { notifyPromoted } from './event-notifications.js';
import type { Services } from './services.js';

/** Queue the meeting-attendee sync of each session (in the change's transaction). */
async function syncAttendeesLater(svc: Services, tx: Store, sessionIds: readonly string[]): Promise<void> {
  if (!svc.jobs || !svc.meetings) return;
  for (const sessionId of new Set(sessionIds))
    await svc.jobs.enqueue(tx, { name: 'meeting-attendees', data: { sessionId } });
}

/** The sessions that have not started yet (with their seats) and the actor's live bookings, in one read. */
export async function sessionsAndMyBookings(
  svc: Services,
  actor: Actor,
): Promise<{ sessions: SessionWithSeats[]; mine: Booking[] }> {
  authorise(actor, 'book_dropin', { kind: 'dropin', organisationId: actor.organisationId });
  const { sessions, bookings } = await svc.store.dropIns.upcomingAndBookingsOf(actor.personId, svc.clock.now());
  return { sessions, mine: liveBookings(bookings) };
}

export async function bookDropIn(
  svc: Services,
  actor: Actor,
  input: { sessionId: string; waitlistIfFull?: boolean },
): Promise<Booking> {
  authorise(actor, 'book_dropin', { kind: 'dropin', organisationId: actor.organisationId });
  const organisationId = requireOrganisation(actor);
  const now = svc.clock.now();
  return svc.store.transaction(async (tx) => {
    const booking = await tx.dropIns.book({
      sessionId: input.sessionId,
      personId: actor.personId,
      organisationId,
      actorId: actor.personId,
      now,
      waitlistIfFull: input.waitlistIfFull ?? false,
    });
    // Outbox: the attendee's 24 h / 1 h reminders (a waitlisted booking gets none yet); the
    // meeting invitation follows (a job).
    if (booking.status === 'booked') {
      await planSession(tx, booking.sessionId, now);
      await syncAttendeesLater(svc, tx, [booking.sessionId]);
    }
    return booking;
  });
}

/** Whether the actor's organisation attended a drop-in within the 8 weeks before now. */
export async function organisationEligibility(svc: Services, actor: Actor) {
  const organisationId = requireOrganisation(actor);
  authorise(actor, 'view_application', { kind: 'organisation', organisationId });
  const attendances = await svc.store.dropIns.attendancesForOrganisation(organisationId);
  return checkEligibility(attendances, svc.clock.now());
}

export function requireOrganisation(actor: Actor): string {
  if (!actor.organisationId) {
    throw new DomainError('FORBIDDEN', 'This needs you to belong to an applicant organisation.', {});
  }
  return actor.organisationId;
}

/** The actor's live bookings (booked or waitlisted). */
export async function myBookings(svc: Services, actor: Actor): Promise<Booking[]> {
  return liveBookings(await svc.store.dropIns.bookingsForPerson(actor.personId));
}

function liveBookings(bookings: Booking[]): Booking[] {
  return bookings.filter((b) => b.status !== 'cancelled');
}

async function ownBooking(svc: Services, actor: Actor, bookingId: string): Promise<Booking> {
  authorise(actor, 'book_dropin', { kind: 'dropin', organisationId: actor.organisationId });
  const booking = (await svc.store.dropIns.bookingsForPerson(actor.personId)).find((b) => b.id === bookingId);
  if (!booking) throw new DomainError('NOT_FOUND', 'We could not find that booking of yours.', { bookingId });
  if (booking.status === 'cancelled')
    throw new DomainError('STALE', 'That booking was already cancelled.', { bookingId });
  return booking;
}

/**
 * Cancel the actor's booking. When it held a seat, the longest-waiting person on the waitlist
 * gets it in the same transaction (returned as `promoted`, so they can be told).
 */
export async function cancelBooking(
  svc: Services,
  actor: Actor,
  input: { bookingId: string },
): Promise<{ cancelled: Booking; promoted: Booking | null }> {
  await ownBooking(svc, actor, input.bookingId);
  const now = svc.clock.now();
  return svc.store.transaction(async (tx) => {
    const r = await tx.dropIns.cancel(input.bookingId, actor.personId, now);
    // Outbox: the booking's pending reminders go; a promoted attendee is told and gets theirs.
    await cancelFor(tx, { type: 'booking_cancelled', bookingId: r.cancelled.id }, now);
    if (r.promoted) {
      await planSession(tx, r.promoted.sessionId, now);
      await notifyPromoted(tx, r.promoted, now);
    }
    await syncAttendeesLater(svc, tx, [r.cancelled.sessionId]);
    return r;
  });
}

/**
 * Move a booking to another session in one transaction: if the new session cannot be booked
 * (full, started, cancelled) nothing changes and the old booking stands.
 */
export async function rebook(
  svc: Services,
  actor: Actor,
  input: { bookingId: string; sessionId: string },
): Promise<{ booking: Booking; cancelled: Booking; promoted: Booking | null }> {
  const old = await ownBooking(svc, actor, input.bookingId);
  if (old.sessionId === input.sessionId)
    throw new DomainError('ALREADY_BOOKED', undefined, { sessionId: input.sessionId });
  const organisationId = requireOrganisation(actor);
  const now = svc.clock.now();
  return svc.store.transaction(async (tx) => {
    const booking = await tx.dropIns.book({
      sessionId: input.sessionId,
      personId: actor.personId,
      organisationId,
      actorId: actor.personId,
      now,
    });
    const { cancelled, promoted } = await tx.dropIns.cancel(old.id, actor.personId, now);
    // Outbox: as cancelBooking and bookDropIn.
    await cancelFor(tx, { type: 'booking_cancelled', bookingId: cancelled.id }, now);
    await planSession(tx, booking.sessionId, now);
    if (promoted) {
      await planSession(tx, promoted.sessionId, now);
      await notifyPromoted(tx, promoted, now);
    }
    await syncAttendeesLater(svc, tx, [booking.sessionId, cancelled.sessionId]);
    return { booking, cancelled, promoted };
  });
}

/** Admin: schedule a drop-in session (its Teams meeting is created after, through Graph). */
export async function createSession(
  svc: Services,
  actor: Actor,
  input: { title: string; startsAt: Date; endsAt: Date; capacity: number },
): Promise<DropInSession> {
  authorise(actor, 'manage_dropins', { kind: 'dropin' });
  const now = svc.clock.now();
  const title = input.title.trim();
  const problems: string[] = [];
  if (title.length < 3 || title.length > 200) problems.push('the title must be 3 to 200 characters');
  if (!(input.startsAt.getTime() > now.getTime())) problems.push('the session must start in the future');
  if (!(input.endsAt.getTime() > input.startsAt.getTime())) problems.push('the session must end after it starts');
  if (!Number.isInteger(input.capacity) || input.capacity < 1 || input.capacity > 500)
    problems.push('the capacity must be a whole number from 1 to 500');
  if (problems.length > 0)
    throw new DomainError('VALIDATION', `The session was not created: ${problems.join('; ')}.`, { problems });
  const session: DropInSession = {
    id: `dropin-${randomUUID()}`,
    title,
    startsAt: input.startsAt,
    endsAt: input.endsAt,
    capacity: input.capacity,
    cancelled: false,
    joinUrl: null,
  };
  await svc.store.transaction(async (tx) => {
    await tx.dropIns.createSession(session);
    await tx.audit.append({
      at: now,
      actorId: actor.personId,
      action: 'create_session',
      entityKind: 'dropin_session',
      entityId: session.id,
      fromState: null,
      toState: 'scheduled',
      details: { startsAt: session.startsAt.toISOString(), capacity: session.capacity },
    });
  });
  return session;
}

/**
 * Admin: change a drop-in session (time, title, join link) or cancel it. In the same transaction
 * its pending reminders are cancelled, booked attendees are sent an update, and (if it still
 * runs) their reminders are planned for the new time.
 */
export async function changeSession(
  svc: Services,
  actor: Actor,
  input: {
    sessionId: string;
    title?: string;
    startsAt?: Date;
    endsAt?: Date;
    joinUrl?: string | null;
    cancel?: boolean;
  },
): Promise<{ session: DropInSession; notified: number }> {
  authorise(actor, 'manage_dropins', { kind: 'dropin' });
  const now = svc.clock.now();
  return svc.store.transaction(async (tx) => {
    const current = await tx.dropIns.getSession(input.sessionId);
    if (!current)
      throw new DomainError('NOT_FOUND', 'That drop-in session does not exist.', { sessionId: input.sessionId });
    if (current.cancelled)
      throw new DomainError('STALE', 'That drop-in session was already cancelled.', { sessionId: input.sessionId });
    const startsAt = input.startsAt ?? current.startsAt;
    const endsAt = input.endsAt ?? current.endsAt;
    if (endsAt.getTime() <= startsAt.getTime())
      throw new DomainError('VALIDATION', 'A drop-in session must end after it starts.', { field: 'endsAt' });
    // The same values again (a repeated command) change nothing: no audit row, nobody notified.
    const differs =
      input.cancel === true ||
      (input.title !== undefined && input.title !== current.title) ||
      startsAt.getTime() !== current.startsAt.getTime() ||
      endsAt.getTime() !== current.endsAt.getTime() ||
      (input.joinUrl !== undefined && input.joinUrl !== current.joinUrl);
    if (!differs) return { session: current, notified: 0 };
    const changed = await tx.dropIns.updateSession(input.sessionId, {
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.startsAt !== undefined ? { startsAt: input.startsAt } : {}),
      ...(input.endsAt !== undefined ? { endsAt: input.endsAt } : {}),
      ...(input.joinUrl !== undefined ? { joinUrl: input.joinUrl } : {}),
      ...(input.cancel ? { cancelled: true } : {}),
    });
    if (!changed)
      throw new DomainError('NOT_FOUND', 'That drop-in session does not exist.', { sessionId: input.sessionId });
    // Re-checked under the row lock: a concurrent cancellation wins (this transaction rolls back).
    if (changed.before.cancelled)
      throw new DomainError('STALE', 'That drop-in session was already cancelled.', { sessionId: input.sessionId });
    await tx.audit.append({
      at: now,
      actorId: actor.personId,
      action: input.cancel ? 'cancel_session' : 'change_session',
      entityKind: 'dropin_session',
      entityId: input.sessionId,
      fromState: null,
      toState: input.cancel ? 'cancelled' : null,
      details: { startsAt: changed.after.startsAt.toISOString(), endsAt: changed.after.endsAt.toISOString() },
    });
    const r = await onSessionChanged(tx, input.sessionId, now);
    return { session: changed.after, notified: r.updates };
  });
}
