/**
 * Drop-in sessions as calendar events with Teams meetings in the organiser's calendar.
 *
 *  - create: POST /users/{organiser}/events with `isOnlineMeeting: true`,
 *    `onlineMeetingProvider: "teamsForBusiness"`; the join link is `onlineMeeting.joinUrl`
 *    (https://learn.microsoft.com/en-us/graph/outlook-calendar-online-meetings). A `transactionId`
 *    makes a retried POST return the same event instead of a duplicate; it is unique per event
 *    (Graph refuses one used for another event, even a cancelled one: ErrorDuplicateTransactionId),
 *    so the caller mints one per event it creates. A calendar that does not allow Teams meetings
 *    answers 201 without a join link: that is an error here (the event is removed again), and
 *    `assertTeamsMeetingsAllowed` checks the calendar's `allowedOnlineMeetingProviders` up front
 *    (https://learn.microsoft.com/en-us/graph/api/resources/calendar).
 *  - update: PATCH /users/{organiser}/events/{id} (https://learn.microsoft.com/en-us/graph/api/event-update)
 *  - cancel: POST .../events/{id}/cancel with `Comment` (https://learn.microsoft.com/en-us/graph/api/event-cancel)
 *  - book/unbook: PATCH with the FULL attendees list (PATCH replaces the collection). Read-modify-write
 *    is serialised per event (one queue per event id) so two bookings never overwrite each other, and
 *    at most 4 requests run at once per mailbox (Outlook's per-mailbox concurrency limit).
 * Capacity is enforced by the caller's database, not here. Times: UTC instants in, sent as
 * Europe/London wall time with timeZone "Europe/London" (Graph's dateTimeTimeZone).
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import pLimit, { type LimitFunction } from 'p-limit';
import pRetry from 'p-retry';
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { errorCode, graphCall, isTransportError, type RawResult } from './client.js';

export const MAILBOX_CONCURRENCY = 4;
const ZONE = 'Europe/London';

export interface Attendee {
  email: string;
  name?: string;
}

export interface SessionInput {
  subject: string;
  /** HTML body */
  body?: string;
  startUtc: string;
  endUtc: string;
  attendees?: Attendee[];
}

export interface MeetingRef {
  eventId: string;
  joinUrl: string | null;
  webLink: string | null;
  iCalUId: string | null;
}

/** The parts of an event the app reads (https://learn.microsoft.com/graph/api/resources/event). */
interface EventJson {
  id: string;
  allowedOnlineMeetingProviders?: string[];
  webLink?: string;
  iCalUId?: string;
  onlineMeeting?: { joinUrl?: string } | null;
  attendees?: { emailAddress: { address: string; name: string } }[];
}

export class GraphRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    what: string,
  ) {
    super(`${what} failed: ${status} ${code ?? ''}`.trim());
  }
}

/** The event was created, but without a Teams join link (the calendar does not allow Teams meetings). */
export class NoJoinLinkError extends Error {
  constructor() {
    super(
      "the calendar event was created without a Teams join link: the organiser's calendar does not allow Teams meetings (calendar.allowedOnlineMeetingProviders lacks teamsForBusiness)",
    );
    this.name = 'NoJoinLinkError';
  }
}

export function toGraphDateTime(utcIso: string): { dateTime: string; timeZone: string } {
  const dt = DateTime.fromISO(utcIso, { setZone: true });
  if (!dt.isValid) throw new Error('invalid date-time');
  return { dateTime: dt.setZone(ZONE).toFormat("yyyy-LL-dd'T'HH:mm:ss"), timeZone: ZONE };
}

const attendeesJson = (list: Attendee[]) =>
  list.map((a) => ({ emailAddress: { address: a.email, name: a.name ?? a.email }, type: 'required' }));

export class DropInMeetings {
  private readonly mailboxLimit: LimitFunction;
  private readonly eventQueues = new Map<string, { limit: LimitFunction; users: number }>();
  private readonly base: string;

  constructor(
    private readonly client: Client,
    /** organiser's user id or UPN */
    organiser: string,
    private readonly opts: { retries?: number } = {},
  ) {
    this.mailboxLimit = pLimit(MAILBOX_CONCURRENCY);
    this.base = `/users/${encodeURIComponent(organiser)}/events`;
  }

  /** One Graph call within the mailbox limit; transport failures retried (all calls here are idempotent). */
  private call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<RawResult<EventJson>> {
    return this.mailboxLimit(() =>
      pRetry(() => graphCall<EventJson>(this.client, method, path, body), {
        retries: this.opts.retries ?? 3,
        minTimeout: 200,
        shouldRetry: ({ error }) => isTransportError(error),
      }),
    );
  }

  private serialised<T>(eventId: string, fn: () => Promise<T>): Promise<T> {
    let q = this.eventQueues.get(eventId);
    if (!q) this.eventQueues.set(eventId, (q = { limit: pLimit(1), users: 0 }));
    q.users++;
    const entry = q;
    return entry.limit(fn).finally(() => {
      if (--entry.users === 0) this.eventQueues.delete(eventId);
    });
  }

  private ref(e: EventJson): MeetingRef {
    return {
      eventId: e.id,
      joinUrl: e.onlineMeeting?.joinUrl ?? null,
      webLink: e.webLink ?? null,
      iCalUId: e.iCalUId ?? null,
    };
  }

