import { actorFor } from '../domain/people.js';
import type { Actor, Person } from '../domain/types.js';
import type { Services } from './services.js';

export interface TeamsIdentity {
  entraObjectId?: string | null;
  email?: string | null;
  tenantId?: string | null;
  /**
   * Looks the user's email up (e.g. from the Teams roster) when the object id matches nobody:
   * people loaded from a CSV are known by email until their first visit.
   */
  lookupEmail?: () => Promise<string | null>;
}

/** Match an authenticated Teams user to a person we know; null means "no access yet". */
export async function resolveActor(
  svc: Services,
  identity: TeamsIdentity,
): Promise<{ person: Person; actor: Actor } | null> {
  let person = await svc.store.people.findByIdentity(identity);
  if (!person && !identity.email && identity.lookupEmail) {
    const email = await identity.lookupEmail().catch(() => null);
    if (email) person = await svc.store.people.findByIdentity({ email });
    // Remember the object id, so the next visit is matched without the roster look-up.
    if (person && !person.entraObjectId && identity.entraObjectId) {
      await svc.store.people.linkEntraObjectId(person.id, identity.entraObjectId);
    }
  }
  if (!person || person.roles.length === 0) return null;
  return { person, actor: actorFor(person, identity.tenantId ?? undefined) };
}
