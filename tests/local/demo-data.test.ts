import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { checkEligibility } from '../../src/domain/dropins.js';
import { submissionTiming } from '../../src/domain/cycle.js';
import { DEMO_CYCLE_ID, DEMO_ORGANISATIONS, demoCalendar, seedDemoData } from '../../src/local/demo-data.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { engines } from '../support/databases.js';

describe.each(engines())('demo data on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  const now = new Date('2026-10-20T09:30:00Z');

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
  });
  afterAll(async () => handle.close());

  it('seeds a realistic cycle relative to today, once', async () => {
    expect(await seedDemoData(store, now)).toBe(true);
    expect(await seedDemoData(store, now)).toBe(false);
    expect(await store.organisations.list()).toHaveLength(DEMO_ORGANISATIONS.length);
    const cycle = await store.cycles.get(DEMO_CYCLE_ID);
    expect(cycle).not.toBeNull();
    expect(submissionTiming(cycle!, now)).toBe('on_time');
    expect(cycle!.submissionDeadline.getTime()).toBeGreaterThan(now.getTime());
  });

  it('makes one Playground organisation eligible and the other not, to show both paths', async () => {
    const north = checkEligibility(await store.dropIns.attendancesForOrganisation('org-northshire'), now);
    const river = checkEligibility(await store.dropIns.attendancesForOrganisation('org-riverside'), now);
    expect(north.eligible).toBe(true);
    expect(river).toMatchObject({ eligible: false, reason: 'attendance_too_old' });
  });

  it('has upcoming sessions with seats left and one nearly full', async () => {
    const upcoming = await store.dropIns.listUpcoming(now);
    expect(upcoming.length).toBeGreaterThanOrEqual(3);
    expect(upcoming.some((s) => s.capacity - s.booked === 1)).toBe(true);
  });
});

describe('demo cycle dates', () => {
  it.each(['2026-11-21T10:00:00Z', '2026-03-27T10:00:00Z', '2027-06-02T10:00:00Z'])(
    'puts the deadline on a Friday at 17:00 UK time, about six weeks after %s',
    async (iso) => {
      const handle = await openDatabase({ pgliteDir: 'memory://' });
      const store = new Store(handle.db);
      await seedDemoData(store, new Date(iso));
      const cycle = (await store.cycles.get(DEMO_CYCLE_ID))!;
      const local = DateTime.fromJSDate(cycle.submissionDeadline, { zone: 'Europe/London' });
      expect(local.weekday).toBe(5);
      expect(local.toFormat('HH:mm')).toBe('17:00');
      const days = (cycle.submissionDeadline.getTime() - new Date(iso).getTime()) / 86_400_000;
      expect(days).toBeGreaterThan(35);
      // A week later when six weeks would land in the Christmas and New Year break.
      expect(days).toBeLessThan(50);
      expect(local.month === 12 && local.day >= 24).toBe(false);
      expect(local.month === 1 && local.day <= 2).toBe(false);
      await handle.close();
    },
  );

  it('puts every drop-in on a working day (Tuesday to Thursday, not over Christmas and New Year) in working hours, and the deadline after today, whatever day it is', () => {
    const start = DateTime.fromISO('2026-01-01T09:00:00', { zone: 'Europe/London' });
    for (let i = 0; i < 366; i += 1) {
      const now = start.plus({ days: i }).toJSDate();
      const { cycle, sessions } = demoCalendar(now);
      expect(sessions.map((x) => x.id)).toEqual(SESSION_IDS);
      for (const s of sessions) {
        const t = DateTime.fromJSDate(s.start, { zone: 'Europe/London' });
        const end = DateTime.fromJSDate(s.end, { zone: 'Europe/London' });
        const label = `${s.id} seeded ${now.toISOString()}: ${t.toISO()}`;
        expect(t.weekday, label).toBeGreaterThanOrEqual(2);
        expect(t.weekday, label).toBeLessThanOrEqual(4);
        expect((t.month === 12 && t.day >= 24) || (t.month === 1 && t.day <= 2), label).toBe(false);
        expect(t.hour, label).toBeGreaterThanOrEqual(9);
        expect(end.hour * 60 + end.minute, label).toBeLessThanOrEqual(17 * 60);
      }
      expect(cycle.submissionDeadline.getTime()).toBeGreaterThan(now.getTime());
      // An attendance counts from its session's start: Priya's trust went 3 weeks ago, Grace's 10.
      const attended = (id: string) => [
        { sessionId: id, organisationId: 'o', attendedAt: sessions.find((x) => x.id === id)!.start },
      ];
      expect(checkEligibility(attended('dropin-past-3w'), now).eligible, now.toISOString()).toBe(true);
      expect(checkEligibility(attended('dropin-past-10w'), now).eligible, now.toISOString()).toBe(false);
    }
  });

  // Seeded in the database on the first of every month and on each day around Christmas and New
  // Year, when sessions move furthest (each seed is rolled back after checking).
  const seedDays = [
    ...Array.from({ length: 12 }, (_, m) => `2026-${String(m + 1).padStart(2, '0')}-01`),
    ...['2026-12-20', '2026-12-23', '2026-12-24', '2026-12-27', '2026-12-30', '2027-01-02', '2027-01-04'],
  ];
  it('seeds those sessions, and Priya’s organisation stays eligible and Grace’s not, on any day', async () => {
    const handle = await openDatabase({ pgliteDir: 'memory://' });
    const store = new Store(handle.db);
    for (const day of seedDays) {
      const now = DateTime.fromISO(`${day}T09:00:00`, { zone: 'Europe/London' }).toJSDate();
      await store
        .transaction(async (tx) => {
          await seedDemoData(tx, now);
          const sessions = (await Promise.all(SESSION_IDS.map((id) => tx.dropIns.getSession(id)))).filter(
            (x) => x !== null,
          );
          expect(sessions.map((x) => [x.id, x.startsAt, x.endsAt])).toEqual(
            demoCalendar(now).sessions.map((x) => [x.id, x.start, x.end]),
          );
          expect(checkEligibility(await tx.dropIns.attendancesForOrganisation('org-northshire'), now).eligible).toBe(
            true,
          );
          expect(checkEligibility(await tx.dropIns.attendancesForOrganisation('org-riverside'), now).eligible).toBe(
            false,
          );
          throw new RolledBack();
        })
        .catch((e: unknown) => {
          if (!(e instanceof RolledBack)) throw e;
        });
    }
    await handle.close();
  });
});

class RolledBack extends Error {}

const SESSION_IDS = ['dropin-past-3w', 'dropin-past-10w', 'dropin-next-week', 'dropin-nearly-full', 'dropin-later'];
