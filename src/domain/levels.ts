import { DomainError } from './errors.js';
import { LEVELS, type Level } from './types.js';

/** Minimum number of completed documents across the whole application, per target level. */
export const MIN_DOCUMENTS: Record<Level, number> = { bronze: 4, silver: 8, gold: 12 };

/** bronze = 0, silver = 1, gold = 2. */
export function levelRank(l: Level): number {
  return LEVELS.indexOf(l);
}

/** True when `l` is `min` or higher (gold is at least silver). */
export function levelAtLeast(l: Level, min: Level): boolean {
  return levelRank(l) >= levelRank(min);
}

export function isLevel(s: unknown): s is Level {
  return typeof s === 'string' && (LEVELS as readonly string[]).includes(s);
}

/** Parses "bronze" / " Gold " (trimmed, case-insensitive). Throws VALIDATION otherwise. */
export function parseLevel(s: unknown): Level {
  const v = typeof s === 'string' ? s.trim().toLowerCase() : s;
  if (isLevel(v)) return v;
  throw new DomainError('VALIDATION', `"${String(s)}" is not a level. Choose bronze, silver or gold.`, {
    field: 'level',
    value: s,
    allowed: [...LEVELS],
  });
}
