import { describe, expect, it } from 'vitest';
import {
  APPLICATION_ACTIONS,
  TERMINAL_STATES,
  TRANSITIONS,
  assertLevelWithinApplied,
  availableActions,
  awardableLevels,
  planTransition,
  type ApplicationAction,
  type PlanTransitionInput,
} from '../../src/domain/application-state.js';
import { DomainError, type ErrorCode } from '../../src/domain/errors.js';
import { londonDate } from '../../src/domain/time.js';
import {
  APPLICATION_STATES,
  SYSTEM_ACTOR,
  type Actor,
  type ApplicationState,
  type Level,
} from '../../src/domain/types.js';
import {
  ASSIGNED,
  ORG,
  admin,
  contributor,
  cycle,
  lead,
  nobody,
  otherContributor,
  otherLead,
  reviewer,
  sameOrgReviewer,
  unassignedReviewer,
} from './fixtures.js';

const C = cycle(); // deadline Fri 19 Sep 2025 17:00, grace 60 min, review 3 Oct–28 Nov, decisions 1–15 Dec
const T = {
  intake: londonDate(2025, 9, 1, 10),
  deadline: C.submissionDeadline,
  grace: londonDate(2025, 9, 19, 17, 30),
  graceEnd: londonDate(2025, 9, 19, 18, 0),
  afterGrace: new Date(londonDate(2025, 9, 19, 18, 0).getTime() + 1),
  review: londonDate(2025, 10, 10, 10),
  decision: londonDate(2025, 12, 2, 10),
  afterDecision: londonDate(2025, 12, 16, 10),
};

/** The expected table, written out independently of the implementation's. */
const EXPECTED: Record<
  ApplicationAction,
  { from: (ApplicationState | null)[]; to: ApplicationState; who: Actor[]; at: Date }
> = {
  request: { from: [null], to: 'requested', who: [lead, contributor], at: T.intake },
  open: { from: ['requested'], to: 'open', who: [admin, SYSTEM_ACTOR], at: T.intake },
  submit: { from: ['open'], to: 'submitted', who: [lead], at: T.intake },
  start_review: { from: ['submitted'], to: 'in_review', who: [reviewer, admin], at: T.review },
  request_clarification: { from: ['in_review'], to: 'clarification_requested', who: [reviewer], at: T.review },
  answer_clarification: { from: ['clarification_requested'], to: 'in_review', who: [lead, contributor], at: T.review },
  recommend: { from: ['in_review'], to: 'recommended', who: [reviewer], at: T.review },
  decide: { from: ['recommended'], to: 'decided', who: [admin], at: T.review },
  communicate: { from: ['decided'], to: 'communicated', who: [admin], at: T.decision },
  withdraw: { from: ['requested', 'open', 'submitted'], to: 'withdrawn', who: [lead, admin], at: T.intake },
  lapse: { from: ['requested', 'open'], to: 'lapsed', who: [admin, SYSTEM_ACTOR], at: T.afterGrace },
};

const ALL_ACTORS: Actor[] = [
  lead,
  contributor,
  otherLead,
  otherContributor,
  reviewer,
  unassignedReviewer,
  sameOrgReviewer,
  admin,
  nobody,
];

function app(state: ApplicationState | null, targetLevel: Level | null = 'silver') {
  return state === null ? null : { state, organisationId: ORG, targetLevel };
}

function input(action: ApplicationAction, over: Partial<PlanTransitionInput> = {}): PlanTransitionInput {
  const e = EXPECTED[action];
  return {
    application: app(e.from[0]!),
    action,
    actor: e.who[0]!,
    cycle: C,
    now: e.at,
    assignedReviewerIds: ASSIGNED,
    ...over,
  };
}

