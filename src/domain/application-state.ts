/**
 * The application state machine. TRANSITIONS is the single table of who may move an application
 * from which state to which, and when:
 *
 *   request                requested          applicant (lead/contributor) of the org; intake open
 *   open                   requested → open   admin
 *   submit                 open → submitted   applicant lead of the org; until deadline + grace (late flag)
 *   start_review           submitted → in_review                 assigned reviewer or admin; only after deadline
 *                                                                 + grace (an admin may start early, with a reason)
 *   request_clarification  in_review → clarification_requested   assigned reviewer
 *   answer_clarification   clarification_requested → in_review   applicant of the org
 *   recommend              in_review → recommended               assigned reviewer; level at most the one applied for
 *   decide                 recommended → decided                 admin; after the deadline; level at most the one applied for
 *   communicate            decided → communicated                admin; inside the decision window
 *   withdraw               requested|open|submitted → withdrawn  applicant lead of the org or admin
 *   lapse                  requested|open → lapsed               admin/system; only after deadline + grace
 *
 * Checks run in this order, so the first failing one decides the error:
 *   1. who (FORBIDDEN, CONFLICT_OF_INTEREST) — via the authorisation policy;
 *   2. from-state (INVALID_TRANSITION; ALREADY_APPLIED for request when an application exists —
 *      one per organisation per cycle, withdrawn or lapsed included; NOT_FOUND when there is none);
 *   3. timing (INTAKE_PAUSED, DEADLINE_PASSED, OUTSIDE_WINDOW);
 *   4. data (VALIDATION: submit needs a target level; recommend and decide a level no higher than
 *      the one applied for; an early start a reason).
 * Readiness (NOT_READY) and eligibility (NOT_ELIGIBLE) are separate checks, see readiness.ts and dropins.ts.
 */
import {
  ACTION_AUDIENCES,
  checkAuthorisation,
  type Audience,
  type DomainAction,
  type Resource,
} from './authorisation.js';
import { graceEnd, inDecisionWindow, submissionTiming } from './cycle.js';
import { DomainError, isDomainError } from './errors.js';
import { levelRank } from './levels.js';
import { formatLondon } from './time.js';
import type { Actor, Application, ApplicationState, Cycle, Level } from './types.js';

export const APPLICATION_ACTIONS = [
  'request',
  'open',
  'submit',
  'start_review',
  'request_clarification',
  'answer_clarification',
  'recommend',
  'decide',
  'communicate',
  'withdraw',
  'lapse',
] as const;
export type ApplicationAction = (typeof APPLICATION_ACTIONS)[number];

/**
 * - none: any time
 * - intake_open: intake not paused (INTAKE_PAUSED) and now ≤ deadline + grace (DEADLINE_PASSED)
 * - submission: now ≤ deadline (on time) or ≤ deadline + grace (late), else DEADLINE_PASSED
 * - decision_window: decisionStart ≤ now ≤ decisionEnd, else OUTSIDE_WINDOW
 * - after_grace: now > deadline + grace, else OUTSIDE_WINDOW
 * - review_open: now > deadline + grace (every submission is in), else OUTSIDE_WINDOW unless an
 *   admin gives a reason to start early (recorded in the audit log with the transition)
 * - after_deadline: now > deadline, else OUTSIDE_WINDOW
 */
export type TimingRule =
  'none' | 'intake_open' | 'submission' | 'decision_window' | 'after_grace' | 'review_open' | 'after_deadline';

/** The shortest reason an admin may give for starting a review early. */
export const EARLY_START_REASON_MIN_CHARS = 10;
export const EARLY_START_REASON_MAX_CHARS = 500;

export interface TransitionRule {
  action: ApplicationAction;
  /** null = no application yet. */
  from: readonly (ApplicationState | null)[];
  to: ApplicationState;
  /** The authorisation action that decides who may do it. */
  permission: DomainAction;
  /** Who may do it (from the authorisation policy, for display and docs). */
  who: readonly Audience[];
  timing: TimingRule;
}

function rule(
  action: ApplicationAction,
  from: readonly (ApplicationState | null)[],
  to: ApplicationState,
  permission: DomainAction,
  timing: TimingRule,
): TransitionRule {
  return Object.freeze({
    action,
    from: Object.freeze([...from]),
    to,
    permission,
    who: ACTION_AUDIENCES[permission],
    timing,
  });
}

