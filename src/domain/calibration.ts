/**
 * Calibration of the review panel: is a reviewer harsher or more lenient than the panel, and do
 * the two reviewers of an application agree? Pure functions over the cycle's assessments, so an
 * admin can spot a reviewer out of line before moderating.
 *
 * - A reviewer's share met: the criteria they marked "met" out of all they assessed ("partly met"
 *   and "not met" count as not met).
 * - The panel's share met: the same over every assessment of the cycle, all reviewers together.
 * - Difference: the reviewer's share minus the panel's, in percentage points. At or beyond
 *   ±CALIBRATION_GAP_POINTS with at least CALIBRATION_MIN_CRITERIA assessed, the reviewer is
 *   "lenient" (above) or "harsh" (below); with fewer, "too few to tell".
 * - Agreement of two reviewers on an application: the criteria both assessed with the same
 *   outcome, out of the criteria both assessed. A reviewer's agreement is that over all their
 *   pairs together (criteria-weighted), null when they never shared an application.
 */
import type { AssessmentOutcome } from './types.js';

export interface CalibrationAssessment {
  applicationId: string;
  reviewerId: string;
  criterionId: string;
  outcome: AssessmentOutcome;
}

export const CALIBRATION_GAP_POINTS = 15;
export const CALIBRATION_MIN_CRITERIA = 10;

export type Tendency = 'harsh' | 'lenient' | 'in_line' | 'too_few';

export const TENDENCY_LABELS: Readonly<Record<Tendency, string>> = {
  harsh: 'Harsher than the panel',
  lenient: 'More lenient than the panel',
  in_line: 'In line with the panel',
  too_few: 'Too few assessments to tell',
};

export interface PairAgreement {
  applicationId: string;
  /** Sorted. */
  reviewerIds: [string, string];
  /** Criteria both reviewers assessed. */
  criteria: number;
  /** Of those, assessed with the same outcome. */
  agreed: number;
  /** agreed / criteria; null when they assessed no criterion in common. */
  agreement: number | null;
}

export interface ReviewerCalibration {
  reviewerId: string;
  applications: number;
  criteria: number;
  met: number;
  shareMet: number;
  /** (shareMet − panel shareMet) × 100. */
  differencePoints: number;
  tendency: Tendency;
  /** Criteria-weighted agreement with co-reviewers; null without a shared application. */
  agreement: number | null;
  pairs: number;
}

export interface Calibration {
  panel: { reviewers: number; applications: number; criteria: number; met: number; shareMet: number };
  reviewers: ReviewerCalibration[];
  pairs: PairAgreement[];
}

const share = (part: number, whole: number): number => (whole === 0 ? 0 : part / whole);

export function calibrate(assessments: readonly CalibrationAssessment[]): Calibration {
  const byReviewer = new Map<string, CalibrationAssessment[]>();
  const byApplication = new Map<string, Map<string, Map<string, AssessmentOutcome>>>();
  for (const a of assessments) {
    byReviewer.set(a.reviewerId, [...(byReviewer.get(a.reviewerId) ?? []), a]);
    const app = byApplication.get(a.applicationId) ?? new Map<string, Map<string, AssessmentOutcome>>();
    const mine = app.get(a.reviewerId) ?? new Map<string, AssessmentOutcome>();
    mine.set(a.criterionId, a.outcome);
    app.set(a.reviewerId, mine);
    byApplication.set(a.applicationId, app);
  }
  const panelMet = assessments.filter((a) => a.outcome === 'met').length;
  const panelShare = share(panelMet, assessments.length);

  const pairs: PairAgreement[] = [];
  for (const [applicationId, reviewers] of [...byApplication].sort(([a], [b]) => a.localeCompare(b))) {
    const ids = [...reviewers.keys()].sort();
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const a = reviewers.get(ids[i]!)!;
        const b = reviewers.get(ids[j]!)!;
        let criteria = 0;
        let agreed = 0;
        for (const [criterion, outcome] of a) {
          const other = b.get(criterion);
          if (other === undefined) continue;
          criteria++;
          if (other === outcome) agreed++;
        }
        pairs.push({
          applicationId,
          reviewerIds: [ids[i]!, ids[j]!],
          criteria,
          agreed,
          agreement: criteria === 0 ? null : agreed / criteria,
        });
      }
    }
  }

  const reviewers: ReviewerCalibration[] = [...byReviewer]
    .map(([reviewerId, list]) => {
      const met = list.filter((a) => a.outcome === 'met').length;
      const shareMet = share(met, list.length);
      const differencePoints = (shareMet - panelShare) * 100;
      const mine = pairs.filter((p) => p.reviewerIds.includes(reviewerId) && p.criteria > 0);
      const common = mine.reduce((n, p) => n + p.criteria, 0);
      const agreed = mine.reduce((n, p) => n + p.agreed, 0);
      let tendency: Tendency = 'in_line';
      if (list.length < CALIBRATION_MIN_CRITERIA) tendency = 'too_few';
      else if (differencePoints >= CALIBRATION_GAP_POINTS) tendency = 'lenient';
      else if (differencePoints <= -CALIBRATION_GAP_POINTS) tendency = 'harsh';
      return {
        reviewerId,
        applications: new Set(list.map((a) => a.applicationId)).size,
        criteria: list.length,
        met,
        shareMet,
        differencePoints,
        tendency,
        agreement: common === 0 ? null : agreed / common,
        pairs: mine.length,
      };
    })
    .sort((a, b) => a.reviewerId.localeCompare(b.reviewerId));

  return {
    panel: {
      reviewers: byReviewer.size,
      applications: byApplication.size,
      criteria: assessments.length,
      met: panelMet,
      shareMet: panelShare,
    },
    reviewers,
    pairs,
  };
}
