/**
 * Which reminders are due, for whom and when: pure rules, no I/O, no system clock.
 *
 * - Applicant teams: before the submission deadline (default 28, 14, 7, 2 and 1 days), only while
 *   the application is `open` (open and unsubmitted) and intake is not paused.
 * - Drop-in attendees with a live (`booked`) booking: 24 hours and 1 hour before the session.
 * - Reviewers with outstanding assessments: before the review window closes.
 * - Admins: before the decision window opens and before it closes.
 * - Award holders (the organisation's applicant team): 90 and 30 days before the award expires.
 *
 * Offsets in whole days are calendar days on the London calendar (the reminder keeps the London
 * wall-clock time of what it is about, across clock changes); other offsets are elapsed minutes.
 * Nothing is sent in quiet hours (Europe/London, default 20:00–08:00): a reminder due then is sent
 * at the end of the quiet period (the start of the next morning). A reminder whose send time would
 * be at or after the moment it is about (deadline, session start, window edge, expiry) is dropped.
 */
import { DateTime } from 'luxon';
import { addDaysLondon, addMinutes, inLondon, LONDON } from './time.js';
import type { Application, Cycle } from './types.js';

export const REMINDER_KINDS = [
  'submission_deadline',
  'dropin_upcoming',
  'dropin_changed',
  'review_closing',
  'decision_opening',
  'decision_closing',
  'award_expiry',
  'decision_communicated',
  'review_outcome',
] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

export const REMINDER_KIND_LABELS: Record<ReminderKind, string> = {
  submission_deadline: 'Submission deadline (applicant teams)',
  dropin_upcoming: 'Drop-in session coming up (attendees)',
  dropin_changed: 'Drop-in session changed (attendees)',
  review_closing: 'Review window closing (reviewers)',
  decision_opening: 'Decision window opening (admins)',
  decision_closing: 'Decision window closing (admins)',
  award_expiry: 'Award expiring (award holders)',
  decision_communicated: 'Decision communicated (applicant teams)',
  review_outcome: 'Outcome of an application reviewed (reviewers)',
};

export function isReminderKind(v: unknown): v is ReminderKind {
  return typeof v === 'string' && (REMINDER_KINDS as readonly string[]).includes(v);
}

/**
 * Notifications caused by something someone did (not planned ahead): written to the same outbox
 * in the transaction that makes the change, sent and accounted for like reminders. They cannot
 * be muted: each tells someone of a step in their own application or booking.
 */
export const EVENT_KINDS = [
  'application_opened',
  'reviewer_assigned',
  'clarification_asked',
  'clarification_answered',
  'recommendation_made',
  'decision_communicated',
  'waitlist_promoted',
  'delivery_problem',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Everything the outbox sends. */
export const NOTIFICATION_KINDS = [...REMINDER_KINDS, ...EVENT_KINDS] as const;
export type NotificationKind = ReminderKind | EventKind;

export const NOTIFICATION_KIND_LABELS: Record<NotificationKind, string> = {
  ...REMINDER_KIND_LABELS,
  application_opened: 'Application opened, with the folder link (applicant teams)',
  reviewer_assigned: 'Application assigned (reviewers)',
  clarification_asked: "Reviewer's question (applicant teams)",
  clarification_answered: 'Answer to a question (reviewers)',
  recommendation_made: 'Recommendation made (admins)',
  decision_communicated: 'Decision (applicant teams)',
  waitlist_promoted: 'Seat from the waitlist (attendees)',
  delivery_problem: 'Notifications cannot be delivered (admins)',
};

export const REMINDER_STATUSES = ['pending', 'sent', 'failed', 'unreachable', 'cancelled', 'dead_lettered'] as const;
export type ReminderStatus = (typeof REMINDER_STATUSES)[number];

/** Quiet hours as London wall-clock "HH:MM" times; `start` > `end` means the period spans midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

export interface ReminderSettings {
  /** Days before the submission deadline. */
  deadlineDaysBefore: number[];
  /** Minutes before a drop-in starts (multiples of 1440 are calendar days). */
  dropInMinutesBefore: number[];
  /** Days before the review window closes. */
  reviewDaysBefore: number[];
  /** Days before the decision window opens. */
  decisionOpenDaysBefore: number[];
  /** Days before the decision window closes. */
  decisionCloseDaysBefore: number[];
  /** Days before an award expires. */
  awardDaysBefore: number[];
  /** null: no quiet hours. */
  quietHours: QuietHours | null;
  /** A reminder whose due time passed less than this many minutes ago is still planned (planner downtime). */
  catchUpMinutes: number;
}

