/**
 * Clear answers through the router: another role's button says whose it is and offers the way
 * back (never "didn't understand" with the button's internal name); an unknown button is not
 * echoed; typed words come back capped and as text; a second "Request application" shows the
 * organisation's application as the answer it is; cancelling a booking and pausing intake are
 * confirmed first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ECHOED_CHARS } from '../../bot/router.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { engines } from '../support/databases.js';
import { T0 } from '../support/fixtures.js';
import { cardText, click, executeActions, harness, invoke, say, type Harness } from './helpers.js';

const DAY = 86_400_000;

describe.each(engines())('refusals and repeats on $name', (engine) => {
  let handle: DatabaseHandle;
  let h: Harness;

  beforeAll(async () => {
    handle = await engine.open();
    h = await harness(handle);
  });
  afterAll(async () => handle.close());

  it.each([
    ['lead', 'dashboard', 'This action is for admins'],
    ['lead', 'open_application', 'This action is for admins'],
    ['rev1', 'assign', 'This action is for admins'],
    ['admin', 'recommend', 'This action is for reviewers'],
    ['admin', 'queue', 'This action is for reviewers'],
    ['contributor', 'submit', 'This action is for the applicant lead'],
    ['rev1', 'request_application', "This action is for an organisation's applicant lead and contributors"],
    ['lead', 'start_review', 'This action is for reviewers and admins'],
  ] as const)('%s pressing %s is told whose button it is', async (who, verb, expected) => {
    const r = await invoke(h, who, verb, { applicationId: 'whatever', version: 1 });
    expect(r.outcome).toBe('not_for_you');
    const text = cardText(r.card);
    expect(text).toContain(expected);
    expect(text).toContain('Nothing was changed');
    expect(text).not.toContain(verb);
    expect(text).not.toMatch(/didn.t understand/);
    // The way back: their own menu.
    expect(executeActions(r.card).map((a) => a.verb)).toEqual(['help']);
  });

  it('says who the person is, organisation included', async () => {
    const r = await invoke(h, 'lead', 'dashboard');
    expect(cardText(r.card)).toContain("You're signed in as applicant lead for Alpha NHS Trust");
  });

  it('another role’s command typed gets the same answer', async () => {
    const r = await say(h, 'lead', 'show me the dashboard');
    expect(r.outcome).toBe('not_for_you');
    expect(cardText(r.card)).toContain('This action is for admins');
  });

  it('an unknown button is not echoed', async () => {
    const r = await invoke(h, 'admin', 'open_application_v0_internal');
    expect(r.outcome).toBe('unknown_button');
    expect(cardText(r.card)).toContain('That button no longer works');
    expect(cardText(r.card)).not.toContain('open_application_v0_internal');
  });

  it('typed words that match nothing come back capped and as typed', async () => {
    // Words no command uses (the hostile string itself names "evidence", a command).
    const typed = `[Zebra pack](https://evil.example/pack) **ZEBRA: GOLD APPROVED** ${'blah '.repeat(60)}`;
    const r = await say(h, 'lead', typed);
    expect(r.outcome).toBe('not_understood');
    const line = cardText(r.card)
      .split('\n')
      .find((l) => l.startsWith('Sorry, I didn'))!;
    const echoed = /“(.*)”/.exec(line)![1]!;
    expect(echoed.length).toBeLessThanOrEqual(MAX_ECHOED_CHARS);
    expect(echoed.startsWith('[Zebra pack](https://evil.example/pack) **ZEBRA')).toBe(true);
  });

  it('a second "Request application" shows the existing application as a success, and makes nothing new', async () => {
    const first = await invoke(h, 'lead', 'request_application');
    expect(cardText(first.card)).toContain('Application requested');
    for (const who of ['lead', 'contributor'] as const) {
      const again = await invoke(h, who, 'request_application');
      expect(again.outcome).toBe('request_application');
      const text = cardText(again.card);
      expect(text).toContain('Your organisation already has its application for this cycle: here it is.');
      expect(text).toContain('Requested');
      expect(text).not.toContain('already applied');
    }
    const app = (await h.store.applications.forOrganisation('org-a', 'cycle-1'))!;
    expect((await h.store.audit.forEntity('application', app.id)).filter((a) => a.action === 'request')).toHaveLength(
      1,
    );
  });

  it('cancelling a booking is confirmed first; "Keep my booking" changes nothing', async () => {
    await h.store.dropIns.createSession({
      id: 'sess-r',
      title: 'Drop-in',
      startsAt: new Date(T0.getTime() + 5 * DAY),
      endsAt: new Date(T0.getTime() + 5 * DAY + 3600_000),
      capacity: 5,
      cancelled: false,
      joinUrl: null,
    });
    const booked = await invoke(h, 'lead', 'book_dropin', { sessionId: 'sess-r' });
    const ask = await click(h, 'lead', booked.card, 'cancel_booking');
    expect(cardText(ask.card)).toContain('Cancel your booking?');
    const buttons = executeActions(ask.card);
    expect(buttons.map((b) => b.title)).toEqual(['Keep my booking', 'Yes, cancel my booking']);
    const kept = await click(h, 'lead', ask.card, 'sessions');
    expect(cardText(kept.card)).toContain('You are booked on this session');
    const done = await click(h, 'lead', ask.card, 'cancel_booking');
    expect(cardText(done.card)).toContain('Booking cancelled');
  });

  it('pausing intake is confirmed first', async () => {
    const dash = await invoke(h, 'admin', 'dashboard');
    const ask = await click(h, 'admin', dash.card, 'intake');
    expect(cardText(ask.card)).toContain('Pause new applications?');
    expect((await h.store.cycles.current(T0))!.intakePaused).toBe(false);
    const paused = await click(h, 'admin', ask.card, 'intake', {}, 'Yes, pause intake');
    expect(cardText(paused.card)).toContain('New applications paused');
    expect((await h.store.cycles.current(T0))!.intakePaused).toBe(true);
  });
});
