/**
 * The feedback an organisation receives with its decision: the outcome per criterion, as the
 * panel found it, with the strengths and areas to improve of the decision.
 *
 * The panel's outcome for a criterion is the reviewers' outcome when they agree; when they differ
 * it is "partly met" (the reviewers found some, not all, of what the criterion asks). A criterion
 * nobody assessed has no outcome.
 */
import { criteriaUpTo, type Framework } from './framework.js';
import type { AssessmentOutcome, Level, SectionNumber } from './types.js';

export const OUTCOME_LABELS: Readonly<Record<AssessmentOutcome, string>> = {
  met: 'Met',
  partly_met: 'Partly met',
  not_met: 'Not met',
};

export function panelOutcome(outcomes: readonly AssessmentOutcome[]): AssessmentOutcome | null {
  if (outcomes.length === 0) return null;
  const distinct = new Set(outcomes);
  return distinct.size === 1 ? outcomes[0]! : 'partly_met';
}

export interface CriterionFeedback {
  criterionId: string;
  section: SectionNumber;
  text: string;
  minimumLevel: Level;
  outcome: AssessmentOutcome | null;
}

/** Every criterion up to `level` (the level applied for), in framework order, with the panel's outcome. */
export function criterionFeedback(
  framework: Framework,
  level: Level,
  assessments: readonly { criterionId: string; outcome: AssessmentOutcome }[],
): CriterionFeedback[] {
  return criteriaUpTo(framework, level).map((c) => ({
    criterionId: c.id,
    section: c.section,
    text: c.text,
    minimumLevel: c.minimumLevel,
    outcome: panelOutcome(assessments.filter((a) => a.criterionId === c.id).map((a) => a.outcome)),
  }));
}

/** How many criteria had each outcome (and how many were not assessed). */
export function outcomeCounts(
  rows: readonly Pick<CriterionFeedback, 'outcome'>[],
): Record<AssessmentOutcome | 'not_assessed', number> {
  const counts = { met: 0, partly_met: 0, not_met: 0, not_assessed: 0 };
  for (const r of rows) counts[r.outcome ?? 'not_assessed']++;
  return counts;
}
