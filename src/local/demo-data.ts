/**
 * Demo data for local mode: a realistic quality-standard cycle whose dates are relative to
 * today, ten organisations, drop-in sessions (past ones with attendance, upcoming ones with seats
 * taken) and the people of the Playground config. Seeded once: a second start keeps what is there.
 */
import { DateTime } from 'luxon';
import { DEFAULT_FRAMEWORK } from '../domain/framework-default.js';
import { LONDON } from '../domain/time.js';
import type { Organisation } from '../domain/types.js';
import type { Store } from '../store/store.js';
import { DEMO_PEOPLE } from './demo-people.js';

export const DEMO_ORGANISATIONS: readonly Organisation[] = [
  { id: 'org-northshire', name: 'Northshire Hospitals NHS Foundation Trust', code: 'DM1' },
  { id: 'org-riverside', name: 'Riverside Community Health NHS Trust', code: 'DM2' },
  { id: 'org-eastbrook', name: 'Eastbrook Mental Health NHS Trust', code: 'DM3' },
  { id: 'org-westmoor', name: 'Westmoor Teaching Hospitals NHS Trust', code: 'DM4' },
  { id: 'org-southvale', name: 'Southvale Ambulance Service NHS Trust', code: 'DM5' },
  { id: 'org-harbourside', name: 'Harbourside University Hospitals NHS Foundation Trust', code: 'DM6' },
  { id: 'org-greenfield', name: "Greenfield Children's Hospital NHS Foundation Trust", code: 'DM7' },
  { id: 'org-kingsmead', name: 'Kingsmead Integrated Care NHS Trust', code: 'DM8' },
  { id: 'org-fenland', name: 'Fenland Community and Mental Health NHS Trust', code: 'DM9' },
  { id: 'org-highcliff', name: 'Highcliff Hospitals NHS Trust', code: 'DM10' },
];

export const DEMO_CYCLE_ID = 'cycle-demo';

/** 24 December to 2 January: the Christmas and New Year bank holidays and the days around them. */
function isHolidayBreak(d: DateTime): boolean {
  return (d.month === 12 && d.day >= 24) || (d.month === 1 && d.day <= 2);
}

export interface DemoSession {
  id: string;
  title: string;
  start: Date;
  end: Date;
  capacity: number;
}

/** The demo cycle's dates and drop-in sessions, relative to `now` (pure: no database). */
export function demoCalendar(now: Date): {
  cycle: { submissionDeadline: Date; reviewStart: Date; reviewEnd: Date; decisionStart: Date; decisionEnd: Date };
  sessions: DemoSession[];
} {
  const today = DateTime.fromJSDate(now, { zone: LONDON }).startOf('day');
  const at = (days: number, hour: number, minute = 0) => today.plus({ days }).set({ hour, minute }).toJSDate();
  // Drop-ins fall on working days: the nearest Tuesday to Thursday (no Monday bank holidays, no
  // Good Friday) outside the Christmas and New Year break, later for upcoming sessions and
  // earlier for past ones, at the given working hour.
  const session = (days: number, hour: number, minute = 0) => {
    let d = today.plus({ days });
    const step = days < 0 ? -1 : 1;
    while (d.weekday < 2 || d.weekday > 4 || isHolidayBreak(d)) d = d.plus({ days: step });
    const start = d.set({ hour, minute });
    return { start: start.toJSDate(), end: start.plus({ hours: 1 }).toJSDate() };
  };
  // About six weeks away, on a Friday at 17:00 (deadlines fall on working days), never in the
  // Christmas and New Year break.
  let d = 42 - ((today.plus({ days: 42 }).weekday - 5 + 7) % 7);
  while (isHolidayBreak(today.plus({ days: d }))) d += 7;
  return {
    cycle: {
      submissionDeadline: at(d, 17),
      reviewStart: at(d + 14, 9),
      reviewEnd: at(d + 70, 17),
      decisionStart: at(d + 73, 9),
      decisionEnd: at(d + 87, 17),
    },
    sessions: [
      { id: 'dropin-past-3w', title: 'WEx QS drop-in: is my organisation ready?', ...session(-21, 10), capacity: 15 },
      { id: 'dropin-past-10w', title: 'WEx QS drop-in: the application checklist', ...session(-70, 14), capacity: 15 },
      { id: 'dropin-next-week', title: 'WEx QS drop-in: bronze, silver or gold?', ...session(5, 10), capacity: 10 },
      { id: 'dropin-nearly-full', title: 'WEx QS drop-in: evidence and commentary', ...session(12, 14), capacity: 6 },
      {
        id: 'dropin-later',
        title: 'WEx QS drop-in: questions before the deadline',
        ...session(26, 12, 30),
        capacity: 12,
      },
    ],
  };
}

