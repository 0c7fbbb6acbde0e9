/**
 * Who is talking: the one place that turns an authenticated Teams identity (a bot activity's
 * sender, or a tab's SSO token) into a person we know. The bot (bot/router.ts, bot/teams-bot.ts)
 * and the tab (src/server/tab-auth.ts) both call `identifySender`.
 *
 * Rules, in order:
 * 1. Tenant. When the deployment names its Entra tenant (`svc.tenantId`), an identity from any
 *    other tenant (or from none) is refused: this app serves one organisation's tenant.
 * 2. Entra object id. It is the identity: without one nobody is matched. Object ids are GUIDs,
 *    compared trimmed and case-insensitively.
 * 3. Email, only to bind. A person loaded by email (CSV import, grant) who is not yet bound to
 *    any Entra account is bound to this object id on their first visit. A person already bound
 *    to another account is never matched by email: another account carrying the same address
 *    cannot take the record over.
 * 4. A person without a role has no access yet.
 *
 * Nothing here logs names, emails or object ids.
 */
import { actorFor } from '../domain/people.js';
import type { Actor, Person } from '../domain/types.js';
import type { Services } from './services.js';

export interface TeamsIdentity {
  entraObjectId?: string | null;
  email?: string | null;
  /** The tenant the activity or token came from. */
  tenantId?: string | null;
  /**
   * Looks the user's email up (e.g. from the Teams roster) when the object id matches nobody:
   * people loaded from a CSV are known by email until their first visit.
   */
  lookupEmail?: () => Promise<string | null>;
}

export type UnknownReason =
  /** The identity carries no Entra object id. */
  | 'no_object_id'
  /** No person has this object id or (unbound) this email. */
  | 'not_registered'
  /** The email belongs to a person bound to a different Entra account. */
  | 'bound_to_another_account'
  /** Known, but without a role. */
  | 'no_role';

export type SenderResolution =
  | { kind: 'person'; person: Person; actor: Actor; boundNow: boolean }
  | { kind: 'unknown'; reason: UnknownReason }
  | { kind: 'wrong_tenant' };

export function normaliseId(id: string | null | undefined): string {
  return (id ?? '').trim().toLowerCase();
}

/** Whether `tenantId` is the tenant this deployment serves (always true when none is configured). */
export function isConfiguredTenant(svc: Pick<Services, 'tenantId'>, tenantId: string | null | undefined): boolean {
  const expected = normaliseId(svc.tenantId);
  return expected === '' || normaliseId(tenantId) === expected;
}

/** Decides who sent an activity or a tab request. See the rules at the top of this file. */
export async function identifySender(svc: Services, identity: TeamsIdentity): Promise<SenderResolution> {
  if (!isConfiguredTenant(svc, identity.tenantId)) return { kind: 'wrong_tenant' };
  const oid = normaliseId(identity.entraObjectId);
  if (oid === '') return { kind: 'unknown', reason: 'no_object_id' };
  const tenantId = identity.tenantId?.trim() || svc.tenantId || null;
  const found = (person: Person, boundNow: boolean): SenderResolution =>
    person.roles.length === 0
      ? { kind: 'unknown', reason: 'no_role' }
      : { kind: 'person', person, actor: actorFor(person, tenantId), boundNow };

  const byOid = await svc.store.people.findByEntraObjectId(oid);
  if (byOid) return found(byOid, false);

  let email = identity.email?.trim() || null;
  if (!email && identity.lookupEmail) email = (await identity.lookupEmail().catch(() => null))?.trim() || null;
  if (!email) return { kind: 'unknown', reason: 'not_registered' };
  const byEmail = await svc.store.people.findByEmail(email);
  if (!byEmail) return { kind: 'unknown', reason: 'not_registered' };
  if (byEmail.entraObjectId !== null && normaliseId(byEmail.entraObjectId) !== '')
    return { kind: 'unknown', reason: 'bound_to_another_account' };
  // Bind: only succeeds while the person is still unbound (a concurrent first visit from another
  // account loses, and is then refused like any other account).
  if (!(await svc.store.people.linkEntraObjectId(byEmail.id, oid))) {
    const again = await svc.store.people.findByEntraObjectId(oid);
    return again ? found(again, false) : { kind: 'unknown', reason: 'bound_to_another_account' };
  }
  return found({ ...byEmail, entraObjectId: oid }, true);
}

/** The person and Actor of an identity, or null for anyone this app does not let in. */
export async function resolveActor(
  svc: Services,
  identity: TeamsIdentity,
): Promise<{ person: Person; actor: Actor } | null> {
  const r = await identifySender(svc, identity);
  return r.kind === 'person' ? { person: r.person, actor: r.actor } : null;
}
