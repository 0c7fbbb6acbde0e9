/**
 * The outbox API for workflows. Call these with the transaction's store (`tx`) so the message
 * exists exactly when the change that causes it commits:
 *
 *   await svc.store.transaction(async (tx) => {
 *     const app = await tx.applications.transition({ ..., to: 'submitted' });
 *     await cancelFor(tx, { type: 'application_submitted', applicationId: app.id }, now);
 *   });
 *
 * or, with the application workflow's `inTx` hook: `inTx: (tx, app) => onApplicationChanged(tx, app, now)`.
 */
import { createHash } from 'node:crypto';
import {
  cancellationFor,
  DEFAULT_REMINDER_SETTINGS,
  sendTimeFor,
  type CancellingEvent,
  type EventKind,
  type QuietHours,
  type ReminderKind,
  type ReminderSubject,
} from '../domain/reminders.js';
import type { Application } from '../domain/types.js';
import type { CancelFilter } from '../store/reminder-repository.js';
import type { Store } from '../store/store.js';
import { dropInChangedMessage } from './content.js';
import type { NotificationMessage, ReminderMessage } from './messenger.js';
import { planSession } from './schedule.js';

export interface EnqueueInput {
  kind: ReminderKind;
  recipientId: string;
  /** When it is due; moved out of quiet hours. */
  dueAt: Date;
  subject: ReminderSubject;
  cycleId?: string;
  message: ReminderMessage;
  expiresAt?: Date | null;
  applicationId?: string;
  bookingId?: string;
  sessionId?: string;
}

/**
 * Write messages into the outbox in the caller's transaction. Same identity (cycle, recipient,
 * kind, due time, subject) twice → one row. Muted kinds are not written.
 */
export async function enqueue(
  tx: Store,
  items: EnqueueInput | readonly EnqueueInput[],
  now: Date,
  opts: { quietHours?: QuietHours | null } = {},
): Promise<{ inserted: number; updated: number }> {
  const list = Array.isArray(items) ? (items as readonly EnqueueInput[]) : [items as EnqueueInput];
  const muted = new Set(await tx.reminders.mutedKinds());
  const quiet = opts.quietHours === undefined ? DEFAULT_REMINDER_SETTINGS.quietHours : opts.quietHours;
  const drafts = list
    .filter((i) => !muted.has(i.kind))
    .map((i) => ({
      kind: i.kind,
      cycleId: i.cycleId ?? '',
      recipientId: i.recipientId,
      subjectKind: i.subject.kind,
      subjectId: i.subject.id,
      dueAt: i.dueAt,
      sendAfter: sendTimeFor(i.dueAt, quiet),
      expiresAt: i.expiresAt ?? null,
      planned: false,
      applicationId: i.applicationId ?? null,
      bookingId: i.bookingId ?? null,
      sessionId: i.sessionId ?? null,
      payload: i.message as unknown as Record<string, unknown>,
    }));
  if (drafts.length === 0) return { inserted: 0, updated: 0 };
  return tx.reminders.insert(drafts, now);
}

/** Messages held for the evidence folder job: the application-opened card carries the folder link. */
export const HELD_FOR_FOLDER = 'evidence-folders';

export interface EventNotification {
  kind: EventKind;
  recipients: readonly string[];
  /** What makes this message distinct from an earlier one of the same kind (e.g. the application and its version). */
  subject: ReminderSubject;
  message: NotificationMessage;
  cycleId?: string;
  applicationId?: string;
  bookingId?: string;
  sessionId?: string;
  /** A job it waits for before it may go (HELD_FOR_FOLDER); that job releases it. */
  heldFor?: string;
}

/**
 * A notification caused by what someone just did, written in the caller's transaction: it exists
 * exactly when the change commits, and is sent by the dispatcher like a reminder (same accounting:
 * sent after the connector accepted it, failures and unreachable people in the admin's status).
 * It goes at once, quiet hours or not (it answers an action), and cannot be muted. The same
 * (kind, recipient, subject) at the same moment is one message.
 */