/** Seed the demo data unless the database already has a cycle. Returns whether it seeded. */
export async function seedDemoData(store: Store, now: Date): Promise<boolean> {
  return store.transaction(async (tx) => {
    if ((await tx.cycles.list()).length > 0) return false;
    const today = DateTime.fromJSDate(now, { zone: LONDON }).startOf('day');
    const at = (days: number, hour: number, minute = 0) => today.plus({ days }).set({ hour, minute }).toJSDate();
    const calendar = demoCalendar(now);

    await tx.frameworks.save(DEFAULT_FRAMEWORK);
    for (const org of DEMO_ORGANISATIONS) await tx.organisations.upsert(org);

    for (const p of DEMO_PEOPLE) {
      if (!p.personId) continue;
      await tx.people.upsert({
        id: p.personId,
        displayName: p.displayName,
        email: p.email,
        entraObjectId: p.entraObjectId,
        organisationId: p.organisationId,
        roles: p.roles,
      });
    }
    // One contact for each organisation without a Playground user, so bookings and
    // applications from other trusts look real on dashboards and session lists.
    const leads = new Map<string, string>([
      ['org-northshire', 'demo-priya'],
      ['org-riverside', 'demo-grace'],
    ]);
    for (const org of DEMO_ORGANISATIONS) {
      if (leads.has(org.id)) continue;
      const id = `demo-lead-${org.id.slice(4)}`;
      const slug = org.id.slice(4);
      await tx.people.upsert({
        id,
        displayName: `Work experience lead (${org.name.split(' ')[0]})`,
        email: `wex.lead@${slug}.example.nhs.uk`,
        entraObjectId: null,
        organisationId: org.id,
        roles: ['applicant_lead'],
      });
      leads.set(org.id, id);
    }

    await tx.cycles.create({
      id: DEMO_CYCLE_ID,
      name: `${today.year}/${String((today.year + 1) % 100).padStart(2, '0')} cycle (demo)`,
      ...calendar.cycle,
      graceMinutes: 2 * 24 * 60,
      intakePaused: false,
      frameworkVersion: DEFAULT_FRAMEWORK.version,
    });

    const sessions = calendar.sessions;
    for (const s of sessions) {
      await tx.dropIns.createSession({
        id: s.id,
        title: s.title,
        startsAt: s.start,
        endsAt: s.end,
        capacity: s.capacity,
        cancelled: false,
        joinUrl: null,
      });
    }

    const bookedAt = at(-30, 9);
    // Past attendance: Northshire 3 weeks ago (eligible), Riverside 10 weeks ago (too long ago).
    const attended: [string, string][] = [
      ['dropin-past-3w', 'org-northshire'],
      ['dropin-past-3w', 'org-eastbrook'],
      ['dropin-past-3w', 'org-westmoor'],
      ['dropin-past-3w', 'org-harbourside'],
      ['dropin-past-10w', 'org-riverside'],
      ['dropin-past-10w', 'org-kingsmead'],
    ];
    for (const [sessionId, orgId] of attended) {
      const b = await tx.dropIns.book({
        sessionId,
        personId: leads.get(orgId)!,
        organisationId: orgId,
        actorId: 'seed',
        // Booked a fortnight before the session (sessions moved off holidays start earlier).
        now: new Date(sessions.find((x) => x.id === sessionId)!.start.getTime() - 14 * 86_400_000),
      });
      await tx.dropIns.markAttended(b.id, true, 'seed', bookedAt, 'seeded');
    }
    // Upcoming: five of six seats taken on one session.
    for (const orgId of ['org-southvale', 'org-greenfield', 'org-kingsmead', 'org-fenland', 'org-highcliff']) {
      await tx.dropIns.book({
        sessionId: 'dropin-nearly-full',
        personId: leads.get(orgId)!,
        organisationId: orgId,
        actorId: 'seed',
        now,
      });
    }

    // Applications already under way in other organisations.
    const eastbrook = await tx.applications.create({
      organisationId: 'org-eastbrook',
      cycleId: DEMO_CYCLE_ID,
      actorId: leads.get('org-eastbrook')!,
      now: at(-14, 11),
    });
    await tx.applications.transition({
      applicationId: eastbrook.id,
      expectedVersion: eastbrook.version,
      from: 'requested',
      to: 'open',
      action: 'open',
      actorId: 'demo-alex',
      now: at(-13, 9),
    });
    await tx.applications.create({
      organisationId: 'org-harbourside',
      cycleId: DEMO_CYCLE_ID,
      actorId: leads.get('org-harbourside')!,
      now: at(-2, 15),
    });
    return true;
  });
}
