/**
 * What each reminder says. Pure: built from what the planner read, no I/O. Text is for NHS staff
 * (plain English, UK time); nothing here is logged.
 */
import type { PlannedReminder } from '../domain/reminders.js';
import type { Readiness, ReadinessProblemKind } from '../domain/readiness.js';
import { daysLeftLondon, formatLondon } from '../domain/time.js';
import type { Cycle, Level } from '../domain/types.js';
import type { ApplicationNotice, BookingNotice, ReminderMessage } from './messenger.js';

const DOCUMENT_PROBLEMS: readonly ReadinessProblemKind[] = [
  'too_few_documents',
  'evidence_too_old',
  'document_not_completed',
  'document_unreferenced',
];

export interface ReadinessView {
  targetLevel: Level | null;
  /** null when readiness could not be judged (no target level, no framework). */
  readiness: Readiness | null;
  /** False when the evidence folder has not been listed yet: document checks are left out. */
  documentsKnown: boolean;
}

function whenText(at: Date, now: Date): string {
  const d = daysLeftLondon(now, at);
  if (d <= 0) return `today at ${formatLondon(at, 'time')}`;
  if (d === 1) return `tomorrow at ${formatLondon(at, 'time')}`;
  return `in ${d} days (${formatLondon(at)})`;
}

/** The readiness result as short lines: what is still missing, or that it is ready. */
export function readinessLines(v: ReadinessView, max = 5): string[] {
  if (!v.targetLevel)
    return [
      'Your team has not chosen a target level yet (bronze, silver or gold). Choose one to see what is still missing.',
    ];
  if (!v.readiness) return ['Open your status card to see what is still missing.'];
  const hard = v.readiness.problems.filter(
    (p) => p.severity === 'hard' && (v.documentsKnown || !DOCUMENT_PROBLEMS.includes(p.kind)),
  );
  const lines: string[] = [];
  if (hard.length === 0) {
    lines.push(
      v.documentsKnown
        ? `Your ${v.targetLevel} application has everything it needs. Submit it before the deadline.`
        : `Your commentary for ${v.targetLevel} is complete. Check your evidence documents on the status card, then submit.`,
    );
  } else {
    const done = v.readiness.sections.reduce((n, s) => n + s.completed, 0);
    const all = v.readiness.sections.reduce((n, s) => n + s.criteria, 0);
    lines.push(
      `**Still missing** (${hard.length} item${hard.length === 1 ? '' : 's'}; commentary complete for ${done} of ${all} ${all === 1 ? 'criterion' : 'criteria'}):`,
    );
    lines.push(...hard.slice(0, max).map((p) => `- ${p.message}`));
    if (hard.length > max) lines.push(`…and ${hard.length - max} more on your status card.`);
  }
  if (!v.documentsKnown)
    lines.push('Your evidence folder has not been checked yet; the status card checks the documents.');
  return lines;
}

export function deadlineMessage(
  r: PlannedReminder,
  cycle: Pick<Cycle, 'name' | 'submissionDeadline'>,
  organisationName: string,
  v: ReadinessView,
): ReminderMessage {
  return {
    kind: 'submission_deadline',
    title: `Submission deadline in ${r.offsetLabel}`,
    subtitle: `${organisationName} · ${cycle.name}`,
    lines: [
      `Your application must be submitted by **${formatLondon(cycle.submissionDeadline)}** (UK time).`,
      ...readinessLines(v),
    ],
    facts: [
      ['Deadline', formatLondon(cycle.submissionDeadline)],
      ['Target level', v.targetLevel ?? 'not chosen yet'],
    ],
    actions: [{ type: 'execute', title: 'Open status card', verb: 'status' }],
    summary: `WEx QS: submission deadline in ${r.offsetLabel} (${formatLondon(cycle.submissionDeadline, 'date')})`,
  };
}

/** The button on a drop-in reminder that opens the session's meeting. */
export const JOIN_DROPIN_TITLE = 'Join the drop-in';

/**
 * The message with its join button opening `url` instead of the stored Teams join link (local
 * mode: the local meeting page; messages are rendered when planned, links chosen when sent).
 */
export function withJoinLink(message: ReminderMessage, url: string): ReminderMessage {
  return {
    ...message,
    actions: message.actions.map((a) => (a.type === 'url' && a.title === JOIN_DROPIN_TITLE ? { ...a, url } : a)),
  };
}

