import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../src/domain/errors.js';
import { MIN_DOCUMENTS, isLevel, levelAtLeast, levelRank, parseLevel } from '../../src/domain/levels.js';

describe('levels', () => {
  it('minimum documents are 4 / 8 / 12', () => {
    expect(MIN_DOCUMENTS).toEqual({ bronze: 4, silver: 8, gold: 12 });
  });

  it('ranks bronze < silver < gold', () => {
    expect(levelRank('bronze')).toBe(0);
    expect(levelRank('silver')).toBe(1);
    expect(levelRank('gold')).toBe(2);
  });

  it('levelAtLeast', () => {
    expect(levelAtLeast('gold', 'bronze')).toBe(true);
    expect(levelAtLeast('gold', 'gold')).toBe(true);
    expect(levelAtLeast('silver', 'gold')).toBe(false);
    expect(levelAtLeast('bronze', 'silver')).toBe(false);
    expect(levelAtLeast('bronze', 'bronze')).toBe(true);
  });

  it('parseLevel accepts levels, trimmed and case-insensitive', () => {
    expect(parseLevel('bronze')).toBe('bronze');
    expect(parseLevel(' Gold ')).toBe('gold');
    expect(parseLevel('SILVER')).toBe('silver');
  });

  it.each(['platinum', '', ' ', 'golden', 3, null, undefined])('parseLevel(%j) throws VALIDATION', (v) => {
    try {
      parseLevel(v);
      expect.fail('should throw');
    } catch (e) {
      expect(isDomainError(e) && e.code).toBe('VALIDATION');
    }
  });

  it('isLevel', () => {
    expect(isLevel('gold')).toBe(true);
    expect(isLevel('Gold')).toBe(false);
    expect(isLevel(1)).toBe(false);
  });
});
