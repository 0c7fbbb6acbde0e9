/**
 * Typed domain errors with stable codes. Every code has one plain-English message and one
 * "what to do next" line, written for NHS staff, in the single table ERROR_TEXT below.
 */

export const ERROR_CODES = [
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
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorText {
  message: string;
  nextStep: string;
}

export const ERROR_TEXT: Record<ErrorCode, ErrorText> = {
  NOT_ELIGIBLE: {
    message:
      'Your organisation has not attended a drop-in session in the last 8 weeks, so it cannot request an application form yet.',
    nextStep: 'Book and attend a drop-in session, then request the application form again.',
  },
  ALREADY_APPLIED: {
    message:
      'Your organisation already has an application in this cycle. Only one application per organisation is accepted.',
    nextStep: 'Open your existing application to carry on with it, or contact the WEx QS team.',
  },
  DEADLINE_PASSED: {
    message: 'The submission deadline for this cycle has passed.',
    nextStep: 'Look out for the next cycle, or contact the WEx QS team if you think this is wrong.',
  },
  DROPIN_FULL: {
    message: 'This drop-in session is full.',
    nextStep: 'Choose another drop-in session with places left.',
  },
  DROPIN_CANCELLED: {
    message: 'This drop-in session has been cancelled.',
    nextStep: 'Choose another drop-in session.',
  },
  DROPIN_PAST: {
    message: 'This drop-in session has already started or finished, so it can no longer be booked.',
    nextStep: 'Choose a drop-in session that has not started yet.',
  },
  ALREADY_BOOKED: {
    message: 'You are already booked on this drop-in session.',
    nextStep: 'No need to book again. The joining link is in your booking confirmation.',
  },
  INTAKE_PAUSED: {
    message:
      'The quality standard is not taking new applications at the moment. Existing awards stay valid until they expire.',
    nextStep: 'Check back later or contact the WEx QS team for news of the next cycle.',
  },
  STALE: {
    message: 'Someone else changed this item after you opened it, so your change was not saved.',
    nextStep: 'Refresh to see the latest version, then try again.',
  },
  FORBIDDEN: {
    message: 'You do not have permission to do this.',
    nextStep: 'If you think you should have access, ask the WEx QS team to check your role and organisation.',
  },
  NOT_FOUND: {
    message: 'We could not find what you were looking for.',
    nextStep: 'Check the details and try again, or start again from the main menu.',
  },
  INVALID_TRANSITION: {
    message: 'This cannot be done while the application is at its current stage.',
    nextStep: 'Refresh to see the application’s current stage and the actions available now.',
  },
  NOT_READY: {
    message: 'The application is not ready to submit yet.',
    nextStep: 'Run the readiness check and fix each problem it lists, then submit again.',
  },
  OUTSIDE_WINDOW: {
    message: 'This can only be done during the dates set for it in this cycle.',
    nextStep: 'Check the cycle dates and try again when the window is open.',
  },
  CONFLICT_OF_INTEREST: {
    message: 'You cannot review or decide an application from your own organisation.',
    nextStep: 'Ask the WEx QS team to assign the application to another reviewer.',
  },
  VALIDATION: {
    message: 'Some of the information given is missing or not valid.',
    nextStep: 'Check the highlighted details, correct them and try again.',
  },
};

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly nextStep: string;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    const text = ERROR_TEXT[code];
    super(message !== undefined && message.trim() !== '' ? message : text.message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details ?? {};
    this.nextStep = text.nextStep;
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'ALREADY_APPLIED':
    case 'STALE':
    case 'DROPIN_FULL':
    case 'ALREADY_BOOKED':
      return 409;
    default:
      return 422;
  }
}
