import { describe, expect, it } from 'vitest';
import {
  ACTION_AUDIENCES,
  DOMAIN_ACTIONS,
  authorise,
  can,
  canBeAssignedReviewer,
  assignmentBlock,
  ASSIGNMENT_BLOCK_REASONS,
  checkAuthorisation,
  type DomainAction,
  type Resource,
} from '../../src/domain/authorisation.js';
import { DomainError } from '../../src/domain/errors.js';
import { SYSTEM_ACTOR, type Actor } from '../../src/domain/types.js';
import {
  ASSIGNED,
  ORG,
  OTHER_ORG,
  actor,
  admin,
  contributor,
  lead,
  nobody,
  otherContributor,
  otherLead,
  reviewer,
  sameOrgReviewer,
  unassignedReviewer,
} from './fixtures.js';

const app: Resource = { kind: 'application', organisationId: ORG, assignedReviewerIds: ASSIGNED };
const org: Resource = { kind: 'organisation', organisationId: ORG };
const dropin: Resource = { kind: 'dropin' };
const system: Resource = { kind: 'system' };

type Who =
  | 'lead'
  | 'contributor'
  | 'otherLead'
  | 'otherContributor'
  | 'reviewer'
  | 'unassignedReviewer'
  | 'sameOrgReviewer'
  | 'admin';
const ACTORS: Record<Who, Actor> = {
  lead,
  contributor,
  otherLead,
  otherContributor,
  reviewer,
  unassignedReviewer,
  sameOrgReviewer,
  admin,
};

/** Expected answer on ORG's application (or org / dropin / system resource as fits the action). */
const EXPECTED: Record<DomainAction, { resource: Resource; allowed: Who[] }> = {
  view_organisation: { resource: app, allowed: ['lead', 'contributor', 'reviewer', 'admin'] },
  view_application: { resource: app, allowed: ['lead', 'contributor', 'reviewer', 'admin'] },
  edit_commentary: { resource: app, allowed: ['lead', 'contributor'] },
  submit_application: { resource: app, allowed: ['lead'] },
  withdraw_application: { resource: app, allowed: ['lead', 'admin'] },
  request_application: { resource: org, allowed: ['lead', 'contributor'] },
  answer_clarification: { resource: app, allowed: ['lead', 'contributor'] },
  view_dropins: {
    resource: dropin,
    allowed: [
      'lead',
      'contributor',
      'otherLead',
      'otherContributor',
      'reviewer',
      'unassignedReviewer',
      'sameOrgReviewer',
      'admin',
    ],
  },
  book_dropin: { resource: dropin, allowed: ['lead', 'contributor', 'otherLead', 'otherContributor', 'admin'] },
  manage_dropins: { resource: dropin, allowed: ['admin'] },
  open_application: { resource: app, allowed: ['admin'] },
  view_review_queue: { resource: system, allowed: ['reviewer', 'unassignedReviewer', 'sameOrgReviewer', 'admin'] },
  start_review: { resource: app, allowed: ['reviewer', 'admin'] },
  assess: { resource: app, allowed: ['reviewer'] },
  request_clarification: { resource: app, allowed: ['reviewer'] },
  recommend: { resource: app, allowed: ['reviewer'] },
  decide: { resource: app, allowed: ['admin'] },
  communicate: { resource: app, allowed: ['admin'] },
  lapse_application: { resource: app, allowed: ['admin'] },
  assign_reviewers: { resource: app, allowed: ['admin'] },
  manage_cycle: { resource: { kind: 'cycle' }, allowed: ['admin'] },
  manage_framework: { resource: system, allowed: ['admin'] },
  provision_folders: { resource: org, allowed: ['admin'] },
  view_dashboard: { resource: system, allowed: ['admin'] },
  manage_people: { resource: system, allowed: ['admin'] },
  view_audit: { resource: system, allowed: ['admin'] },
  view_award: { resource: app, allowed: ['lead', 'contributor', 'admin'] },
  revoke_award: { resource: app, allowed: ['admin'] },
  export_cycle: { resource: { kind: 'cycle' }, allowed: ['admin'] },
  view_history: { resource: app, allowed: ['lead', 'contributor', 'admin'] },
  declare_conflict: { resource: org, allowed: ['reviewer', 'unassignedReviewer', 'sameOrgReviewer'] },
  view_calibration: { resource: { kind: 'cycle' }, allowed: ['admin'] },
};

describe('authorisation matrix', () => {
  it('every action has a rule and an expectation', () => {
    expect(Object.keys(ACTION_AUDIENCES).sort()).toEqual([...DOMAIN_ACTIONS].sort());
    expect(Object.keys(EXPECTED).sort()).toEqual([...DOMAIN_ACTIONS].sort());
    for (const a of [
      'view_application',
      'edit_commentary',
      'submit_application',
      'request_application',
      'book_dropin',
      'manage_dropins',
      'assess',
      'request_clarification',
      'recommend',
      'decide',
      'communicate',
      'assign_reviewers',
      'manage_cycle',
      'provision_folders',
      'view_dashboard',
      'manage_people',
      'view_audit',
    ]) {
      expect(DOMAIN_ACTIONS).toContain(a);
    }
  });

  for (const action of DOMAIN_ACTIONS) {
    for (const who of Object.keys(ACTORS) as Who[]) {
      const { resource, allowed } = EXPECTED[action];
      const yes = allowed.includes(who);
      it(`${action} by ${who}: ${yes ? 'allowed' : 'refused'}`, () => {
        expect(can(ACTORS[who], action, resource)).toBe(yes);
        if (yes) expect(() => authorise(ACTORS[who], action, resource)).not.toThrow();
        else expect(() => authorise(ACTORS[who], action, resource)).toThrow(DomainError);
      });
    }
  }

  it('a person with no role can do nothing', () => {
    for (const action of DOMAIN_ACTIONS) expect(can(nobody, action, EXPECTED[action].resource), action).toBe(false);
  });
});

