/**
 * The tab tells the truth at every stage: readiness only while the application is open, the
 * submission (and whether it was late) after it, the review and decision dates while it waits,
 * the award with its level and validity once the decision is communicated, and never a decision
 * before it is communicated.
 */
import { describe, expect, it } from 'vitest';
import { meResponse } from '../../src/server/me-route.js';
import { APPLICATION_STATES, type ApplicationState } from '../../src/domain/types.js';
import type { MyOverview } from '../../src/workflows/my-overview.js';
import { cycleAt, T0 } from '../support/fixtures.js';

const DAY = 86_400_000;
const cycle = cycleAt(T0);

function overview(
  state: ApplicationState,
  over: Partial<NonNullable<NonNullable<MyOverview['organisation']>['application']>> = {},
): MyOverview {
  const organisation = { id: 'org-a', name: 'Alpha NHS Trust', code: null };
  return {
    actor: { personId: 'lead-a', displayName: 'Ada Lead', roles: ['applicant_lead'], organisationId: 'org-a' },
    ownOrganisation: organisation,
    cycle,
    now: T0,
    bookings: [],
    organisation: {
      organisation,
      eligibility: { eligible: true, lastAttended: T0, expiresAt: T0, source: 'admin' },
      application: {
        application: {
          id: 'app-1',
          organisationId: 'org-a',
          cycleId: cycle.id,
          state,
          targetLevel: 'silver',
          version: 3,
          requestedAt: T0,
          submittedAt: ['requested', 'open'].includes(state) ? null : T0,
          submittedLate: state === 'in_review',
        },
        documentsListed: 8,
        documentsCompleted: 8,
        readiness: { ready: true, documentsCompleted: 8, documentsRequired: 8, sections: [], problems: [] } as never,
        evidenceChecks: [],
        daysLeft: 30,
        decision: null,
        award: null,
        ...over,
      },
    },
  };
}

describe('the tab at every stage of an application', () => {
  it.each(APPLICATION_STATES)('%s: readiness only while open, a sentence that fits the stage', (state) => {
    const app = meResponse(overview(state)).organisation!.application!;
    expect(app.readiness.applies).toBe(state === 'open');
    expect(app.stageSummary.length).toBeGreaterThan(10);
    expect(app.stageSummary).not.toMatch(/ready to submit/i);
    if (state !== 'open') expect(app.stageSummary).not.toMatch(/upload your evidence/);
  });

  it('after submission: when, and whether it was late', () => {
    const app = meResponse(overview('in_review')).organisation!.application!;
    expect(app.submittedAt?.uk).toBe('Mon 2 Mar 2026, 10:00');
    expect(app.submittedLate).toBe(true);
    expect(app.stageSummary).toContain('Being reviewed');
    expect(app.stageSummary).toContain('Decisions are sent between');
  });

  it('a decision confirmed but not communicated is not shown', () => {
    const app = meResponse(overview('decided')).organisation!.application!;
    expect(app.decision).toBeNull();
    expect(app.stageSummary).toContain('the WEx QS team will send you the decision');
  });

  it('after the decision: the award, its level and its validity', () => {
    const from = new Date(T0.getTime() + 100 * DAY);
    const until = new Date(from.getTime() + 730 * DAY);
    const app = meResponse(
      overview('communicated', {
        decision: { level: 'silver', communicatedAt: from },
        award: { organisationId: 'org-a', level: 'silver', validFrom: from, validUntil: until },
      }),
    ).organisation!.application!;
    expect(app.decision).toMatchObject({
      level: 'silver',
      levelLabel: 'Silver',
      validFrom: { at: from.toISOString() },
      validUntil: { at: until.toISOString() },
    });
    const none = meResponse(overview('communicated', { decision: { level: null, communicatedAt: from } })).organisation!
      .application!;
    expect(none.decision).toMatchObject({ level: null, levelLabel: 'No award', validUntil: null });
  });
});