  /**
   * Refuses (throws) unless the organiser's calendar allows Teams meetings: checked at start-up in
   * tenant mode, so a calendar that would silently give events without join links is found at once.
   */
  async assertTeamsMeetingsAllowed(): Promise<void> {
    const r = await this.call(
      'GET',
      `${this.base.replace(/\/events$/, '/calendar')}?$select=allowedOnlineMeetingProviders`,
    );
    const allowed = (r.body as { allowedOnlineMeetingProviders?: string[] } | undefined)?.allowedOnlineMeetingProviders;
    if (r.status !== 200)
      throw new GraphRequestError(r.status, errorCode(r as RawResult), "read the organiser's calendar");
    if (!allowed?.includes('teamsForBusiness'))
      throw new Error(
        `the organiser's calendar does not allow Teams meetings (allowedOnlineMeetingProviders: ${allowed?.length ? allowed.join(', ') : 'none'})`,
      );
  }

  async create(s: SessionInput, transactionId: string = randomUUID()): Promise<MeetingRef> {
    const r = await this.call('POST', this.base, {
      subject: s.subject,
      body: { contentType: 'HTML', content: s.body ?? '' },
      start: toGraphDateTime(s.startUtc),
      end: toGraphDateTime(s.endUtc),
      attendees: attendeesJson(s.attendees ?? []),
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
      allowNewTimeProposals: false,
      transactionId,
    });
    if (r.status !== 201) throw new GraphRequestError(r.status, errorCode(r), 'create event');
    const ref = this.ref(r.body);
    if (!ref.joinUrl) {
      // Not a drop-in anyone can join: take it out of the calendar again and say why.
      await this.call('DELETE', `${this.base}/${encodeURIComponent(ref.eventId)}`).catch(() => undefined);
      throw new NoJoinLinkError();
    }
    return ref;
  }

  async update(eventId: string, patch: Partial<Omit<SessionInput, 'attendees'>>): Promise<MeetingRef> {
    const body: Record<string, unknown> = {};
    if (patch.subject !== undefined) body.subject = patch.subject;
    if (patch.body !== undefined) body.body = { contentType: 'HTML', content: patch.body };
    if (patch.startUtc !== undefined) body.start = toGraphDateTime(patch.startUtc);
    if (patch.endUtc !== undefined) body.end = toGraphDateTime(patch.endUtc);
    return this.serialised(eventId, async () => {
      const r = await this.call('PATCH', `${this.base}/${encodeURIComponent(eventId)}`, body);
      if (r.status !== 200) throw new GraphRequestError(r.status, errorCode(r), 'update event');
      return this.ref(r.body);
    });
  }

  /** Cancels the meeting (attendees get a cancellation). Already gone counts as cancelled. */
  async cancel(eventId: string, comment = 'This drop-in session has been cancelled.'): Promise<void> {
    return this.serialised(eventId, async () => {
      const r = await this.call('POST', `${this.base}/${encodeURIComponent(eventId)}/cancel`, { Comment: comment });
      if (r.status !== 202 && r.status !== 404) throw new GraphRequestError(r.status, errorCode(r), 'cancel event');
    });
  }

  async attendees(eventId: string): Promise<Attendee[]> {
    const r = await this.call('GET', `${this.base}/${encodeURIComponent(eventId)}?$select=attendees`);
    if (r.status !== 200) throw new GraphRequestError(r.status, errorCode(r), 'read event');
    return (r.body.attendees ?? []).map((a) => ({ email: a.emailAddress.address, name: a.emailAddress.name }));
  }

  private async replaceAttendees(
    eventId: string,
    change: (current: Attendee[]) => Attendee[] | undefined,
  ): Promise<Attendee[]> {
    return this.serialised(eventId, async () => {
      const current = await this.attendees(eventId);
      const next = change(current);
      if (!next) return current;
      const r = await this.call('PATCH', `${this.base}/${encodeURIComponent(eventId)}`, {
        attendees: attendeesJson(next),
      });
      if (r.status !== 200) throw new GraphRequestError(r.status, errorCode(r), 'update attendees');
      return next;
    });
  }

  /**
   * Adds `add` (those not there yet) and removes `remove` (by address) in one PATCH, or none when
   * nothing changes: each attendee PATCH emails every attendee, so changes are made together.
   */
  async changeAttendees(
    eventId: string,
    add: Attendee[],
    remove: string[],
  ): Promise<{ added: number; removed: number }> {
    let added = 0;
    let removed = 0;
    await this.replaceAttendees(eventId, (cur) => {
      const gone = new Set(remove.map((e) => e.toLowerCase()));
      const kept = cur.filter((x) => !gone.has(x.email.toLowerCase()));
      const have = new Set(kept.map((x) => x.email.toLowerCase()));
      const fresh = add.filter((a) => {
        const k = a.email.toLowerCase();
        if (have.has(k)) return false;
        have.add(k);
        return true;
      });
      added = fresh.length;
      removed = cur.length - kept.length;
      return added + removed > 0 ? [...kept, ...fresh] : undefined;
    });
    return { added, removed };
  }

  /** Adds a booking's attendee (no-op if already there). */
  addAttendee(eventId: string, a: Attendee): Promise<Attendee[]> {
    const key = a.email.toLowerCase();
    return this.replaceAttendees(eventId, (cur) =>
      cur.some((x) => x.email.toLowerCase() === key) ? undefined : [...cur, a],
    );
  }

  /** Removes an attendee (no-op if absent). */
  removeAttendee(eventId: string, email: string): Promise<Attendee[]> {
    const key = email.toLowerCase();
    return this.replaceAttendees(eventId, (cur) =>
      cur.some((x) => x.email.toLowerCase() === key) ? cur.filter((x) => x.email.toLowerCase() !== key) : undefined,
    );
  }
}
