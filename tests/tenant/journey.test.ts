/**
 * One organisation through a whole cycle in tenant mode, as a deployment runs it (tenant-stack.ts:
 * `npm run serve`'s composition, PostgreSQL, bot authentication on, the Bot Connector and Graph
 * emulators), on an injected clock:
 *
 * official framework imported → cycle → people bound on their first message → drop-in meeting
 * created → booked → drop-in reminder → the Teams attendance report → eligible → request → open
 * and provision → evidence and commentary → deadline reminder to the team only, at its time →
 * submit (later deadline reminders cancelled) → review-closing reminder to the assigned reviewer
 * only → review → decision communicated inside the window → award.
 *
 * Also: a token for another audience, an expired token, no token and an activity from another
 * tenant are refused. The suite depends on the jobs of the tenant composition (reminder planning
 * and dispatch, attendance, evidence refresh) and on bot authentication being on.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docKey } from '../../bot/cards/application-common.js';
import { runCli } from '../../src/cli/admin.js';
import { criteriaForSection, type Framework } from '../../src/domain/framework.js';
import { formatLondon, LONDON } from '../../src/domain/time.js';
import { SECTION_NUMBERS, type Actor } from '../../src/domain/types.js';
import type { Dispatcher } from '../../src/notifications/dispatcher.js';
import { createSession } from '../../src/workflows/dropins.js';
import { cardText, executeActions, MovableClock } from '../bot/helpers.js';
import { assertValidCard } from '../bot/card-validator.js';
import { eventually } from '../support/local-stack.js';
import { cardsOf, type TeamsUser } from '../support/teams-channel.js';
import { ORGANISER, OTHER_TENANT_ID, postgresServer, startTenantStack, type TenantStack } from './tenant-stack.js';

const london = (iso: string) => DateTime.fromISO(iso, { zone: LONDON }).toJSDate();
const MIN = 60_000;

const people = {
  lena: {
    id: '29:lena',
    name: 'Lena Lead',
    aadObjectId: '1a1a1a1a-0000-4000-8000-00000000a101',
    email: 'lena.lead@northfield.example.nhs.uk',
  },
  carl: {
    id: '29:carl',
    name: 'Carl Contributor',
    aadObjectId: '1a1a1a1a-0000-4000-8000-00000000a102',
    email: 'carl.contributor@northfield.example.nhs.uk',
  },
  otto: {
    id: '29:otto',
    name: 'Otto Other',
    aadObjectId: '1a1a1a1a-0000-4000-8000-00000000a103',
    email: 'otto.other@southgate.example.nhs.uk',
  },
  rhea: {
    id: '29:rhea',
    name: 'Rhea Reviewer',
    aadObjectId: '1a1a1a1a-0000-4000-8000-00000000a104',
    email: 'rhea.reviewer@england.example.nhs.uk',
  },
  ravi: {
    id: '29:ravi',
    name: 'Ravi Reviewer',
    aadObjectId: '1a1a1a1a-0000-4000-8000-00000000a105',
    email: 'ravi.reviewer@england.example.nhs.uk',
  },
  alex: {
    id: '29:alex',
    name: 'Alex Admin',
    aadObjectId: '1a1a1a1a-0000-4000-8000-00000000a106',
    email: 'alex.admin@england.example.nhs.uk',
  },
} satisfies Record<string, TeamsUser>;
type Who = keyof typeof people;

const DOCS = [
  'Work experience policy.pdf',
  'Risk assessment.docx',
  'Induction checklist.pdf',
  'Learner evaluation.pdf',
  'Certificate.pdf',
];

describe('tenant mode: one organisation through the cycle', () => {
  const clock = new MovableClock(london('2027-01-11T09:30'));
  let s: TenantStack;
  let sessionId = '';
  let appId = '';
  let framework: Framework;

  const teams = () => s.teams;
  const say = async (who: Who, text: string) => {
    const r = await teams().say(people[who], text);
    expect(r.status).toBe(200);
    expect(r.cards).toHaveLength(1);
    assertValidCard(r.cards[0], `${who}: ${text}`);
    return r.cards[0];
  };
  const invoke = async (who: Who, verb: string, data: Record<string, unknown> = {}) => {
    const r = await teams().invoke(people[who], verb, data);
    expect(r.status).toBe(200);
    assertValidCard(r.card, `${who}: ${verb}`);
    return r.card;
  };
  /** Press a button of a card, with its data and these input values. */
  const click = async (who: Who, card: unknown, verb: string, inputs: Record<string, unknown> = {}, title?: string) => {
    const action = executeActions(card).find((a) => a.verb === verb && (title === undefined || a.title === title));
    if (!action)
      throw new Error(
        `no ${verb} button: ${executeActions(card)
          .map((a) => `${a.verb}:${a.title}`)
          .join(', ')}`,
      );
    return invoke(who, verb, { ...action.data, ...inputs });
  };
  /** Every card the bot sent into someone's personal chat so far (replies and proactive messages). */
  const chatOf = (who: Who) =>
    s.connector
      .activities(teams().conversationOf(people[who]))
      .flatMap((a) => cardsOf(a.activity))
      .map(cardText);
  const dispatcher = () => s.app.svc.reminders as Dispatcher;
  const outbox = (kind: string) =>
    s.app.svc.store.db
      .selectFrom('reminder_outbox as o')
      .innerJoin('people as p', 'p.id', 'o.recipient_id')
      .select(['p.email', 'o.status', 'o.send_after', 'o.payload'])
      .where('o.kind', '=', kind)
      .orderBy('o.send_after')
      .orderBy('p.email')
      .execute();
  const admin: Actor = {
    personId: 'admin-cli',
    displayName: 'Admin command line',
    roles: ['admin'],
    organisationId: null,
  };

  beforeAll(async () => {
    s = await startTenantStack({
      clock,
      directory: Object.values(people).map((p) => ({ mail: p.email, id: p.aadObjectId, displayName: p.name })),
    });
    for (const p of Object.values(people)) teams().addToRoster(p);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await (await postgresServer()).stop();
  });

  it('refuses activities without a valid channel token or from another tenant', async () => {
    const lena = people.lena;
    const before = s.connector.stats().accepted;
    expect((await teams().say(lena, 'help', { audience: '00000000-0000-4000-8000-00000000dead' })).status).toBe(401);
    expect((await teams().say(lena, 'help', { expiredSecondsAgo: 600 })).status).toBe(401);
    expect((await teams().say(lena, 'help', { authorization: null })).status).toBe(401);
    expect((await teams().invoke(lena, 'help', {}, { authorization: 'Bearer not-a-token' })).status).toBe(401);
    expect(s.connector.stats().accepted).toBe(before);
    const other = await teams().say(lena, 'help', { tenantId: OTHER_TENANT_ID });
    expect(other.status).toBe(200);
    expect(cardText(other.cards[0])).toContain('This app serves another organisation');
  });

  it('the admin loads the official framework and the cycle; people are bound to their Entra accounts on their first message', async () => {
    const cli = async (...argv: string[]) => {
      const out: string[] = [];
      const code = await runCli(argv, (l) => out.push(l), s.app.svc.store, clock.now());
      expect(code, out.join('\n')).toBe(0);
      return out.join('\n');
    };
    expect(
      await cli('import-framework', '--file', 'examples/framework-example.csv', '--version', 'nhse-2027.1'),
    ).toContain('Imported framework nhse-2027.1: 30 criteria');
    await cli(
      'create-cycle',
      '--name',
      '2026/27 cycle 2',
      '--id',
      'cycle-2027-1',
      '--framework',
      'nhse-2027.1',
      '--deadline',
      '2027-03-05 17:00',
      '--review-start',
      '2027-03-15',
      '--review-end',
      '2027-04-23',
      '--decision-start',
      '2027-04-26',
      '--decision-end',
      '2027-05-07 17:00',
    );
    const csv = `${process.cwd()}/node_modules/.tenant-orgs-${process.pid}.csv`;
    const { writeFileSync, rmSync } = await import('node:fs');
    writeFileSync(
      csv,
      [
        'organisation_name,organisation_code,contact_name,contact_email,contact_role',
        `Northfield Hospitals NHS Trust,RNF,Lena Lead,${people.lena.email},lead`,
        `Northfield Hospitals NHS Trust,RNF,Carl Contributor,${people.carl.email},contributor`,
        `Southgate Community Health,RSG,Otto Other,${people.otto.email},lead`,
      ].join('\n'),
    );
    try {
      await cli('import-orgs', '--file', csv);
    } finally {
      rmSync(csv, { force: true });
    }
    await cli('grant', '--email', people.alex.email, '--role', 'admin', '--name', people.alex.name);
    await cli('grant', '--email', people.rhea.email, '--role', 'reviewer', '--name', people.rhea.name);
    await cli('grant', '--email', people.ravi.email, '--role', 'reviewer', '--name', people.ravi.name);
    framework = (await s.app.svc.store.frameworks.get('nhse-2027.1'))!;

    for (const who of Object.keys(people) as Who[]) {
      expect(cardText(await say(who, 'help'))).toContain(`Hi ${people[who].name.split(' ')[0]}`);
      const bound = await s.app.svc.store.people.findByEmail(people[who].email);
      expect(bound?.entraObjectId).toBe(people[who].aadObjectId);
    }
  });

  it('a drop-in meeting is created and booked; its reminder reaches the attendee the day before', async () => {
    const session = await createSession(s.app.svc, admin, {
      title: 'WEx QS drop-in',
      startsAt: london('2027-01-14T10:00'),
      endsAt: london('2027-01-14T11:00'),
      capacity: 10,
    });
    sessionId = session.id;
    const { joinUrl } = await s.app.graph!.meetings.ensureMeeting(sessionId);
    expect(joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);

    expect(cardText(await click('lena', await say('lena', 'eligibility'), 'sessions'))).toContain('WEx QS drop-in');
    expect(cardText(await invoke('lena', 'book_dropin', { sessionId }))).toContain("You're booked");
    // The booking is added to the Teams meeting's invitation (after the reply).
    await eventually(async () => {
      const event = s.graph.calendar.list(ORGANISER.id).find((e) => e.data.subject === 'WEx QS drop-in');
      expect(JSON.stringify(event?.data.attendees)).toContain(people.lena.email);
    });

    // The reminder 24 hours before: not a minute early, then to Lena alone.
    clock.at = london('2027-01-13T09:59');
    expect(await dispatcher().runOnce()).toBe(0);
    clock.at = london('2027-01-13T10:00');
    s.app.svc.reminders!.wake();
    await eventually(async () =>
      expect(chatOf('lena').some((t) => t.startsWith('Your drop-in session is tomorrow'))).toBe(true),
    );
    // The message arrives before the dispatcher records it as sent: wait for the record too.
    await eventually(async () =>
      expect((await outbox('dropin_upcoming')).map((r) => [r.email, r.status])).toEqual([
        [people.lena.email, 'sent'],
        [people.lena.email, 'pending'],
      ]),
    );
    for (const who of ['carl', 'otto', 'rhea', 'ravi', 'alex'] as Who[])
      expect(chatOf(who).some((t) => t.startsWith('Your drop-in session'))).toBe(false);
  });

  it('after the drop-in, its Teams attendance report makes the organisation eligible, saying so', async () => {
    const session = (await s.app.svc.store.dropIns.getSession(sessionId))!;
    const at = (m: number) => new Date(session.startsAt.getTime() + m * MIN);
    const joined = (p: TeamsUser | { aadObjectId: string; email: string; name: string }, from: number, to: number) =>
      s.graph.onlineMeetings.recordAttendance(session.joinUrl!, {
        userId: p.aadObjectId,
        email: p.email,
        displayName: p.name,
        joinDateTime: at(from),
        leaveDateTime: at(to),
      });
    s.graph.onlineMeetings.recordAttendance(session.joinUrl!, {
      userId: ORGANISER.id,
      email: ORGANISER.mail,
      displayName: 'WEx QS drop-ins',
      role: 'Organizer',
      joinDateTime: at(0),
      leaveDateTime: at(60),
    });
    joined(people.lena, 2, 55);
    joined(people.carl, 5, 50); // joined without booking

    // Not eligible until the report is read.
    clock.at = london('2027-01-14T11:05');
    expect(cardText(await say('carl', 'eligibility'))).toContain('Not eligible yet');
    expect((await s.app.jobs.runNow('attendance')).summary).toMatchObject({ sessions: 0 });
    clock.at = london('2027-01-14T11:15');
    const run = await s.app.jobs.runNow('attendance');
    expect(run).toMatchObject({
      outcome: 'succeeded',
      summary: { sessions: 1, reports: 1, recorded: 2, unmatched: 0 },
    });

    const eligible = cardText(await say('carl', 'eligibility'));
    expect(eligible).toContain('You are eligible to apply');
    expect(eligible).toContain("Attendance recorded from the Teams meeting's attendance report.");
    const bookings = await s.app.svc.store.dropIns.bookingsForSession(sessionId);
    expect(bookings.map((b) => [b.attended, b.attendedSource])).toEqual([
      [true, 'teams_report'],
      [true, 'teams_report'],
    ]);
    // Southgate did not attend.
    expect(cardText(await say('otto', 'eligibility'))).toContain('Not eligible yet');
  });

  it('Lena requests the application; the admin opens it; the folder is provisioned and the team told', async () => {
    clock.at = london('2027-01-18T09:00');
    expect(cardText(await say('lena', 'request application'))).toContain('Application requested');
    appId = (await s.app.svc.store.applications.listByCycle('cycle-2027-1'))[0]!.id;
    const dashboard = await say('alex', 'dashboard');
    expect(cardText(await click('alex', dashboard, 'open_application'))).toContain('Opened');
    for (const who of ['lena', 'carl'] as Who[])
      await eventually(async () => expect(chatOf(who).some((t) => t.includes('Your application is open'))).toBe(true));
    expect(chatOf('otto').some((t) => t.includes('Your application is open'))).toBe(false);
    const folder = await s.app.graph!.evidence.folderFor(
      'cycle-2027-1',
      (await s.app.svc.store.applications.get(appId))!.organisationId,
    );
    expect(folder).not.toBeNull();
    // The card links to it (read with the application's record).
    const status = JSON.stringify(await say('lena', 'status'));
    expect(status).toContain('Open evidence folder');
    expect(status).toContain(JSON.stringify(folder!.webUrl));
  });

  it('the team uploads evidence (read by the evidence-refresh job), declares it, writes commentary: ready', async () => {
    const app = (await s.app.svc.store.applications.get(appId))!;
    for (const [i, name] of DOCS.entries())
      await s.app.graph!.evidence.uploadDocument(
        app.cycleId,
        app.organisationId,
        ((i % 6) + 1) as 1,
        name,
        Buffer.from(`%PDF ${name}`),
      );
    clock.at = london('2027-01-25T10:00');
    expect((await s.app.jobs.runNow('evidence-refresh')).summary).toMatchObject({ refreshed: 1, failed: 0 });

    const status = await say('lena', 'status');
    const level = await click('lena', status, 'choose_level', { level: 'bronze' });
    expect(cardText(level)).toContain('Level saved');
    const evidence = await click('lena', level, 'evidence');
    const declared = await click(
      'lena',
      evidence,
      'save_evidence',
      Object.fromEntries(DOCS.map((n) => [`done_${docKey(n)}`, 'true'])),
    );
    expect(cardText(declared)).toContain('Saved 5 documents');
    for (const section of SECTION_NUMBERS) {
      const form = await invoke('carl', 'commentary', { applicationId: appId, section });
      const inputs: Record<string, unknown> = {};
      for (const [i, c] of criteriaForSection(framework, section, 'bronze').entries()) {
        inputs[`text_${c.id}`] = `How Northfield meets ${c.id}.`;
        inputs[`doc_${c.id}_0`] = docKey(DOCS[(section + i) % DOCS.length]!);
        inputs[`pages_${c.id}_0`] = '1-2';
      }
      expect(cardText(await click('carl', form, 'save_commentary', inputs, 'Save draft'))).toContain(
        `Section ${section} saved`,
      );
    }
    expect(cardText(await say('lena', 'status'))).toContain('Ready to submit');
  });

  it('the 28-day deadline reminder goes to Northfield’s team at 17:00 UK time, and to nobody else', async () => {
    await s.app.jobs.runNow('reminder-planning');
    const planned = (await outbox('submission_deadline')).filter((r) => r.status === 'pending');
    expect([...new Set(planned.map((r) => r.email))].sort()).toEqual([people.carl.email, people.lena.email].sort());
    expect(planned[0]!.send_after).toEqual(london('2027-02-05T17:00'));

    clock.at = london('2027-02-05T16:59');
    expect(await dispatcher().runOnce()).toBe(0);
    clock.at = london('2027-02-05T17:00');
    s.app.svc.reminders!.wake();
    for (const who of ['lena', 'carl'] as Who[])
      await eventually(async () =>
        expect(chatOf(who).filter((t) => t.startsWith('Submission deadline in 28 days'))).toHaveLength(1),
      );
    for (const who of ['otto', 'rhea', 'ravi', 'alex'] as Who[])
      expect(chatOf(who).some((t) => t.includes('Submission deadline'))).toBe(false);
  });

  it('submitting cancels the team’s later deadline reminders: none is sent when their time comes', async () => {
    clock.at = london('2027-02-10T11:00');
    const status = await say('lena', 'status');
    let card = await click('lena', status, 'submit');
    if (cardText(card).includes('not referenced') || executeActions(card).some((a) => a.verb === 'submit'))
      card = await click('lena', card, 'submit');
    expect(cardText(card)).toContain('Submitted');
    const deadline = await outbox('submission_deadline');
    expect(deadline.filter((r) => r.status === 'pending')).toEqual([]);
    expect(deadline.filter((r) => r.status === 'cancelled').length).toBeGreaterThanOrEqual(8);

    clock.at = london('2027-03-05T16:00');
    await s.app.jobs.runNow('reminder-planning');
    expect(await dispatcher().runOnce()).toBe(0);
    expect(chatOf('lena').filter((t) => t.startsWith('Submission deadline in'))).toHaveLength(1);
  });

  it('the review-closing reminder reaches the assigned reviewer only, at its time; the review is done', async () => {
    clock.at = london('2027-03-15T10:00');
    const rhea = (await s.app.svc.store.people.findByEmail(people.rhea.email))!;
    const assigned = await invoke('alex', 'save_assignment', { applicationId: appId, reviewerIds: rhea.id });
    expect(cardText(assigned)).toContain('Rhea Reviewer');
    // The assignment reaches Rhea through the outbox (the dispatcher job sends it), and no one else.
    await eventually(async () =>
      expect(chatOf('rhea').some((t) => t.includes('This application has been assigned to you for review.'))).toBe(
        true,
      ),
    );
    expect(chatOf('ravi').some((t) => t.includes('assigned to you for review'))).toBe(false);
    // The chat message arrives before the dispatcher records it as sent: wait for the record too.
    await eventually(async () =>
      expect(await outbox('reviewer_assigned')).toMatchObject([{ email: people.rhea.email, status: 'sent' }]),
    );
    await s.app.jobs.runNow('reminder-planning');
    const [first] = (await outbox('review_closing')).filter((r) => r.status === 'pending');
    expect(first?.email).toBe(people.rhea.email);
    expect(first!.send_after).toEqual(london('2027-04-16T08:00')); // 7 days before, after quiet hours
    clock.at = new Date(first!.send_after.getTime() - MIN);
    expect(await dispatcher().runOnce()).toBe(0);
    clock.at = first!.send_after;
    s.app.svc.reminders!.wake();
    await eventually(async () =>
      expect(chatOf('rhea').some((t) => t.startsWith('Review window closes in 7 days'))).toBe(true),
    );
    expect(chatOf('ravi').some((t) => t.includes('Review window closes'))).toBe(false);

    const queue = await say('rhea', 'queue');
    const view = await click('rhea', queue, 'app_view');
    let card = await click('rhea', view, 'start_review');
    expect(cardText(card)).toContain('Review started');
    for (const section of SECTION_NUMBERS) {
      const form = await invoke('rhea', 'assess', { applicationId: appId, section });
      const inputs = Object.fromEntries(
        criteriaForSection(framework, section, 'bronze').map((c) => [`outcome_${c.id}`, 'met']),
      );
      card = await click('rhea', form, 'save_assessment', inputs, 'Save');
    }
    const rec = await click('rhea', card, 'recommend', {
      level: 'bronze',
      strengths: 'A clear policy.',
      improvements: 'Evaluate every placement.',
    });
    expect(cardText(rec)).toMatch(/Recommend/i);
    expect((await s.app.svc.store.applications.get(appId))!.state).toBe('recommended');
  });

  it('the decision is confirmed and communicated inside the decision window; the team gets the award', async () => {
    clock.at = london('2027-04-24T10:00');
    const view = await invoke('alex', 'app_view', { applicationId: appId });
    const decided = await click('alex', view, 'decide', {
      level: 'bronze',
      strengths: 'A clear policy.',
      improvements: 'Evaluate every placement.',
    });
    expect(cardText(decided)).toContain('Decision confirmed');
    // Before the decision window the card offers no way to communicate, and says when it opens.
    expect(executeActions(decided).map((a) => a.verb)).not.toContain('communicate');
    expect(cardText(decided)).toContain('Decisions can be communicated from');
    expect(cardText(decided)).toContain(formatLondon(london('2027-04-26T00:00')));
    // A stale card's button (or a hand-made request) is refused the same way.
    const early = await invoke('alex', 'communicate', { applicationId: appId });
    expect(cardText(early)).toContain('Outside the allowed dates');
    expect((await s.app.svc.store.applications.get(appId))!.state).toBe('decided');

    clock.at = london('2027-04-27T10:00');
    const inWindow = await invoke('alex', 'app_view', { applicationId: appId });
    const sent = await click('alex', inWindow, 'communicate');
    expect(cardText(sent)).toContain('Decision sent');
    for (const who of ['lena', 'carl'] as Who[])
      await eventually(async () =>
        expect(chatOf(who).some((t) => t.includes('Bronze award') && t.includes('Expires'))).toBe(true),
      );
    expect(chatOf('otto').some((t) => t.includes('award'))).toBe(false);
    const award = await s.app.svc.store.awards.forApplication(appId);
    expect(award?.level).toBe('bronze');
    // Valid for two years from when it was communicated, not from when it was decided.
    expect(award!.validFrom).toEqual(london('2027-04-27T10:00'));
    expect(award!.validUntil).toEqual(london('2029-04-27T10:00'));
  });

  it('every message to Teams carried the bot’s token, and /readyz lists every job as enabled', async () => {
    expect(s.connector.stats().unauthorised).toBe(0);
    expect(s.connector.stats().accepted).toBeGreaterThan(20);
    const ready = (await (await fetch(`${s.app.url}/readyz`)).json()) as {
      status: string;
      database: unknown;
      jobs: { name: string; enabled: boolean }[];
    };
    expect(ready.status).toBe('ready');
    expect(ready.database).toEqual({ ok: true, engine: 'postgres' });
    expect(ready.jobs.map((j) => [j.name, j.enabled])).toEqual([
      ['reminder-planning', true],
      ['reminder-dispatch', true],
      ['lapsing', true],
      ['attendance', true],
      ['evidence-refresh', true],
      ['meeting-attendees', true],
      ['evidence-folders', true],
      ['provisioning', true],
      ['evidence-recheck', true],
    ]);
    expect(JSON.stringify(ready)).not.toMatch(/placeholder|@|Lena|Northfield/);
  });
});
