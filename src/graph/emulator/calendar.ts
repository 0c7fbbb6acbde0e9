/**
 * Users and calendar events with Teams online meetings.
 *
 *  - GET /users/{id | userPrincipalName}: https://learn.microsoft.com/en-us/graph/api/user-get
 *  - POST /users/{id}/events: https://learn.microsoft.com/en-us/graph/api/user-post-events
 *    (`isOnlineMeeting: true` + `onlineMeetingProvider: "teamsForBusiness"` gives
 *    `onlineMeeting.joinUrl`: https://learn.microsoft.com/en-us/graph/outlook-calendar-online-meetings;
 *    `transactionId` de-duplicates client retries of the same POST, as documented on the event resource)
 *  - GET/PATCH/DELETE /users/{id}/events/{id}: https://learn.microsoft.com/en-us/graph/api/event-get,
 *    .../event-update (a collection property such as `attendees` is replaced wholesale by PATCH),
 *    .../event-delete
 *  - POST /users/{id}/events/{id}/cancel: https://learn.microsoft.com/en-us/graph/api/event-cancel
 *    (202; attendees get a cancellation; the event leaves the organiser's calendar)
 *  - GET /users/{id}/calendar: https://learn.microsoft.com/en-us/graph/api/calendar-get ;
 *    `allowedOnlineMeetingProviders` says which online meetings the calendar can hold
 *    (https://learn.microsoft.com/en-us/graph/api/resources/calendar). A calendar that does not allow
 *    `teamsForBusiness` still answers 201 to an event asking for one, with `isOnlineMeeting: false`
 *    and no join link (https://learn.microsoft.com/en-us/graph/outlook-calendar-online-meetings :
 *    check the calendar's allowed providers before creating online meetings).
 *  - `transactionId` (https://learn.microsoft.com/en-us/graph/api/resources/event): a retried POST of
 *    the same event returns the event already created; the id can never be used for a different
 *    event, not even after that event was cancelled or deleted: 400 ErrorDuplicateTransactionId.
 */
import type { EmulatorStore } from './store.js';
import { GraphFailure, badRequest } from './errors.js';
import { guidFrom, type Random } from './prng.js';

export interface UserRec {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string;
  /** Member (default) or Guest (an external person already invited to the tenant). */
  userType?: 'Member' | 'Guest';
}

/** A transactionId once used, and the event it created (kept after the event is gone). */
interface TransactionRec {
  id: string;
  mailbox: string;
  eventId: string;
  /** What makes two POSTs "the same event": subject, start and end. */
  signature: string;
}

export interface EventRec {
  id: string;
  mailbox: string;
  transactionId?: string;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  iCalUId: string;
  data: Record<string, unknown>;
}

const PATCHABLE = new Set([
  'subject',
  'body',
  'start',
  'end',
  'location',
  'attendees',
  'isOnlineMeeting',
  'onlineMeetingProvider',
  'allowNewTimeProposals',
  'showAs',
  'importance',
  'sensitivity',
  'categories',
  'isReminderOn',
  'reminderMinutesBeforeStart',
  'responseRequested',
]);

export class EmulatedCalendar {
  private readonly withoutTeams = new Set<string>();
  /** lower-case mail and UPN → user id */
  private readonly byAddress = new Map<string, string>();

  constructor(
    private readonly store: EmulatorStore,
    private readonly random: Random,
    private readonly tenantId: string,
    /** Mailboxes (UPN or id) whose calendar does not allow Teams meetings. */
    calendarsWithoutTeams: Iterable<string> = [],
  ) {
    for (const u of calendarsWithoutTeams) this.withoutTeams.add(u.toLowerCase());
    for (const u of store.values<UserRec>('users')) this.indexUser(u);
  }

  private indexUser(u: UserRec): void {
    this.byAddress.set(u.mail.toLowerCase(), u.id);
    this.byAddress.set(u.userPrincipalName.toLowerCase(), u.id);
  }

  /** Tests: the mailbox's calendar allows Teams meetings (true) or not (false). */
  setTeamsAllowed(user: string, allowed: boolean): void {
    if (allowed) this.withoutTeams.delete(user.toLowerCase());
    else this.withoutTeams.add(user.toLowerCase());
  }

  private teamsAllowed(u: UserRec): boolean {
    return ![u.id, u.userPrincipalName, u.mail].some((k) => this.withoutTeams.has(k.toLowerCase()));
  }

