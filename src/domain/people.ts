/** Matching Teams users to people, and building Actors. */
import { DomainError } from './errors.js';
import type { Actor, Person, Role } from './types.js';

function norm(s: string | null | undefined): string {
  return (s ?? '').trim().toLowerCase();
}

/**
 * Finds the person for an authenticated identity.
 * 1. Entra object id (trimmed, case-insensitive since it is a GUID), when given and non-blank.
 * 2. Otherwise email, trimmed and case-insensitive, when given and non-blank. A person already
 *    bound to a *different* Entra object id is never matched by email (that would let another
 *    account that carries the same address take over the record). If more than one person has
 *    the email, the match is ambiguous and null is returned.
 * Blank identity values are ignored. Returns null when nobody matches.
 */
export function matchPerson(
  people: readonly Person[],
  identity: { entraObjectId?: string | null; email?: string | null },
): Person | null {
  const oid = norm(identity.entraObjectId);
  if (oid !== '') {
    const byOid = people.find((p) => norm(p.entraObjectId) === oid);
    if (byOid) return byOid;
  }
  const email = norm(identity.email);
  if (email === '') return null;
  const byEmail = people.filter((p) => {
    if (norm(p.email) !== email) return false;
    const bound = norm(p.entraObjectId);
    return bound === '' || oid === '' || bound === oid;
  });
  return byEmail.length === 1 ? (byEmail[0] ?? null) : null;
}

/** The Actor for a person (what workflows take). */
export function actorFor(person: Person, tenantId?: string | null): Actor {
  return {
    personId: person.id,
    displayName: person.displayName,
    roles: [...person.roles],
    organisationId: person.organisationId,
    entraObjectId: person.entraObjectId,
    tenantId: tenantId ?? null,
  };
}

/** Highest first. */
export const ROLE_PRECEDENCE: readonly Role[] = ['admin', 'reviewer', 'applicant_lead', 'applicant_contributor'];

/** The role that decides what a person sees first: admin > reviewer > applicant_lead > applicant_contributor. Throws FORBIDDEN for no role. */
export function primaryRole(roles: readonly Role[]): Role {
  for (const r of ROLE_PRECEDENCE) if (roles.includes(r)) return r;
  throw new DomainError('FORBIDDEN', 'You have not been given a role in the WEx QS app yet.', { roles: [...roles] });
}

export function hasRole(actor: Pick<Actor, 'roles'>, role: Role): boolean {
  return actor.roles.includes(role);
}

export function isApplicant(actor: Pick<Actor, 'roles'>): boolean {
  return hasRole(actor, 'applicant_lead') || hasRole(actor, 'applicant_contributor');
}
