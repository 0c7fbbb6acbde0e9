/**
 * The Teams personal tab: the page, Entra SSO token validation (tenant mode, with a local key set
 * standing in for the tenant's JWKS), the local identity picker (local mode only), GET /api/me,
 * and a real browser (Debian Chromium) rendering the page through the picker.
 */
import { mkdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import express from 'express';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { fixedClock } from '../../src/domain/time.js';
import { DEMO_PEOPLE } from '../../src/local/demo-people.js';
import { seedDemoData } from '../../src/local/demo-data.js';
import { createLogger, silentLogger } from '../../src/log.js';
import type { MeResponse } from '../../src/server/me-route.js';
import { mountTab } from '../../src/server/tab-route.js';
import { openDatabase } from '../../src/store/database.js';
import type { Store } from '../../src/store/store.js';
import { freePort } from '../support/local-stack.js';
import { seedBasics, T0 } from '../support/fixtures.js';

const DAY = 86_400_000;
const TENANT = '22222222-2222-4222-8222-222222222222';
const OTHER_TENANT = '55555555-5555-4555-8555-555555555555';
const CLIENT_ID = '33333333-3333-4333-8333-333333333333';
const TAB_HOST = 'wexqs.example.nhs.uk';
const APP_ID_URI = `api://${TAB_HOST}/${CLIENT_ID}`;
const NOW_S = Math.floor(T0.getTime() / 1000);
const SHOTS = 'tests/e2e/screenshots';

/** A complete, valid tenant-mode environment (as tests/config.test.ts tenantEnv()). */
function tenantEnv(port: number): NodeJS.ProcessEnv {
  return {
    APP_MODE: 'tenant',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: 'postgres://wexqs:unused@db.example.nhs.uk:5432/wexqs',
    MicrosoftAppId: '11111111-1111-4111-8111-111111111111',
    MicrosoftAppPassword: 'bot-secret-not-used',
    MicrosoftAppType: 'SingleTenant',
    MicrosoftAppTenantId: TENANT,
    GRAPH_TENANT_ID: TENANT,
    GRAPH_CLIENT_ID: CLIENT_ID,
    GRAPH_CLIENT_SECRET: 'graph-secret-not-used',
    GRAPH_DRIVE_ID: 'b!abcdef',
    GRAPH_ORGANISER_UPN: 'wexqs@example.nhs.uk',
    GRAPH_ASSESSMENT_GROUP_ID: '55555555-5555-4555-8555-555555555555',
    TEAMS_APP_ID: '44444444-4444-4444-8444-444444444444',
    PUBLIC_BASE_URL: `https://${TAB_HOST}`,
    LINK_SIGNING_SECRET: 'link-secret-3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e',
  };
}

// ---------------------------------------------------------------------------------------------
// Tokens, signed like Entra's (RS256, kid) with a key set the test controls

interface Keys {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function makeKeys(kid: string): Promise<Keys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

interface TokenSpec {
  oid?: string;
  tid?: string;
  scp?: string;
  preferred_username?: string;
  iss?: string;
  aud?: string;
  iat?: number;
  exp?: number;
  keys?: Keys;
}

let signingKeys: Keys;

async function token(spec: TokenSpec = {}): Promise<string> {
  const keys = spec.keys ?? signingKeys;
  const claims: Record<string, unknown> = {
    oid: spec.oid ?? 'oid-lead-a',
    tid: spec.tid ?? TENANT,
    scp: spec.scp ?? 'access_as_user',
    name: 'Token Name Claim',
    ver: '2.0',
    ...(spec.preferred_username ? { preferred_username: spec.preferred_username } : {}),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: keys.jwk.kid!, typ: 'JWT' })
    .setIssuer(spec.iss ?? `https://login.microsoftonline.com/${TENANT}/v2.0`)
    .setAudience(spec.aud ?? CLIENT_ID)
    .setIssuedAt(spec.iat ?? NOW_S - 300)
    .setNotBefore(spec.iat ?? NOW_S - 300)
    .setExpirationTime(spec.exp ?? NOW_S + 3600)
    .sign(keys.privateKey);
}

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

async function getMe(
  base: string,
  headers: Record<string, string>,
  query = '',
): Promise<{ status: number; body: any; text: string; res: Response }> {
  const res = await fetch(`${base}/api/me${query}`, { headers });
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, body, text, res };
}

