import { describe, expect, it } from 'vitest';
import {
  DomainError,
  ERROR_CODES,
  ERROR_TEXT,
  httpStatusFor,
  isDomainError,
  type ErrorCode,
} from '../../src/domain/errors.js';

describe('errors', () => {
  it('has a non-empty message and next step for every code, and no extra entries', () => {
    expect(Object.keys(ERROR_TEXT).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      expect(ERROR_TEXT[code].message.trim().length, code).toBeGreaterThan(10);
      expect(ERROR_TEXT[code].nextStep.trim().length, code).toBeGreaterThan(10);
    }
  });

  it('codes are unique and stable', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect(ERROR_CODES).toEqual([
      'NOT_ELIGIBLE',
      'ALREADY_APPLIED',
      'DEADLINE_PASSED',
      'DROPIN_FULL',
      'DROPIN_CANCELLED',
      'DROPIN_PAST',
      'ALREADY_BOOKED',
      'INTAKE_PAUSED',
      'STALE',
      'FORBIDDEN',
      'NOT_FOUND',
      'INVALID_TRANSITION',
      'NOT_READY',
      'OUTSIDE_WINDOW',
      'CONFLICT_OF_INTEREST',
      'VALIDATION',
    ]);
  });

  it('DomainError takes the default message and next step from the table', () => {
    const e = new DomainError('DROPIN_FULL');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('DROPIN_FULL');
    expect(e.message).toBe(ERROR_TEXT.DROPIN_FULL.message);
    expect(e.nextStep).toBe(ERROR_TEXT.DROPIN_FULL.nextStep);
    expect(e.details).toEqual({});
    expect(e.name).toBe('DomainError');
  });

  it('DomainError keeps a custom message and details; a blank message falls back to the default', () => {
    const e = new DomainError('VALIDATION', 'Bad date', { field: 'x' });
    expect(e.message).toBe('Bad date');
    expect(e.details).toEqual({ field: 'x' });
    expect(e.nextStep).toBe(ERROR_TEXT.VALIDATION.nextStep);
    expect(new DomainError('STALE', '  ').message).toBe(ERROR_TEXT.STALE.message);
  });

  it('isDomainError tells domain errors from others', () => {
    expect(isDomainError(new DomainError('NOT_FOUND'))).toBe(true);
    expect(isDomainError(new Error('x'))).toBe(false);
    expect(isDomainError({ code: 'NOT_FOUND' })).toBe(false);
    expect(isDomainError(null)).toBe(false);
  });

  it('maps codes to HTTP statuses', () => {
    const expected: Record<ErrorCode, number> = {
      NOT_ELIGIBLE: 422,
      ALREADY_APPLIED: 409,
      DEADLINE_PASSED: 422,
      DROPIN_FULL: 409,
      DROPIN_CANCELLED: 422,
      DROPIN_PAST: 422,
      ALREADY_BOOKED: 409,
      INTAKE_PAUSED: 422,
      STALE: 409,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      INVALID_TRANSITION: 422,
      NOT_READY: 422,
      OUTSIDE_WINDOW: 422,
      CONFLICT_OF_INTEREST: 422,
      VALIDATION: 422,
    };
    for (const code of ERROR_CODES) expect(httpStatusFor(code), code).toBe(expected[code]);
  });
});
