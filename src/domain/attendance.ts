/**
 * Drop-in attendance: where it comes from, when the Teams attendance report is read, and which
 * report records count for which person.
 *
 * Teams writes an attendance report for each occurrence of a meeting once it ends; Graph lists
 * them under the online meeting (attendanceReports, then attendanceRecords). A report can take a
 * while to appear, and someone re-opening the link after everyone left starts a new occurrence
 * with a report of its own. So a session is looked at from a little after it ends, again every
 * half hour while nothing has come in, for a day after it ends to catch late occurrences, and
 * given up a week after it ends when no report ever came (an admin can still mark attendance).
 */
import { isApplicant, matchPerson } from './people.js';
import type { Person } from './types.js';

export const ATTENDANCE_SOURCES = ['teams_report', 'admin', 'seeded'] as const;
export type AttendanceSource = (typeof ATTENDANCE_SOURCES)[number];

/** How each source is named on cards ("Attendance recorded …"). */
export const ATTENDANCE_SOURCE_LABELS: Readonly<Record<AttendanceSource, string>> = Object.freeze({
  teams_report: "from the Teams meeting's attendance report",
  admin: 'by the WEx QS team',
  seeded: 'in the demo data',
});

/** What the audit log names as the source of an attendance. */
export const ATTENDANCE_AUDIT_SOURCE: Readonly<Record<AttendanceSource, string>> = Object.freeze({
  teams_report: 'teams_attendance_report',
  admin: 'admin_roster',
  seeded: 'demo_data',
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** First look this long after the session ends (reports appear after the meeting ends). */
export const FIRST_CHECK_AFTER_END_MS = 10 * MINUTE;
/** While no report has come in, look again this often. */
export const RECHECK_EVERY_MS = 30 * MINUTE;
/** Once a report is in, keep looking for later occurrences until this long after the end. */
export const KEEP_COLLECTING_FOR_MS = 24 * HOUR;
/** With no report this long after the end, stop looking. */
export const GIVE_UP_AFTER_MS = 7 * 24 * HOUR;

export type AttendanceCheckState = 'pending' | 'collected' | 'no_report';

/**
 * After a look at `now` that found `reportsSoFar` reports in all: whether to look again, and when.
 */
export function nextAttendanceCheck(input: {
  endsAt: Date;
  now: Date;
  reportsSoFar: number;
}): { state: 'pending'; nextCheckAt: Date } | { state: 'collected' | 'no_report' } {
  const sinceEnd = input.now.getTime() - input.endsAt.getTime();
  if (input.reportsSoFar > 0) {
    if (sinceEnd >= KEEP_COLLECTING_FOR_MS) return { state: 'collected' };
    const next = Math.min(input.now.getTime() + RECHECK_EVERY_MS, input.endsAt.getTime() + KEEP_COLLECTING_FOR_MS);
    return { state: 'pending', nextCheckAt: new Date(next) };
  }
  if (sinceEnd >= GIVE_UP_AFTER_MS) return { state: 'no_report' };
  return { state: 'pending', nextCheckAt: new Date(input.now.getTime() + RECHECK_EVERY_MS) };
}

/** One line of a Teams attendance report, as much as the app reads of it. */
export interface AttendanceRecord {
  /** `identity.id`: the Entra object id, when the attendee signed in with an Entra account. */
  entraObjectId: string | null;
  emailAddress: string | null;
  /** `role`: Organizer, Presenter, Attendee … */
  role: string | null;
  totalAttendanceInSeconds: number;
}

/**
 * Who a record is: the person with its Entra object id, else the person with its email address
 * (never one bound to a different Entra account: see matchPerson). Only applicants count: an
 * attendance is their organisation's. Someone who never actually joined (0 seconds) does not.
 */
export function attendeeFor(record: AttendanceRecord, candidates: readonly Person[]): Person | null {
  if (!(record.totalAttendanceInSeconds > 0)) return null;
  const person = matchPerson(candidates, { entraObjectId: record.entraObjectId, email: record.emailAddress });
  if (!person || !person.organisationId || !isApplicant(person)) return null;
  return person;
}
