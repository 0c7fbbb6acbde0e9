import { describe, expect, it } from 'vitest';
import {
  cyclePhase,
  graceEnd,
  inDecisionWindow,
  inReviewWindow,
  submissionTiming,
  validateCycle,
} from '../../src/domain/cycle.js';
import { DomainError } from '../../src/domain/errors.js';
import { daysLeftLondon, londonDate } from '../../src/domain/time.js';
import { cycle } from './fixtures.js';

const ms = (d: Date, delta: number) => new Date(d.getTime() + delta);

function validationProblems(fn: () => void): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('VALIDATION');
    return (e as DomainError).details.problems as string[];
  }
  throw new Error('expected VALIDATION');
}

describe('validateCycle', () => {
  it('accepts the published 2025/2026 cycle 2', () => {
    expect(() => validateCycle(cycle())).not.toThrow();
  });

  it('accepts equal review start/end and equal decision start/end, and no grace', () => {
    const d = londonDate(2025, 10, 3, 9);
    const e = londonDate(2025, 12, 1, 9);
    expect(() =>
      validateCycle(cycle({ reviewStart: d, reviewEnd: d, decisionStart: e, decisionEnd: e, graceMinutes: 0 })),
    ).not.toThrow();
  });

  it('refuses a deadline not before review start', () => {
    const c = cycle();
    expect(validationProblems(() => validateCycle(cycle({ reviewStart: c.submissionDeadline })))).toHaveLength(1);
  });

  it('refuses a grace period running into review', () => {
    const c = cycle({ reviewStart: londonDate(2025, 9, 19, 18, 0), graceMinutes: 60 });
    expect(validationProblems(() => validateCycle(c))[0]).toMatch(/grace/);
    expect(() => validateCycle({ ...c, graceMinutes: 59 })).not.toThrow();
  });

  it('refuses review end before start, review overlapping decisions, decisions ending before starting', () => {
    const c = cycle();
    expect(validationProblems(() => validateCycle(cycle({ reviewEnd: ms(c.reviewStart, -1) })))).toHaveLength(1);
    expect(validationProblems(() => validateCycle(cycle({ decisionStart: c.reviewEnd })))).toHaveLength(1);
    expect(validationProblems(() => validateCycle(cycle({ decisionEnd: ms(c.decisionStart, -1) })))).toHaveLength(1);
  });

  it('refuses negative or fractional grace and invalid dates', () => {
    expect(validationProblems(() => validateCycle(cycle({ graceMinutes: -1 })))).toHaveLength(1);
    expect(validationProblems(() => validateCycle(cycle({ graceMinutes: 1.5 })))).toHaveLength(1);
    expect(validationProblems(() => validateCycle(cycle({ reviewEnd: new Date('x') })))[0]).toMatch(/review end/);
  });

  it('lists every problem at once', () => {
    const c = cycle();
    const problems = validationProblems(() =>
      validateCycle(
        cycle({
          graceMinutes: -5,
          reviewStart: c.submissionDeadline,
          reviewEnd: ms(c.submissionDeadline, -1),
          decisionEnd: ms(c.decisionStart, -1),
        }),
      ),
    );
    expect(problems.length).toBe(4);
  });
});

