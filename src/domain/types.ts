import type { AttendanceSource } from './attendance.js';
/**
 * Core types of the WEx QS domain. Pure data: no I/O, no framework imports.
 * All instants are JavaScript Dates holding UTC instants; presentation converts to Europe/London.
 */

export const LEVELS = ['bronze', 'silver', 'gold'] as const;
export type Level = (typeof LEVELS)[number];

export const SECTION_NUMBERS = [1, 2, 3, 4, 5, 6] as const;
export type SectionNumber = (typeof SECTION_NUMBERS)[number];

export const ROLES = ['applicant_lead', 'applicant_contributor', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is acting. Built by a face (bot, HTTP, CLI) from an authenticated identity. */
export interface Actor {
  personId: string;
  displayName: string;
  roles: readonly Role[];
  /** The organisation an applicant belongs to; reviewers may also belong to one (never review it). */
  organisationId: string | null;
  entraObjectId?: string | null;
  tenantId?: string | null;
}

/** The system itself (scheduled jobs such as lapsing applications). */
export const SYSTEM_ACTOR: Actor = Object.freeze({
  personId: 'system',
  displayName: 'WEx QS',
  roles: Object.freeze(['admin'] as Role[]),
  organisationId: null,
});

export interface Organisation {
  id: string;
  name: string;
  /** ODS code or similar external identifier, when known. */
  code: string | null;
}

export interface Person {
  id: string;
  displayName: string;
  email: string;
  entraObjectId: string | null;
  organisationId: string | null;
  roles: Role[];
}

export interface Cycle {
  id: string;
  name: string;
  submissionDeadline: Date;
  /** Minutes after the deadline during which a submission is accepted but marked late. 0 = none. */
  graceMinutes: number;
  reviewStart: Date;
  reviewEnd: Date;
  decisionStart: Date;
  decisionEnd: Date;
  intakePaused: boolean;
  frameworkVersion: string;
}

export interface DropInSession {
  id: string;
  title: string;
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  cancelled: boolean;
  joinUrl: string | null;
}

export type BookingStatus = 'booked' | 'cancelled' | 'waitlisted';

export interface Booking {
  id: string;
  sessionId: string;
  personId: string;
  organisationId: string;
  status: BookingStatus;
  attended: boolean;
  createdAt: Date;
  /** Where the attendance was recorded from (when attended). */
  attendedSource?: AttendanceSource | null;
}

/** A drop-in attendance as used by the eligibility rule: when the organisation attended a session. */
export interface Attendance {
  sessionId: string;
  organisationId: string;
  attendedAt: Date;
  /** Where the attendance was recorded from; null when unknown (recorded before sources were kept). */
  source?: AttendanceSource | null;
}

export const APPLICATION_STATES = [
  'requested',
  'open',
  'submitted',
  'in_review',
  'clarification_requested',
  'recommended',
  'decided',
  'communicated',
  'withdrawn',
  'lapsed',
] as const;
export type ApplicationState = (typeof APPLICATION_STATES)[number];

export interface Application {
  id: string;
  organisationId: string;
  cycleId: string;
  state: ApplicationState;
  targetLevel: Level | null;
  version: number;
  requestedAt: Date;
  submittedAt: Date | null;
  submittedLate: boolean;
}

export interface EvidenceReference {
  /** Document name as uploaded to the organisation's evidence folder. */
  documentName: string;
  /** Page numbers within that document, e.g. [1, 2, 5]. */
  pages: number[];
}

export interface Commentary {
  criterionId: string;
  text: string;
  references: EvidenceReference[];
}

/** An evidence document as listed from the organisation's folder, with what the applicant says of it. */
export interface EvidenceDocument {
  name: string;
  /** The section folder it sits in, when known. */
  section: SectionNumber | null;
  /** When the evidence was produced (applicant-declared); falls back to lastModified when null. */
  evidenceDate: Date | null;
  lastModified: Date;
  /** Completed (not a blank template) and anonymised, as declared by the applicant. */
  completed: boolean;
}

export type AssessmentOutcome = 'met' | 'partly_met' | 'not_met';

export interface Decision {
  applicationId: string;
  level: Level | null;
  feedbackStrengths: string;
  feedbackImprovements: string;
  decidedAt: Date;
  decidedBy: string;
}

export interface Award {
  organisationId: string;
  level: Level;
  validFrom: Date;
  validUntil: Date;
}
