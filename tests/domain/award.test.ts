import { describe, expect, it } from 'vitest';
import {
  AWARD_VALIDITY_YEARS,
  awardExpiresInDays,
  awardForDecision,
  awardFromDecision,
  isAwardValid,
} from '../../src/domain/award.js';
import { formatLondon, londonDate } from '../../src/domain/time.js';

describe('awards', () => {
  it('are valid for two years', () => expect(AWARD_VALIDITY_YEARS).toBe(2));

  it('validUntil is the same London date and time two years later', () => {
    const decidedAt = londonDate(2025, 12, 5, 14, 30);
    const a = awardFromDecision({ organisationId: 'org-a', level: 'gold', decidedAt });
    expect(a).toEqual({
      organisationId: 'org-a',
      level: 'gold',
      validFrom: decidedAt,
      validUntil: londonDate(2027, 12, 5, 14, 30),
    });
    expect(a.validFrom).not.toBe(decidedAt);
  });

  it('keeps London wall time across clock changes (decided in BST, expires in BST)', () => {
    const a = awardFromDecision({ organisationId: 'o', level: 'bronze', decidedAt: londonDate(2025, 7, 1, 0, 30) });
    expect(formatLondon(a.validUntil)).toBe('Thu 1 Jul 2027, 00:30');
  });

  it('29 Feb → 28 Feb two years later', () => {
    const a = awardFromDecision({ organisationId: 'o', level: 'silver', decidedAt: londonDate(2024, 2, 29, 10) });
    expect(formatLondon(a.validUntil)).toBe('Sat 28 Feb 2026, 10:00');
  });

  it('a decision that lands on 28 Feb before a leap year stays on 28 Feb', () => {
    const a = awardFromDecision({ organisationId: 'o', level: 'silver', decidedAt: londonDate(2026, 2, 28, 10) });
    expect(formatLondon(a.validUntil, 'date')).toBe('Mon 28 Feb 2028');
  });

  it('isAwardValid: from validFrom (inclusive) to validUntil (exclusive)', () => {
    const a = awardFromDecision({ organisationId: 'o', level: 'gold', decidedAt: londonDate(2025, 12, 5, 14, 30) });
    expect(isAwardValid(a, new Date(a.validFrom.getTime() - 1))).toBe(false);
    expect(isAwardValid(a, a.validFrom)).toBe(true);
    expect(isAwardValid(a, londonDate(2027, 1, 1))).toBe(true);
    expect(isAwardValid(a, new Date(a.validUntil.getTime() - 1))).toBe(true);
    expect(isAwardValid(a, a.validUntil)).toBe(false);
  });

  it('awardExpiresInDays counts London calendar days', () => {
    const a = awardFromDecision({ organisationId: 'o', level: 'gold', decidedAt: londonDate(2025, 12, 5, 14, 30) });
    expect(awardExpiresInDays(a, londonDate(2027, 11, 5, 9))).toBe(30);
    expect(awardExpiresInDays(a, londonDate(2027, 12, 5, 9))).toBe(0);
    expect(awardExpiresInDays(a, londonDate(2027, 12, 6, 9))).toBe(-1);
    expect(awardExpiresInDays(a, londonDate(2025, 12, 5, 14, 30))).toBe(730);
  });

  it('awardForDecision: valid two years from when the decision is communicated; null when no level was awarded', () => {
    const communicatedAt = londonDate(2026, 1, 9, 11);
    expect(awardForDecision({ level: null }, 'o', communicatedAt)).toBeNull();
    const a = awardForDecision({ level: 'bronze' }, 'o', communicatedAt);
    expect(a?.validFrom).toEqual(communicatedAt);
    expect(a?.validUntil).toEqual(londonDate(2028, 1, 9, 11));
  });
});
