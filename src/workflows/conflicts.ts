/**
 * Reviewers declare conflicts of interest with any organisation (with a reason), before they are
 * assigned; manual and automatic assignment then never pick them for it (admin.ts). Admins see
 * every declaration.
 */
import { authorise } from '../domain/authorisation.js';
import { DomainError } from '../domain/errors.js';
import type { Actor, Organisation } from '../domain/types.js';
import type { DeclaredConflict } from '../store/conflict-repository.js';
import type { Services } from './services.js';

export const CONFLICT_REASON_MAX_CHARS = 500;

export interface ConflictView extends DeclaredConflict {
  organisationName: string;
}

async function named(svc: Services, list: DeclaredConflict[]): Promise<ConflictView[]> {
  const orgs = new Map((await svc.store.organisations.list()).map((o) => [o.id, o.name]));
  return list.map((c) => ({ ...c, organisationName: orgs.get(c.organisationId) ?? c.organisationId }));
}

export async function declareConflict(
  svc: Services,
  actor: Actor,
  input: { organisationId: string; reason: string },
): Promise<ConflictView[]> {
  authorise(actor, 'declare_conflict', { kind: 'organisation', organisationId: input.organisationId });
  const reason = input.reason.trim();
  if (reason === '')
    throw new DomainError(
      'VALIDATION',
      'Say briefly why you have a conflict of interest (for example a former employer).',
      {
        field: 'reason',
      },
    );
  if (reason.length > CONFLICT_REASON_MAX_CHARS)
    throw new DomainError('VALIDATION', `Keep the reason under ${CONFLICT_REASON_MAX_CHARS} characters.`, {
      field: 'reason',
    });
  const org = await svc.store.organisations.get(input.organisationId);
  if (!org) throw new DomainError('NOT_FOUND', 'That organisation does not exist.', { field: 'organisationId' });
  await svc.store.transaction((tx) =>
    tx.conflicts.declare({
      reviewerId: actor.personId,
      organisationId: org.id,
      reason,
      declaredAt: svc.clock.now(),
    }),
  );
  return myConflicts(svc, actor);
}

export async function withdrawConflict(
  svc: Services,
  actor: Actor,
  input: { organisationId: string },
): Promise<ConflictView[]> {
  authorise(actor, 'declare_conflict', { kind: 'organisation', organisationId: input.organisationId });
  await svc.store.transaction((tx) => tx.conflicts.withdraw(actor.personId, input.organisationId, svc.clock.now()));
  return myConflicts(svc, actor);
}

export async function myConflicts(svc: Services, actor: Actor): Promise<ConflictView[]> {
  authorise(actor, 'declare_conflict', { kind: 'system' });
  return named(svc, await svc.store.conflicts.forReviewer(actor.personId));
}

/** The organisations a reviewer can declare a conflict with (all but those already declared). */
export async function conflictChoices(svc: Services, actor: Actor): Promise<Organisation[]> {
  authorise(actor, 'declare_conflict', { kind: 'system' });
  const declared = new Set((await svc.store.conflicts.forReviewer(actor.personId)).map((c) => c.organisationId));
  return (await svc.store.organisations.list()).filter((o) => !declared.has(o.id));
}

/** Admin: every declared conflict, with reviewer and organisation names. */
export async function allConflicts(svc: Services, actor: Actor): Promise<(ConflictView & { reviewerName: string })[]> {
  authorise(actor, 'view_dashboard', { kind: 'system' });
  const list = await named(svc, await svc.store.conflicts.all());
  const out = [];
  for (const c of list) {
    const p = await svc.store.people.get(c.reviewerId);
    out.push({ ...c, reviewerName: p?.displayName ?? c.reviewerId });
  }
  return out;
}
