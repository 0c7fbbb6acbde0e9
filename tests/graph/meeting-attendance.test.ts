/**
 * Reading attendance through Graph when Graph says no: each failure becomes a reason code that
 * names nobody (the attendance job logs it and looks again later). A scripted server stands in
 * for Graph so each answer is exact.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphClient } from '../../src/graph/client.js';
import { GraphMeetingAttendance } from '../../src/graph/meeting-attendance.js';
import { AttendanceReadError } from '../../src/workflows/ports.js';

type Answer = { status: number; body?: unknown } | 'drop';

describe('GraphMeetingAttendance failures', () => {
  let server: http.Server;
  let base = '';
  const answers = new Map<string, Answer>();
  const seen: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const path = decodeURIComponent(req.url ?? '');
      seen.push(path);
      const key = [...answers.keys()].find((k) => path.startsWith(k));
      const a = key ? answers.get(key)! : { status: 404, body: { error: { code: 'NotFound', message: 'nope' } } };
      if (a === 'drop') return void req.socket.destroy();
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.body ?? {}));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const reader = () =>
    new GraphMeetingAttendance({
      client: createGraphClient({
        mode: 'local',
        staticToken: 't',
        baseUrl: base,
        appVersion: 'test',
        retry: { delaySeconds: 0, maxRetries: 0 },
      }),
      baseUrl: base,
      organiser: 'organiser@x.example',
    });
  const reason = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      expect(e).toBeInstanceOf(AttendanceReadError);
      return (e as AttendanceReadError).reason;
    }
    throw new Error('expected a failure');
  };
  const ORG = '/v1.0/users/organiser@x.example';
  const MEETINGS = '/v1.0/users/org-id/onlineMeetings';

  it('finds the organiser once, encodes the join link into the filter, and follows record pages', async () => {
    answers.clear();
    answers.set(ORG, { status: 200, body: { id: 'org-id' } });
    answers.set(`${MEETINGS}?$filter=`, { status: 200, body: { value: [{ id: 'm1' }] } });
    answers.set(`${MEETINGS}/m1/attendanceReports/r1/attendanceRecords?$skiptoken=2`, {
      status: 200,
      body: { value: [{ emailAddress: null, identity: null, role: null, totalAttendanceInSeconds: null }] },
    });
    answers.set(`${MEETINGS}/m1/attendanceReports/r1/attendanceRecords`, {
      status: 200,
      body: {
        value: [{ emailAddress: 'a@x', identity: { id: 'oid-a' }, role: 'Attendee', totalAttendanceInSeconds: 60 }],
        '@odata.nextLink': `${base}/v1.0/users/org-id/onlineMeetings/m1/attendanceReports/r1/attendanceRecords?$skiptoken=2`,
      },
    });
    answers.set(`${MEETINGS}/m1/attendanceReports`, { status: 200, body: { value: [{ id: 'r1' }] } });
    const r = reader();
    expect(await r.reports("https://teams.example/join?x='1'")).toEqual({ meetingId: 'm1', reports: [{ id: 'r1' }] });
    expect(seen.some((p) => p.includes("JoinWebUrl eq 'https://teams.example/join?x=''1'''"))).toBe(true);
    expect(await r.records('m1', 'r1')).toEqual([
      { entraObjectId: 'oid-a', emailAddress: 'a@x', role: 'Attendee', totalAttendanceInSeconds: 60 },
      { entraObjectId: null, emailAddress: null, role: null, totalAttendanceInSeconds: 0 },
    ]);
    expect(seen.filter((p) => p.startsWith(ORG))).toHaveLength(1);
  });

  it('says no meeting when Graph finds none (404 or an empty list)', async () => {
    answers.clear();
    answers.set(ORG, { status: 200, body: { id: 'org-id' } });
    answers.set(`${MEETINGS}?$filter=`, { status: 200, body: { value: [] } });
    expect(await reader().reports('https://teams.example/j')).toBeNull();
    answers.set(`${MEETINGS}?$filter=`, { status: 404, body: { error: { code: 'NotFound', message: 'x' } } });
    expect(await reader().reports('https://teams.example/j')).toBeNull();
  });

  it('names each refusal: no access policy, forbidden, throttled, other statuses, no answer', async () => {
    answers.clear();
    answers.set(ORG, { status: 200, body: { id: 'org-id' } });
    const filter = `${MEETINGS}?$filter=`;
    const cases: [Answer, string][] = [
      [
        {
          status: 403,
          body: { error: { code: 'General', message: 'No application access policy found for this app.' } },
        },
        'no_access_policy',
      ],
      [{ status: 403, body: { error: { code: 'Forbidden', message: 'An error has occurred.' } } }, 'forbidden'],
      [{ status: 429, body: { error: { code: 'TooManyRequests', message: 'x' } } }, 'throttled'],
      [{ status: 500, body: { error: { code: 'generalException', message: 'x' } } }, 'http_500_generalException'],
      [{ status: 400, body: {} }, 'http_400'],
      ['drop', 'transport'],
    ];
    for (const [answer, expected] of cases) {
      answers.set(filter, answer);
      expect(await reason(reader().reports('https://teams.example/j'))).toBe(expected);
    }
    answers.set(filter, { status: 200, body: { value: [{ id: 'm1' }] } });
    answers.set(`${MEETINGS}/m1/attendanceReports`, { status: 503, body: {} });
    expect(await reason(reader().reports('https://teams.example/j'))).toBe('http_503');
    expect(await reason(reader().records('m1', 'r1'))).toBe('http_503');
  });

  it('tries the organiser look-up again after it failed', async () => {
    answers.clear();
    answers.set(ORG, { status: 404, body: { error: { code: 'Request_ResourceNotFound', message: 'x' } } });
    const r = reader();
    expect(await reason(r.reports('https://teams.example/j'))).toBe('http_404_Request_ResourceNotFound');
    answers.set(ORG, { status: 200, body: { id: 'org-id' } });
    answers.set(`${MEETINGS}?$filter=`, { status: 200, body: { value: [] } });
    expect(await r.reports('https://teams.example/j')).toBeNull();
  });
});