describe('submissionTiming', () => {
  const c = cycle(); // deadline Fri 19 Sep 2025 17:00 BST, grace 60 min
  it('is on time up to and including the deadline', () => {
    expect(submissionTiming(c, londonDate(2025, 9, 1))).toBe('on_time');
    expect(submissionTiming(c, c.submissionDeadline)).toBe('on_time');
  });
  it('is late just after the deadline, inside grace, and exactly at the end of grace', () => {
    expect(submissionTiming(c, ms(c.submissionDeadline, 1))).toBe('late');
    expect(submissionTiming(c, londonDate(2025, 9, 19, 17, 30))).toBe('late');
    expect(graceEnd(c).toISOString()).toBe(londonDate(2025, 9, 19, 18, 0).toISOString());
    expect(submissionTiming(c, londonDate(2025, 9, 19, 18, 0))).toBe('late');
  });
  it('is closed after the grace period', () => {
    expect(submissionTiming(c, ms(graceEnd(c), 1))).toBe('closed');
    expect(submissionTiming(c, londonDate(2025, 9, 20))).toBe('closed');
  });
  it('with no grace period it closes straight after the deadline', () => {
    const c0 = cycle({ graceMinutes: 0 });
    expect(submissionTiming(c0, c0.submissionDeadline)).toBe('on_time');
    expect(submissionTiming(c0, ms(c0.submissionDeadline, 1))).toBe('closed');
  });

  it('deadline across the October clock change: 17:00 London on Mon 27 Oct 2025 is 17:00 UTC', () => {
    const dst = cycle({
      submissionDeadline: londonDate(2025, 10, 27, 17, 0),
      graceMinutes: 30,
      reviewStart: londonDate(2025, 11, 3, 9),
      reviewEnd: londonDate(2025, 11, 28, 17),
    });
    expect(() => validateCycle(dst)).not.toThrow();
    expect(dst.submissionDeadline.toISOString()).toBe('2025-10-27T17:00:00.000Z');
    // Before the change (BST): Sat 25 Oct 12:00 BST.
    const sat = new Date('2025-10-25T11:00:00Z');
    expect(submissionTiming(dst, sat)).toBe('on_time');
    expect(daysLeftLondon(sat, dst.submissionDeadline)).toBe(2);
    // 16:30 UTC on the Monday is 16:30 GMT: still on time (an hour-off BST bug would say late).
    expect(submissionTiming(dst, new Date('2025-10-27T16:30:00Z'))).toBe('on_time');
    expect(submissionTiming(dst, new Date('2025-10-27T17:00:00Z'))).toBe('on_time');
    expect(submissionTiming(dst, new Date('2025-10-27T17:00:00.001Z'))).toBe('late');
    expect(submissionTiming(dst, new Date('2025-10-27T17:30:00Z'))).toBe('late');
    expect(submissionTiming(dst, new Date('2025-10-27T17:30:00.001Z'))).toBe('closed');
    expect(daysLeftLondon(new Date('2025-10-27T08:00:00Z'), dst.submissionDeadline)).toBe(0);
  });

  it('deadline before the clock change (Fri 24 Oct 2025 17:00 BST = 16:00 UTC)', () => {
    const before = cycle({
      submissionDeadline: londonDate(2025, 10, 24, 17, 0),
      graceMinutes: 0,
      reviewStart: londonDate(2025, 11, 3, 9),
    });
    expect(before.submissionDeadline.toISOString()).toBe('2025-10-24T16:00:00.000Z');
    expect(submissionTiming(before, new Date('2025-10-24T16:00:00Z'))).toBe('on_time');
    expect(submissionTiming(before, new Date('2025-10-24T16:30:00Z'))).toBe('closed');
  });
});

describe('windows and phases', () => {
  const c = cycle();
  it('review window is inclusive', () => {
    expect(inReviewWindow(c, ms(c.reviewStart, -1))).toBe(false);
    expect(inReviewWindow(c, c.reviewStart)).toBe(true);
    expect(inReviewWindow(c, c.reviewEnd)).toBe(true);
    expect(inReviewWindow(c, ms(c.reviewEnd, 1))).toBe(false);
  });
  it('decision window is inclusive', () => {
    expect(inDecisionWindow(c, ms(c.decisionStart, -1))).toBe(false);
    expect(inDecisionWindow(c, c.decisionStart)).toBe(true);
    expect(inDecisionWindow(c, c.decisionEnd)).toBe(true);
    expect(inDecisionWindow(c, ms(c.decisionEnd, 1))).toBe(false);
  });
  it('cyclePhase walks through every phase', () => {
    const cases: [Date, string][] = [
      [londonDate(2025, 8, 1), 'intake'],
      [c.submissionDeadline, 'intake'],
      [ms(c.submissionDeadline, 1), 'grace'],
      [graceEnd(c), 'grace'],
      [ms(graceEnd(c), 1), 'awaiting_review'],
      [ms(c.reviewStart, -1), 'awaiting_review'],
      [c.reviewStart, 'review'],
      [c.reviewEnd, 'review'],
      [ms(c.reviewEnd, 1), 'awaiting_decision'],
      [c.decisionStart, 'decision'],
      [c.decisionEnd, 'decision'],
      [ms(c.decisionEnd, 1), 'closed'],
    ];
    for (const [at, phase] of cases) expect(cyclePhase(c, at), at.toISOString()).toBe(phase);
  });
  it('with no grace there is no grace phase', () => {
    const c0 = cycle({ graceMinutes: 0 });
    expect(cyclePhase(c0, ms(c0.submissionDeadline, 1))).toBe('awaiting_review');
  });
  it('pausing intake does not change the phase', () => {
    expect(cyclePhase(cycle({ intakePaused: true }), londonDate(2025, 8, 1))).toBe('intake');
  });
});