describe('cross-organisation refusal', () => {
  it('applicants of another organisation cannot see or touch the application', () => {
    for (const action of [
      'view_organisation',
      'view_application',
      'edit_commentary',
      'submit_application',
      'withdraw_application',
      'answer_clarification',
      'request_application',
    ] as const) {
      for (const a of [otherLead, otherContributor]) {
        const r = checkAuthorisation(a, action, action === 'request_application' ? org : app);
        expect(r).toEqual({ allowed: false, code: 'FORBIDDEN', reason: 'You can only act for your own organisation.' });
      }
    }
  });
  it('an applicant without an organisation or a resource without one is refused', () => {
    const orphan = actor('orphan', ['applicant_lead'], null);
    expect(can(orphan, 'view_application', { kind: 'application', organisationId: null })).toBe(false);
    expect(can(lead, 'view_application', { kind: 'application' })).toBe(false);
    expect(can(orphan, 'book_dropin', dropin)).toBe(false);
  });
  it('an applicant books drop-ins only for their own organisation', () => {
    expect(can(lead, 'book_dropin', { kind: 'dropin', organisationId: ORG })).toBe(true);
    expect(can(lead, 'book_dropin', { kind: 'dropin', organisationId: OTHER_ORG })).toBe(false);
  });
  it('authorise throws FORBIDDEN with details', () => {
    try {
      authorise(otherLead, 'view_application', app);
      expect.fail('should throw');
    } catch (e) {
      const de = e as DomainError;
      expect(de.code).toBe('FORBIDDEN');
      expect(de.details).toMatchObject({
        action: 'view_application',
        organisationId: ORG,
        personId: otherLead.personId,
      });
    }
  });
});

describe('reviewers and conflicts of interest', () => {
  it('an unassigned reviewer is told the application is not theirs', () => {
    expect(checkAuthorisation(unassignedReviewer, 'recommend', app)).toMatchObject({
      allowed: false,
      code: 'FORBIDDEN',
      reason: 'This application is not assigned to you.',
    });
  });
  it('a reviewer from the same organisation gets CONFLICT_OF_INTEREST, assigned or not', () => {
    for (const action of [
      'assess',
      'request_clarification',
      'recommend',
      'start_review',
      'view_application',
    ] as const) {
      expect(checkAuthorisation(sameOrgReviewer, action, app), action).toMatchObject({
        allowed: false,
        code: 'CONFLICT_OF_INTEREST',
      });
      expect(checkAuthorisation(sameOrgReviewer, action, { ...app, assignedReviewerIds: [] }), action).toMatchObject({
        code: 'CONFLICT_OF_INTEREST',
      });
    }
    expect(() => authorise(sameOrgReviewer, 'recommend', app)).toThrow(
      expect.objectContaining({ code: 'CONFLICT_OF_INTEREST' }),
    );
  });
  it('a reviewer who is also an applicant of the organisation may view it as an applicant but not review it', () => {
    const both = actor('both', ['reviewer', 'applicant_contributor'], ORG);
    const r: Resource = { ...app, assignedReviewerIds: ['both'] };
    expect(can(both, 'view_application', r)).toBe(true);
    expect(can(both, 'recommend', r)).toBe(false);
  });
  it('an admin from the organisation cannot decide or start review on it, but may communicate', () => {
    const orgAdmin = actor('adm', ['admin'], ORG);
    expect(checkAuthorisation(orgAdmin, 'decide', app)).toMatchObject({ allowed: false, code: 'CONFLICT_OF_INTEREST' });
    expect(checkAuthorisation(orgAdmin, 'start_review', app)).toMatchObject({
      allowed: false,
      code: 'CONFLICT_OF_INTEREST',
    });
    expect(can(orgAdmin, 'communicate', app)).toBe(true);
    expect(can(orgAdmin, 'decide', { ...app, organisationId: OTHER_ORG })).toBe(true);
  });
  it('the system actor is an admin', () => {
    expect(can(SYSTEM_ACTOR, 'lapse_application', app)).toBe(true);
  });
  it('a contributor is told only the lead can submit', () => {
    expect(checkAuthorisation(contributor, 'submit_application', app)).toMatchObject({
      allowed: false,
      code: 'FORBIDDEN',
      reason: 'Only your organisation’s applicant lead can do this.',
    });
  });
  it('canBeAssignedReviewer', () => {
    expect(canBeAssignedReviewer(reviewer, ORG)).toBe(true);
    expect(canBeAssignedReviewer(sameOrgReviewer, ORG)).toBe(false);
    expect(canBeAssignedReviewer(sameOrgReviewer, OTHER_ORG)).toBe(true);
    expect(canBeAssignedReviewer(admin, ORG)).toBe(false);
  });

  it('a declared conflict of interest blocks assignment to that organisation only', () => {
    expect(canBeAssignedReviewer(reviewer, ORG, [ORG])).toBe(false);
    expect(canBeAssignedReviewer(reviewer, OTHER_ORG, [ORG])).toBe(true);
    expect(assignmentBlock(reviewer, ORG, [ORG])).toBe('declared_conflict');
    expect(assignmentBlock(sameOrgReviewer, ORG, [ORG])).toBe('own_organisation');
    expect(assignmentBlock(admin, ORG)).toBe('not_reviewer');
    expect(assignmentBlock(reviewer, ORG, [])).toBeNull();
    expect(ASSIGNMENT_BLOCK_REASONS.declared_conflict).toBe('declared a conflict of interest');
  });
});
