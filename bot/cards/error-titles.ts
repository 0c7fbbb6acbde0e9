import type { ErrorCode } from '../../src/domain/errors.js';

/** The heading of the card shown for each domain error. */
const TITLES: Record<ErrorCode, string> = {
  NOT_ELIGIBLE: 'Not eligible yet',
  ALREADY_APPLIED: 'Your organisation has already applied',
  DEADLINE_PASSED: 'The deadline has passed',
  DROPIN_FULL: 'That session is full',
  DROPIN_CANCELLED: 'That session was cancelled',
  DROPIN_PAST: 'That session has already started',
  ALREADY_BOOKED: 'You are already booked',
  INTAKE_PAUSED: 'Applications are paused',
  STALE: 'This card was out of date',
  FORBIDDEN: "You can't do that",
  NOT_FOUND: 'Not found',
  INVALID_TRANSITION: "That step isn't possible now",
  NOT_READY: 'Not ready to submit',
  OUTSIDE_WINDOW: 'Outside the allowed dates',
  CONFLICT_OF_INTEREST: 'Conflict of interest',
  VALIDATION: 'Please check what you entered',
};

export function errorTitle(code: ErrorCode): string {
  return TITLES[code] ?? 'That did not work';
}
