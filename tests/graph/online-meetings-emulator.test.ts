/**
 * The Graph emulator's online meetings and attendance reports, over HTTP, against the documented
 * shapes (src/graph/emulator/online-meetings.ts cites each page), and its admin routes' token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulator } from '../../src/graph/emulator/index.js';

const TOKEN = 'emu-token';
const ORGANISER_ID = '0e0e0e0e-0000-4000-8000-0000000000e0';
const OTHER_ID = '0f0f0f0f-0000-4000-8000-0000000000f0';
const START = new Date('2026-05-05T09:00:00Z');
const MIN = 60_000;

describe('Graph emulator: online meetings and attendance reports', () => {
  let emu: GraphEmulator;
  let now = new Date(START.getTime() - 60 * MIN);
  let joinUrl = '';
  let meetingId = '';

  const get = async (path: string, token = TOKEN) => {
    const res = await fetch(`${emu.url}/v1.0${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const byJoinUrl = (user: string, url: string) =>
    get(`/users/${user}/onlineMeetings?$filter=${encodeURIComponent(`JoinWebUrl eq '${url}'`)}`);

  beforeAll(async () => {
    emu = await startGraphEmulator({
      acceptedToken: TOKEN,
      users: [
        { mail: 'organiser@wexqs.example', id: ORGANISER_ID, displayName: 'Organiser' },
        { mail: 'other@wexqs.example', id: OTHER_ID, displayName: 'Other' },
      ],
      onlineMeetings: { now: () => now, accessPolicyFor: ['organiser@wexqs.example'] },
    });
    const [, event] = emu.calendar.create(ORGANISER_ID, {
      subject: 'Drop-in',
      start: { dateTime: '2026-05-05T10:00:00', timeZone: 'Europe/London' },
      end: { dateTime: '2026-05-05T11:00:00', timeZone: 'Europe/London' },
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
    });
    joinUrl = (event.data.onlineMeeting as { joinUrl: string }).joinUrl;
  });
  afterAll(async () => emu?.close());

  it('finds the meeting from its join link, as a collection of one, for the organiser by object id', async () => {
    const r = await byJoinUrl(ORGANISER_ID, joinUrl);
    expect(r.status).toBe(200);
    expect(r.body.value).toHaveLength(1);
    expect(r.body.value[0]).toMatchObject({ joinWebUrl: joinUrl, subject: 'Drop-in' });
    meetingId = r.body.value[0].id;
    expect(Buffer.from(meetingId, 'base64').toString()).toMatch(
      new RegExp(`^1\\*${ORGANISER_ID}\\*0\\*\\*19:meeting_`),
    );
    expect((await byJoinUrl(ORGANISER_ID, `${joinUrl}x`)).body.value).toEqual([]);
  });

  it('is as strict as Graph: object ids only, the organiser only, the access policy, a JoinWebUrl filter', async () => {
    expect((await byJoinUrl('organiser@wexqs.example', joinUrl)).status).toBe(404);
    const other = await byJoinUrl(OTHER_ID, joinUrl);
    expect(other.status).toBe(403);
    expect(other.body.error.message).toBe('No application access policy found for this app.');
    expect((await get(`/users/${ORGANISER_ID}/onlineMeetings`)).status).toBe(400);
    expect((await get(`/users/${ORGANISER_ID}/onlineMeetings?$filter=subject eq 'x'`)).status).toBe(400);
    expect((await byJoinUrl(ORGANISER_ID, joinUrl)).status).toBe(200);
    expect((await get(`/users/${ORGANISER_ID}/onlineMeetings?$filter=x`, 'wrong-token')).status).toBe(401);
  });

  it('writes a report once everyone has left, with one record per person and their intervals', async () => {
    const base = `/users/${ORGANISER_ID}/onlineMeetings/${encodeURIComponent(meetingId)}/attendanceReports`;
    const at = (m: number) => new Date(START.getTime() + m * MIN);
    emu.onlineMeetings.recordAttendance(joinUrl, {
      userId: ORGANISER_ID,
      email: 'organiser@wexqs.example',
      displayName: 'Organiser',
      role: 'Organizer',
      joinDateTime: at(0),
      leaveDateTime: at(60),
    });
    emu.onlineMeetings.recordAttendance(joinUrl, {
      userId: 'AAAAAAAA-0000-4000-8000-00000000000A',
      email: 'ada@alpha.example',
      displayName: 'Ada',
      joinDateTime: at(5),
      leaveDateTime: at(10),
    });
    emu.onlineMeetings.recordAttendance(joinUrl, {
      userId: 'aaaaaaaa-0000-4000-8000-00000000000a',
      email: 'ada@alpha.example',
      displayName: 'Ada',
      joinDateTime: at(20),
      leaveDateTime: at(50),
    });
    for (let i = 0; i < 25; i++)
      emu.onlineMeetings.recordAttendance(joinUrl, {
        email: `guest${i}@elsewhere.example`,
        displayName: `Guest ${i}`,
        joinDateTime: at(1),
        leaveDateTime: at(2),
      });

    now = at(59);
    expect((await get(base)).body.value).toEqual([]); // the meeting is still going on
    now = at(61);
    const list = await get(base);
    expect(list.body.value).toHaveLength(1);
    const report = list.body.value[0];
    expect(report).toMatchObject({
      totalParticipantCount: 27,
      meetingStartDateTime: at(0).toISOString(),
      meetingEndDateTime: at(60).toISOString(),
      attendanceRecords: [],
    });

    const first = await get(`${base}/${report.id}/attendanceRecords`);
    expect(first.body.value).toHaveLength(20);
    expect(first.body['@odata.nextLink']).toMatch(/attendanceRecords\?\$skiptoken=/);
    const next = new URL(first.body['@odata.nextLink']);
    const second = await get(`${next.pathname.replace(/^\/v1\.0/, '')}${next.search}`);
    expect(second.body.value).toHaveLength(7);
    expect(second.body['@odata.nextLink']).toBeUndefined();
    const ada = [...first.body.value, ...second.body.value].find((r: any) => r.emailAddress === 'ada@alpha.example');
    expect(ada).toEqual({
      id: 'aaaaaaaa-0000-4000-8000-00000000000a',
      emailAddress: 'ada@alpha.example',
      totalAttendanceInSeconds: 35 * 60,
      role: 'Attendee',
      identity: { id: 'aaaaaaaa-0000-4000-8000-00000000000a', displayName: 'Ada', tenantId: null },
      attendanceIntervals: [
        { joinDateTime: at(5).toISOString(), leaveDateTime: at(10).toISOString(), durationInSeconds: 300 },
        { joinDateTime: at(20).toISOString(), leaveDateTime: at(50).toISOString(), durationInSeconds: 1800 },
      ],
    });
    const expanded = await get(`${base}/${report.id}?$expand=attendanceRecords`);
    expect(expanded.body.attendanceRecords).toHaveLength(27);
    expect((await get(`${base}/not-a-report`)).status).toBe(404);
    expect((await get(`/users/${ORGANISER_ID}/onlineMeetings/bm9uZQ==/attendanceReports`)).status).toBe(404);
  });

  it('requires its token on the admin routes', async () => {
    expect((await fetch(`${emu.url}/_emulator/stats`)).status).toBe(401);
    const reset = await fetch(`${emu.url}/_emulator/reset`, { method: 'POST' });
    expect(reset.status).toBe(401);
    expect((await get('/users/' + ORGANISER_ID)).status).toBe(200); // nothing was reset
    const stats = await fetch(`${emu.url}/_emulator/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(stats.status).toBe(200);
    expect(((await stats.json()) as { requests: number }).requests).toBeGreaterThan(0);
  });

  it('listens on loopback only', async () => {
    await expect(startGraphEmulator({ host: '0.0.0.0' })).rejects.toThrow(
      'The Graph emulator host is "0.0.0.0", which is not a loopback address',
    );
    expect(new URL(emu.url).hostname).toBe('127.0.0.1');
  });
});