export function dropInMessage(
  r: PlannedReminder,
  session: { title: string; startsAt: Date; endsAt: Date; joinUrl: string | null },
  now: Date,
): ReminderMessage {
  return {
    kind: 'dropin_upcoming',
    title:
      r.offsetLabel === '1 hour'
        ? 'Your drop-in session starts in 1 hour'
        : `Your drop-in session is ${whenText(session.startsAt, r.dueAt.getTime() > now.getTime() ? r.dueAt : now)}`,
    subtitle: session.title,
    lines: [
      session.joinUrl
        ? 'Join from the link below when it starts.'
        : 'The joining link will be in your meeting invitation.',
    ],
    facts: [
      ['When', `${formatLondon(session.startsAt)}–${formatLondon(session.endsAt, 'time')} (UK time)`],
      ['Session', session.title],
    ],
    actions: [
      ...(session.joinUrl ? [{ type: 'url' as const, title: JOIN_DROPIN_TITLE, url: session.joinUrl }] : []),
      { type: 'execute', title: 'My bookings', verb: 'sessions' },
    ],
    summary: `WEx QS drop-in: ${formatLondon(session.startsAt)}`,
  };
}

export function dropInChangedMessage(session: {
  title: string;
  startsAt: Date;
  endsAt: Date;
  joinUrl: string | null;
  cancelled: boolean;
}): ReminderMessage {
  return {
    kind: 'dropin_changed',
    title: session.cancelled ? 'Your drop-in session has been cancelled' : 'Your drop-in session has changed',
    subtitle: session.title,
    lines: [session.cancelled ? 'Please choose another session.' : 'Here are the new details.'],
    facts: session.cancelled
      ? [['Was', formatLondon(session.startsAt)]]
      : [
          ['When', `${formatLondon(session.startsAt)}–${formatLondon(session.endsAt, 'time')} (UK time)`],
          ['Session', session.title],
        ],
    actions: [
      ...(!session.cancelled && session.joinUrl
        ? [{ type: 'url' as const, title: JOIN_DROPIN_TITLE, url: session.joinUrl }]
        : []),
      { type: 'execute', title: session.cancelled ? 'Choose another session' : 'My bookings', verb: 'sessions' },
    ],
    summary: session.cancelled
      ? 'WEx QS: your drop-in was cancelled'
      : `WEx QS: your drop-in moved to ${formatLondon(session.startsAt)}`,
  };
}

export function reviewClosingMessage(
  r: PlannedReminder,
  cycle: Pick<Cycle, 'name' | 'reviewEnd'>,
  outstanding: number,
): ReminderMessage {
  return {
    kind: 'review_closing',
    title: `Review window closes in ${r.offsetLabel}`,
    subtitle: cycle.name,
    lines: [
      `You have **${outstanding}** assessment${outstanding === 1 ? '' : 's'} still to finish. The review window closes on ${formatLondon(cycle.reviewEnd)} (UK time).`,
    ],
    facts: [
      ['Outstanding', String(outstanding)],
      ['Review closes', formatLondon(cycle.reviewEnd)],
    ],
    actions: [{ type: 'execute', title: 'Open my review queue', verb: 'queue' }],
    summary: `WEx QS: ${outstanding} assessment${outstanding === 1 ? '' : 's'} outstanding, review closes ${formatLondon(cycle.reviewEnd, 'date')}`,
  };
}

export interface DecisionCounts {
  recommended: number;
  inReview: number;
  decided: number;
}

export function decisionMessage(
  r: PlannedReminder,
  cycle: Pick<Cycle, 'name' | 'decisionStart' | 'decisionEnd'>,
  counts: DecisionCounts,
): ReminderMessage {
  const opening = r.kind === 'decision_opening';
  const at = opening ? cycle.decisionStart : cycle.decisionEnd;
  return {
    kind: r.kind,
    title: opening ? `Decision window opens in ${r.offsetLabel}` : `Decision window closes in ${r.offsetLabel}`,
    subtitle: cycle.name,
    lines: [
      `${opening ? 'Decisions can be made from' : 'Decisions must be made by'} ${formatLondon(at)} (UK time).`,
      `${counts.recommended} application${counts.recommended === 1 ? ' is' : 's are'} recommended and waiting for a decision; ${counts.inReview} still in review; ${counts.decided} decided.`,
    ],
    facts: [
      ['Awaiting decision', String(counts.recommended)],
      ['Still in review', String(counts.inReview)],
      ['Decided', String(counts.decided)],
      [opening ? 'Opens' : 'Closes', formatLondon(at)],
    ],
    actions: [{ type: 'execute', title: 'Open the dashboard', verb: 'dashboard' }],
    summary: `WEx QS: decision window ${opening ? 'opens' : 'closes'} ${formatLondon(at, 'date')} (${counts.recommended} awaiting decision)`,
  };
}