export const TRANSITIONS: Readonly<Record<ApplicationAction, TransitionRule>> = Object.freeze({
  request: rule('request', [null], 'requested', 'request_application', 'intake_open'),
  open: rule('open', ['requested'], 'open', 'open_application', 'none'),
  submit: rule('submit', ['open'], 'submitted', 'submit_application', 'submission'),
  start_review: rule('start_review', ['submitted'], 'in_review', 'start_review', 'review_open'),
  request_clarification: rule(
    'request_clarification',
    ['in_review'],
    'clarification_requested',
    'request_clarification',
    'none',
  ),
  answer_clarification: rule(
    'answer_clarification',
    ['clarification_requested'],
    'in_review',
    'answer_clarification',
    'none',
  ),
  recommend: rule('recommend', ['in_review'], 'recommended', 'recommend', 'none'),
  decide: rule('decide', ['recommended'], 'decided', 'decide', 'after_deadline'),
  communicate: rule('communicate', ['decided'], 'communicated', 'communicate', 'decision_window'),
  withdraw: rule('withdraw', ['requested', 'open', 'submitted'], 'withdrawn', 'withdraw_application', 'none'),
  lapse: rule('lapse', ['requested', 'open'], 'lapsed', 'lapse_application', 'after_grace'),
});

/** States no action leaves. */
export const TERMINAL_STATES: readonly ApplicationState[] = ['communicated', 'withdrawn', 'lapsed'];

export const STATE_LABELS: Readonly<Record<ApplicationState, string>> = {
  requested: 'Requested',
  open: 'Open (in preparation)',
  submitted: 'Submitted',
  in_review: 'In review',
  clarification_requested: 'Clarification requested',
  recommended: 'Recommended',
  decided: 'Decided',
  communicated: 'Decision communicated',
  withdrawn: 'Withdrawn',
  lapsed: 'Lapsed',
};

export interface PlanTransitionInput {
  application: Pick<Application, 'state' | 'organisationId' | 'targetLevel'> | null;
  action: ApplicationAction;
  actor: Actor;
  cycle: Cycle;
  now: Date;
  assignedReviewerIds?: string[];
  /** recommend, decide: the level recommended or awarded (null = no award). */
  level?: Level | null;
  /** start_review before submissions close: the admin's reason for starting early. */
  earlyStartReason?: string;
}

export interface PlannedTransition {
  from: ApplicationState | null;
  to: ApplicationState;
  /** Set for submit: true when submitted inside the grace period. */
  late?: boolean;
  /** Set for start_review: when an admin started it before submissions closed. */
  early?: true;
}

/**
 * A recommendation or decision can award at most the level applied for (the criteria above it
 * were neither written for nor assessed); no award (null) is always possible. Throws VALIDATION.
 */
export function assertLevelWithinApplied(level: Level | null, applied: Level | null): void {
  if (level === null) return;
  if (applied === null || levelRank(level) > levelRank(applied)) {
    throw new DomainError(
      'VALIDATION',
      applied
        ? `This application is for ${applied}: it can be awarded ${levelsUpTo(applied)}, or no award.`
        : 'This application has no level applied for, so it cannot be awarded one.',
      { field: 'level', level, applied },
    );
  }
}

/** The levels that can be awarded to an application for `applied` (lowest first). */
export function awardableLevels(applied: Level | null): Level[] {
  return applied ? (['bronze', 'silver', 'gold'] as const).filter((l) => levelRank(l) <= levelRank(applied)) : [];
}

function levelsUpTo(applied: Level): string {
  const ls = awardableLevels(applied);
  return ls.length === 1 ? `${ls[0]} at most` : `${ls.slice(0, -1).join(', ')} or ${ls.at(-1)}`;
}

