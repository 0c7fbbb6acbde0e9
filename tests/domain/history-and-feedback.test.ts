import { describe, expect, it } from 'vitest';
import { DEFAULT_FRAMEWORK } from '../../src/domain/framework-default.js';
import { criteriaUpTo } from '../../src/domain/framework.js';
import { criterionFeedback, OUTCOME_LABELS, outcomeCounts, panelOutcome } from '../../src/domain/feedback.js';
import { actionWords, applicationHistory, type HistoryPerson, type HistoryRecord } from '../../src/domain/history.js';

const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 9, m));

const RECORDS: HistoryRecord[] = [
  { at: at(5), actorId: 'admin', action: 'open', fromState: 'requested', toState: 'open' },
  { at: at(0), actorId: 'lead', action: 'request', fromState: null, toState: 'requested' },
  { at: at(10), actorId: 'colleague', action: 'save_commentary', fromState: null, toState: null },
  { at: at(15), actorId: 'colleague', action: 'submit', fromState: 'open', toState: 'submitted' },
  { at: at(20), actorId: 'admin', action: 'assign_reviewers', fromState: null, toState: null },
  { at: at(25), actorId: 'reviewer', action: 'start_review', fromState: 'submitted', toState: 'in_review' },
  { at: at(30), actorId: 'gone', action: 'assess', fromState: null, toState: null },
  { at: at(35), actorId: 'system', action: 'lapse', fromState: 'in_review', toState: 'lapsed' },
  { at: at(40), actorId: 'admin', action: 'revoke_award', fromState: null, toState: null },
  { at: at(45), actorId: 'admin', action: 'something_new', fromState: null, toState: null },
];
const PEOPLE = new Map<string, HistoryPerson>([
  ['lead', { displayName: 'Ada Lead', organisationId: 'org-a', roles: ['applicant_lead'] }],
  ['colleague', { displayName: 'Cara Colleague', organisationId: 'org-a', roles: ['applicant_contributor'] }],
  ['admin', { displayName: 'Adam Admin', organisationId: null, roles: ['admin'] }],
  ['reviewer', { displayName: 'Rita Reviewer', organisationId: null, roles: ['reviewer'] }],
]);

describe('application history', () => {
  it('admins see every entry, oldest first, with names', () => {
    const h = applicationHistory(RECORDS, PEOPLE, { kind: 'admin' });
    expect(h.map((e) => `${e.who}: ${e.what}`)).toEqual([
      'Ada Lead: requested the application',
      'Adam Admin: opened the application',
      'Cara Colleague: saved commentary',
      'Cara Colleague: submitted the application',
      'Adam Admin: changed the reviewers',
      'Rita Reviewer: started the review',
      'Someone (no longer registered): assessed criteria',
      'WEx QS: marked the application as lapsed',
      'Adam Admin: revoked the award',
      'Adam Admin: something new',
    ]);
    expect(h[1]).toMatchObject({ from: 'Requested', to: 'Open (in preparation)' });
    expect(h[2]).toMatchObject({ from: null, to: null });
  });

  it('the applicant team sees the steps, their own people by name and everyone else by role', () => {
    const h = applicationHistory(RECORDS, PEOPLE, { kind: 'applicant', personId: 'lead', organisationId: 'org-a' });
    expect(h.map((e) => `${e.who}: ${e.what}`)).toEqual([
      'You: requested the application',
      'The WEx QS team: opened the application',
      'Cara Colleague: submitted the application',
      'A reviewer: started the review',
      'WEx QS: marked the application as lapsed',
      'The WEx QS team: revoked the award',
    ]);
    expect(JSON.stringify(h)).not.toMatch(/Rita|Adam/);
  });

  it('someone unknown or with no staff role is "Someone"', () => {
    const h = applicationHistory(
      [
        { at: at(0), actorId: 'nobody', action: 'open', fromState: 'requested', toState: 'open' },
        { at: at(1), actorId: 'other', action: 'submit', fromState: 'open', toState: 'weird' },
      ],
      new Map([['other', { displayName: 'Olly', organisationId: 'org-b', roles: ['applicant_lead'] }]]),
      { kind: 'applicant', personId: 'lead', organisationId: 'org-a' },
    );
    expect(h.map((e) => e.who)).toEqual(['Someone', 'Someone']);
    expect(h[1]!.to).toBe('weird');
    expect(actionWords('communicate')).toBe('communicated the decision');
  });
});

describe('feedback per criterion', () => {
  it('the panel outcome: agreed, or partly met when reviewers differ; none when not assessed', () => {
    expect(panelOutcome([])).toBeNull();
    expect(panelOutcome(['met'])).toBe('met');
    expect(panelOutcome(['not_met', 'not_met'])).toBe('not_met');
    expect(panelOutcome(['met', 'not_met'])).toBe('partly_met');
    expect(panelOutcome(['met', 'partly_met'])).toBe('partly_met');
    expect(OUTCOME_LABELS.partly_met).toBe('Partly met');
  });

  it('every criterion up to the level applied for, in framework order, with counts', () => {
    const bronze = criteriaUpTo(DEFAULT_FRAMEWORK, 'bronze');
    const [first, second, third] = bronze;
    const rows = criterionFeedback(DEFAULT_FRAMEWORK, 'bronze', [
      { criterionId: first!.id, outcome: 'met' },
      { criterionId: first!.id, outcome: 'met' },
      { criterionId: second!.id, outcome: 'met' },
      { criterionId: second!.id, outcome: 'not_met' },
      { criterionId: third!.id, outcome: 'not_met' },
    ]);
    expect(rows).toHaveLength(bronze.length);
    expect(rows.map((r) => r.criterionId)).toEqual(bronze.map((c) => c.id));
    expect(rows.slice(0, 3).map((r) => r.outcome)).toEqual(['met', 'partly_met', 'not_met']);
    expect(outcomeCounts(rows)).toEqual({ met: 1, partly_met: 1, not_met: 1, not_assessed: bronze.length - 3 });
    expect(criterionFeedback(DEFAULT_FRAMEWORK, 'gold', []).length).toBeGreaterThan(bronze.length);
  });
});
