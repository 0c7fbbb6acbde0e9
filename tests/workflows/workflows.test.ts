/** Handlers one by one: refusals, drop-in cancel/rebook/waitlist, readiness on submit, stale cards, help. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { docKey } from '../../bot/cards/application-common.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { engines } from '../support/databases.js';
import { T0 } from '../support/fixtures.js';
import { cardText, click, executeActions, harness, invoke, say, type Harness } from '../bot/helpers.js';

const DAY = 86_400_000;

describe.each(engines())('workflow handlers on $name', (engine) => {
  let handle: DatabaseHandle;
  let h: Harness;

  beforeAll(async () => {
    handle = await engine.open();
    h = await harness(handle);
    const start = new Date(T0.getTime() + 5 * DAY);
    await h.store.dropIns.createSession({
      id: 'one-seat',
      title: 'Small drop-in',
      startsAt: start,
      endsAt: new Date(start.getTime() + 3600_000),
      capacity: 1,
      cancelled: false,
      joinUrl: 'https://teams.microsoft.com/l/meetup-join/1',
    });
    await h.store.dropIns.createSession({
      id: 'big',
      title: 'Big drop-in',
      startsAt: new Date(start.getTime() + DAY),
      endsAt: new Date(start.getTime() + DAY + 3600_000),
      capacity: 20,
      cancelled: false,
      joinUrl: null,
    });
  });
  afterAll(async () => handle.close());
  beforeEach(() => {
    h.clock.at = T0;
  });

  it('help shows each role its buttons, so every journey starts from help', async () => {
    const verbs = async (who: Parameters<typeof say>[1]) =>
      executeActions((await say(h, who, 'help')).card).map((a) => a.verb);
    expect(await verbs('lead')).toEqual(
      expect.arrayContaining(['sessions', 'eligibility', 'request_application', 'status', 'cycle']),
    );
    expect(await verbs('rev1')).toEqual(expect.arrayContaining(['queue', 'cycle']));
    expect(await verbs('admin')).toEqual(expect.arrayContaining(['dashboard', 'applications', 'intake', 'provision']));
    expect(await verbs('rev1')).not.toContain('dashboard');
    const odd = await say(h, 'lead', 'please frobnicate');
    expect(odd.outcome).toBe('not_understood');
    const forbidden = await invoke(h, 'lead', 'dashboard');
    expect(forbidden.outcome).toBe('not_for_you');
    expect(cardText(forbidden.card)).toContain('This action is for admins');
  });

  it('full session: waitlist, promotion when a seat frees (told after the reply), rebook and cancel', async () => {
    const booked = await invoke(h, 'leadB', 'book_dropin', { sessionId: 'one-seat' });
    expect(cardText(booked.card)).toContain("You're booked");
    // Booking from a card that still showed the seat: refused, with the session's waitlist offered.
    const full = await invoke(h, 'lead', 'book_dropin', { sessionId: 'one-seat' });
    expect(cardText(full.card)).toContain('That session is full');
    expect(executeActions(full.card)).toContainEqual({
      title: 'Join waitlist',
      verb: 'book_dropin',
      data: { verb: 'book_dropin', sessionId: 'one-seat', waitlist: true },
    });
    expect((await h.store.dropIns.bookingsForPerson('lead-a')).filter((b) => b.sessionId === 'one-seat')).toEqual([]);
    const sessions = await say(h, 'lead', 'drop-in sessions');
    const wait = await click(h, 'lead', sessions.card, 'book_dropin', {}, 'Join waitlist');
    expect(cardText(wait.card)).toContain('waitlist');
    await h.deliver();
    expect(h.meetings.attendees.get('one-seat')).toEqual(['ben@beta.example']);

    const ask = await click(h, 'leadB', booked.card, 'cancel_booking');
    expect(cardText(ask.card)).toContain('Cancel your booking?');
    const cancel = await click(h, 'leadB', ask.card, 'cancel_booking');
    expect(cardText(cancel.card)).toContain('Booking cancelled');
    await h.deliver();
    expect(h.meetings.attendees.get('one-seat')).toEqual(['ada@alpha.example']);
    expect(cardText(h.messenger.to('lead-a').at(-1))).toContain('A seat has freed up');
    // Cancelling the same booking again: the current sessions, not an error.
    const again = await click(h, 'leadB', ask.card, 'cancel_booking');
    expect(cardText(again.card)).toContain('already cancelled');

    const list = await say(h, 'lead', 'sessions');
    const moved = await click(h, 'lead', list.card, 'rebook');
    expect(cardText(moved.card)).toContain('Booking moved');
    const mine = (await h.store.dropIns.bookingsForPerson('lead-a'))
      .filter((b) => b.status === 'booked')
      .map((b) => b.sessionId);
    expect(mine).toContain('big');
    expect(mine).not.toContain('one-seat');
  });

  it('refusals: not eligible, intake paused, second application, deadline passed', async () => {
    const notEligible = await say(h, 'leadB', 'request application');
    expect(notEligible.outcome).toBe('error:NOT_ELIGIBLE');
    expect(cardText(notEligible.card)).toContain('What to do next');

    const ask = await click(h, 'admin', (await say(h, 'admin', 'intake')).card, 'intake', {}, 'Pause intake…');
    const paused = await click(h, 'admin', ask.card, 'intake', {}, 'Yes, pause intake');
    expect(cardText(paused.card)).toContain('paused');
    expect((await say(h, 'lead', 'request')).outcome).toBe('error:INTAKE_PAUSED');
    await click(h, 'admin', paused.card, 'intake', {}, 'Open intake');

    expect((await say(h, 'lead', 'request')).outcome).toBe('request_application');
    // Asked again: the organisation's application is the answer (one per cycle).
    const second = await say(h, 'contributor', 'apply');
    expect(second.outcome).toBe('request_application');
    expect(cardText(second.card)).toContain('already has its application for this cycle');

    h.clock.at = new Date(T0.getTime() + 32 * DAY);
    const late = await say(h, 'leadB', 'request');
    expect(['error:DEADLINE_PASSED', 'error:NOT_ELIGIBLE']).toContain(late.outcome);
  });

  it('submit: blocked with every hard reason, late inside grace is marked late, refused after grace', async () => {
    const app = (await h.store.applications.forOrganisation('org-a', 'cycle-1'))!;
    await invoke(h, 'admin', 'open_application', { applicationId: app.id, version: app.version });
    h.evidence.setDocuments('cycle-1', 'org-a', [
      { name: 'Old policy.pdf', section: 1, lastModified: new Date(T0.getTime() - 400 * DAY), webUrl: null },
      { name: 'Risk.pdf', section: 2, lastModified: T0, webUrl: null },
    ]);
    await h.deliver();
    let status = await say(h, 'lead', 'my application');
    status = await click(h, 'lead', status.card, 'choose_level', { level: 'gold' });
    // A second click on the old "Save level" button is answered with the current card.
    const stale = await invoke(h, 'lead', 'choose_level', {
      applicationId: app.id,
      version: app.version + 1,
      level: 'silver',
    });
    expect(cardText(stale.card)).toContain('This card was out of date: Ada Lead changed the level applied for');
    expect((await h.store.applications.get(app.id))!.targetLevel).toBe('gold');

    // While something blocks it, the card lists why and offers no Submit button; a submit anyway is refused.
    expect(executeActions(status.card).some((a) => a.verb === 'submit')).toBe(false);
    const refused = await invoke(h, 'lead', 'submit', { applicationId: app.id });
    const text = cardText(refused.card);
    expect(text).toContain('Not ready to submit');
    expect(text).toContain('needs at least 12 completed');
    expect(text).toContain('“Old policy.pdf” is dated');
    expect(text).toMatch(/commentary for criterion 1\.1 .* is empty/);

    // Commentary referencing a bad page list is refused with a clear reason and nothing saved.
    const form = await invoke(h, 'lead', 'commentary', { applicationId: app.id, section: 1 });
    const bad = await click(
      h,
      'lead',
      form.card,
      'save_commentary',
      { 'text_1.1': 'x', 'doc_1.1_0': docKey('Risk.pdf'), 'pages_1.1_0': 'page two' },
      'Save draft',
    );
    expect(bad.outcome).toBe('error:VALIDATION');
    expect(cardText(bad.card)).toContain('is not a list of page numbers');

    // Late, inside the grace period; then after it.
    h.clock.at = new Date(T0.getTime() + 30 * DAY + 3600_000);
    const lateStatus = await say(h, 'lead', 'status');
    expect(cardText(lateStatus.card)).toContain('Late submissions are accepted until');
    h.clock.at = new Date(T0.getTime() + 32 * DAY);
    const closed = await invoke(h, 'lead', 'submit', { applicationId: app.id });
    expect(closed.outcome).toBe('error:DEADLINE_PASSED');
  });

  it('unexpected errors show a reference id that is in the log', async () => {
    const broken = {
      ...h.svc,
      store: {
        ...h.store,
        people: {
          findByIdentity: async () => {
            throw new Error('db down');
          },
        },
      },
    } as never;
    const { CommandRouter } = await import('../../bot/router.js');
    const { ALL_COMMANDS } = await import('../../bot/commands/index.js');
    const r = await new CommandRouter(broken, ALL_COMMANDS).handle({
      kind: 'invoke',
      identity: { entraObjectId: 'x' },
      verb: 'status',
    });
    expect(r.outcome).toBe('error:UNEXPECTED');
    expect(cardText(r.card)).toMatch(/WQ-[0-9A-F]{8}/);
  });
});