export async function notify(tx: Store, n: EventNotification, now: Date): Promise<number> {
  const recipients = [...new Set(n.recipients)];
  if (recipients.length === 0) return 0;
  const { inserted } = await tx.reminders.insert(
    recipients.map((recipientId) => ({
      kind: n.kind,
      cycleId: n.cycleId ?? '',
      recipientId,
      subjectKind: n.subject.kind,
      subjectId: n.subject.id,
      dueAt: now,
      sendAfter: now,
      expiresAt: null,
      planned: false,
      applicationId: n.applicationId ?? null,
      bookingId: n.bookingId ?? null,
      sessionId: n.sessionId ?? null,
      payload: n.message as unknown as Record<string, unknown>,
      heldFor: n.heldFor ?? null,
    })),
    now,
  );
  return inserted;
}

/** Cancel pending reminders by application, booking, session, cycle or subject, optionally by kind. */
export async function cancelPending(tx: Store, filter: CancelFilter, reason: string, now: Date): Promise<number> {
  return tx.reminders.cancelPending(filter, reason, now);
}

/** Cancel what a domain event ends (see cancellationFor in src/domain/reminders.ts). */
export async function cancelFor(tx: Store, event: CancellingEvent, now: Date): Promise<number> {
  const scope = cancellationFor(event);
  const { reason, ...filter } = scope;
  return tx.reminders.cancelPending(filter, reason, now);
}

/**
 * For the application workflow's transition hook: once an application is no longer open
 * (submitted, withdrawn, lapsed ...), its pending deadline reminders are cancelled.
 */
export async function onApplicationChanged(
  tx: Store,
  app: Pick<Application, 'id' | 'state'>,
  now: Date,
): Promise<number> {
  if (app.state === 'open') return 0;
  const type =
    app.state === 'withdrawn'
      ? 'application_withdrawn'
      : app.state === 'submitted'
        ? 'application_submitted'
        : 'application_left_open';
  return cancelFor(tx, { type, applicationId: app.id }, now);
}

/**
 * A drop-in session changed (time or link) or was cancelled: pending timed reminders for it are
 * cancelled, booked attendees get an update now, and (if it still runs) its reminders are
 * planned again for the new time.
 *
 * The update's identity includes a digest of what it says (time, link, title, cancelled), so the
 * same change recorded twice sends one update, while a different change (or the cancellation)
 * within the same minute is a new message: it is never swallowed by an earlier update that was
 * already sent. An earlier update still waiting with other details is superseded (cancelled).
 */
export async function onSessionChanged(
  tx: Store,
  sessionId: string,
  now: Date,
  opts: { quietHours?: QuietHours | null } = {},
): Promise<{ cancelled: number; updates: number; planned: number }> {
  const session = await tx.dropIns.getSession(sessionId);
  if (!session) return { cancelled: 0, updates: 0, planned: 0 };
  const cancelled = await cancelFor(
    tx,
    { type: session.cancelled ? 'session_cancelled' : 'session_changed', sessionId },
    now,
  );
  const bookings = (await tx.dropIns.bookingsForSession(sessionId)).filter((b) => b.status === 'booked');
  const message = dropInChangedMessage(session);
  const subjectId = `${sessionId}#${sessionDigest(session)}`;
  const superseded = await tx.db
    .selectFrom('reminder_outbox')
    .select('id')
    .where('session_id', '=', sessionId)
    .where('kind', '=', 'dropin_changed')
    .where('status', '=', 'pending')
    .where('subject_id', '<>', subjectId)
    .execute();
  const supersededCount = await tx.reminders.cancelByIds(
    superseded.map((r) => r.id),
    'superseded by a later change',
    now,
  );
  // Due now (minute precision: the same change recorded again in the same minute adds nothing).
  const dueAt = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const r = await enqueue(
    tx,
    bookings.map((b) => ({
      kind: 'dropin_changed' as const,
      recipientId: b.personId,
      dueAt,
      subject: { kind: 'session' as const, id: subjectId },
      message,
      expiresAt: session.cancelled ? null : session.startsAt,
      bookingId: b.id,
      sessionId,
    })),
    now,
    opts,
  );
  const planned = session.cancelled ? 0 : (await planSession(tx, sessionId, now, opts)).inserted;
  return { cancelled: cancelled + supersededCount, updates: r.inserted, planned };
}

/** A short digest of what a change notice says about the session. */
function sessionDigest(s: {
  title: string;
  startsAt: Date;
  endsAt: Date;
  joinUrl: string | null;
  cancelled: boolean;
}): string {
  return createHash('sha256')
    .update(JSON.stringify([s.title, s.startsAt.toISOString(), s.endsAt.toISOString(), s.joinUrl, s.cancelled]))
    .digest('hex')
    .slice(0, 16);
}
