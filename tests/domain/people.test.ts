import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../src/domain/errors.js';
import { actorFor, isApplicant, matchPerson, primaryRole } from '../../src/domain/people.js';
import type { Person, Role } from '../../src/domain/types.js';

const p = (
  id: string,
  email: string,
  entraObjectId: string | null,
  roles: Role[] = ['applicant_lead'],
  organisationId: string | null = 'org-a',
): Person => ({
  id,
  displayName: id,
  email,
  entraObjectId,
  organisationId,
  roles,
});

const people = [
  p('alice', 'Alice.Smith@nhs.net', 'AAAA-1111'),
  p('bob', 'bob@nhs.net', null),
  p('carol', 'carol@nhs.net', 'cccc-3333', ['reviewer'], null),
];

describe('matchPerson', () => {
  it('matches by Entra object id first', () => {
    expect(matchPerson(people, { entraObjectId: 'AAAA-1111', email: 'bob@nhs.net' })?.id).toBe('alice');
    expect(matchPerson(people, { entraObjectId: 'aaaa-1111' })?.id).toBe('alice');
  });
  it('falls back to email, case-insensitive and trimmed', () => {
    expect(matchPerson(people, { entraObjectId: 'unknown', email: '  BOB@NHS.NET ' })?.id).toBe('bob');
    expect(matchPerson(people, { email: 'alice.smith@NHS.net' })?.id).toBe('alice');
  });
  it('ignores blank values', () => {
    expect(matchPerson(people, { entraObjectId: '  ', email: 'bob@nhs.net' })?.id).toBe('bob');
    expect(matchPerson(people, { entraObjectId: '', email: '' })).toBeNull();
    expect(matchPerson(people, { entraObjectId: null, email: null })).toBeNull();
    expect(matchPerson(people, {})).toBeNull();
    // A blank object id on the identity never matches people without one.
    expect(matchPerson([p('x', '', null)], { entraObjectId: ' ', email: ' ' })).toBeNull();
  });
  it('returns null when nobody matches', () => {
    expect(matchPerson(people, { entraObjectId: 'zzz', email: 'zed@nhs.net' })).toBeNull();
    expect(matchPerson([], { email: 'bob@nhs.net' })).toBeNull();
  });
  it('does not match by email a person bound to a different object id', () => {
    expect(matchPerson(people, { entraObjectId: 'other-oid', email: 'carol@nhs.net' })).toBeNull();
    expect(matchPerson(people, { email: 'carol@nhs.net' })?.id).toBe('carol');
  });
  it('refuses an ambiguous email', () => {
    const dupes = [p('a', 'same@nhs.net', null), p('b', 'SAME@nhs.net', null)];
    expect(matchPerson(dupes, { email: 'same@nhs.net' })).toBeNull();
  });
});

describe('actorFor', () => {
  it('copies the person into an actor with the tenant', () => {
    const a = actorFor(people[0]!, 'tenant-1');
    expect(a).toEqual({
      personId: 'alice',
      displayName: 'alice',
      roles: ['applicant_lead'],
      organisationId: 'org-a',
      entraObjectId: 'AAAA-1111',
      tenantId: 'tenant-1',
    });
    expect(a.roles).not.toBe(people[0]!.roles);
    expect(actorFor(people[1]!).tenantId).toBeNull();
  });
});

describe('primaryRole', () => {
  it('admin > reviewer > applicant_lead > applicant_contributor', () => {
    expect(primaryRole(['applicant_contributor', 'admin', 'reviewer'])).toBe('admin');
    expect(primaryRole(['applicant_lead', 'reviewer'])).toBe('reviewer');
    expect(primaryRole(['applicant_contributor', 'applicant_lead'])).toBe('applicant_lead');
    expect(primaryRole(['applicant_contributor'])).toBe('applicant_contributor');
  });
  it('throws FORBIDDEN for no role', () => {
    try {
      primaryRole([]);
      expect.fail('should throw');
    } catch (e) {
      expect(isDomainError(e) && e.code).toBe('FORBIDDEN');
    }
  });
  it('isApplicant', () => {
    expect(isApplicant({ roles: ['applicant_contributor'] })).toBe(true);
    expect(isApplicant({ roles: ['reviewer'] })).toBe(false);
  });
});