export function planTransition(input: PlanTransitionInput): PlannedTransition {
  const { application, action, actor, cycle, now } = input;
  const r = TRANSITIONS[action];
  if (!r) throw new DomainError('VALIDATION', `Unknown action "${String(action)}".`, { action });

  // 1. Who.
  const resource: Resource = {
    kind: 'application',
    organisationId: application ? application.organisationId : actor.organisationId,
    assignedReviewerIds: input.assignedReviewerIds ?? [],
  };
  const auth = checkAuthorisation(actor, r.permission, resource);
  if (!auth.allowed) {
    throw new DomainError(auth.code, auth.reason, {
      action,
      personId: actor.personId,
      organisationId: resource.organisationId,
    });
  }

  // 2. From which state.
  const from = application ? application.state : null;
  if (!r.from.includes(from)) {
    if (action === 'request' && application) {
      throw new DomainError('ALREADY_APPLIED', undefined, {
        organisationId: application.organisationId,
        state: application.state,
        cycleId: cycle.id,
      });
    }
    if (!application) {
      throw new DomainError('NOT_FOUND', 'There is no application to do this to.', { action });
    }
    throw new DomainError(
      'INVALID_TRANSITION',
      `An application that is “${STATE_LABELS[application.state]}” cannot be moved on by “${action.replace(/_/g, ' ')}”.`,
      { action, from, allowedFrom: [...r.from] },
    );
  }

  // 3. When.
  let late: boolean | undefined;
  let early: true | undefined;
  switch (r.timing) {
    case 'none':
      break;
    case 'intake_open':
      if (cycle.intakePaused) throw new DomainError('INTAKE_PAUSED', undefined, { cycleId: cycle.id });
      if (submissionTiming(cycle, now) === 'closed') {
        throw new DomainError(
          'DEADLINE_PASSED',
          `Applications for ${cycle.name} closed at ${formatLondon(graceEnd(cycle))}.`,
          {
            cycleId: cycle.id,
            deadline: cycle.submissionDeadline,
            graceEnd: graceEnd(cycle),
          },
        );
      }
      break;
    case 'submission': {
      const timing = submissionTiming(cycle, now);
      if (timing === 'closed') {
        throw new DomainError(
          'DEADLINE_PASSED',
          `The submission deadline for ${cycle.name} was ${formatLondon(cycle.submissionDeadline)}${cycle.graceMinutes > 0 ? ` and late submissions closed at ${formatLondon(graceEnd(cycle))}` : ''}.`,
          { cycleId: cycle.id, deadline: cycle.submissionDeadline, graceEnd: graceEnd(cycle) },
        );
      }
      late = timing === 'late';
      break;
    }
    case 'decision_window':
      if (!inDecisionWindow(cycle, now)) {
        throw new DomainError(
          'OUTSIDE_WINDOW',
          `Decisions for ${cycle.name} can be communicated from ${formatLondon(cycle.decisionStart)} to ${formatLondon(cycle.decisionEnd)}.`,
          { cycleId: cycle.id, decisionStart: cycle.decisionStart, decisionEnd: cycle.decisionEnd },
        );
      }
      break;
    case 'after_grace':
      if (now.getTime() <= graceEnd(cycle).getTime()) {
        throw new DomainError(
          'OUTSIDE_WINDOW',
          `An application can only lapse after submissions close at ${formatLondon(graceEnd(cycle))}.`,
          { cycleId: cycle.id, graceEnd: graceEnd(cycle) },
        );
      }
      break;
    case 'review_open':
      if (now.getTime() > graceEnd(cycle).getTime()) break;
      if (!actor.roles.includes('admin') || input.earlyStartReason === undefined) {
        throw new DomainError(
          'OUTSIDE_WINDOW',
          `Reviews start after submissions close at ${formatLondon(graceEnd(cycle))} (UK time). Only an admin can start one earlier, with a reason.`,
          { cycleId: cycle.id, graceEnd: graceEnd(cycle), action },
        );
      }
      early = true;
      break;
    case 'after_deadline':
      if (now.getTime() <= cycle.submissionDeadline.getTime()) {
        throw new DomainError(
          'OUTSIDE_WINDOW',
          `Decisions can be confirmed only after the submission deadline (${formatLondon(cycle.submissionDeadline)} UK time).`,
          { cycleId: cycle.id, deadline: cycle.submissionDeadline, action },
        );
      }
      break;
  }

  // 4. Data.
  if (action === 'submit' && !application?.targetLevel) {
    throw new DomainError(
      'VALIDATION',
      'Choose the level you are applying for (bronze, silver or gold) before submitting.',
      {
        field: 'targetLevel',
      },
    );
  }

  if ((action === 'recommend' || action === 'decide') && input.level !== undefined) {
    assertLevelWithinApplied(input.level, application?.targetLevel ?? null);
  }
  if (early === true) {
    const reason = input.earlyStartReason?.trim() ?? '';
    if (reason.length < EARLY_START_REASON_MIN_CHARS || reason.length > EARLY_START_REASON_MAX_CHARS) {
      throw new DomainError(
        'VALIDATION',
        `Give the reason for starting this review before submissions close (${EARLY_START_REASON_MIN_CHARS} to ${EARLY_START_REASON_MAX_CHARS} characters): it is kept in the audit log.`,
        { field: 'earlyStartReason' },
      );
    }
  }

  return {
    from,
    to: r.to,
    ...(late !== undefined ? { late } : {}),
    ...(early === true ? { early } : {}),
  };
}

/**
 * The actions this actor can take now (for showing buttons): those planTransition would accept.
 * (submit is left out while no target level is set.)
 */
export function availableActions(
  application: Pick<Application, 'state' | 'organisationId' | 'targetLevel'> | null,
  actor: Actor,
  cycle: Cycle,
  now: Date,
  assignedReviewerIds?: string[],
): ApplicationAction[] {
  const out: ApplicationAction[] = [];
  for (const action of APPLICATION_ACTIONS) {
    try {
      planTransition({
        application,
        action,
        actor,
        cycle,
        now,
        ...(assignedReviewerIds ? { assignedReviewerIds } : {}),
      });
      out.push(action);
    } catch (e) {
      if (!isDomainError(e)) throw e;
    }
  }
  return out;
}
