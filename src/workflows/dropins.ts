import { authorise } from '../domain/authorisation.js';
import { checkEligibility } from '../domain/dropins.js';
import { DomainError } from '../domain/errors.js';
import type { Actor, Booking } from '../domain/types.js';
import type { SessionWithSeats } from '../store/dropin-repository.js';
import type { Services } from './services.js';

export async function listUpcomingSessions(svc: Services, actor: Actor): Promise<SessionWithSeats[]> {
  authorise(actor, 'book_dropin', { kind: 'dropin', organisationId: actor.organisationId });
  return svc.store.dropIns.listUpcoming(svc.clock.now());
}

export async function bookDropIn(
  svc: Services,
  actor: Actor,
  input: { sessionId: string; waitlistIfFull?: boolean },
): Promise<Booking> {
  authorise(actor, 'book_dropin', { kind: 'dropin', organisationId: actor.organisationId });
  const organisationId = requireOrganisation(actor);
  const now = svc.clock.now();
  return svc.store.transaction((tx) =>
    tx.dropIns.book({
      sessionId: input.sessionId,
      personId: actor.personId,
      organisationId,
      actorId: actor.personId,
      now,
      waitlistIfFull: input.waitlistIfFull ?? false,
    }),
  );
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
  return (await svc.store.dropIns.bookingsForPerson(actor.personId)).filter((b) => b.status !== 'cancelled');
}

async function ownBooking(svc: Services, actor: Actor, bookingId: string): Promise<Booking> {
  authorise(actor, 'book_dropin', { kind: 'dropin', organisationId: actor.organisationId });
  const booking = (await svc.store.dropIns.bookingsForPerson(actor.personId)).find((b) => b.id === bookingId);
  if (!booking) throw new DomainError('NOT_FOUND', 'We could not find that booking of yours.', { bookingId });
  if (booking.status === 'cancelled') throw new DomainError('STALE', 'That booking was already cancelled.', { bookingId });
  return booking;
}

/**
 * Cancel the actor's booking. When it held a seat, the longest-waiting person on the waitlist
 * gets it in the same transaction (returned as `promoted`, so they can be told).
 */
export async function cancelBooking(svc: Services, actor: Actor, input: { bookingId: string }): Promise<{ cancelled: Booking; promoted: Booking | null }> {
  await ownBooking(svc, actor, input.bookingId);
  return svc.store.transaction((tx) => tx.dropIns.cancel(input.bookingId, actor.personId, svc.clock.now()));
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
  if (old.sessionId === input.sessionId) throw new DomainError('ALREADY_BOOKED', undefined, { sessionId: input.sessionId });
  const organisationId = requireOrganisation(actor);
  const now = svc.clock.now();
  return svc.store.transaction(async (tx) => {
    const booking = await tx.dropIns.book({ sessionId: input.sessionId, personId: actor.personId, organisationId, actorId: actor.personId, now });
    const { cancelled, promoted } = await tx.dropIns.cancel(old.id, actor.personId, now);
    return { booking, cancelled, promoted };
  });
}
