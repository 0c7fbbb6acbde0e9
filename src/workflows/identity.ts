import { actorFor } from '../domain/people.js';
import type { Actor, Person } from '../domain/types.js';
import type { Services } from './services.js';

export interface TeamsIdentity {
  entraObjectId?: string | null;
  email?: string | null;
  tenantId?: string | null;
}

/** Match an authenticated Teams user to a person we know; null means "no access yet". */
export async function resolveActor(
  svc: Services,
  identity: TeamsIdentity,
): Promise<{ person: Person; actor: Actor } | null> {
  const person = await svc.store.people.findByIdentity(identity);
  if (!person || person.roles.length === 0) return null;
  return { person, actor: actorFor(person, identity.tenantId ?? undefined) };
}
