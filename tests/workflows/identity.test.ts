/**
 * The identity rules on their own, with a stand-in people repository where a case needs control
 * the database does not give (two first visits from different accounts racing to bind one person).
 * The same rules through the bot are in tests/bot/identity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Person } from '../../src/domain/types.js';
import { silentLogger } from '../../src/log.js';
import type { Store } from '../../src/store/store.js';
import { identifySender, isConfiguredTenant, normaliseId, resolveActor } from '../../src/workflows/identity.js';
import type { Services } from '../../src/workflows/services.js';
import { fixedClock } from '../../src/domain/time.js';
import { T0 } from '../support/fixtures.js';

const TENANT = 'AAAAAAAA-0000-4000-8000-0000000000AA';
const OID = '11111111-0000-4000-8000-000000000001';

function svcWith(people: Partial<Store['people']>, tenantId = TENANT): Services {
  return {
    store: { people } as unknown as Store,
    clock: fixedClock(T0),
    log: silentLogger,
    ...(tenantId ? { tenantId } : {}),
  };
}

const cara: Person = {
  id: 'cara',
  displayName: 'Cara',
  email: 'cara@alpha.example',
  entraObjectId: null,
  organisationId: 'org-a',
  roles: ['applicant_contributor'],
};

describe('identifySender', () => {
  it('compares tenants and object ids trimmed and in any letter case', () => {
    expect(normaliseId('  AbC ')).toBe('abc');
    expect(normaliseId(null)).toBe('');
    expect(isConfiguredTenant({ tenantId: TENANT }, TENANT.toLowerCase())).toBe(true);
    expect(isConfiguredTenant({ tenantId: TENANT }, undefined)).toBe(false);
    expect(isConfiguredTenant({}, 'anything')).toBe(true);
  });

  it('uses the email the identity carries, binds an unbound person and gives the configured tenant to the actor', async () => {
    const bound: string[] = [];
    const svc = svcWith({
      findByEntraObjectId: async () => null,
      findByEmail: async (e: string) => (e === 'cara@alpha.example' ? cara : null),
      linkEntraObjectId: async (_id: string, oid: string) => (bound.push(oid), true),
    });
    const r = await identifySender(svc, {
      entraObjectId: OID.toUpperCase(),
      email: ' cara@alpha.example ',
      tenantId: TENANT,
    });
    expect(r).toMatchObject({
      kind: 'person',
      boundNow: true,
      person: { entraObjectId: OID },
      actor: { tenantId: TENANT },
    });
    expect(bound).toEqual([OID]);
  });

  it('refuses when a concurrent first visit from another account bound the person first', async () => {
    const svc = svcWith({
      findByEntraObjectId: async () => null,
      findByEmail: async () => cara,
      linkEntraObjectId: async () => false,
    });
    expect(await identifySender(svc, { entraObjectId: OID, email: cara.email, tenantId: TENANT })).toEqual({
      kind: 'unknown',
      reason: 'bound_to_another_account',
    });
  });

  it('lets in the same account that won such a race (its object id is now bound)', async () => {
    let calls = 0;
    const svc = svcWith({
      findByEntraObjectId: async () => (calls++ === 0 ? null : { ...cara, entraObjectId: OID }),
      findByEmail: async () => cara,
      linkEntraObjectId: async () => false,
    });
    expect(await identifySender(svc, { entraObjectId: OID, email: cara.email, tenantId: TENANT })).toMatchObject({
      kind: 'person',
      boundNow: false,
    });
  });

  it('is nobody when the roster look-up fails or finds nothing, and nobody without a role', async () => {
    const svc = svcWith({ findByEntraObjectId: async () => null, findByEmail: async () => null });
    expect(
      await identifySender(svc, {
        entraObjectId: OID,
        tenantId: TENANT,
        lookupEmail: async () => {
          throw new Error('roster down');
        },
      }),
    ).toEqual({ kind: 'unknown', reason: 'not_registered' });
    expect(await identifySender(svc, { entraObjectId: OID, tenantId: TENANT, email: 'x@y.example' })).toEqual({
      kind: 'unknown',
      reason: 'not_registered',
    });
    const noRole = svcWith({ findByEntraObjectId: async () => ({ ...cara, entraObjectId: OID, roles: [] }) });
    expect(await identifySender(noRole, { entraObjectId: OID, tenantId: TENANT })).toEqual({
      kind: 'unknown',
      reason: 'no_role',
    });
    expect(await resolveActor(noRole, { entraObjectId: OID, tenantId: TENANT })).toBeNull();
  });

  it('without a configured tenant, takes the identity’s own (unit tests, no tenant)', async () => {
    const svc = svcWith({ findByEntraObjectId: async () => ({ ...cara, entraObjectId: OID }) }, '');
    expect(await identifySender(svc, { entraObjectId: OID })).toMatchObject({
      kind: 'person',
      actor: { tenantId: null },
    });
    expect(await identifySender(svc, { entraObjectId: OID, tenantId: 'x' })).toMatchObject({
      actor: { tenantId: 'x' },
    });
  });
});
