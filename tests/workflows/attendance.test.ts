/**
 * Drop-in attendance read from Teams: the Graph emulator holds the sessions' Teams meetings and
 * writes an attendance report once everyone has left; collectAttendance finds each meeting from
 * its join link, applies each report once, matches people by Entra object id then email (never
 * one bound to another account), and looks again later when no report is there yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIRST_CHECK_AFTER_END_MS,
  GIVE_UP_AFTER_MS,
  KEEP_COLLECTING_FOR_MS,
  RECHECK_EVERY_MS,
} from '../../src/domain/attendance.js';
import type { DropInSession } from '../../src/domain/types.js';
import { createGraphClient } from '../../src/graph/client.js';
import { startGraphEmulator, type GraphEmulator } from '../../src/graph/emulator/index.js';
import { GraphMeetings } from '../../src/graph/graph-ports.js';
import { GraphMeetingAttendance } from '../../src/graph/meeting-attendance.js';
import { silentLogger } from '../../src/log.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { collectAttendance } from '../../src/workflows/attendance.js';
import { organisationEligibility } from '../../src/workflows/dropins.js';
import type { Services } from '../../src/workflows/services.js';
import { MovableClock } from '../bot/helpers.js';
import { engines } from '../support/databases.js';
import { seedBasics, T0 } from '../support/fixtures.js';

const ORGANISER = 'organiser@wexqs.example';
const ORGANISER_ID = '0e0e0e0e-0000-4000-8000-0000000000e0';
const MIN = 60_000;
const HOUR = 60 * MIN;
const TOKEN = 'attendance-test-token';

const OID = {
  ada: '0a0a0a0a-1111-4000-8000-00000000000a',
  cara: 'c0c0c0c0-2222-4000-8000-00000000000c',
  ben: 'b0b0b0b0-3333-4000-8000-00000000000b',
  stranger: '5a5a5a5a-4444-4000-8000-000000000005',
};

async function emulatorWith(clock: MovableClock, accessPolicyFor?: string[]): Promise<GraphEmulator> {
  return startGraphEmulator({
    acceptedToken: TOKEN,
    users: [{ mail: ORGANISER, displayName: 'Drop-in organiser', id: ORGANISER_ID }],
    onlineMeetings: { now: () => clock.now(), ...(accessPolicyFor ? { accessPolicyFor } : {}) },
  });
}

function portsFor(emu: GraphEmulator, store: Store) {
  const client = createGraphClient({ mode: 'local', staticToken: TOKEN, baseUrl: emu.url, appVersion: 'test' });
  return {
    meetings: new GraphMeetings({ store, client, organiser: ORGANISER, log: silentLogger }),
    attendance: new GraphMeetingAttendance({ client, baseUrl: emu.url, organiser: ORGANISER }),
  };
}

describe.each(engines())('attendance from the Teams meeting ($name)', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  let emu: GraphEmulator;
  let svc: Services;
  const clock = new MovableClock(T0);
  let ports: ReturnType<typeof portsFor>;
  let counter = 0;

  /** A session that starts `hoursFromT0` after T0 and lasts an hour, with its Teams meeting. */
  async function sessionWithMeeting(hoursFromT0: number): Promise<DropInSession & { joinUrl: string }> {
    const startsAt = new Date(T0.getTime() + hoursFromT0 * HOUR);
    const s: DropInSession = {
      id: `att-${++counter}`,
      title: `Drop-in ${counter}`,
      startsAt,
      endsAt: new Date(startsAt.getTime() + HOUR),
      capacity: 2,
      cancelled: false,
      joinUrl: null,
    };
    await store.dropIns.createSession(s);
    const { joinUrl } = await ports.meetings.ensureMeeting(s.id);
    return { ...s, joinUrl: joinUrl! };
  }

  const stay = (
    s: { joinUrl: string; startsAt: Date },
    who: { userId?: string; email?: string; name: string; role?: 'Organizer' | 'Attendee' },
    fromMin: number,
    toMin: number,
  ) =>
    emu.onlineMeetings.recordAttendance(s.joinUrl, {
      ...(who.userId ? { userId: who.userId } : {}),
      ...(who.email ? { email: who.email } : {}),
      displayName: who.name,
      ...(who.role ? { role: who.role } : {}),
      joinDateTime: new Date(s.startsAt.getTime() + fromMin * MIN),
      leaveDateTime: new Date(s.startsAt.getTime() + toMin * MIN),
    });

  const bookingOf = async (sessionId: string, personId: string) =>
    (await store.dropIns.bookingsForSession(sessionId)).find(
      (b) => b.personId === personId && b.status !== 'cancelled',
    );

  const attendanceAudit = async (bookingId: string) =>
    (await store.audit.forEntity('dropin_booking', bookingId))
      .filter((a) => a.action === 'mark_attended' || a.action === 'record_attendance')
      .map((a) => ({ action: a.action, source: a.details.source, actor: a.actorId }));

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    await seedBasics(store, T0);
    await store.people.upsert({ ...(await store.people.get('lead-a'))!, entraObjectId: OID.ada });
    await store.people.upsert({
      id: 'cara',
      displayName: 'Cara Csv',
      email: 'cara@alpha.example',
      entraObjectId: null,
      organisationId: 'org-a',
      roles: ['applicant_contributor'],
    });
    await store.people.upsert({
      id: 'ben',
      displayName: 'Ben Lead',
      email: 'ben@beta.example',
      entraObjectId: OID.ben,
      organisationId: 'org-b',
      roles: ['applicant_lead'],
    });
    await store.people.upsert({
      id: 'wes',
      displayName: 'Wes Waitlisted',
      email: 'wes@beta.example',
      entraObjectId: null,
      organisationId: 'org-b',
      roles: ['applicant_contributor'],
    });
    emu = await emulatorWith(clock);
    ports = portsFor(emu, store);
    svc = { store, clock, log: silentLogger, attendance: ports.attendance };
  });
  afterAll(async () => {
    await emu?.close();
    await handle?.close();
  });

  it('records who joined from the report once it is there: booked, waitlisted, unbooked, by object id or email', async () => {
    const s = await sessionWithMeeting(48);
    const bookedAt = new Date(T0.getTime() + HOUR);
    const ada = await store.dropIns.book({
      sessionId: s.id,
      personId: 'lead-a',
      organisationId: 'org-a',
      actorId: 'lead-a',
      now: bookedAt,
    });
    await store.dropIns.book({
      sessionId: s.id,
      personId: 'ben',
      organisationId: 'org-b',
      actorId: 'ben',
      now: bookedAt,
    });
    const wes = await store.dropIns.book({
      sessionId: s.id,
      personId: 'wes',
      organisationId: 'org-b',
      actorId: 'wes',
      now: bookedAt,
      waitlistIfFull: true,
    });
    expect(wes.status).toBe('waitlisted');

    // Before it ends (and shortly after) nothing is looked at.
    clock.at = new Date(s.endsAt.getTime() + FIRST_CHECK_AFTER_END_MS - MIN);
    expect(await collectAttendance(svc, clock.now())).toMatchObject({ sessions: 0 });

    // Looked at, but nobody has joined: no report yet, looked at again 30 minutes later.
    clock.at = new Date(s.endsAt.getTime() + FIRST_CHECK_AFTER_END_MS);
    expect(await collectAttendance(svc, clock.now())).toMatchObject({ sessions: 1, reports: 0, waiting: 1 });
    expect(await collectAttendance(svc, new Date(clock.now().getTime() + RECHECK_EVERY_MS - MIN))).toMatchObject({
      sessions: 0,
    });

    stay(s, { userId: ORGANISER_ID, email: ORGANISER, name: 'Organiser', role: 'Organizer' }, 0, 60);
    stay(s, { userId: OID.ada.toUpperCase(), email: 'ada@alpha.example', name: 'Ada' }, 2, 50);
    stay(s, { userId: OID.ben, email: 'ben@beta.example', name: 'Ben' }, 5, 10);
    stay(s, { userId: OID.ben, email: 'ben@beta.example', name: 'Ben' }, 12, 40); // rejoined: one record
    stay(s, { email: 'Wes@Beta.example', name: 'Wes (guest account)' }, 3, 30); // no Entra id: by email
    stay(s, { userId: 'ffffffff-9999-4000-8000-00000000000f', email: 'cara@alpha.example', name: 'Cara' }, 3, 30);
    stay(s, { userId: OID.stranger, email: 'ada@alpha.example', name: 'Someone with Ada’s address' }, 3, 20);
    stay(s, { email: 'visitor@elsewhere.example', name: 'Visitor' }, 3, 20);

    clock.at = new Date(s.endsAt.getTime() + FIRST_CHECK_AFTER_END_MS + RECHECK_EVERY_MS);
    const run = await collectAttendance(svc, clock.now());
    expect(run).toMatchObject({ sessions: 1, reports: 1, recorded: 4, unmatched: 2, waiting: 0, failed: 0 });

    expect(await bookingOf(s.id, 'lead-a')).toMatchObject({
      status: 'booked',
      attended: true,
      attendedSource: 'teams_report',
    });
    expect(await bookingOf(s.id, 'ben')).toMatchObject({ attended: true });
    expect(await bookingOf(s.id, 'wes')).toMatchObject({ id: wes.id, status: 'booked', attended: true });
    const cara = await bookingOf(s.id, 'cara');
    expect(cara).toMatchObject({ status: 'booked', attended: true, organisationId: 'org-a' });
    // Attendance does not bind anyone to an Entra account.
    expect((await store.people.get('cara'))?.entraObjectId).toBeNull();
    expect(await attendanceAudit(ada.id)).toEqual([
      { action: 'mark_attended', source: 'teams_attendance_report', actor: 'system' },
    ]);
    expect((await store.audit.forEntity('dropin_booking', cara!.id)).map((a) => [a.action, a.details])).toEqual([
      [
        'record_attendance',
        expect.objectContaining({ source: 'teams_attendance_report', sessionId: s.id, joinedWithoutBooking: true }),
      ],
    ]);
    const eligibility = await organisationEligibility(svc, {
      personId: 'lead-a',
      displayName: 'Ada',
      roles: ['applicant_lead'],
      organisationId: 'org-a',
    });
    expect(eligibility).toMatchObject({ eligible: true, lastAttended: s.startsAt, source: 'teams_report' });

    // Idempotent: the same report is not applied again, nothing is audited twice.
    clock.at = new Date(clock.at.getTime() + RECHECK_EVERY_MS);
    expect(await collectAttendance(svc, clock.now())).toMatchObject({ sessions: 1, reports: 0, recorded: 0 });
    expect(await attendanceAudit(ada.id)).toHaveLength(1);

    // Someone re-opens the link later: a second occurrence, a second report, applied once.
    stay(s, { userId: OID.ben, email: 'ben@beta.example', name: 'Ben' }, 120, 130);
    clock.at = new Date(s.startsAt.getTime() + 3 * HOUR);
    expect(await collectAttendance(svc, clock.now())).toMatchObject({ reports: 1, recorded: 0 });

    // A day after the end it stops looking.
    clock.at = new Date(s.endsAt.getTime() + KEEP_COLLECTING_FOR_MS);
    await collectAttendance(svc, clock.now());
    expect(await store.dropIns.attendanceCheckOf(s.id)).toMatchObject({ status: 'collected', reports: 2 });
    expect(await collectAttendance(svc, new Date(clock.now().getTime() + 7 * 24 * HOUR))).toMatchObject({
      sessions: 0,
    });
  });

  it('applies each report once when two instances collect at the same moment', async () => {
    const s = await sessionWithMeeting(24 * 10);
    stay(s, { userId: OID.ada, email: 'ada@alpha.example', name: 'Ada' }, 0, 30);
    stay(s, { userId: OID.ben, email: 'ben@beta.example', name: 'Ben' }, 0, 30);
    clock.at = new Date(s.endsAt.getTime() + HOUR);
    const [a, b] = await Promise.all([collectAttendance(svc, clock.now()), collectAttendance(svc, clock.now())]);
    expect(a.reports + b.reports).toBe(1);
    expect(a.recorded + b.recorded).toBe(2);
    const bookings = await store.dropIns.bookingsForSession(s.id);
    expect(bookings.map((x) => x.personId).sort()).toEqual(['ben', 'lead-a']);
    for (const x of bookings) expect(await attendanceAudit(x.id)).toHaveLength(1);
  });

  it('gives up a week after the end when no report ever came, and says a meeting it cannot find', async () => {
    const quiet = await sessionWithMeeting(24 * 20);
    clock.at = new Date(quiet.endsAt.getTime() + GIVE_UP_AFTER_MS);
    await collectAttendance(svc, clock.now());
    expect(await store.dropIns.attendanceCheckOf(quiet.id)).toMatchObject({ status: 'no_report', reports: 0 });

    const gone: DropInSession = {
      id: 'att-gone',
      title: 'Meeting deleted in Outlook',
      startsAt: new Date(T0.getTime() + 24 * 30 * HOUR),
      endsAt: new Date(T0.getTime() + (24 * 30 + 1) * HOUR),
      capacity: 5,
      cancelled: false,
      joinUrl: 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_nothere%40thread.v2/0',
    };
    await store.dropIns.createSession(gone);
    clock.at = new Date(gone.endsAt.getTime() + HOUR);
    expect(await collectAttendance(svc, clock.now())).toMatchObject({ sessions: 1, waiting: 1 });
    const row = await store.db
      .selectFrom('dropin_sessions')
      .select(['attendance_status', 'attendance_last_error', 'attendance_next_check_at'])
      .where('id', '=', gone.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ attendance_status: 'pending', attendance_last_error: 'meeting_not_found' });
    expect(row.attendance_next_check_at?.getTime()).toBe(clock.now().getTime() + RECHECK_EVERY_MS);
  });

  it('reports a missing Teams application access policy as a reason code and tries again later', async () => {
    const locked = await emulatorWith(clock, ['someone-else@wexqs.example']);
    try {
      const lockedPorts = portsFor(locked, store);
      const s0 = new Date(T0.getTime() + 24 * 40 * HOUR);
      await store.dropIns.createSession({
        id: 'att-locked',
        title: 'Locked',
        startsAt: s0,
        endsAt: new Date(s0.getTime() + HOUR),
        capacity: 5,
        cancelled: false,
        joinUrl: null,
      });
      await lockedPorts.meetings.ensureMeeting('att-locked');
      clock.at = new Date(s0.getTime() + 2 * HOUR);
      const r = await collectAttendance({ ...svc, attendance: lockedPorts.attendance }, clock.now());
      // Every session due fails the same way (the earlier ones are still due too).
      expect(r.failed).toBeGreaterThanOrEqual(1);
      expect(r.failed).toBe(r.sessions);
      const row = await store.db
        .selectFrom('dropin_sessions')
        .select(['attendance_status', 'attendance_last_error'])
        .where('id', '=', 'att-locked')
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ attendance_status: 'pending', attendance_last_error: 'no_access_policy' });
    } finally {
      await locked.close();
    }
  });

  it('counts someone once when the report has them twice (signed in, and again as a guest with their email)', async () => {
    const s = await sessionWithMeeting(24 * 50);
    stay(s, { userId: OID.ben, email: 'ben@beta.example', name: 'Ben' }, 0, 30);
    stay(s, { email: 'ben@beta.example', name: 'Ben (phone app)' }, 20, 40);
    clock.at = new Date(s.endsAt.getTime() + HOUR);
    await collectAttendance(svc, clock.now(), { limit: 50 });
    const ben = await bookingOf(s.id, 'ben');
    expect(ben).toMatchObject({ attended: true });
    expect(await attendanceAudit(ben!.id)).toHaveLength(1);
    const applied = await store.db
      .selectFrom('dropin_attendance_reports')
      .select(['records', 'matched'])
      .where('session_id', '=', s.id)
      .execute();
    expect(applied).toEqual([{ records: 2, matched: 1 }]);
  });

  it('logs an unexpected failure and, past the give-up time, still looks again an hour later', async () => {
    const s = await sessionWithMeeting(24 * 60);
    clock.at = new Date(s.endsAt.getTime() + GIVE_UP_AFTER_MS + HOUR);
    const broken: Services = {
      ...svc,
      attendance: {
        reports: async () => {
          throw new TypeError('unexpected shape');
        },
        records: async () => [],
      },
    };
    const r = await collectAttendance(broken, clock.now(), { limit: 50 });
    expect(r.failed).toBe(r.sessions);
    const row = await store.db
      .selectFrom('dropin_sessions')
      .select(['attendance_status', 'attendance_last_error', 'attendance_next_check_at'])
      .where('id', '=', s.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      attendance_status: 'pending',
      attendance_last_error: 'unexpected',
      attendance_next_check_at: new Date(clock.now().getTime() + HOUR),
    });
  });

  it('does nothing without an attendance reader (Graph off)', async () => {
    expect(await collectAttendance({ store, clock, log: silentLogger }, clock.now())).toEqual({
      sessions: 0,
      reports: 0,
      recorded: 0,
      unmatched: 0,
      waiting: 0,
      failed: 0,
    });
  });
});
