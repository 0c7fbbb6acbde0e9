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
