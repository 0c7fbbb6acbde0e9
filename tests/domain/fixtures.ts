/** Shared test data for the domain tests (not a test file itself). */
import { londonDate } from '../../src/domain/time.js';
import type { Actor, Cycle, Role } from '../../src/domain/types.js';

/** 2025/2026 cycle 2 as published: deadline Fri 19 Sep 2025 17:00, review 3 Oct–28 Nov, decisions 1–15 Dec. */
export function cycle(overrides: Partial<Cycle> = {}): Cycle {
  return {
    id: 'cycle-2025-2',
    name: '2025/2026 cycle 2',
    submissionDeadline: londonDate(2025, 9, 19, 17, 0),
    graceMinutes: 60,
    reviewStart: londonDate(2025, 10, 3, 9, 0),
    reviewEnd: londonDate(2025, 11, 28, 17, 0),
    decisionStart: londonDate(2025, 12, 1, 9, 0),
    decisionEnd: londonDate(2025, 12, 15, 17, 0),
    intakePaused: false,
    frameworkVersion: 'illustrative-2026.1',
    ...overrides,
  };
}

export function actor(personId: string, roles: Role[], organisationId: string | null): Actor {
  return { personId, displayName: personId, roles, organisationId };
}

export const ORG = 'org-a';
export const OTHER_ORG = 'org-b';

export const lead = actor('lead-a', ['applicant_lead'], ORG);
export const contributor = actor('contrib-a', ['applicant_contributor'], ORG);
export const otherLead = actor('lead-b', ['applicant_lead'], OTHER_ORG);
export const otherContributor = actor('contrib-b', ['applicant_contributor'], OTHER_ORG);
export const reviewer = actor('rev-1', ['reviewer'], null);
export const unassignedReviewer = actor('rev-2', ['reviewer'], null);
/** A reviewer who works at ORG (conflict of interest on ORG's application). */
export const sameOrgReviewer = actor('rev-3', ['reviewer'], ORG);
export const admin = actor('admin-1', ['admin'], null);
export const nobody = actor('nobody', [], null);

export const ASSIGNED = [reviewer.personId, sameOrgReviewer.personId];