  /** The user's default calendar (https://learn.microsoft.com/en-us/graph/api/resources/calendar). */
  calendarJson(idOrUpn: string): Record<string, unknown> {
    const u = this.user(idOrUpn);
    const allowed = this.teamsAllowed(u) ? ['teamsForBusiness'] : [];
    return {
      id: 'AAMkAGC' + u.id.replace(/-/g, ''),
      name: 'Calendar',
      color: 'auto',
      hexColor: '',
      isDefaultCalendar: true,
      changeKey: 'nfZyf7VcrEKLNoU37KWlkQAAA0x0+w==',
      canShare: true,
      canViewPrivateItems: true,
      canEdit: true,
      allowedOnlineMeetingProviders: allowed,
      defaultOnlineMeetingProvider: allowed[0] ?? 'unknown',
      isTallyingResponses: true,
      isRemovable: false,
      owner: { name: u.displayName, address: u.mail },
    };
  }

  seedUsers(users: Array<Partial<UserRec> & { mail: string }>): void {
    for (const u of users) {
      if (this.findUser(u.mail)) continue;
      const rec: UserRec = {
        id: u.id ?? guidFrom(this.random).toLowerCase(),
        displayName: u.displayName ?? u.mail.split('@')[0]!,
        userPrincipalName: u.userPrincipalName ?? u.mail,
        mail: u.mail,
        ...(u.userType ? { userType: u.userType } : {}),
      };
      this.store.put('users', rec.id, rec);
      this.indexUser(rec);
    }
  }

  findUser(idOrUpn: string): UserRec | undefined {
    const key = idOrUpn.toLowerCase();
    const id = this.byAddress.get(key) ?? key;
    return this.store.get<UserRec>('users', id);
  }

  user(idOrUpn: string): UserRec {
    const u = this.findUser(idOrUpn);
    if (!u)
      throw new GraphFailure(
        404,
        'Request_ResourceNotFound',
        `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`,
      );
    return u;
  }

  userJson(u: UserRec): Record<string, unknown> {
    return {
      id: u.id,
      displayName: u.displayName,
      userPrincipalName: u.userPrincipalName,
      mail: u.mail,
      userType: u.userType ?? 'Member',
      businessPhones: [],
      givenName: null,
      surname: null,
      jobTitle: null,
      officeLocation: null,
      preferredLanguage: 'en-GB',
      mobilePhone: null,
    };
  }