/** Serve a bare express app with only the tab mounted (other configurations against the same services). */
async function serve(web: express.Express): Promise<{ base: string; close: () => Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const srv = web.listen(0, '127.0.0.1', () => resolve(srv));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One organisation's application, open, with a level and listed documents (`completed` of them declared completed). */
async function openApplication(
  store: Store,
  opts: {
    organisationId: string;
    cycleId: string;
    leadId: string;
    level: 'bronze' | 'silver' | 'gold';
    documents: string[];
    completed: string[];
    now: Date;
  },
): Promise<string> {
  return store.transaction(async (tx) => {
    const created = await tx.applications.create({
      organisationId: opts.organisationId,
      cycleId: opts.cycleId,
      actorId: opts.leadId,
      now: opts.now,
    });
    const opened = await tx.applications.transition({
      applicationId: created.id,
      expectedVersion: created.version,
      from: 'requested',
      to: 'open',
      action: 'open',
      actorId: 'system',
      now: opts.now,
    });
    await tx.applications.setTargetLevel({
      applicationId: opened.id,
      expectedVersion: opened.version,
      level: opts.level,
      actorId: opts.leadId,
      now: opts.now,
    });
    await tx.evidence.syncListing(
      opened.id,
      opts.documents.map((name) => ({
        name,
        section: 1,
        lastModified: new Date(opts.now.getTime() - 5 * DAY),
        webUrl: null,
      })),
      opts.now,
    );
    await tx.evidence.declare(
      opened.id,
      opts.completed.map((name) => ({ name, evidenceDate: new Date(opts.now.getTime() - 10 * DAY), completed: true })),
      opts.leadId,
      opts.now,
    );
    return opened.id;
  });
}

// ---------------------------------------------------------------------------------------------
// Tenant mode: Entra SSO

describe('tenant mode: the tab and GET /api/me with Entra SSO tokens', () => {
  let app: RunningApp;
  let tenantConfig: AppConfig;
  let jwks: JWTVerifyGetKey;
  let appA = '';
  let appB = '';
  let bookingA = '';
  let bookingB = '';
  const logLines: string[] = [];

  beforeAll(async () => {
    signingKeys = await makeKeys('entra-key-1');
    jwks = createLocalJWKSet({ keys: [signingKeys.jwk] });
    const database = await openDatabase({ pgliteDir: 'memory://' });
    const config = (tenantConfig = loadConfig(tenantEnv(await freePort())));
    expect(config.mode).toBe('tenant');
    // A real pino logger with the app's redaction, at debug level, captured to check what is logged.
    const sink = new Writable({ write: (chunk, _enc, cb) => (logLines.push(String(chunk)), cb()) });
    const log = createLogger({ level: 'debug', stream: sink });
    app = await startApp(config, { database, graph: false, log, clock: fixedClock(T0), tabJwks: jwks });
    const { store } = app.svc;
    await seedBasics(store);
    await store.organisations.upsert({ id: 'org-c', name: 'Gamma NHS Trust', code: 'C1' }); // no application
    await store.people.upsert({
      id: 'lead-b',
      displayName: 'Ben Lead',
      email: 'ben@beta.example',
      entraObjectId: 'oid-lead-b',
      organisationId: 'org-b',
      roles: ['applicant_lead'],
    });
    // Known by email only (loaded from a CSV): matched by the token's sign-in name on first visit.
    await store.people.upsert({
      id: 'contrib-a',
      displayName: 'Cara Contributor',
      email: 'cara@alpha.example',
      entraObjectId: null,
      organisationId: 'org-a',
      roles: ['applicant_contributor'],
    });
    await store.people.upsert({
      id: 'norole',
      displayName: 'Nora Norole',
      email: 'nora@alpha.example',
      entraObjectId: 'oid-norole',
      organisationId: 'org-a',
      roles: [],
    });
    appA = await openApplication(store, {
      organisationId: 'org-a',
      cycleId: 'cycle-1',
      leadId: 'lead-a',
      level: 'bronze',
      documents: ['Policy.pdf', 'Template.docx'],
      completed: ['Policy.pdf'],
      now: T0,
    });
    appB = await openApplication(store, {
      organisationId: 'org-b',
      cycleId: 'cycle-1',
      leadId: 'lead-b',
      level: 'silver',
      documents: ['Beta secret plan.pdf'],
      completed: ['Beta secret plan.pdf'],
      now: T0,
    });
    await store.dropIns.createSession({
      id: 's1',
      title: 'WEx QS drop-in: evidence',
      startsAt: new Date(T0.getTime() + 7 * DAY),
      endsAt: new Date(T0.getTime() + 7 * DAY + 3_600_000),
      capacity: 5,
      cancelled: false,
      joinUrl: 'https://teams.microsoft.com/l/meetup-join/s1',
    });
    await store.dropIns.createSession({
      id: 's-past',
      title: 'Past drop-in',
      startsAt: new Date(T0.getTime() - 7 * DAY),
      endsAt: new Date(T0.getTime() - 7 * DAY + 3_600_000),
      capacity: 5,
      cancelled: false,
      joinUrl: null,
    });
    bookingA = (
      await store.transaction((tx) =>
        tx.dropIns.book({ sessionId: 's1', personId: 'lead-a', organisationId: 'org-a', actorId: 'lead-a', now: T0 }),
      )
    ).id;
    bookingB = (
      await store.transaction((tx) =>
        tx.dropIns.book({ sessionId: 's1', personId: 'lead-b', organisationId: 'org-b', actorId: 'lead-b', now: T0 }),
      )
    ).id;
    await store.transaction((tx) =>
      tx.dropIns.book({
        sessionId: 's-past',
        personId: 'lead-a',
        organisationId: 'org-a',
        actorId: 'lead-a',
        now: new Date(T0.getTime() - 10 * DAY),
      }),
    );
  });

  afterAll(async () => {
    await app?.close();
    await app?.database.close();
  });

  it('serves the tab page, which loads the installed teams-js bundle, framed only by Microsoft 365 hosts', async () => {
    const res = await fetch(`${app.url}/tab`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/frame-ancestors [^;]*https:\/\/teams\.microsoft\.com/);
    const html = await res.text();
    expect(html).toContain('<html lang="en-GB">');
    expect(html).toContain('<script src="/tab/teams-js.js" defer></script>');
    expect(html).toContain('<script src="/tab/tab.js" defer></script>');
    expect(html).toContain('data-identity-picker="false"');
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script (CSP)

    const sdk = await fetch(`${app.url}/tab/teams-js.js`);
    expect(sdk.status).toBe(200);
    expect(sdk.headers.get('content-type')).toMatch(/javascript/);
    const sdkText = await sdk.text();
    expect(sdkText.length).toBeGreaterThan(100_000);
    expect(sdkText).toContain('getAuthToken');

    const js = await (await fetch(`${app.url}/tab/tab.js`)).text();
    expect(js).toContain('microsoftTeams.app.initialize()');
    expect(js).toContain('authentication.getAuthToken()');
    expect(js).toContain("Authorization: 'Bearer ' + token");
    expect(js).not.toMatch(/\.innerHTML\s*=|console\.\w+\(/);
    expect((await fetch(`${app.url}/tab/tab.css`)).status).toBe(200);
    // The picker's people list does not exist in tenant mode.
    expect((await fetch(`${app.url}/tab/people`)).status).toBe(404);
  });

  it('a valid token gives the person their overview: who they are, the cycle in UK time, the application, readiness and bookings', async () => {
    const { status, body, res } = await getMe(app.url, bearer(await token()));
    expect(status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const me = body as MeResponse;
    expect(me.person).toEqual({
      name: 'Ada Lead',
      roles: ['applicant_lead'],
      roleLabel: 'Applicant lead',
      organisation: { id: 'org-a', name: 'Alpha NHS Trust' },
    });
    expect(me.cycle?.name).toBe('2025/26 cycle 2');
    expect(me.cycle?.phase).toBe('intake');
    // Deadline T0 + 30 days = 2026-04-01T10:00Z, after the clocks go forward: 11:00 UK time.
    expect(me.cycle?.dates[0]).toEqual({
      label: 'Submission deadline',
      at: '2026-04-01T10:00:00.000Z',
      uk: 'Wed 1 Apr 2026, 11:00',
    });
    expect(me.cycle?.dates.map((d) => d.label)).toEqual([
      'Submission deadline',
      'Late submissions accepted until',
      'Review starts',
      'Review ends',
      'Decisions from',
      'Decisions by',
    ]);
    const org = me.organisation!;
    expect(org).toMatchObject({ id: 'org-a', name: 'Alpha NHS Trust', eligibility: { eligible: false } });
    expect(org.application).toMatchObject({
      id: appA,
      state: 'open',
      stateLabel: 'Open (in preparation)',
      targetLevel: 'bronze',
      daysLeft: 30,
      submittedAt: null,
    });
    const r = org.application!.readiness;
    expect(r).toMatchObject({
      checked: true,
      ready: false,
      documentsListed: 2,
      documentsCompleted: 1,
      documentsRequired: 4,
    });
    expect(r.problems[0]).toMatchObject({ severity: 'hard', kind: 'too_few_documents' });
    expect(r.problems.map((p) => p.kind)).toContain('document_not_completed');
    // Blocking problems first, then advice.
    const severities = r.problems.map((p) => p.severity);
    expect(severities).toEqual([...severities].sort((x, y) => (x === y ? 0 : x === 'hard' ? -1 : 1)));
    // Only the upcoming booking (the past session is left out), with its signed .ics link.
    expect(me.bookings).toHaveLength(1);
    expect(me.bookings[0]).toMatchObject({
      id: bookingA,
      status: 'booked',
      title: 'WEx QS drop-in: evidence',
      sessionCancelled: false,
      joinUrl: 'https://teams.microsoft.com/l/meetup-join/s1',
    });
    expect(me.bookings[0]!.startsAt.uk).toBe('Mon 9 Mar 2026, 10:00');
    expect(me.bookings[0]!.icsUrl).toMatch(new RegExp(`^https://${TAB_HOST}/ics/bookings/${bookingA}\\?exp=\\d+&sig=`));
    expect(me.generatedAt.at).toBe(T0.toISOString());
  });

  it('accepts the App ID URI of the manifest (api://<tab host>/<client id>) as audience', async () => {
    expect((await getMe(app.url, bearer(await token({ aud: APP_ID_URI })))).status).toBe(200);
  });

  it.each([
    ['wrong audience', { aud: '66666666-6666-4666-8666-666666666666' }],
    ['App ID URI of another host', { aud: `api://evil.example/${CLIENT_ID}` }],
    ['wrong issuer', { iss: 'https://sts.windows.net/' + TENANT + '/' }],
    ['issuer of another tenant', { iss: `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0`, tid: OTHER_TENANT }],
    ['token of another tenant under our issuer', { tid: OTHER_TENANT }],
    ['expired', { iat: NOW_S - 7200, exp: NOW_S - 3600 }],
    ['missing access_as_user', { scp: 'User.Read openid' }],
    ['scope that only contains the word', { scp: 'access_as_user_admin' }],
  ] as [string, TokenSpec][])('refuses a token with %s: 401 with a JSON error', async (_label, spec) => {
    const { status, body, res } = await getMe(app.url, bearer(await token(spec)));
    expect(status).toBe(401);
    expect(body).toMatchObject({ error: 'unauthenticated' });
    expect(body.message).toMatch(/could not confirm who you are/);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses a token signed with a key that is not in the tenant key set, and garbage', async () => {
    const stranger = await makeKeys('entra-key-1'); // same kid, different key
    expect((await getMe(app.url, bearer(await token({ keys: stranger })))).status).toBe(401);
    expect((await getMe(app.url, bearer('not.a.jwt'))).status).toBe(401);
    expect((await getMe(app.url, { Authorization: 'Basic dXNlcjpwYXNz' })).status).toBe(401);
    const none = await getMe(app.url, {});
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: 'unauthenticated' });
    expect(none.res.headers.get('www-authenticate')).toBe('Bearer realm="wexqs"');
  });

  it('answers 503, not 401, when the tenant’s signing keys cannot be fetched', async () => {
    const web = express();
    mountTab(web, {
      config: tenantConfig,
      svc: app.svc,
      jwks: async () => {
        throw new TypeError('fetch failed');
      },
    });
    const { base, close } = await serve(web);
    try {
      const res = await getMe(base, bearer(await token()));
      expect(res.status).toBe(503);
      expect(res.body.error).toBe('sign_in_unavailable');
    } finally {
      await close();
    }
  });

  it('ignores X-Local-Identity in tenant mode (401), even for a known person', async () => {
    const { status, body } = await getMe(app.url, { 'X-Local-Identity': 'oid-lead-a' });
    expect(status).toBe(401);
    expect(body.error).toBe('unauthenticated');
  });

  it('a valid token for someone unknown (or without a role) gets 403 with how to get access', async () => {
    for (const oid of ['oid-nobody', 'oid-norole']) {
      const { status, body } = await getMe(app.url, bearer(await token({ oid })));
      expect(status).toBe(403);
      expect(body.error).toBe('no_access');
      expect(body.message).toMatch(/not been given access/);
      expect(body.message).toMatch(/applicant lead to add you|WEx QS team/);
    }
  });

  it('matches a person known only by email on first visit, but never takes over a record bound to another account', async () => {
    const first = await getMe(
      app.url,
      bearer(await token({ oid: 'oid-cara-new', preferred_username: 'Cara@Alpha.example' })),
    );
    expect(first.status).toBe(200);
    expect(first.body.person).toMatchObject({ name: 'Cara Contributor', roles: ['applicant_contributor'] });
    expect((await app.svc.store.people.get('contrib-a'))?.entraObjectId).toBe('oid-cara-new');
    // Another account carrying Ada's address: Ada is bound to oid-lead-a.
    const takeover = await getMe(
      app.url,
      bearer(await token({ oid: 'oid-attacker', preferred_username: 'ada@alpha.example' })),
    );
    expect(takeover.status).toBe(403);
    expect(takeover.text).not.toContain('Ada');
  });

  it('an applicant never sees another organisation’s data', async () => {
    const a = await getMe(app.url, bearer(await token({ oid: 'oid-lead-a' })));
    const b = await getMe(app.url, bearer(await token({ oid: 'oid-lead-b' })));
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body.organisation).toMatchObject({
      id: 'org-b',
      name: 'Beta NHS Trust',
      application: { id: appB, targetLevel: 'silver' },
    });
    expect(b.body.bookings.map((x: { id: string }) => x.id)).toEqual([bookingB]);
    for (const [text, others] of [
      [a.text, [appB, bookingB, 'Beta NHS Trust', 'org-b', 'Beta secret plan', 'Ben Lead']],
      [b.text, [appA, bookingA, 'Alpha NHS Trust', 'org-a', 'Policy.pdf', 'Template.docx', 'Ada Lead']],
    ] as [string, string[]][]) {
      for (const other of others) expect(text).not.toContain(other);
    }
    // Asking for another organisation explicitly is refused by the authorisation policy.
    const asked = await getMe(app.url, bearer(await token({ oid: 'oid-lead-a' })), '?organisationId=org-b');
    expect(asked.status).toBe(403);
    expect(asked.body).toMatchObject({ error: 'FORBIDDEN' });
    expect(asked.text).not.toContain('Beta');
    // Also an organisation without an application (its name and eligibility stay private).
    const noApp = await getMe(app.url, bearer(await token({ oid: 'oid-lead-a' })), '?organisationId=org-c');
    expect(noApp.status).toBe(403);
    expect(noApp.text).not.toContain('Gamma');
    // A contributor of org-a is refused org-b as well.
    expect((await getMe(app.url, bearer(await token({ oid: 'oid-cara-new' })), '?organisationId=org-b')).status).toBe(
      403,
    );
    // Invalid input is a 400, not a crash.
    expect((await getMe(app.url, bearer(await token()), `?organisationId=${'x'.repeat(101)}`)).status).toBe(400);
  });

  it('an admin has no organisation of their own, and may look at any organisation', async () => {
    const own = await getMe(app.url, bearer(await token({ oid: 'oid-admin-1' })));
    expect(own.status).toBe(200);
    expect(own.body.person).toMatchObject({ name: 'Adam Admin', roles: ['admin'], organisation: null });
    expect(own.body.organisation).toBeNull();
    expect(own.body.bookings).toEqual([]);
    const other = await getMe(app.url, bearer(await token({ oid: 'oid-admin-1' })), '?organisationId=org-b');
    expect(other.status).toBe(200);
    expect(other.body.organisation).toMatchObject({ id: 'org-b', application: { id: appB } });
    expect(
      (await getMe(app.url, bearer(await token({ oid: 'oid-admin-1' })), '?organisationId=org-missing')).status,
    ).toBe(404);
  });

  it('authenticates every /api/* request (unknown API paths included) but leaves the bot endpoint to the bot', async () => {
    expect((await fetch(`${app.url}/api/other`)).status).toBe(401);
    expect((await fetch(`${app.url}/api/other`, { headers: bearer(await token()) })).status).toBe(404);
    // The bot's endpoint is answered by botbuilder's own authentication (through the bot
    // endpoint), not by the tab's: no WWW-Authenticate challenge, the bot endpoint's refusal.
    const errors = vi.spyOn(console, 'error');
    try {
      const activity = {
        type: 'message',
        text: 'hi',
        channelId: 'msteams',
        serviceUrl: 'https://smba.trafficmanager.net/uk/',
        from: { id: 'u' },
        conversation: { id: 'c' },
        recipient: { id: 'b' },
      };
      const bot = await fetch(`${app.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      expect(bot.status).toBe(401);
      expect(bot.headers.get('www-authenticate')).toBeNull();
      expect(await bot.json()).toEqual({ error: 'unauthorized', message: 'The request is not authenticated.' });
      // The refusal is the app's log line, not a stack trace printed by botbuilder.
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });

  it('logs refusals by reason only: never a token, a name, an email address or an object id', async () => {
    const t = await token({ aud: 'wrong' });
    await getMe(app.url, bearer(t));
    const all = logLines.join('');
    expect(all).toContain('tab request refused');
    for (const secret of [
      t.split('.')[1]!,
      'Ada Lead',
      'ada@alpha.example',
      'oid-lead-a',
      'oid-attacker',
      'Cara',
      'Beta secret plan',
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Local mode: the identity picker, and the page in a real browser

describe('local mode: the identity picker', () => {
  let app: RunningApp;
  let localConfig: AppConfig;
  const priya = DEMO_PEOPLE.find((p) => p.personId === 'demo-priya')!;
  const jordan = DEMO_PEOPLE.find((p) => p.personId === null)!;
  let priyaApp = '';

  beforeAll(async () => {
    const database = await openDatabase({ pgliteDir: 'memory://' });
    localConfig = loadConfig({
      APP_MODE: 'local',
      PORT: String(await freePort()),
      GRAPH_EMULATOR: 'false',
      PLAYGROUND: 'false',
    });
    expect(localConfig.local.identityPicker).toBe(true);
    app = await startApp(localConfig, {
      database,
      graph: false,
      log: silentLogger,
      clock: fixedClock(T0),
      jobs: { workers: false },
      beforeListen: async (svc) => void (await seedDemoData(svc.store, T0)),
    });
    const { store } = app.svc;
    const cycle = (await store.cycles.current(T0))!;
    priyaApp = await openApplication(store, {
      organisationId: 'org-northshire',
      cycleId: cycle.id,
      leadId: 'demo-priya',
      level: 'bronze',
      documents: ['Induction policy.pdf', 'Placement feedback.docx', 'Blank template.docx'],
      completed: ['Induction policy.pdf', 'Placement feedback.docx'],
      now: T0,
    });
    await store.transaction((tx) =>
      tx.dropIns.book({
        sessionId: 'dropin-next-week',
        personId: 'demo-priya',
        organisationId: 'org-northshire',
        actorId: 'demo-priya',
        now: T0,
      }),
    );
  });

  afterAll(async () => {
    await app?.close();
    await app?.database.close();
  });

  it('accepts X-Local-Identity for a known person, 403 for an unknown one, 401 for a malformed one', async () => {
    const ok = await getMe(app.url, { 'X-Local-Identity': priya.entraObjectId });
    expect(ok.status).toBe(200);
    expect(ok.body.person).toMatchObject({
      name: 'Priya Shah',
      roleLabel: 'Applicant lead',
      organisation: { name: 'Northshire Hospitals NHS Foundation Trust' },
    });
    expect(ok.body.organisation.application).toMatchObject({
      id: priyaApp,
      readiness: { documentsCompleted: 2, documentsRequired: 4 },
    });
    expect(ok.body.bookings.map((b: { title: string }) => b.title)).toEqual([
      'WEx QS drop-in: bronze, silver or gold?',
    ]);
    expect((await getMe(app.url, { 'X-Local-Identity': jordan.entraObjectId })).status).toBe(403);
    expect((await getMe(app.url, { 'X-Local-Identity': 'x" onload="1' })).status).toBe(401);
    expect((await getMe(app.url, {})).status).toBe(401);
  });

  it('serves the page with the picker on, and the known people to pick from', async () => {
    expect(await (await fetch(`${app.url}/tab`)).text()).toContain('data-identity-picker="true"');
    const people = (await (await fetch(`${app.url}/tab/people`)).json()) as {
      entraObjectId: string;
      name: string;
      roles: string[];
      organisation: string | null;
    }[];
    expect(people.find((p) => p.name === 'Priya Shah')).toEqual({
      entraObjectId: priya.entraObjectId,
      name: 'Priya Shah',
      roles: ['applicant_lead'],
      organisation: 'Northshire Hospitals NHS Foundation Trust',
    });
    expect(people.find((p) => p.name === 'Alex Morgan')?.roles).toEqual(['admin']);
    // Only people with an Entra object id and a role: not Jordan (unknown), not the seeded contacts without one.
    expect(people.map((p) => p.name)).not.toContain('Jordan Lee');
    expect(people).toHaveLength(DEMO_PEOPLE.filter((p) => p.personId).length);
  });

  it('the local stack also offers the unregistered demo person, whom the tab then tells how to get access', async () => {
    const web = express();
    mountTab(web, {
      config: localConfig,
      svc: app.svc,
      unregisteredVisitors: [{ entraObjectId: jordan.entraObjectId, name: jordan.displayName }],
    });
    const { base, close } = await serve(web);
    try {
      const people = (await (await fetch(`${base}/tab/people`)).json()) as { name: string; roles: string[] }[];
      expect(people.map((p) => p.name)).toContain('Jordan Lee');
      expect(people.find((p) => p.name === 'Jordan Lee')?.roles).toEqual([]);
      expect(people).toHaveLength(DEMO_PEOPLE.length);
      const me = await getMe(base, { 'X-Local-Identity': jordan.entraObjectId });
      expect(me.status).toBe(403);
      expect(me.body.message).toContain('you have not been given access');
    } finally {
      await close();
    }
  });

  it('ignores X-Local-Identity in local mode when the picker is off', async () => {
    const config: AppConfig = loadConfig({ APP_MODE: 'local', TAB_IDENTITY_PICKER: 'false', GRAPH_EMULATOR: 'false' });
    expect(config.local.identityPicker).toBe(false);
    const web = express();
    mountTab(web, { config, svc: app.svc });
    const { base, close } = await serve(web);
    try {
      const res = await getMe(base, { 'X-Local-Identity': priya.entraObjectId });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('unauthenticated');
      expect(await (await fetch(`${base}/tab`)).text()).toContain('data-identity-picker="false"');
      expect((await fetch(`${base}/tab/people`)).status).toBe(404);
    } finally {
      await close();
    }
  });

  describe('in Debian Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    it('outside Teams, the picker shows the demo user’s overview, sent with X-Local-Identity and no token', async () => {
      mkdirSync(SHOTS, { recursive: true });
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      const apiHeaders: Record<string, string>[] = [];
      const external: string[] = [];
      page.on('request', (r) => {
        if (r.url().endsWith('/api/me')) apiHeaders.push(r.headers());
        if (!r.url().startsWith(app.url)) external.push(new URL(r.url()).origin);
      });
      // teams-js refreshes its list of valid Teams origins from Microsoft's CDN; this machine is offline.
      await page.route('https://res.cdn.office.net/**', (route) =>
        route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: '{"validOrigins":["teams.microsoft.com"]}',
        }),
      );

      await page.goto(`${app.url}/tab`);
      const priyaChoice = page.getByRole('radio', { name: /Priya Shah/ });
      await priyaChoice.waitFor({ timeout: 15_000 });
      expect(await page.evaluate(() => typeof (window as any).microsoftTeams?.authentication?.getAuthToken)).toBe(
        'function',
      );
      await priyaChoice.check();
      await page.getByRole('button', { name: 'Show overview' }).click();

      const overview = page.locator('#overview');
      await expect
        .poll(async () => (await overview.isVisible()) && ((await overview.textContent()) ?? ''), { timeout: 15_000 })
        .toContain('Priya Shah');
      const text = (await overview.textContent()) ?? '';
      expect(text).toContain('Applicant lead');
      expect(text).toContain('Northshire Hospitals NHS Foundation Trust');
      expect(text).toContain('Open (in preparation)');
      expect(text).toContain('2 of 4 required completed (3 in your folder)');
      expect(text).toContain('A bronze application needs at least 4 completed, anonymised documents; you have 2.');
      expect(text).toContain('WEx QS drop-in: bronze, silver or gold?');
      expect(text).toContain('Tue 10 Mar 2026, 10:00');
      expect(text).toContain('All times are UK time.');
      const headings = await page.getByRole('heading', { level: 2 }).allTextContents();
      expect(headings).toEqual(
        expect.arrayContaining([
          'About you',
          'Current cycle',
          'Your organisation’s application',
          'Your upcoming drop-in sessions',
        ]),
      );
      expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);

      expect(apiHeaders.length).toBeGreaterThan(0);
      for (const h of apiHeaders) {
        expect(h['x-local-identity']).toBe(priya.entraObjectId);
        expect(h.authorization).toBeUndefined();
      }
      expect(problems).toEqual([]);
      expect(new Set(external)).toEqual(new Set(external.length ? ['https://res.cdn.office.net'] : []));
      await page.screenshot({ path: `${SHOTS}/tab.png`, fullPage: true });
      await page.close();
    }, 60_000);
  });
});