export const DEFAULT_QUIET_HOURS: QuietHours = { start: '20:00', end: '08:00' };

export const DEFAULT_REMINDER_SETTINGS: ReminderSettings = Object.freeze({
  deadlineDaysBefore: [28, 14, 7, 2, 1],
  dropInMinutesBefore: [24 * 60, 60],
  reviewDaysBefore: [7, 2],
  decisionOpenDaysBefore: [2],
  decisionCloseDaysBefore: [2],
  awardDaysBefore: [90, 30],
  quietHours: DEFAULT_QUIET_HOURS,
  catchUpMinutes: 12 * 60,
}) as ReminderSettings;

/** Defaults overlaid with a (per-cycle) partial setting; offsets are de-duplicated, whole and > 0. */
export function resolveReminderSettings(partial: Partial<ReminderSettings> | null | undefined): ReminderSettings {
  const clean = (xs: unknown, fallback: number[]) =>
    Array.isArray(xs)
      ? [...new Set(xs.filter((x): x is number => Number.isInteger(x) && x > 0))].sort((a, b) => b - a)
      : fallback;
  const p = partial ?? {};
  const quiet =
    p.quietHours === null
      ? null
      : p.quietHours && isQuietHours(p.quietHours)
        ? p.quietHours
        : DEFAULT_REMINDER_SETTINGS.quietHours;
  return {
    deadlineDaysBefore: clean(p.deadlineDaysBefore, DEFAULT_REMINDER_SETTINGS.deadlineDaysBefore),
    dropInMinutesBefore: clean(p.dropInMinutesBefore, DEFAULT_REMINDER_SETTINGS.dropInMinutesBefore),
    reviewDaysBefore: clean(p.reviewDaysBefore, DEFAULT_REMINDER_SETTINGS.reviewDaysBefore),
    decisionOpenDaysBefore: clean(p.decisionOpenDaysBefore, DEFAULT_REMINDER_SETTINGS.decisionOpenDaysBefore),
    decisionCloseDaysBefore: clean(p.decisionCloseDaysBefore, DEFAULT_REMINDER_SETTINGS.decisionCloseDaysBefore),
    awardDaysBefore: clean(p.awardDaysBefore, DEFAULT_REMINDER_SETTINGS.awardDaysBefore),
    quietHours: quiet,
    catchUpMinutes:
      Number.isInteger(p.catchUpMinutes) && (p.catchUpMinutes ?? -1) >= 0
        ? p.catchUpMinutes!
        : DEFAULT_REMINDER_SETTINGS.catchUpMinutes,
  };
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function isQuietHours(q: unknown): q is QuietHours {
  const o = q as QuietHours;
  return !!o && typeof o.start === 'string' && typeof o.end === 'string' && HHMM.test(o.start) && HHMM.test(o.end);
}

/** Parses "HH:MM-HH:MM" (e.g. from an env variable); '' or 'off' → null (no quiet hours). */
export function parseQuietHours(s: string): QuietHours | null {
  const t = s.trim();
  if (t === '' || t.toLowerCase() === 'off') return null;
  const [start = '', end = ''] = t.split('-').map((x) => x.trim());
  const q = { start, end };
  if (!isQuietHours(q) || start === end) throw new Error(`quiet hours must look like 20:00-08:00, got "${s}"`);
  return q;
}

function minutesOf(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new Error(`not a HH:MM time: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Whether the instant falls in quiet hours (London wall clock; start inclusive, end exclusive). */
export function isQuietTime(at: Date, quiet: QuietHours | null): boolean {
  if (!quiet) return false;
  const t = inLondon(at);
  const m = t.hour * 60 + t.minute;
  const s = minutesOf(quiet.start);
  const e = minutesOf(quiet.end);
  return s < e ? m >= s && m < e : m >= s || m < e;
}

/**
 * When a reminder due at `due` may be sent: `due` itself outside quiet hours, else the end of the
 * quiet period (e.g. 08:00 London the next morning), DST-correct.
 */
export function sendTimeFor(due: Date, quiet: QuietHours | null): Date {
  if (!isQuietTime(due, quiet) || !quiet) return due;
  const t = inLondon(due);
  const endMin = minutesOf(quiet.end);
  let day = t.startOf('day');
  if (t.hour * 60 + t.minute >= endMin) day = day.plus({ days: 1 });
  const morning = DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: Math.floor(endMin / 60), minute: endMin % 60 },
    { zone: LONDON },
  );
  return morning.toJSDate();
}

/** The instant `offset` before `anchor`: whole days on the London calendar, else elapsed minutes. */
export function beforeAnchor(anchor: Date, offset: { days: number } | { minutes: number }): Date {
  if ('days' in offset) return addDaysLondon(anchor, -offset.days);
  if (offset.minutes % (24 * 60) === 0) return addDaysLondon(anchor, -offset.minutes / (24 * 60));
  return addMinutes(anchor, -offset.minutes);
}

export type ReminderSubject =
  | { kind: 'application'; id: string }
  | { kind: 'booking'; id: string }
  | { kind: 'session'; id: string }
  | { kind: 'cycle'; id: string }
  | { kind: 'award'; id: string }
  /** A configuration fault that keeps notifications waiting (told to admins once per episode). */
  | { kind: 'alert'; id: string };

/** One planned reminder. (cycleId, recipientId, kind, dueAt, subject.id) is its identity. */
export interface PlannedReminder {
  kind: ReminderKind;
  /** '' when not tied to a cycle (drop-ins, awards). */
  cycleId: string;
  recipientId: string;
  subject: ReminderSubject;
  /** The nominal due time (offset before the anchor). */
  dueAt: Date;
  /** When it may go: dueAt moved out of quiet hours. */
  sendAfter: Date;
  /** The moment the reminder is about; it is not sent at or after this. */
  expiresAt: Date;
  /** Human label of the offset, e.g. "7 days", "1 hour". */
  offsetLabel: string;
  applicationId?: string;
  bookingId?: string;
  sessionId?: string;
}

function dayLabel(n: number): string {
  return n === 1 ? '1 day' : `${n} days`;
}

function minuteLabel(n: number): string {
  if (n % (24 * 60) === 0) return n === 24 * 60 ? '24 hours' : `${n / (24 * 60)} days`;
  if (n % 60 === 0) return n === 60 ? '1 hour' : `${n / 60} hours`;
  return `${n} minutes`;
}

interface Window {
  now: Date;
  settings: ReminderSettings;
}

/** Keeps a candidate when it is not stale (catch-up window) and can still go before it expires. */
function keep(dueAt: Date, sendAfter: Date, expiresAt: Date, w: Window): boolean {
  const earliest = w.now.getTime() - w.settings.catchUpMinutes * 60_000;
  return (
    dueAt.getTime() >= earliest && sendAfter.getTime() < expiresAt.getTime() && w.now.getTime() < expiresAt.getTime()
  );
}

function plan(
  base: Omit<PlannedReminder, 'dueAt' | 'sendAfter' | 'offsetLabel' | 'recipientId'>,
  recipients: readonly string[],
  offsets: { due: Date; label: string }[],
  w: Window,
): PlannedReminder[] {
  const out: PlannedReminder[] = [];
  for (const o of offsets) {
    const sendAfter = sendTimeFor(o.due, w.settings.quietHours);
    if (!keep(o.due, sendAfter, base.expiresAt, w)) continue;
    for (const recipientId of new Set(recipients)) {
      out.push({ ...base, recipientId, dueAt: o.due, sendAfter, offsetLabel: o.label });
    }
  }
  return out;
}

/** Application states in which the team is still working towards submission. */
export const REMINDABLE_APPLICATION_STATES: readonly Application['state'][] = ['open'];

export function applicantDeadlineReminders(input: {
  cycle: Pick<Cycle, 'id' | 'submissionDeadline' | 'intakePaused'>;
  application: Pick<Application, 'id' | 'state' | 'cycleId'>;
  /** Person ids of the organisation's applicant team. */
  recipients: readonly string[];
  settings: ReminderSettings;
  now: Date;
}): PlannedReminder[] {
  const { cycle, application } = input;
  if (
    cycle.intakePaused ||
    !REMINDABLE_APPLICATION_STATES.includes(application.state) ||
    application.cycleId !== cycle.id
  )
    return [];
  const offsets = input.settings.deadlineDaysBefore.map((d) => ({
    due: beforeAnchor(cycle.submissionDeadline, { days: d }),
    label: dayLabel(d),
  }));
  return plan(
    {
      kind: 'submission_deadline',
      cycleId: cycle.id,
      subject: { kind: 'application', id: application.id },
      expiresAt: cycle.submissionDeadline,
      applicationId: application.id,
    },
    input.recipients,
    offsets,
    { now: input.now, settings: input.settings },
  );
}

export function dropInReminders(input: {
  session: { id: string; startsAt: Date; cancelled: boolean };
  bookings: readonly { id: string; personId: string; status: 'booked' | 'cancelled' | 'waitlisted' }[];
  settings: ReminderSettings;
  now: Date;
}): PlannedReminder[] {
  const { session } = input;
  if (session.cancelled) return [];
  const offsets = input.settings.dropInMinutesBefore.map((m) => ({
    due: beforeAnchor(session.startsAt, { minutes: m }),
    label: minuteLabel(m),
  }));
  const out: PlannedReminder[] = [];
  for (const b of input.bookings) {
    if (b.status !== 'booked') continue;
    out.push(
      ...plan(
        {
          kind: 'dropin_upcoming',
          cycleId: '',
          subject: { kind: 'booking', id: b.id },
          expiresAt: session.startsAt,
          bookingId: b.id,
          sessionId: session.id,
        },
        [b.personId],
        offsets,
        { now: input.now, settings: input.settings },
      ),
    );
  }
  return out;
}

export function reviewerReminders(input: {
  cycle: Pick<Cycle, 'id' | 'reviewStart' | 'reviewEnd'>;
  /** Reviewers and how many of their assessments are outstanding. */
  reviewers: readonly { personId: string; outstanding: number }[];
  settings: ReminderSettings;
  now: Date;
}): PlannedReminder[] {
  const { cycle } = input;
  const offsets = input.settings.reviewDaysBefore
    .map((d) => ({ due: beforeAnchor(cycle.reviewEnd, { days: d }), label: dayLabel(d) }))
    // Only while reviewing can happen: not before the window opens.
    .filter((o) => o.due.getTime() >= cycle.reviewStart.getTime());
  return plan(
    { kind: 'review_closing', cycleId: cycle.id, subject: { kind: 'cycle', id: cycle.id }, expiresAt: cycle.reviewEnd },
    input.reviewers.filter((r) => r.outstanding > 0).map((r) => r.personId),
    offsets,
    { now: input.now, settings: input.settings },
  );
}

export function adminDecisionReminders(input: {
  cycle: Pick<Cycle, 'id' | 'decisionStart' | 'decisionEnd'>;
  admins: readonly string[];
  settings: ReminderSettings;
  now: Date;
}): PlannedReminder[] {
  const { cycle } = input;
  const w = { now: input.now, settings: input.settings };
  const subject = { kind: 'cycle', id: cycle.id } as const;
  return [
    ...plan(
      { kind: 'decision_opening', cycleId: cycle.id, subject, expiresAt: cycle.decisionStart },
      input.admins,
      input.settings.decisionOpenDaysBefore.map((d) => ({
        due: beforeAnchor(cycle.decisionStart, { days: d }),
        label: dayLabel(d),
      })),
      w,
    ),
    ...plan(
      { kind: 'decision_closing', cycleId: cycle.id, subject, expiresAt: cycle.decisionEnd },
      input.admins,
      input.settings.decisionCloseDaysBefore.map((d) => ({
        due: beforeAnchor(cycle.decisionEnd, { days: d }),
        label: dayLabel(d),
      })),
      w,
    ),
  ];
}

export function awardExpiryReminders(input: {
  award: { id: string; validUntil: Date };
  recipients: readonly string[];
  settings: ReminderSettings;
  now: Date;
}): PlannedReminder[] {
  return plan(
    {
      kind: 'award_expiry',
      cycleId: '',
      subject: { kind: 'award', id: input.award.id },
      expiresAt: input.award.validUntil,
    },
    input.recipients,
    input.settings.awardDaysBefore.map((d) => ({
      due: beforeAnchor(input.award.validUntil, { days: d }),
      label: dayLabel(d),
    })),
    { now: input.now, settings: input.settings },
  );
}

/** Events that end pending reminders, and which ones they end. */
export type CancellingEvent =
  | { type: 'application_submitted'; applicationId: string }
  | { type: 'application_withdrawn'; applicationId: string }
  | { type: 'application_left_open'; applicationId: string }
  | { type: 'intake_paused'; cycleId: string }
  | { type: 'booking_cancelled'; bookingId: string }
  | { type: 'session_cancelled'; sessionId: string }
  | { type: 'session_changed'; sessionId: string }
  | { type: 'award_renewed'; awardId: string };

export interface CancellationScope {
  applicationId?: string;
  bookingId?: string;
  sessionId?: string;
  cycleId?: string;
  subjectId?: string;
  kinds: ReminderKind[];
  reason: string;
}

/** What a cancelling event cancels (pending reminders only; sent ones are history). */
export function cancellationFor(e: CancellingEvent): CancellationScope {
  switch (e.type) {
    case 'application_submitted':
      return { applicationId: e.applicationId, kinds: ['submission_deadline'], reason: 'application submitted' };
    case 'application_withdrawn':
      return { applicationId: e.applicationId, kinds: ['submission_deadline'], reason: 'application withdrawn' };
    case 'application_left_open':
      return { applicationId: e.applicationId, kinds: ['submission_deadline'], reason: 'application no longer open' };
    case 'intake_paused':
      return { cycleId: e.cycleId, kinds: ['submission_deadline'], reason: 'intake paused' };
    case 'booking_cancelled':
      return { bookingId: e.bookingId, kinds: ['dropin_upcoming'], reason: 'booking cancelled' };
    case 'session_cancelled':
      return { sessionId: e.sessionId, kinds: ['dropin_upcoming', 'dropin_changed'], reason: 'session cancelled' };
    case 'session_changed':
      // The update message itself is new; the old timed reminders are replaced by re-planning.
      return { sessionId: e.sessionId, kinds: ['dropin_upcoming'], reason: 'session changed' };
    case 'award_renewed':
      return { subjectId: e.awardId, kinds: ['award_expiry'], reason: 'award renewed' };
  }
}

/** The identity of a reminder, as the outbox's unique key sees it. */
export function reminderKey(
  r: Pick<PlannedReminder, 'cycleId' | 'recipientId' | 'kind' | 'dueAt' | 'subject'>,
): string {
  return `${r.cycleId}|${r.recipientId}|${r.kind}|${r.dueAt.toISOString()}|${r.subject.id}`;
}