function codeOf(fn: () => unknown): ErrorCode | 'OK' {
  try {
    fn();
    return 'OK';
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
}

describe('transition table', () => {
  it('matches the expected table', () => {
    expect([...APPLICATION_ACTIONS]).toEqual(Object.keys(EXPECTED));
    for (const action of APPLICATION_ACTIONS) {
      expect(TRANSITIONS[action].from, action).toEqual(EXPECTED[action].from);
      expect(TRANSITIONS[action].to, action).toBe(EXPECTED[action].to);
      expect(TRANSITIONS[action].who.length, action).toBeGreaterThan(0);
    }
  });
  it('no action leaves a terminal state', () => {
    for (const action of APPLICATION_ACTIONS)
      for (const s of TERMINAL_STATES) expect(TRANSITIONS[action].from).not.toContain(s);
  });
});

describe('from-states: every action allowed from its states and refused from all others', () => {
  for (const action of APPLICATION_ACTIONS) {
    const e = EXPECTED[action];
    for (const state of [null, ...APPLICATION_STATES] as (ApplicationState | null)[]) {
      const ok = e.from.includes(state);
      const expected: ErrorCode | 'OK' = ok
        ? 'OK'
        : action === 'request'
          ? 'ALREADY_APPLIED'
          : state === null
            ? 'NOT_FOUND'
            : 'INVALID_TRANSITION';
      it(`${action} from ${state ?? '(none)'} → ${ok ? e.to : expected}`, () => {
        const run = () => planTransition(input(action, { application: app(state) }));
        expect(codeOf(run)).toBe(expected);
        if (ok) expect(run()).toMatchObject({ from: state, to: e.to });
      });
    }
  }
});

describe('who: every action by every kind of actor', () => {
  for (const action of APPLICATION_ACTIONS) {
    const e = EXPECTED[action];
    for (const a of ALL_ACTORS) {
      // Requesting with no application yet is for the actor's own organisation, so other-org applicants may too.
      const allowed = e.who.includes(a) || (action === 'request' && (a === otherLead || a === otherContributor));
      const conflict = a === sameOrgReviewer && ['start_review', 'request_clarification', 'recommend'].includes(action);
      const expected = allowed ? 'OK' : conflict ? 'CONFLICT_OF_INTEREST' : 'FORBIDDEN';
      it(`${action} by ${a.personId} → ${expected}`, () => {
        expect(codeOf(() => planTransition(input(action, { actor: a })))).toBe(expected);
      });
    }
  }
  it('a reviewer must be assigned', () => {
    expect(codeOf(() => planTransition(input('recommend', { assignedReviewerIds: [] })))).toBe('FORBIDDEN');
    expect(codeOf(() => planTransition(input('recommend', { assignedReviewerIds: undefined })))).toBe('FORBIDDEN');
    expect(codeOf(() => planTransition(input('start_review', { actor: admin, assignedReviewerIds: [] })))).toBe('OK');
  });
  it('who is checked before the state (no leaking of another organisation’s stage)', () => {
    expect(codeOf(() => planTransition(input('submit', { actor: otherLead, application: app('communicated') })))).toBe(
      'FORBIDDEN',
    );
  });
});

describe('timing rules', () => {
  it('request: refused while intake is paused, even before the deadline', () => {
    expect(codeOf(() => planTransition(input('request', { cycle: cycle({ intakePaused: true }) })))).toBe(
      'INTAKE_PAUSED',
    );
  });
  it('request: allowed until the end of grace, refused after', () => {
    expect(codeOf(() => planTransition(input('request', { now: T.deadline })))).toBe('OK');
    expect(codeOf(() => planTransition(input('request', { now: T.graceEnd })))).toBe('OK');
    expect(codeOf(() => planTransition(input('request', { now: T.afterGrace })))).toBe('DEADLINE_PASSED');
  });
  it('request for an organisation that already has one in this cycle → ALREADY_APPLIED (even withdrawn)', () => {
    expect(codeOf(() => planTransition(input('request', { application: app('withdrawn') })))).toBe('ALREADY_APPLIED');
  });
  it('submit: on time up to the deadline, late inside grace, refused after', () => {
    expect(planTransition(input('submit', { now: T.intake }))).toEqual({ from: 'open', to: 'submitted', late: false });
    expect(planTransition(input('submit', { now: T.deadline }))).toEqual({
      from: 'open',
      to: 'submitted',
      late: false,
    });
    expect(planTransition(input('submit', { now: new Date(T.deadline.getTime() + 1) }))).toEqual({
      from: 'open',
      to: 'submitted',
      late: true,
    });
    expect(planTransition(input('submit', { now: T.grace }))).toMatchObject({ late: true });
    expect(planTransition(input('submit', { now: T.graceEnd }))).toMatchObject({ late: true });
    expect(codeOf(() => planTransition(input('submit', { now: T.afterGrace })))).toBe('DEADLINE_PASSED');
  });
  it('submit: with no grace period, one millisecond late is refused', () => {
    const c0 = cycle({ graceMinutes: 0 });
    expect(codeOf(() => planTransition(input('submit', { cycle: c0, now: new Date(T.deadline.getTime() + 1) })))).toBe(
      'DEADLINE_PASSED',
    );
  });
  it('submit: not affected by paused intake', () => {
    expect(planTransition(input('submit', { cycle: cycle({ intakePaused: true }) }))).toMatchObject({
      to: 'submitted',
    });
  });
  it('submit: needs a target level', () => {
    expect(codeOf(() => planTransition(input('submit', { application: app('open', null) })))).toBe('VALIDATION');
  });
  it('submit across the October clock change (deadline Mon 27 Oct 2025 17:00 GMT)', () => {
    const dst = cycle({
      submissionDeadline: londonDate(2025, 10, 27, 17),
      graceMinutes: 15,
      reviewStart: londonDate(2025, 11, 3, 9),
    });
    expect(planTransition(input('submit', { cycle: dst, now: new Date('2025-10-27T16:59:00Z') }))).toMatchObject({
      late: false,
    });
    expect(planTransition(input('submit', { cycle: dst, now: new Date('2025-10-27T17:10:00Z') }))).toMatchObject({
      late: true,
    });
    expect(codeOf(() => planTransition(input('submit', { cycle: dst, now: new Date('2025-10-27T17:16:00Z') })))).toBe(
      'DEADLINE_PASSED',
    );
  });
  it('communicate: only inside the decision window (inclusive)', () => {
    expect(codeOf(() => planTransition(input('communicate', { now: T.review })))).toBe('OUTSIDE_WINDOW');
    expect(codeOf(() => planTransition(input('communicate', { now: C.decisionStart })))).toBe('OK');
    expect(codeOf(() => planTransition(input('communicate', { now: C.decisionEnd })))).toBe('OK');
    expect(codeOf(() => planTransition(input('communicate', { now: T.afterDecision })))).toBe('OUTSIDE_WINDOW');
  });
  it('lapse: only after deadline + grace', () => {
    expect(codeOf(() => planTransition(input('lapse', { now: T.intake })))).toBe('OUTSIDE_WINDOW');
    expect(codeOf(() => planTransition(input('lapse', { now: T.graceEnd })))).toBe('OUTSIDE_WINDOW');
    expect(codeOf(() => planTransition(input('lapse', { now: T.afterGrace })))).toBe('OK');
    expect(
      codeOf(() =>
        planTransition(input('lapse', { application: app('open'), now: T.afterGrace, actor: SYSTEM_ACTOR })),
      ),
    ).toBe('OK');
  });
  it('start_review: only after the deadline and grace period, for reviewers and admins alike', () => {
    for (const actor of [reviewer, admin]) {
      expect(codeOf(() => planTransition(input('start_review', { actor, now: T.intake })))).toBe('OUTSIDE_WINDOW');
      expect(codeOf(() => planTransition(input('start_review', { actor, now: T.graceEnd })))).toBe('OUTSIDE_WINDOW');
      expect(planTransition(input('start_review', { actor, now: T.afterGrace }))).toEqual({
        from: 'submitted',
        to: 'in_review',
      });
    }
  });
  it('start_review early: an admin with a reason, marked early; never a reviewer', () => {
    const reason = 'Panel meets before the deadline';
    expect(planTransition(input('start_review', { actor: admin, now: T.graceEnd, earlyStartReason: reason }))).toEqual({
      from: 'submitted',
      to: 'in_review',
      early: true,
    });
    expect(
      codeOf(() => planTransition(input('start_review', { actor: reviewer, now: T.grace, earlyStartReason: reason }))),
    ).toBe('OUTSIDE_WINDOW');
    // The reason must say something (10 to 500 characters once trimmed).
    expect(
      codeOf(() =>
        planTransition(input('start_review', { actor: admin, now: T.grace, earlyStartReason: '  soon     ' })),
      ),
    ).toBe('VALIDATION');
    expect(
      codeOf(() =>
        planTransition(input('start_review', { actor: admin, now: T.grace, earlyStartReason: 'x'.repeat(501) })),
      ),
    ).toBe('VALIDATION');
    expect(
      codeOf(() =>
        planTransition(input('start_review', { actor: admin, now: T.grace, earlyStartReason: 'x'.repeat(500) })),
      ),
    ).toBe('OK');
    // After submissions close no reason is needed, and none is recorded.
    expect(
      planTransition(input('start_review', { actor: admin, now: T.afterGrace, earlyStartReason: reason })),
    ).toEqual({ from: 'submitted', to: 'in_review' });
  });
  it('decide: never before the deadline (the review may have been started early)', () => {
    expect(codeOf(() => planTransition(input('decide', { now: T.intake })))).toBe('OUTSIDE_WINDOW');
    expect(codeOf(() => planTransition(input('decide', { now: T.deadline })))).toBe('OUTSIDE_WINDOW');
    expect(codeOf(() => planTransition(input('decide', { now: new Date(T.deadline.getTime() + 1) })))).toBe('OK');
    expect(codeOf(() => planTransition(input('decide', { now: T.decision })))).toBe('OK');
  });
  it('decide: only from recommended, so only once a review has started', () => {
    for (const state of ['open', 'submitted', 'in_review', 'clarification_requested'] as const)
      expect(codeOf(() => planTransition(input('decide', { application: app(state) })))).toBe('INVALID_TRANSITION');
  });
  it('recommend and decide: at most the level applied for; no award is always possible', () => {
    for (const action of ['recommend', 'decide'] as const) {
      const bronze = app(action === 'recommend' ? 'in_review' : 'recommended', 'bronze');
      const silver = app(action === 'recommend' ? 'in_review' : 'recommended', 'silver');
      expect(codeOf(() => planTransition(input(action, { application: bronze, level: 'bronze' })))).toBe('OK');
      expect(codeOf(() => planTransition(input(action, { application: bronze, level: 'silver' })))).toBe('VALIDATION');
      expect(codeOf(() => planTransition(input(action, { application: bronze, level: 'gold' })))).toBe('VALIDATION');
      expect(codeOf(() => planTransition(input(action, { application: bronze, level: null })))).toBe('OK');
      expect(codeOf(() => planTransition(input(action, { application: silver, level: 'bronze' })))).toBe('OK');
      expect(codeOf(() => planTransition(input(action, { application: silver, level: 'silver' })))).toBe('OK');
      expect(codeOf(() => planTransition(input(action, { application: silver, level: 'gold' })))).toBe('VALIDATION');
    }
  });
  it('assertLevelWithinApplied names the levels that can be awarded', () => {
    expect(() => assertLevelWithinApplied('gold', 'silver')).toThrow(/bronze or silver, or no award/);
    expect(() => assertLevelWithinApplied('silver', 'bronze')).toThrow(/bronze at most, or no award/);
    expect(() => assertLevelWithinApplied('bronze', null)).toThrow(/no level applied for/);
    expect(() => assertLevelWithinApplied(null, null)).not.toThrow();
    expect(awardableLevels('gold')).toEqual(['bronze', 'silver', 'gold']);
    expect(awardableLevels('bronze')).toEqual(['bronze']);
    expect(awardableLevels(null)).toEqual([]);
  });
  it('an unknown action is a VALIDATION error', () => {
    expect(codeOf(() => planTransition(input('request', { action: 'fly' as never })))).toBe('VALIDATION');
  });
});

describe('availableActions', () => {
  const names = (...args: Parameters<typeof availableActions>) => availableActions(...args).sort();
  it('lead: request when none, submit/withdraw when open', () => {
    expect(names(null, lead, C, T.intake)).toEqual(['request']);
    expect(names(app('open'), lead, C, T.intake)).toEqual(['submit', 'withdraw']);
    expect(names(app('open', null), lead, C, T.intake)).toEqual(['withdraw']);
    expect(names(app('open'), lead, C, T.afterGrace)).toEqual(['withdraw']);
  });
  it('contributor cannot submit or withdraw', () => {
    expect(names(app('open'), contributor, C, T.intake)).toEqual([]);
    expect(names(app('clarification_requested'), contributor, C, T.review)).toEqual(['answer_clarification']);
  });
  it('admin', () => {
    expect(names(app('requested'), admin, C, T.intake)).toEqual(['open', 'withdraw']);
    expect(names(app('requested'), admin, C, T.afterGrace)).toEqual(['lapse', 'open', 'withdraw']);
    expect(names(app('submitted'), admin, C, T.review)).toEqual(['start_review', 'withdraw']);
    // Before submissions close an admin starts a review only with a reason: not offered as a plain action.
    expect(names(app('submitted'), admin, C, T.intake)).toEqual(['withdraw']);
    expect(names(app('recommended'), admin, C, T.deadline)).toEqual([]);
    expect(names(app('decided'), admin, C, T.decision)).toEqual(['communicate']);
    expect(names(app('decided'), admin, C, T.review)).toEqual([]);
  });
  it('reviewers', () => {
    expect(names(app('in_review'), reviewer, C, T.review, ASSIGNED)).toEqual(['recommend', 'request_clarification']);
    expect(names(app('in_review'), unassignedReviewer, C, T.review, ASSIGNED)).toEqual([]);
    expect(names(app('in_review'), sameOrgReviewer, C, T.review, ASSIGNED)).toEqual([]);
    expect(names(app('in_review'), reviewer, C, T.review)).toEqual([]);
  });
  it('nothing on terminal states', () => {
    for (const s of TERMINAL_STATES)
      for (const a of ALL_ACTORS) expect(availableActions(app(s), a, C, T.decision, ASSIGNED)).toEqual([]);
  });
});
