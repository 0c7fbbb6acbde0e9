/**
 * Reading who attended a drop-in from its Teams meeting (app-only):
 *
 *  1. the organiser's object id: GET /users/{upn}?$select=id (the online meeting paths take the
 *     object id, not the UPN): https://learn.microsoft.com/en-us/graph/api/user-get
 *  2. the meeting from the event's join link:
 *     GET /users/{organiserId}/onlineMeetings?$filter=JoinWebUrl eq '{joinWebUrl}'
 *     https://learn.microsoft.com/en-us/graph/api/onlinemeeting-get (example 3)
 *  3. its reports, one per occurrence: GET …/onlineMeetings/{meetingId}/attendanceReports
 *     https://learn.microsoft.com/en-us/graph/api/meetingattendancereport-list
 *  4. each report's records, following @odata.nextLink:
 *     GET …/attendanceReports/{reportId}/attendanceRecords
 *     https://learn.microsoft.com/en-us/graph/api/attendancerecord-list
 *
 * Needs the application permission OnlineMeetingArtifact.Read.All and a Teams application access
 * policy granted to the organiser by a tenant admin; without the policy Graph answers 403 "No
 * application access policy found for this app" (reported as `no_access_policy`).
 * https://learn.microsoft.com/en-us/graph/cloud-communication-online-meeting-application-access-policy
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import pRetry from 'p-retry';
import type { AttendanceRecord } from '../domain/attendance.js';
import { AttendanceReadError, type MeetingAttendance } from '../workflows/ports.js';
import { errorCode, graphCall, isTransportError, toRequestPath, type RawResult } from './client.js';

interface RecordJson {
  emailAddress?: string | null;
  role?: string | null;
  totalAttendanceInSeconds?: number | null;
  identity?: { id?: string | null } | null;
}

function failure(r: RawResult): AttendanceReadError {
  const message = (r.body as { error?: { message?: string } } | undefined)?.error?.message ?? '';
  if (r.status === 403 && /application access policy/i.test(message))
    return new AttendanceReadError('no_access_policy');
  if (r.status === 403) return new AttendanceReadError('forbidden');
  if (r.status === 429) return new AttendanceReadError('throttled');
  return new AttendanceReadError(`http_${r.status}${errorCode(r) ? `_${errorCode(r)}` : ''}`);
}

export class GraphMeetingAttendance implements MeetingAttendance {
  private organiserId: Promise<string> | null = null;

  constructor(
    private readonly o: {
      client: Client;
      /** Base URL the client uses (to follow @odata.nextLink). */
      baseUrl: string;
      /** UPN (or object id) of the mailbox that organises the drop-ins. */
      organiser: string;
    },
  ) {}

  private async get<T>(path: string): Promise<RawResult<T>> {
    try {
      return await pRetry(() => graphCall<T>(this.o.client, 'GET', path), {
        retries: 2,
        minTimeout: 200,
        shouldRetry: ({ error }) => isTransportError(error),
      });
    } catch (e) {
      if (isTransportError(e)) throw new AttendanceReadError('transport');
      throw e;
    }
  }

  private async organiserPath(): Promise<string> {
    this.organiserId ??= (async () => {
      const r = await this.get<{ id?: string }>(`/users/${encodeURIComponent(this.o.organiser)}?$select=id`);
      if (r.status !== 200 || !r.body?.id) throw failure(r);
      return r.body.id;
    })().catch((e: unknown) => {
      this.organiserId = null;
      throw e;
    });
    return `/users/${encodeURIComponent(await this.organiserId)}/onlineMeetings`;
  }

  async reports(joinUrl: string): Promise<{ meetingId: string; reports: { id: string }[] } | null> {
    const base = await this.organiserPath();
    const filter = encodeURIComponent(`JoinWebUrl eq '${joinUrl.replace(/'/g, "''")}'`);
    const found = await this.get<{ value?: { id: string }[] }>(`${base}?$filter=${filter}`);
    if (found.status === 404) return null;
    if (found.status !== 200) throw failure(found);
    const meetingId = found.body.value?.[0]?.id;
    if (!meetingId) return null;
    const list = await this.get<{ value?: { id: string }[] }>(
      `${base}/${encodeURIComponent(meetingId)}/attendanceReports`,
    );
    if (list.status !== 200) throw failure(list);
    return { meetingId, reports: (list.body.value ?? []).map((r) => ({ id: r.id })) };
  }

  async records(meetingId: string, reportId: string): Promise<AttendanceRecord[]> {
    const base = await this.organiserPath();
    const out: AttendanceRecord[] = [];
    let path: string | undefined =
      `${base}/${encodeURIComponent(meetingId)}/attendanceReports/${encodeURIComponent(reportId)}/attendanceRecords`;
    while (path) {
      const page: RawResult<{ value?: RecordJson[]; '@odata.nextLink'?: string }> = await this.get(path);
      if (page.status !== 200) throw failure(page);
      for (const r of page.body.value ?? [])
        out.push({
          entraObjectId: r.identity?.id ?? null,
          emailAddress: r.emailAddress ?? null,
          role: r.role ?? null,
          totalAttendanceInSeconds: typeof r.totalAttendanceInSeconds === 'number' ? r.totalAttendanceInSeconds : 0,
        });
      const next = page.body['@odata.nextLink'];
      path = next ? toRequestPath(next, this.o.baseUrl) : undefined;
    }
    return out;
  }
}
