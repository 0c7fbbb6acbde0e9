/**
 * The Messenger port: how the dispatcher sends one proactive message to one person. Implemented
 * in bot/messenger.ts over botbuilder's CloudAdapter (continueConversationAsync /
 * createConversationAsync). The dispatcher only sees outcomes, classified here so every
 * implementation agrees on what is retried, what backs everybody off and what is final.
 */
import type { EventKind, NotificationKind } from '../domain/reminders.js';

export type ReminderAction =
  | { type: 'execute'; title: string; verb: string; data?: Record<string, unknown> }
  | { type: 'url'; title: string; url: string };

/** What a reminder says, independent of how it is rendered (an Adaptive Card in Teams). */
export interface ReminderMessage {
  kind: NotificationKind;
  title: string;
  subtitle?: string;
  lines: string[];
  facts: [string, string][];
  actions: ReminderAction[];
  /** One line for the notification preview and card fallback. */
  summary: string;
}

/**
 * A notification about an application, rendered when it is sent as that application's current
 * card for the recipient's role (with a notice line on top), so it never shows stale state.
 */
export interface ApplicationNotice {
  type: 'application';
  kind: EventKind;
  applicationId: string;
  as: 'applicant' | 'reviewer' | 'admin';
  notice: { message: string; tone: 'good' | 'warning' | 'attention' };
  summary: string;
}

/** A notification about a drop-in booking (a seat from the waitlist), rendered as the booking card. */
export interface BookingNotice {
  type: 'booking';
  kind: EventKind;
  bookingId: string;
  summary: string;
}

/** Everything the outbox carries: a reminder's text, or a card rendered at send time. */
export type NotificationMessage = ReminderMessage | ApplicationNotice | BookingNotice;

export function isNotificationMessage(v: unknown): v is NotificationMessage {
  if (!v || typeof v !== 'object') return false;
  const m = v as Record<string, unknown>;
  if (typeof m.summary !== 'string') return false;
  if (m.type === 'application')
    return typeof m.applicationId === 'string' && typeof m.as === 'string' && typeof m.notice === 'object';
  if (m.type === 'booking') return typeof m.bookingId === 'string';
  return typeof m.title === 'string' && Array.isArray(m.lines);
}

export interface SendRequest {
  /** The outbox row id: the idempotency key sent with the message. */
  outboxId: string;
  recipient: { personId: string; aadObjectId: string | null };
  /** The stored personal conversation reference, or null (then a conversation is created if possible). */
  conversation: Record<string, unknown> | null;
  message: NotificationMessage;
}

export type SendOutcome =
  | { status: 'sent'; activityId: string | null; conversationId: string | null; newReference?: Record<string, unknown> }
  /** 429 / 412 / 502 / 503 / 504: everybody backs off. */
  | { status: 'throttled'; httpStatus: number; retryAfterMs: number | null; reason: string }
  /** Network error, timeout or another 5xx: retry this message later (the connector may have accepted it). */
  | { status: 'transient'; httpStatus: number | null; reason: string }
  /** 403 (MessageWritesBlocked: uninstalled or blocked), 404 conversation gone, or no way to reach them. */
  | { status: 'unreachable'; httpStatus: number | null; reason: string }
  /** Anything else the connector refused (400, 413 ...): retrying will not help. */
  | { status: 'failed'; httpStatus: number | null; reason: string }
  /**
   * The app itself is not set up to reach people (e.g. its Graph permission was never consented):
   * nobody is at fault, nothing is sent, the message waits and is tried again later, and admins
   * are told (`code` names the fault, `reason` says what to fix).
   */
  | { status: 'misconfigured'; code: string; reason: string };

export interface Messenger {
  send(req: SendRequest): Promise<SendOutcome>;
}

/** Making someone reachable who has no stored conversation with the app. */
export type ReachOutcome =
  /** The app is installed for them; `chatId` is the 1:1 chat between them and the bot. */
  | { status: 'ready'; chatId: string; installed: 'now' | 'already' }
  /** Teams refused (no licence, app blocked, no such user ...): report them unreachable with the reason. */
  | { status: 'unreachable'; httpStatus: number | null; reason: string }
  /** Throttled, server error or not visible yet: try this message again later. */
  | { status: 'transient'; httpStatus: number | null; reason: string }
  /** The app's own configuration or consent is missing: try again later, tell admins, blame nobody. */
  | { status: 'misconfigured'; code: string; reason: string };

/** Tenant mode: installs the app for a person through Graph and finds the chat (src/notifications/teams-installer.ts). */
export interface PersonalChatOpener {
  openChat(aadObjectId: string): Promise<ReachOutcome>;
}

export const THROTTLE_STATUSES: readonly number[] = [429, 412, 502, 503, 504];

/** Parses Retry-After (seconds, possibly fractional, or an HTTP date) to ms; null when absent. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const n = Number(value);
  if (Number.isFinite(n)) return Math.max(0, n * 1000);
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

/** Classifies a Bot Connector HTTP failure. `code`/`subCode` come from the `{error:{...}}` body. */
export function classifyHttpFailure(
  status: number | null,
  info: {
    code?: string | undefined;
    subCode?: string | undefined;
    retryAfterMs?: number | null;
    message?: string | undefined;
  },
): SendOutcome {
  const detail = [info.code, info.subCode].filter(Boolean).join('/');
  const reason = `${status ?? 'network'}${detail ? ` ${detail}` : ''}${info.message && status === null ? `: ${info.message}` : ''}`;
  if (status === null) return { status: 'transient', httpStatus: null, reason };
  if (THROTTLE_STATUSES.includes(status))
    return { status: 'throttled', httpStatus: status, retryAfterMs: info.retryAfterMs ?? null, reason };
  if (status === 403) return { status: 'unreachable', httpStatus: 403, reason };
  if (status === 404) return { status: 'unreachable', httpStatus: 404, reason };
  if (status >= 500) return { status: 'transient', httpStatus: status, reason };
  return { status: 'failed', httpStatus: status, reason };
}