export function awardExpiryMessage(
  r: PlannedReminder,
  award: { level: string; validUntil: Date },
  organisationName: string,
): ReminderMessage {
  return {
    kind: 'award_expiry',
    title: `Your ${award.level} award expires in ${r.offsetLabel}`,
    subtitle: organisationName,
    lines: [
      `Your Work Experience Quality Standard award is valid until ${formatLondon(award.validUntil, 'date')}.`,
      'To keep it, book a drop-in session: attending one lets your organisation apply again in the next cycle.',
    ],
    facts: [['Valid until', formatLondon(award.validUntil, 'date')]],
    actions: [{ type: 'execute', title: 'Book a drop-in', verb: 'sessions' }],
    summary: `WEx QS: your ${award.level} award expires on ${formatLondon(award.validUntil, 'date')}`,
  };
}

/**
 * The notice line each event notification carries on top of the application card it sends (the
 * bot shows the same words when the person opens that card), and the preview line in Teams.
 */
export const EVENT_NOTICES = {
  application_opened: {
    as: 'applicant',
    message: 'Your application is open. Upload your evidence to your private folder and write your commentary.',
    tone: 'good',
    summary: 'WEx QS: your application is open',
  },
  reviewer_assigned: {
    as: 'reviewer',
    message: 'This application has been assigned to you for review.',
    tone: 'good',
    summary: 'WEx QS: an application to review',
  },
  clarification_asked: {
    as: 'applicant',
    message: 'A reviewer has asked a question about your application. Please answer below.',
    tone: 'warning',
    summary: 'WEx QS: a reviewer has a question',
  },
  clarification_answered: {
    as: 'reviewer',
    message: 'The applicant team answered your question. The answer is below.',
    tone: 'good',
    summary: 'WEx QS: your question was answered',
  },
  recommendation_made: {
    as: 'admin',
    message: 'The reviewers have recommended: confirm the decision.',
    tone: 'good',
    summary: 'WEx QS: a recommendation to confirm',
  },
  decision_communicated: {
    as: 'applicant',
    message: 'The decision on your application is below.',
    tone: 'good',
    summary: 'WEx QS: the decision on your application',
  },
} as const satisfies Record<
  string,
  Omit<ApplicationNotice, 'type' | 'kind' | 'applicationId' | 'notice'> & {
    message: string;
    tone: ApplicationNotice['notice']['tone'];
  }
>;

export type ApplicationEventKind = keyof typeof EVENT_NOTICES;

/** The outbox message for an application event (rendered as the current application card when sent). */
export function applicationNotice(kind: ApplicationEventKind, applicationId: string): ApplicationNotice {
  const n = EVENT_NOTICES[kind];
  return {
    type: 'application',
    kind,
    applicationId,
    as: n.as,
    notice: { message: n.message, tone: n.tone },
    summary: n.summary,
  };
}

/** The outbox message telling someone a waitlisted seat is theirs (rendered as the booking card when sent). */
export function promotedNotice(bookingId: string): BookingNotice {
  return {
    type: 'booking',
    kind: 'waitlist_promoted',
    bookingId,
    summary: 'WEx QS: a seat became free, you are booked',
  };
}

/** For admins: notifications are waiting because the app itself is not set up to reach people. */
export function deliveryProblemMessage(reason: string, waiting: number): ReminderMessage {
  return {
    kind: 'delivery_problem',
    title: 'Notifications are waiting: the app needs a fix',
    lines: [
      reason,
      `${waiting} notification${waiting === 1 ? ' is' : 's are'} waiting and will be sent once this is fixed; nobody has been marked unreachable because of it.`,
    ],
    facts: [['Waiting', String(waiting)]],
    actions: [{ type: 'execute', title: 'Reminder status', verb: 'reminders_status' }],
    summary: 'WEx QS: notifications cannot be delivered until the app is fixed',
  };
}
