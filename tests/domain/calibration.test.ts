import { describe, expect, it } from 'vitest';
import {
  calibrate,
  CALIBRATION_GAP_POINTS,
  CALIBRATION_MIN_CRITERIA,
  TENDENCY_LABELS,
  type CalibrationAssessment,
} from '../../src/domain/calibration.js';
import type { AssessmentOutcome } from '../../src/domain/types.js';

/**
 * A fixed panel: three reviewers, three applications of ten criteria each.
 * - app-1: Harsh and Fair; app-2: Fair and Kind; app-3: Harsh and Kind.
 * - Harsh marks 2 of 10 met on app-1 and 3 of 10 on app-3 (5 of 20 = 25%).
 * - Fair marks 6 of 10 on app-1 and 6 of 10 on app-2 (12 of 20 = 60%).
 * - Kind marks 10 of 10 on app-2 and 9 of 10 on app-3 (19 of 20 = 95%).
 * Panel: 36 of 60 = 60%.
 */
function outcomes(met: number, rest: AssessmentOutcome = 'not_met'): AssessmentOutcome[] {
  return Array.from({ length: 10 }, (_, i) => (i < met ? 'met' : rest));
}
function rows(app: string, reviewer: string, list: AssessmentOutcome[]): CalibrationAssessment[] {
  return list.map((outcome, i) => ({ applicationId: app, reviewerId: reviewer, criterionId: `c${i + 1}`, outcome }));
}
const DATA: CalibrationAssessment[] = [
  ...rows('app-1', 'harsh', outcomes(2)),
  ...rows('app-1', 'fair', outcomes(6)),
  ...rows('app-2', 'fair', outcomes(6, 'partly_met')),
  ...rows('app-2', 'kind', outcomes(10)),
  ...rows('app-3', 'harsh', outcomes(3)),
  ...rows('app-3', 'kind', outcomes(9)),
];

describe('calibration on a fixed data set', () => {
  const c = calibrate(DATA);

  it('the panel: 36 of 60 criteria met (60%)', () => {
    expect(c.panel).toEqual({ reviewers: 3, applications: 3, criteria: 60, met: 36, shareMet: 0.6 });
  });

  it('each reviewer: share met, points against the panel, tendency', () => {
    const by = Object.fromEntries(c.reviewers.map((r) => [r.reviewerId, r]));
    expect(c.reviewers.map((r) => r.reviewerId)).toEqual(['fair', 'harsh', 'kind']);
    expect(by.harsh).toMatchObject({ applications: 2, criteria: 20, met: 5, shareMet: 0.25, tendency: 'harsh' });
    expect(by.harsh!.differencePoints).toBeCloseTo(-35, 10);
    expect(by.fair).toMatchObject({ criteria: 20, met: 12, shareMet: 0.6, tendency: 'in_line' });
    expect(by.fair!.differencePoints).toBeCloseTo(0, 10);
    expect(by.kind).toMatchObject({ criteria: 20, met: 19, shareMet: 0.95, tendency: 'lenient' });
    expect(by.kind!.differencePoints).toBeCloseTo(35, 10);
  });

  it('agreement of the two reviewers of each application', () => {
    expect(c.pairs).toEqual([
      // c1,c2 both met; c3-c6 differ (met vs not met); c7-c10 both not met: 6 of 10.
      { applicationId: 'app-1', reviewerIds: ['fair', 'harsh'], criteria: 10, agreed: 6, agreement: 0.6 },
      // c1-c6 both met; c7-c10 partly met vs met: 6 of 10.
      { applicationId: 'app-2', reviewerIds: ['fair', 'kind'], criteria: 10, agreed: 6, agreement: 0.6 },
      // c1-c3 both met; c4-c9 not met vs met; c10 both not met: 4 of 10.
      { applicationId: 'app-3', reviewerIds: ['harsh', 'kind'], criteria: 10, agreed: 4, agreement: 0.4 },
    ]);
    const by = Object.fromEntries(c.reviewers.map((r) => [r.reviewerId, r]));
    expect(by.harsh!.agreement).toBeCloseTo(0.5, 10); // (6 + 4) / 20
    expect(by.fair!.agreement).toBeCloseTo(0.6, 10); // (6 + 6) / 20
    expect(by.kind!.agreement).toBeCloseTo(0.5, 10); // (6 + 4) / 20
    expect(by.kind!.pairs).toBe(2);
  });

  it('the edges: exactly the gap is lenient/harsh, fewer criteria than the minimum is too few to tell', () => {
    expect(CALIBRATION_GAP_POINTS).toBe(15);
    expect(CALIBRATION_MIN_CRITERIA).toBe(10);
    // Panel: A 10 of 20 met plus B 13 of 20 met → 23 / 40 = 57.5%; B at 65% is +7.5: in line.
    const edge = calibrate([
      ...rows('x', 'a', outcomes(5)),
      ...rows('y', 'a', outcomes(5)),
      ...rows('x', 'b', outcomes(6)),
      ...rows('y', 'b', outcomes(7)),
    ]);
    expect(edge.reviewers.map((r) => r.tendency)).toEqual(['in_line', 'in_line']);
    // One reviewer at 100% and one at 70% of 10 each: panel 85%, +15 and -15 exactly.
    const exact = calibrate([...rows('x', 'a', outcomes(10)), ...rows('x', 'b', outcomes(7))]);
    expect(exact.reviewers.map((r) => [r.reviewerId, r.tendency])).toEqual([
      ['a', 'lenient'],
      ['b', 'harsh'],
    ]);
    const few = calibrate(rows('x', 'solo', outcomes(9)).slice(0, 9));
    expect(few.reviewers[0]!.tendency).toBe('too_few');
    expect(few.reviewers[0]!.agreement).toBeNull();
    expect(TENDENCY_LABELS.too_few).toBe('Too few assessments to tell');
  });

  it('two reviewers with no criterion in common have no agreement figure; nothing assessed is an empty panel', () => {
    const apart = calibrate([
      { applicationId: 'x', reviewerId: 'a', criterionId: 'c1', outcome: 'met' },
      { applicationId: 'x', reviewerId: 'b', criterionId: 'c2', outcome: 'met' },
    ]);
    expect(apart.pairs[0]).toMatchObject({ criteria: 0, agreed: 0, agreement: null });
    expect(apart.reviewers.every((r) => r.agreement === null)).toBe(true);
    expect(calibrate([])).toEqual({
      panel: { reviewers: 0, applications: 0, criteria: 0, met: 0, shareMet: 0 },
      reviewers: [],
      pairs: [],
    });
  });
});
