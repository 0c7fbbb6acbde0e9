/**
 * Awards: a level, valid for two years from when the decision is communicated to the
 * organisation (recorded provisionally from the decision, restarted when it is communicated).
 * validUntil is the same London calendar date and wall-clock time two years later
 * (29 Feb → 28 Feb); the award is valid from validFrom up to, not including, validUntil.
 */
import { addYearsLondon, daysLeftLondon } from './time.js';
import type { Award, Decision, Level } from './types.js';

export const AWARD_VALIDITY_YEARS = 2;

export function awardFromDecision(d: { organisationId: string; level: Level; decidedAt: Date }): Award {
  return {
    organisationId: d.organisationId,
    level: d.level,
    validFrom: new Date(d.decidedAt.getTime()),
    validUntil: addYearsLondon(d.decidedAt, AWARD_VALIDITY_YEARS),
  };
}

/** The award a decision grants, or null when no level was awarded. */
export function awardForDecision(
  decision: Pick<Decision, 'level' | 'decidedAt'>,
  organisationId: string,
): Award | null {
  return decision.level
    ? awardFromDecision({ organisationId, level: decision.level, decidedAt: decision.decidedAt })
    : null;
}

/** The award once communicated: valid two years from the moment the organisation is told. */
export function awardOnCommunication(award: Pick<Award, 'organisationId' | 'level'>, communicatedAt: Date): Award {
  return awardFromDecision({ organisationId: award.organisationId, level: award.level, decidedAt: communicatedAt });
}

/** validFrom ≤ at < validUntil. */
export function isAwardValid(award: Pick<Award, 'validFrom' | 'validUntil'>, at: Date): boolean {
  const t = at.getTime();
  return t >= award.validFrom.getTime() && t < award.validUntil.getTime();
}

/** London calendar days from now to the expiry date: 0 on the day it expires, negative after. */
export function awardExpiresInDays(award: Pick<Award, 'validUntil'>, now: Date): number {
  return daysLeftLondon(now, award.validUntil);
}
