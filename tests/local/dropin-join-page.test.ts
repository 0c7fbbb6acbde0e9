/**
 * Local mode: joining a drop-in on the local join page records the visit in the Graph emulator's
 * meeting; after the session the attendance job reads the report and the organisation is eligible.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { staticTokenSource } from '../../src/graph/client.js';
import { startGraphEmulator, type GraphEmulator } from '../../src/graph/emulator/index.js';
import { mountDropInJoinPage } from '../../src/local/dropin-join-page.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { MovableClock } from '../bot/helpers.js';
import { seedBasics, T0 } from '../support/fixtures.js';
import { freePort } from '../support/local-stack.js';

const ORGANISER = 'organiser@wexqs.example';
const HOUR = 3_600_000;

describe('the local drop-in join page', () => {
  let handle: DatabaseHandle;
  let emu: GraphEmulator;
  let app: RunningApp;
  const clock = new MovableClock(T0);

  beforeAll(async () => {
    handle = await openDatabase({ pgliteDir: 'memory://' });
    emu = await startGraphEmulator({
      acceptedToken: 'join-page',
      users: [{ mail: ORGANISER, id: '0e0e0e0e-0000-4000-8000-0000000000e0' }],
      onlineMeetings: { now: () => clock.now() },
    });
    const config = loadConfig({ PORT: String(await freePort()), GRAPH_ORGANISER_UPN: ORGANISER, LOG_LEVEL: 'silent' });
    app = await startApp(config, {
      database: handle,
      log: silentLogger,
      clock,
      jobs: { workers: false },
      graphEndpoint: { baseUrl: emu.url, tokens: staticTokenSource('join-page') },
      localRoutes: (routes, svc) => mountDropInJoinPage(routes, svc, emu),
      beforeListen: async (svc) => {
        await seedBasics(svc.store, T0);
        await svc.store.dropIns.createSession({
          id: 'local-dropin',
          title: 'Local <drop-in>',
          startsAt: new Date(T0.getTime() + HOUR),
          endsAt: new Date(T0.getTime() + 2 * HOUR),
          capacity: 5,
          cancelled: false,
          joinUrl: null,
        });
      },
    });
    await app.graph!.meetings.ensureMeeting('local-dropin');
  });
  afterAll(async () => {
    await app?.close();
    await emu?.close();
    await handle?.close();
  });

  it('lists drop-ins with a meeting (text escaped) and records a join; the job then records the attendance', async () => {
    const page = await (await fetch(`${app.url}/local/dropins`)).text();
    expect(page).toContain('Local &#60;drop-in&#62;');
    expect(page).toContain('<option value="lead-a">Ada Lead</option>');

    clock.at = new Date(T0.getTime() + HOUR + 5 * 60_000);
    const joined = await fetch(`${app.url}/local/dropins/local-dropin/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'personId=lead-a',
    });
    expect(joined.status).toBe(200);
    expect(await joined.text()).toContain('Ada Lead joined');

    clock.at = new Date(T0.getTime() + 2 * HOUR + 15 * 60_000);
    expect((await app.jobs.runNow('attendance')).summary).toMatchObject({ reports: 1, recorded: 1 });
    const [booking] = await app.svc.store.dropIns.bookingsForSession('local-dropin');
    expect(booking).toMatchObject({ personId: 'lead-a', attended: true, attendedSource: 'teams_report' });
  });

  it('refuses a join without a person, by someone not an applicant, or to a session without a meeting', async () => {
    const post = (session: string, body: string) =>
      fetch(`${app.url}/local/dropins/${session}/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    expect((await post('local-dropin', '')).status).toBe(400);
    expect((await post('local-dropin', 'personId=rev-1')).status).toBe(400);
    expect((await post('nope', 'personId=lead-a')).status).toBe(404);
  });
});
