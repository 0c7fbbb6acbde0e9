import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase } from '../../src/store/database.js';
import { createLinkSigner } from '../../src/server/signed-links.js';
import { freePort } from '../support/local-stack.js';
import { seedBasics, T0 } from '../support/fixtures.js';

const DAY = 86_400_000;

describe('signed links', () => {
  const signer = createLinkSigner({ publicBaseUrl: 'https://wexqs.example', secret: 'k'.repeat(40) });
  const url = new URL(signer.sign('/ics/bookings/b1', new Date(T0.getTime() + DAY)));

  it('verifies its own signature until the expiry, and nothing else', () => {
    const exp = url.searchParams.get('exp')!;
    const sig = url.searchParams.get('sig')!;
    expect(url.origin + url.pathname).toBe('https://wexqs.example/ics/bookings/b1');
    expect(signer.verify('/ics/bookings/b1', exp, sig, T0)).toBe(true);
    expect(signer.verify('/ics/bookings/b2', exp, sig, T0)).toBe(false);
    expect(signer.verify('/ics/bookings/b1', String(Number(exp) + 1), sig, T0)).toBe(false);
    expect(signer.verify('/ics/bookings/b1', exp, sig, new Date(T0.getTime() + 2 * DAY))).toBe(false);
    expect(signer.verify('/ics/bookings/b1', exp, undefined, T0)).toBe(false);
    const other = createLinkSigner({ publicBaseUrl: 'https://wexqs.example', secret: 'j'.repeat(40) });
    expect(other.verify('/ics/bookings/b1', exp, sig, T0)).toBe(false);
  });
});

describe('GET /ics/bookings/:id', () => {
  let app: RunningApp;
  let bookingId = '';
  const now = { t: T0 };

  beforeAll(async () => {
    const database = await openDatabase({ pgliteDir: 'memory://' });
    const config = loadConfig({
      APP_MODE: 'local',
      PORT: String(await freePort()),
      GRAPH_EMULATOR: 'false',
      GRAPH_ORGANISER_UPN: 'wexqs@example.nhs.uk',
    });
    app = await startApp(config, { database, graph: false, log: silentLogger, clock: { now: () => now.t } });
    const { store } = app.svc;
    await seedBasics(store);
    await store.dropIns.createSession({
      id: 's1',
      title: 'WEx QS drop-in',
      startsAt: new Date(T0.getTime() + 7 * DAY),
      endsAt: new Date(T0.getTime() + 7 * DAY + 3_600_000),
      capacity: 5,
      cancelled: false,
      joinUrl: 'https://teams.microsoft.com/l/meetup-join/abc',
    });
    bookingId = (
      await store.transaction((tx) =>
        tx.dropIns.book({ sessionId: 's1', personId: 'lead-a', organisationId: 'org-a', actorId: 'lead-a', now: T0 }),
      )
    ).id;
  });
  afterAll(async () => {
    await app.close();
    await app.database.close();
  });

  it('serves the booking as an iCalendar invitation with UTC times and the Teams link', async () => {
    const res = await fetch(app.svc.links!.icsForBooking(bookingId));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/calendar/);
    const body = await res.text();
    expect(body).toContain('BEGIN:VCALENDAR');
    expect(body).toContain('METHOD:REQUEST');
    expect(body).toContain('SUMMARY:WEx QS drop-in');
    expect(body).toMatch(/DTSTART:\d{8}T\d{6}Z/);
    expect(body).toContain('teams.microsoft.com/l/meetup-join/abc');
  });

  it('refuses a tampered or expired link with a plain message', async () => {
    const link = new URL(app.svc.links!.icsForBooking(bookingId));
    link.searchParams.set('sig', 'A'.repeat(43));
    const tampered = await fetch(link);
    expect(tampered.status).toBe(403);
    expect((await tampered.json()).message).toMatch(/expired or is not valid/);
    const good = app.svc.links!.icsForBooking(bookingId);
    now.t = new Date(T0.getTime() + 61 * DAY);
    expect((await fetch(good)).status).toBe(403);
    now.t = T0;
  });

  it('turns a cancelled booking into a CANCEL file, and an unknown one into 404', async () => {
    await app.svc.store.transaction((tx) => tx.dropIns.cancel(bookingId, 'lead-a', T0));
    const body = await (await fetch(app.svc.links!.icsForBooking(bookingId))).text();
    expect(body).toContain('METHOD:CANCEL');
    expect(body).toContain('STATUS:CANCELLED');
    expect((await fetch(app.svc.links!.icsForBooking('nope'))).status).toBe(404);
  });
});

describe('the booking card', () => {
  it('offers the signed .ics link to a booked person but not to someone on the waitlist', async () => {
    const { bookedCard } = await import('../../bot/cards/dropin-cards.js');
    const session = {
      id: 's',
      title: 'Drop-in',
      startsAt: new Date(T0.getTime() + DAY),
      endsAt: new Date(T0.getTime() + DAY + 3_600_000),
      capacity: 5,
      cancelled: false,
      joinUrl: null,
    };
    const booking = {
      id: 'b',
      sessionId: 's',
      personId: 'p',
      organisationId: 'o',
      status: 'booked' as const,
      attended: false,
      createdAt: T0,
    };
    const links = (c: any) =>
      (c.actions ?? []).filter((a: any) => a.type === 'Action.OpenUrl').map((a: any) => [a.title, a.url]);
    expect(links(bookedCard(session, booking, { icsUrl: 'https://x/ics' }))).toEqual([
      ['Add to calendar (.ics)', 'https://x/ics'],
    ]);
    expect(links(bookedCard(session, { ...booking, status: 'waitlisted' }, { icsUrl: 'https://x/ics' }))).toEqual([]);
  });
});

describe('HTTP errors', () => {
  it('answers a malformed bot request with a JSON 400 and no internals', async () => {
    const database = await openDatabase({ pgliteDir: 'memory://' });
    const config = loadConfig({ APP_MODE: 'local', PORT: String(await freePort()), GRAPH_EMULATOR: 'false' });
    const app = await startApp(config, { database, graph: false, jobs: { workers: false }, log: silentLogger });
    try {
      const res = await fetch(`${app.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"type": "message", ',
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/json/);
      const body = await res.text();
      expect(JSON.parse(body)).toEqual({ error: 'invalid_json', message: 'The request body is not valid JSON.' });
      expect(body).not.toMatch(/at .*\.js|node_modules/);
      const missing = await fetch(`${app.url}/nope`);
      expect(missing.status).toBe(404);
    } finally {
      await app.close();
      await database.close();
    }
  });
});
