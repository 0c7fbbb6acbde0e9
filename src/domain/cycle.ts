/**
 * The cycle calendar: submission deadline (+ optional grace period), review window, decision
 * window. All boundaries are inclusive instants: a submission at exactly the deadline is on time,
 * at exactly the end of the grace period it is late (accepted), one millisecond later it is closed.
 */
import { DomainError } from './errors.js';
import { formatLondon, addMinutes } from './time.js';
import type { Cycle } from './types.js';

export type SubmissionTiming = 'on_time' | 'late' | 'closed';
export type CyclePhase =
  'intake' | 'grace' | 'awaiting_review' | 'review' | 'awaiting_decision' | 'decision' | 'closed';

function valid(d: unknown): d is Date {
  return d instanceof Date && !Number.isNaN(d.getTime());
}

/** The last instant a submission is accepted (deadline + grace minutes). */
export function graceEnd(cycle: Pick<Cycle, 'submissionDeadline' | 'graceMinutes'>): Date {
  return addMinutes(cycle.submissionDeadline, Math.max(0, cycle.graceMinutes));
}

/**
 * Checks deadline < reviewStart ≤ reviewEnd < decisionStart ≤ decisionEnd, the grace period ending
 * before review starts, and graceMinutes a whole number ≥ 0. Throws VALIDATION listing every
 * problem in `details.problems`.
 */
export function validateCycle(c: Cycle): void {
  const problems: string[] = [];
  const dates = ['submissionDeadline', 'reviewStart', 'reviewEnd', 'decisionStart', 'decisionEnd'] as const;
  const labels: Record<(typeof dates)[number], string> = {
    submissionDeadline: 'submission deadline',
    reviewStart: 'review start',
    reviewEnd: 'review end',
    decisionStart: 'decision start',
    decisionEnd: 'decision end',
  };
  for (const k of dates) if (!valid(c[k])) problems.push(`The ${labels[k]} is not a valid date.`);
  if (!Number.isInteger(c.graceMinutes) || c.graceMinutes < 0) {
    problems.push('The grace period must be a whole number of minutes, 0 or more.');
  }
  if (dates.every((k) => valid(c[k]))) {
    const t = (k: (typeof dates)[number]) => c[k].getTime();
    const fmt = (k: (typeof dates)[number]) => formatLondon(c[k]);
    if (!(t('submissionDeadline') < t('reviewStart'))) {
      problems.push(
        `The submission deadline (${fmt('submissionDeadline')}) must be before review starts (${fmt('reviewStart')}).`,
      );
    } else if (Number.isInteger(c.graceMinutes) && c.graceMinutes > 0 && !(graceEnd(c).getTime() < t('reviewStart'))) {
      problems.push(
        `The grace period must end (${formatLondon(graceEnd(c))}) before review starts (${fmt('reviewStart')}).`,
      );
    }
    if (!(t('reviewStart') <= t('reviewEnd'))) {
      problems.push(`Review cannot end (${fmt('reviewEnd')}) before it starts (${fmt('reviewStart')}).`);
    }
    if (!(t('reviewEnd') < t('decisionStart'))) {
      problems.push(`Review must end (${fmt('reviewEnd')}) before decisions start (${fmt('decisionStart')}).`);
    }
    if (!(t('decisionStart') <= t('decisionEnd'))) {
      problems.push(
        `The decision window cannot end (${fmt('decisionEnd')}) before it starts (${fmt('decisionStart')}).`,
      );
    }
  }
  if (problems.length > 0) {
    throw new DomainError('VALIDATION', `The cycle dates are not valid: ${problems.join(' ')}`, {
      cycleId: c.id,
      problems,
    });
  }
}

/** on_time up to and including the deadline; late up to and including deadline + grace; else closed. */
export function submissionTiming(cycle: Cycle, now: Date): SubmissionTiming {
  const t = now.getTime();
  if (t <= cycle.submissionDeadline.getTime()) return 'on_time';
  if (t <= graceEnd(cycle).getTime()) return 'late';
  return 'closed';
}

/** reviewStart ≤ now ≤ reviewEnd. */
export function inReviewWindow(cycle: Cycle, now: Date): boolean {
  const t = now.getTime();
  return t >= cycle.reviewStart.getTime() && t <= cycle.reviewEnd.getTime();
}

/** decisionStart ≤ now ≤ decisionEnd. */
export function inDecisionWindow(cycle: Cycle, now: Date): boolean {
  const t = now.getTime();
  return t >= cycle.decisionStart.getTime() && t <= cycle.decisionEnd.getTime();
}

/**
 * Where the cycle's calendar stands at `now` (time only: `intakePaused` is a separate flag and
 * does not change the phase).
 */
export function cyclePhase(cycle: Cycle, now: Date): CyclePhase {
  const t = now.getTime();
  if (t <= cycle.submissionDeadline.getTime()) return 'intake';
  if (t <= graceEnd(cycle).getTime()) return 'grace';
  if (t < cycle.reviewStart.getTime()) return 'awaiting_review';
  if (t <= cycle.reviewEnd.getTime()) return 'review';
  if (t < cycle.decisionStart.getTime()) return 'awaiting_decision';
  if (t <= cycle.decisionEnd.getTime()) return 'decision';
  return 'closed';
}