  private event(mailbox: string, id: string): EventRec {
    const e = this.store.get<EventRec>('events', id);
    if (!e || e.mailbox !== mailbox)
      throw new GraphFailure(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    return e;
  }

  eventJson(e: EventRec): Record<string, unknown> {
    const organizer = this.store.get<UserRec>('users', e.mailbox);
    return {
      id: e.id,
      createdDateTime: e.createdDateTime,
      lastModifiedDateTime: e.lastModifiedDateTime,
      changeKey: e.changeKey,
      iCalUId: e.iCalUId,
      transactionId: e.transactionId ?? null,
      webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(e.id)}&exvsurl=1&path=/calendar/item`,
      organizer: { emailAddress: { name: organizer?.displayName, address: organizer?.mail } },
      isOrganizer: true,
      isCancelled: false,
      ...e.data,
    };
  }

  private validate(body: Record<string, unknown>, partial: boolean): void {
    for (const k of ['start', 'end']) {
      const v = body[k] as { dateTime?: unknown; timeZone?: unknown } | undefined;
      if (v === undefined && partial) continue;
      if (!v || typeof v.dateTime !== 'string' || typeof v.timeZone !== 'string')
        throw new GraphFailure(400, 'ErrorInvalidRequest', `${k} needs dateTime and timeZone.`);
    }
    if (body.attendees !== undefined) {
      if (!Array.isArray(body.attendees)) throw badRequest('attendees must be a collection.');
      for (const a of body.attendees) {
        const addr = (a as { emailAddress?: { address?: unknown } }).emailAddress?.address;
        if (typeof addr !== 'string' || !addr.includes('@'))
          throw new GraphFailure(400, 'ErrorInvalidRecipients', 'An attendee has no valid email address.');
      }
    }
  }

  private normaliseAttendees(list: unknown, previous: unknown): unknown[] {
    const prev = new Map<string, unknown>();
    for (const a of (Array.isArray(previous) ? previous : []) as Array<{
      emailAddress: { address: string };
      status?: unknown;
    }>)
      prev.set(a.emailAddress.address.toLowerCase(), a.status);
    return (list as Array<{ emailAddress: { address: string; name?: string }; type?: string }>).map((a) => ({
      type: a.type ?? 'required',
      status: prev.get(a.emailAddress.address.toLowerCase()) ?? { response: 'none', time: '0001-01-01T00:00:00Z' },
      emailAddress: { name: a.emailAddress.name ?? a.emailAddress.address, address: a.emailAddress.address },
    }));
  }

  private meeting(e: EventRec): void {
    const d = e.data;
    const organiser = this.store.get<UserRec>('users', e.mailbox);
    if (
      d.isOnlineMeeting === true &&
      (d.onlineMeetingProvider ?? 'teamsForBusiness') === 'teamsForBusiness' &&
      organiser !== undefined &&
      this.teamsAllowed(organiser)
    ) {
      d.onlineMeetingProvider = 'teamsForBusiness';
      if (!d.onlineMeeting) {
        const thread = guidFrom(this.random).replace(/-/g, '').toLowerCase();
        const ctx = encodeURIComponent(JSON.stringify({ Tid: this.tenantId, Oid: e.mailbox }));
        d.onlineMeeting = {
          joinUrl: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${thread}%40thread.v2/0?context=${ctx}`,
        };
      }
    } else {
      d.isOnlineMeeting = false;
      d.onlineMeeting = null;
      d.onlineMeetingProvider = d.onlineMeetingProvider ?? 'unknown';
    }
  }

  create(mailboxIdOrUpn: string, body: Record<string, unknown>): [number, EventRec] {
    const mailbox = this.user(mailboxIdOrUpn).id;
    this.validate(body, false);
    const tx = typeof body.transactionId === 'string' ? body.transactionId : undefined;
    const signature = JSON.stringify([body.subject ?? '', body.start, body.end]);
    if (tx) {
      const used = this.store.get<TransactionRec>('transactions', `${mailbox}/${tx}`);
      if (used) {
        const existing = this.store.get<EventRec>('events', used.eventId);
        if (existing && used.signature === signature) return [201, existing];
        throw new GraphFailure(
          400,
          'ErrorDuplicateTransactionId',
          'Your request cannot be completed. A transaction with this id has already been used for another event.',
        );
      }
    }
    const now = new Date().toISOString();
    const data: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) if (PATCHABLE.has(k)) data[k] = v;
    data.attendees = this.normaliseAttendees(body.attendees ?? [], []);
    data.subject = data.subject ?? '';
    const e: EventRec = {
      id: 'AAMkA' + guidFrom(this.random).replace(/-/g, ''),
      mailbox,
      transactionId: tx,
      changeKey: guidFrom(this.random),
      createdDateTime: now,
      lastModifiedDateTime: now,
      iCalUId: '040000008200E00074C5B7101A82E008' + guidFrom(this.random).replace(/-/g, ''),
      data,
    };
    this.meeting(e);
    this.store.put('events', e.id, e);
    if (tx) this.store.put('transactions', `${mailbox}/${tx}`, { id: tx, mailbox, eventId: e.id, signature });
    return [201, e];
  }

  get(mailboxIdOrUpn: string, id: string): EventRec {
    return this.event(this.user(mailboxIdOrUpn).id, id);
  }

  update(mailboxIdOrUpn: string, id: string, body: Record<string, unknown>): EventRec {
    const e = this.event(this.user(mailboxIdOrUpn).id, id);
    this.validate(body, true);
    for (const [k, v] of Object.entries(body)) {
      if (!PATCHABLE.has(k)) continue;
      e.data[k] = k === 'attendees' ? this.normaliseAttendees(v, e.data.attendees) : v;
    }
    this.meeting(e);
    e.changeKey = guidFrom(this.random);
    e.lastModifiedDateTime = new Date().toISOString();
    this.store.put('events', e.id, e);
    return e;
  }

  remove(mailboxIdOrUpn: string, id: string): void {
    const e = this.event(this.user(mailboxIdOrUpn).id, id);
    this.store.delete('events', e.id);
  }

  /** Every event in every mailbox (the online meetings behind them are looked up by join link). */
  allEvents(): EventRec[] {
    return this.store.values<EventRec>('events');
  }

  list(mailboxIdOrUpn: string): EventRec[] {
    const mailbox = this.user(mailboxIdOrUpn).id;
    return this.store
      .values<EventRec>('events')
      .filter((e) => e.mailbox === mailbox)
      .sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime));
  }
}
