/**
 * Teams online meetings behind calendar events, and their attendance reports: what the app reads
 * after a drop-in session to record who attended.
 *
 *  - GET /users/{userId}/onlineMeetings?$filter=JoinWebUrl eq '{joinWebUrl}' → a collection with
 *    the one meeting whose join link that is; `userId` is the organiser's Entra object id (not a
 *    UPN): https://learn.microsoft.com/en-us/graph/api/onlinemeeting-get (example 3). Asked as
 *    another user than the organiser → 403 (microsoftgraph/microsoft-graph-docs-contrib#436).
 *  - GET /users/{userId}/onlineMeetings/{meetingId}/attendanceReports → the reports, one per
 *    occurrence of the meeting ("each time an online meeting ends, an attendance report is
 *    generated"), the 50 most recent, `attendanceRecords` empty in the list:
 *    https://learn.microsoft.com/en-us/graph/api/meetingattendancereport-list
 *  - GET …/attendanceReports/{reportId} ($expand=attendanceRecords gives them in line):
 *    https://learn.microsoft.com/en-us/graph/api/meetingattendancereport-get
 *  - GET …/attendanceReports/{reportId}/attendanceRecords → emailAddress, identity {id,
 *    displayName, tenantId}, role, totalAttendanceInSeconds, attendanceIntervals {joinDateTime,
 *    leaveDateTime, durationInSeconds}: https://learn.microsoft.com/en-us/graph/api/attendancerecord-list ,
 *    paged with @odata.nextLink (https://learn.microsoft.com/en-us/graph/paging).
 *  - App-only access needs a Teams application access policy granted to the organiser; without it
 *    → 403 "No application access policy found for this app."
 *    (https://learn.microsoft.com/en-us/graph/cloud-communication-online-meeting-application-access-policy).
 *
 * Property names follow graph-v1.0-metadata.xml (onlineMeetingBase.joinWebUrl and
 * .attendanceReports; meetingAttendanceReport; attendanceRecord; attendanceInterval).
 *
 * How reports come about here: `recordAttendance` adds one person's time in the meeting (as
 * joining it does in Teams). Overlapping stays form one occurrence of the meeting; an occurrence
 * becomes a report once everyone has left (by the emulator's clock), as Teams writes the report
 * when the meeting ends.
 */
import { createHash } from 'node:crypto';
import type { EmulatorStore } from './store.js';
import { GraphFailure, badRequest, notFound } from './errors.js';
import type { EmulatedCalendar, EventRec } from './calendar.js';

export interface MeetingStay {
  /** The attendee's Entra object id (absent for a guest or a phone caller). */
  userId?: string | null;
  email?: string | null;
  displayName: string;
  role?: 'Organizer' | 'Presenter' | 'Attendee';
  joinDateTime: Date;
  leaveDateTime: Date;
}

interface StayRec {
  id: string;
  meetingId: string;
  userId: string | null;
  email: string | null;
  displayName: string;
  role: string;
  join: string;
  leave: string;
}

export interface OnlineMeetingsOptions {
  /** The emulator's clock (reports appear once their occurrence has ended). Default: real time. */
  now?: () => Date;
  /**
   * Organisers (object ids or UPNs) an application access policy is granted for. Default: every
   * user (a tenant where the admin granted the policy globally).
   */
  accessPolicyFor?: Iterable<string>;
}

const NO_POLICY = 'No application access policy found for this app.';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_REPORTS = 50;
const RECORDS_PAGE = 20;

function stableGuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class EmulatedOnlineMeetings {
  private readonly now: () => Date;
  private readonly policy: Set<string> | null;

  constructor(
    private readonly store: EmulatorStore,
    private readonly calendar: EmulatedCalendar,
    opts: OnlineMeetingsOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.policy = opts.accessPolicyFor ? new Set([...opts.accessPolicyFor].map((u) => u.toLowerCase())) : null;
  }

  /** The meeting id Graph gives a Teams meeting: base64 of "1*{organiser}*0**{thread id}". */
  meetingIdOf(e: EventRec): string | null {
    const joinUrl = this.joinUrlOf(e);
    if (!joinUrl) return null;
    const thread = decodeURIComponent(/meetup-join\/([^/]+)\//.exec(joinUrl)?.[1] ?? e.id);
    return Buffer.from(`1*${e.mailbox}*0**${thread}`).toString('base64');
  }

  private joinUrlOf(e: EventRec): string | null {
    const om = e.data.onlineMeeting as { joinUrl?: string } | null | undefined;
    return om?.joinUrl ?? null;
  }

  private eventByJoinUrl(joinUrl: string): EventRec | undefined {
    return this.calendar.allEvents().find((e) => this.joinUrlOf(e) === joinUrl);
  }

  private eventByMeetingId(meetingId: string): EventRec | undefined {
    return this.calendar.allEvents().find((e) => this.meetingIdOf(e) === meetingId);
  }

  /** Someone's time in the meeting behind `joinUrl` (what joining it in Teams records). */
  recordAttendance(joinUrl: string, stay: MeetingStay): void {
    const e = this.eventByJoinUrl(joinUrl);
    const meetingId = e ? this.meetingIdOf(e) : null;
    if (!e || !meetingId) throw new Error('no Teams meeting has that join link');
    if (!(stay.leaveDateTime.getTime() > stay.joinDateTime.getTime())) throw new Error('leave must be after join');
    const rec: StayRec = {
      id: stableGuid(meetingId, String(this.store.values('meetingStays').length), stay.joinDateTime.toISOString()),
      meetingId,
      userId: stay.userId?.toLowerCase() ?? null,
      email: stay.email ?? null,
      displayName: stay.displayName,
      role: stay.role ?? 'Attendee',
      join: stay.joinDateTime.toISOString(),
      leave: stay.leaveDateTime.toISOString(),
    };
    this.store.put('meetingStays', rec.id, rec);
  }

  /** Occurrences of a meeting that have ended: overlapping stays, grouped, oldest first. */
  private reports(meetingId: string): { id: string; start: string; end: string; stays: StayRec[] }[] {
    const stays = this.store
      .values<StayRec>('meetingStays')
      .filter((s) => s.meetingId === meetingId)
      .sort((a, b) => a.join.localeCompare(b.join));
    const groups: { start: string; end: string; stays: StayRec[] }[] = [];
    for (const s of stays) {
      const last = groups[groups.length - 1];
      if (last && s.join <= last.end) {
        last.stays.push(s);
        if (s.leave > last.end) last.end = s.leave;
      } else groups.push({ start: s.join, end: s.leave, stays: [s] });
    }
    const now = this.now().toISOString();
    return groups.filter((g) => g.end <= now).map((g) => ({ id: stableGuid(meetingId, g.start), ...g }));
  }

  private recordsJson(stays: StayRec[]): Record<string, unknown>[] {
    const byPerson = new Map<string, StayRec[]>();
    for (const s of stays) {
      const key = s.userId ?? `email:${(s.email ?? s.displayName).toLowerCase()}`;
      byPerson.set(key, [...(byPerson.get(key) ?? []), s]);
    }
    return [...byPerson.values()].map((list) => {
      const first = list[0]!;
      const intervals = list.map((s) => ({
        joinDateTime: s.join,
        leaveDateTime: s.leave,
        durationInSeconds: Math.round((Date.parse(s.leave) - Date.parse(s.join)) / 1000),
      }));
      return {
        id: first.userId ?? first.email ?? first.id,
        emailAddress: first.email,
        totalAttendanceInSeconds: intervals.reduce((n, i) => n + i.durationInSeconds, 0),
        role: first.role,
        identity: { id: first.userId, displayName: first.displayName, tenantId: null },
        attendanceIntervals: intervals,
      };
    });
  }

  /** The organiser in the path, checked as Graph does for app-only calls. */
  private organiser(userId: string): string {
    if (!GUID.test(userId))
      throw new GraphFailure(404, 'NotFound', `The user id '${userId}' is not an object id: use the organiser's id.`);
    const user = this.calendar.findUser(userId);
    if (!user) throw new GraphFailure(404, 'NotFound', 'The user could not be found.');
    if (
      this.policy &&
      !this.policy.has(user.id.toLowerCase()) &&
      !this.policy.has(user.userPrincipalName.toLowerCase())
    )
      throw new GraphFailure(403, 'General', NO_POLICY);
    return user.id;
  }

  private meeting(userId: string, meetingId: string): EventRec {
    const organiser = this.organiser(userId);
    const e = this.eventByMeetingId(meetingId);
    if (!e) throw notFound('The online meeting could not be found.');
    if (e.mailbox !== organiser) throw new GraphFailure(403, 'Forbidden', 'An error has occurred.');
    return e;
  }

  /** GET /users/{id}/onlineMeetings?$filter=JoinWebUrl eq '…' */
  findByJoinUrl(userId: string, filter: string | null): Record<string, unknown>[] {
    const organiser = this.organiser(userId);
    const m = /^\s*joinweburl\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(filter ?? '');
    if (!m) throw badRequest("Filter the online meetings by JoinWebUrl: $filter=JoinWebUrl eq '{joinWebUrl}'.");
    const joinUrl = m[1]!.replace(/''/g, "'");
    const e = this.eventByJoinUrl(joinUrl);
    if (!e) return [];
    if (e.mailbox !== organiser) throw new GraphFailure(403, 'Forbidden', 'An error has occurred.');
    return [this.meetingJson(e)];
  }

  meetingJson(e: EventRec): Record<string, unknown> {
    const d = e.data as { subject?: string; start?: { dateTime: string }; end?: { dateTime: string } };
    const organiser = this.calendar.findUser(e.mailbox);
    return {
      id: this.meetingIdOf(e),
      creationDateTime: e.createdDateTime,
      startDateTime: d.start?.dateTime ?? null,
      endDateTime: d.end?.dateTime ?? null,
      joinWebUrl: this.joinUrlOf(e),
      subject: d.subject ?? '',
      participants: {
        organizer: {
          identity: { user: { id: e.mailbox, displayName: organiser?.displayName ?? null } },
          upn: organiser?.userPrincipalName,
        },
        attendees: [],
      },
    };
  }

  /** GET …/attendanceReports (most recent first, at most 50). */
  listReports(userId: string, meetingId: string): Record<string, unknown>[] {
    this.meeting(userId, meetingId);
    return this.reports(meetingId)
      .reverse()
      .slice(0, MAX_REPORTS)
      .map((r) => this.reportJson(r, false));
  }

  /** GET …/attendanceReports/{reportId} */
  getReport(userId: string, meetingId: string, reportId: string, expandRecords: boolean): Record<string, unknown> {
    this.meeting(userId, meetingId);
    const r = this.reports(meetingId).find((x) => x.id === reportId);
    if (!r) throw notFound('The attendance report could not be found.');
    return this.reportJson(r, expandRecords);
  }

  /** GET …/attendanceReports/{reportId}/attendanceRecords, one page. */
  listRecords(
    userId: string,
    meetingId: string,
    reportId: string,
    skip: number,
  ): { value: Record<string, unknown>[]; more: boolean } {
    this.meeting(userId, meetingId);
    const r = this.reports(meetingId).find((x) => x.id === reportId);
    if (!r) throw notFound('The attendance report could not be found.');
    const all = this.recordsJson(r.stays);
    return { value: all.slice(skip, skip + RECORDS_PAGE), more: skip + RECORDS_PAGE < all.length };
  }

  private reportJson(r: { id: string; start: string; end: string; stays: StayRec[] }, expand: boolean) {
    const records = this.recordsJson(r.stays);
    return {
      id: r.id,
      totalParticipantCount: records.length,
      meetingStartDateTime: r.start,
      meetingEndDateTime: r.end,
      attendanceRecords: expand ? records : [],
    };
  }
}
