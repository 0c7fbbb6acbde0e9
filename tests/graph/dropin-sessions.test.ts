/**
 * Admins schedule drop-in sessions whose Teams meetings live in the organiser's calendar: a new
 * session gets its meeting, a change of time moves the event, a cancellation cancels it.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphMeetings } from '../../src/graph/graph-ports.js';
import { NoJoinLinkError } from '../../src/graph/meetings.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { changeSession, createSession } from '../../src/workflows/dropins.js';
import { seedBasics, services, T0 } from '../support/fixtures.js';
import { harness, type Harness } from './helpers.js';

const ADMIN = { personId: 'admin-1', displayName: 'Adam Admin', roles: ['admin'] as const, organisationId: null };
const LEAD = {
  personId: 'lead-a',
  displayName: 'Ada Lead',
  roles: ['applicant_lead'] as const,
  organisationId: 'org-a',
};
const ORGANISER = 'organiser@wexqs.example';
const DAY = 86_400_000;

describe('drop-in sessions and their Teams meetings', () => {
  let handle: DatabaseHandle;
  let store: Store;
  let h: Harness;
  let meetings: GraphMeetings;

  beforeAll(async () => {
    handle = await openDatabase({ pgliteDir: 'memory://' });
    store = new Store(handle.db);
    await seedBasics(store);
    h = await harness();
    meetings = new GraphMeetings({ store, client: h.client, organiser: ORGANISER, log: silentLogger });
  });
  afterAll(async () => {
    await h.close();
    await handle.close();
  });

  const events = async () => (await h.client.api(`/users/${ORGANISER}/events`).get()).value as any[];

  it('creates the session, then its meeting with a Teams join link stored on the session', async () => {
    const svc = services(store);
    const startsAt = new Date(T0.getTime() + 10 * DAY);
    const session = await createSession(
      svc,
      { ...ADMIN, roles: [...ADMIN.roles] },
      { title: 'Readiness clinic', startsAt, endsAt: new Date(startsAt.getTime() + 3_600_000), capacity: 8 },
    );
    const { joinUrl } = await meetings.ensureMeeting(session.id);
    expect(joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    expect((await store.dropIns.getSession(session.id))?.joinUrl).toBe(joinUrl);
    expect(await meetings.ensureMeeting(session.id)).toMatchObject({ joinUrl }); // once only
    expect((await events()).filter((e) => e.subject === 'Readiness clinic')).toHaveLength(1);

    const later = new Date(startsAt.getTime() + 4 * 3_600_000);
    await changeSession(
      svc,
      { ...ADMIN, roles: [...ADMIN.roles] },
      { sessionId: session.id, startsAt: later, endsAt: new Date(later.getTime() + 3_600_000) },
    );
    expect(await meetings.syncMeeting(session.id)).toBe('updated');
    const moved = (await events()).find((e) => e.subject === 'Readiness clinic');
    // The event keeps Europe/London wall time, moved to the new start.
    expect(moved.start.timeZone).toBe('Europe/London');
    expect(moved.start.dateTime).toContain(
      DateTime.fromJSDate(later, { zone: 'Europe/London' }).toFormat("yyyy-LL-dd'T'HH:mm"),
    );

    await changeSession(svc, { ...ADMIN, roles: [...ADMIN.roles] }, { sessionId: session.id, cancel: true });
    expect(await meetings.syncMeeting(session.id)).toBe('cancelled');
    expect((await events()).filter((e) => e.subject === 'Readiness clinic')).toHaveLength(0);
  });

  const newSession = (title: string, days: number) => {
    const startsAt = new Date(T0.getTime() + days * DAY);
    return createSession(
      services(store),
      { ...ADMIN, roles: [...ADMIN.roles] },
      { title, startsAt, endsAt: new Date(startsAt.getTime() + 3_600_000), capacity: 8 },
    );
  };

  it('a retry after a lost answer finds the event already made; a later event for the session gets a new transactionId', async () => {
    const session = await newSession('Evidence clinic', 12);
    // The first attempt reached Graph but its answer was lost: the id chosen for it is kept.
    const tx = await store.dropIns.meetingTransactionId(session.id, 'tx-first-attempt');
    expect(await store.dropIns.meetingTransactionId(session.id, 'another')).toBe(tx);
    const lost = await h.client.api(`/users/${ORGANISER}/events`).post({
      subject: session.title,
      body: { contentType: 'HTML', content: '<p>NHS England Work Experience Quality Standard drop-in session.</p>' },
      start: { dateTime: '2099-01-01T10:00:00', timeZone: 'Europe/London' },
      end: { dateTime: '2099-01-01T11:00:00', timeZone: 'Europe/London' },
      transactionId: tx,
    });
    await h.client.api(`/users/${ORGANISER}/events/${lost.id}`).delete();
    // Graph will not take that id again, for any event: the app gives up on it and the next try works.
    await expect(meetings.ensureMeeting(session.id)).rejects.toMatchObject({ code: 'ErrorDuplicateTransactionId' });
    const { eventId, joinUrl } = await meetings.ensureMeeting(session.id);
    expect(joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);
    // Cancelled, and made again later (the session re-opened): a new event, not a refusal.
    await meetings.syncMeeting(session.id);
    await h.client.api(`/users/${ORGANISER}/events/${eventId}/cancel`).post({ Comment: 'moved' });
    await handle.db
      .updateTable('dropin_sessions')
      .set({ graph_event_id: null, join_url: null })
      .where('id', '=', session.id)
      .execute();
    const again = await meetings.ensureMeeting(session.id);
    expect(again.eventId).not.toBe(eventId);
    expect((await events()).filter((e) => e.subject === 'Evidence clinic')).toHaveLength(1);
  });

  it('an organiser calendar without Teams meetings fails the start-up check, and an event without a join link is an error', async () => {
    await expect(meetings.assertTeamsMeetingsAllowed()).resolves.toBeUndefined();
    h.emu.calendar.setTeamsAllowed(ORGANISER, false);
    try {
      await expect(meetings.assertTeamsMeetingsAllowed()).rejects.toThrow(
        "the organiser's calendar does not allow Teams meetings (allowedOnlineMeetingProviders: none)",
      );
      const session = await newSession('No-link clinic', 14);
      await expect(meetings.ensureMeeting(session.id)).rejects.toBeInstanceOf(NoJoinLinkError);
      expect(await store.dropIns.meetingOf(session.id)).toBeNull();
      expect((await events()).filter((e) => e.subject === 'No-link clinic')).toHaveLength(0); // taken out again
      h.emu.calendar.setTeamsAllowed(ORGANISER, true);
      expect((await meetings.ensureMeeting(session.id)).joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);
    } finally {
      h.emu.calendar.setTeamsAllowed(ORGANISER, true);
    }
  });

  it('refuses bad sessions with every reason, and applicants cannot schedule', async () => {
    const svc = services(store);
    await expect(
      createSession(
        svc,
        { ...ADMIN, roles: [...ADMIN.roles] },
        { title: 'x', startsAt: new Date(T0.getTime() - DAY), endsAt: new Date(T0.getTime() - 2 * DAY), capacity: 0 },
      ),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      details: {
        problems: [
          'the title must be 3 to 200 characters',
          'the session must start in the future',
          'the session must end after it starts',
          'the capacity must be a whole number from 1 to 500',
        ],
      },
    });
    await expect(
      createSession(
        svc,
        { ...LEAD, roles: [...LEAD.roles] },
        {
          title: 'Mine',
          startsAt: new Date(T0.getTime() + DAY),
          endsAt: new Date(T0.getTime() + DAY + 3_600_000),
          capacity: 5,
        },
      ),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
