import { planTransition } from '../domain/application-state.js';
import { authorise } from '../domain/authorisation.js';
import { assertEligible } from '../domain/dropins.js';
import { DomainError } from '../domain/errors.js';
import type { Actor, Application, Cycle } from '../domain/types.js';
import { authorisedView, type ApplicationView } from './application-view.js';
import { requireOrganisation } from './dropins.js';
import type { Services } from './services.js';

export async function currentCycle(svc: Services): Promise<Cycle> {
  return requireCurrentCycle(await svc.store.cycles.current(svc.clock.now()));
}

/** The current cycle as read, or NOT_FOUND when there is none. */
export function requireCurrentCycle<C>(cycle: C | null): C {
  if (!cycle) throw new DomainError('NOT_FOUND', 'There is no open quality-standard cycle at the moment.', {});
  return cycle;
}

/**
 * Request the organisation's application for the current cycle. Refused when the organisation
 * has not attended a drop-in within 8 weeks, intake is paused, the deadline has passed, or it has
 * already applied — the last one decided by the database's unique constraint, so 50 people
 * clicking at once still make exactly one application.
 */
export async function requestApplication(svc: Services, actor: Actor): Promise<Application> {
  const organisationId = requireOrganisation(actor);
  authorise(actor, 'request_application', { kind: 'organisation', organisationId });
  const cycle = await currentCycle(svc);
  const now = svc.clock.now();
  planTransition({ application: null, action: 'request', actor, cycle, now });
  const attendances = await svc.store.dropIns.attendancesForOrganisation(organisationId);
  assertEligible(attendances, now);
  return svc.store.transaction((tx) =>
    tx.applications.create({ organisationId, cycleId: cycle.id, actorId: actor.personId, now }),
  );
}

/** The actor's own organisation's application in the current cycle as a card shows it (null: none yet). */
export async function ownApplicationView(
  svc: Services,
  actor: Actor,
): Promise<{ cycle: Cycle; view: ApplicationView | null }> {
  const organisationId = requireOrganisation(actor);
  authorise(actor, 'view_application', { kind: 'organisation', organisationId });
  // The current cycle and the application in it: one statement.
  const found = await svc.store.applicationRecords.forOrganisationInCurrentCycle(organisationId, svc.clock.now());
  const cycle = requireCurrentCycle(found.cycle);
  return { cycle, view: found.record ? await authorisedView(svc, actor, found.record) : null };
}

/** The actor's organisation's application in the current cycle, if any. */
export async function ownApplication(
  svc: Services,
  actor: Actor,
): Promise<{ cycle: Cycle; application: Application | null }> {
  const organisationId = requireOrganisation(actor);
  authorise(actor, 'view_application', { kind: 'organisation', organisationId });
  const cycle = await currentCycle(svc);
  return { cycle, application: await svc.store.applications.forOrganisation(organisationId, cycle.id) };
}
