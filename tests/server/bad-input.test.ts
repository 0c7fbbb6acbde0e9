/**
 * Bad input never gives a 5xx, a crash or a stack trace, and loses or writes nothing: generated
 * activities, card payloads (every registered bot verb with arbitrary data) and API requests are
 * thrown at the running app over HTTP (fast-check), and every table's contents are compared
 * before and after each refused request. The probe's findings are pinned as examples first.
 */
import http from 'node:http';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ALL_COMMANDS } from '../../bot/commands/index.js';
import { CommandRouter, type RouterResult } from '../../bot/router.js';
import { startApp, type RunningApp } from '../../src/app.js';
import { DomainError } from '../../src/domain/errors.js';
import { createHttpApp } from '../../src/server/app-server.js';
import { loadConfig } from '../../src/config.js';
import { actorFor } from '../../src/domain/people.js';
import { fixedClock } from '../../src/domain/time.js';
import { mountDropInJoinPage } from '../../src/local/dropin-join-page.js';
import { mountEvidencePage } from '../../src/local/evidence-page.js';
import type { GraphEmulator } from '../../src/graph/emulator/index.js';
import { createLogger } from '../../src/log.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { requestApplication } from '../../src/workflows/applications.js';
import { openApplication } from '../../src/workflows/application-journey.js';
import { InMemoryEvidenceFolders, InMemoryMeetings } from '../../src/workflows/fakes.js';
import type { Services } from '../../src/workflows/services.js';
import { attend, seedBasics, T0 } from '../support/fixtures.js';
import { freePort } from '../support/local-stack.js';

/** What must never reach a person: stack frames, source paths, SQL, driver and runtime errors. */
const INTERNALS =
  /\bat [\w.<>$]+ \(|node_modules|\.[cm]?[jt]s:\d|\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|violates|syntax error|invalid byte sequence|ECONNREFUSED|ENOTFOUND|TypeError|ReferenceError|RangeError|Cannot read prop/;

const OIDS = { lead: 'oid-lead-a', reviewer: 'oid-rev-1', admin: 'oid-admin-1', stranger: 'oid-nobody' } as const;

let app: RunningApp;
let database: DatabaseHandle;
let sink: http.Server;
let serviceUrl = '';
let appId = '';
let sessionId = '';
const logLines: string[] = [];
const outcomes: string[] = [];
/** The local join page records a visit in the Graph emulator's meeting; here, only counted. */
const joined: unknown[] = [];
const meetingsEmulator = {
  onlineMeetings: { recordAttendance: (_joinUrl: string, visit: unknown) => void joined.push(visit) },
} as unknown as GraphEmulator;

/** Every table's contents as one fingerprint per table: any insert, update or delete changes it. */
let tableNames: string[] | null = null;
async function fingerprint(): Promise<Record<string, string>> {
  tableNames ??= (
    await sql<{ name: string }>`
      SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(database.db)
  ).rows.map((r) => r.name);
  const parts = tableNames.map(
    (name) =>
      sql`SELECT ${name}::text AS name, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM ${sql.table(name)} t`,
  );
  const r = await sql<{ name: string; h: string }>`${sql.join(parts, sql` UNION ALL `)}`.execute(database.db);
  return Object.fromEntries(r.rows.map((x) => [x.name, x.h]));
}

/** Background work the requests queued: run it (as the app's job workers would) before looking. */
const settle = async (): Promise<void> => {
  await app?.jobs.drain();
};

/**
 * The database's state after the previous generated request, so each run costs one fingerprint:
 * the state before a request is the state after the one before it.
 */
let lastState: Record<string, string> | null = null;
async function stateBefore(): Promise<Record<string, string>> {
  lastState ??= await fingerprint();
  return lastState;
}
async function stateAfter(): Promise<Record<string, string>> {
  await settle();
  lastState = await fingerprint();
  return lastState;
}

function activity(oid: string, type = 'message'): Record<string, unknown> {
  return {
    type,
    id: `act-${Math.random().toString(36).slice(2)}`,
    channelId: 'msteams',
    serviceUrl,
    from: { id: `29:${oid}`, aadObjectId: oid, name: 'Someone' },
    recipient: { id: '28:bot', name: 'WEx QS' },
    conversation: { id: `a:${oid}`, conversationType: 'personal', tenantId: 'tenant-1' },
  };
}

function invoke(oid: string, verb: string, data: unknown): Record<string, unknown> {
  return {
    ...activity(oid, 'invoke'),
    name: 'adaptiveCard/action',
    replyToId: 'msg-1',
    value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
  };
}

async function post(body: unknown, raw = false): Promise<{ status: number; text: string; json: any }> {
  const res = await fetch(`${app.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (e.g. an empty 200)
  }
  return { status: res.status, text, json };
}

function expectPlainRefusal(r: { status: number; text: string; json: any }): void {
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.status).toBeLessThan(500);
  expect(r.json).toMatchObject({ error: expect.any(String), message: expect.any(String) });
  expect(r.text).not.toMatch(INTERNALS);
}

function cardText(card: unknown): string {
  return JSON.stringify(card);
}

beforeAll(async () => {
  // A stand-in for the Bot Connector: replies and roster look-ups go to serviceUrl.
  sink = http.createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      req.url?.startsWith('/refuse/')
        ? res.writeHead(403, { 'content-type': 'application/json' }).end('{"error":{"code":"Forbidden"}}')
        : res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"sink-1"}'),
    );
  });
  const sinkPort = await freePort();
  await new Promise<void>((r) => sink.listen(sinkPort, '127.0.0.1', () => r()));
  serviceUrl = `http://127.0.0.1:${sinkPort}/`;

  database = await openDatabase({ pgliteDir: 'memory://' });
  const config = loadConfig({ APP_MODE: 'local', PORT: String(await freePort()), GRAPH_EMULATOR: 'false' });
  const destination = new Writable({ write: (chunk, _enc, cb) => (logLines.push(String(chunk)), cb()) });
  app = await startApp(config, {
    database,
    graph: false,
    jobs: { workers: false },
    clock: fixedClock(T0),
    log: createLogger({ level: 'warn', stream: destination }),
    localRoutes: (routes, svc, graph) => {
      mountEvidencePage(routes, svc, graph);
      mountDropInJoinPage(routes, svc, meetingsEmulator);
    },
  });
  app.svc.evidence = new InMemoryEvidenceFolders();
  app.svc.meetings = new InMemoryMeetings();
  const { store } = app.svc;
  const { lead } = await seedBasics(store);
  await attend(store, 'org-a', lead.id, T0, 10);
  await store.dropIns.createSession({
    id: 'sess-up',
    title: 'Upcoming drop-in',
    startsAt: new Date(T0.getTime() + 7 * 86_400_000),
    endsAt: new Date(T0.getTime() + 7 * 86_400_000 + 3_600_000),
    capacity: 5,
    cancelled: false,
    joinUrl: null,
  });
  sessionId = 'sess-up';
  const people = {
    lead: (await store.people.get('lead-a'))!,
    admin: (await store.people.get('admin-1'))!,
  };
  const requested = await requestApplication(app.svc, actorFor(people.lead));
  const opened = await openApplication(app.svc, actorFor(people.admin), {
    applicationId: requested.id,
    version: requested.version,
  });
  appId = opened.id;
  await settle();

  // Record what the router answered, to tell refusals (nothing may be written) from actions.
  const handle = CommandRouter.prototype.handle;
  vi.spyOn(CommandRouter.prototype, 'handle').mockImplementation(async function (this: CommandRouter, req) {
    const r: RouterResult = await handle.call(this, req);
    outcomes.push(r.outcome);
    return r;
  });
}, 60_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await app?.close();
  await database?.close();
  await new Promise((r) => sink?.close(r));
});

describe('the probe, pinned: each finding now gets a plain answer', () => {
  it('refuses malformed activities with 400 and a plain message, before the bot sees them', async () => {
    const before = await fingerprint();
    const { type: _type, ...noType } = activity(OIDS.lead);
    const { serviceUrl: _s, ...noServiceUrl } = activity(OIDS.lead);
    const { from: _f, ...noFrom } = invoke(OIDS.lead, 'help', {});
    const cases: [unknown, RegExp][] = [
      [{}, /type is missing; channelId is missing; serviceUrl is missing/],
      [{ ...noType, text: 'help' }, /type is missing/],
      [{ ...noServiceUrl, text: 'help' }, /serviceUrl is missing/],
      [noFrom, /from is missing/],
      [{ ...activity(OIDS.lead), text: 42 }, /text must be a string/],
      [{ ...activity(OIDS.lead), serviceUrl: 'not a url' }, /serviceUrl must be an http\(s\) URL/],
      [{ ...activity(OIDS.lead), from: { id: 'a\u0000b' } }, /from\.id must not contain control characters/],
      [{ ...activity(OIDS.lead, 'invoke'), name: 'task/fetch' }, /answers only adaptiveCard\/action/],
      [invoke(OIDS.lead, 'help', 'not an object'), /value\.action\.data must be an object/],
      [{ ...invoke(OIDS.lead, 'help', {}), value: { action: { type: 'Action.Submit' } } }, /Action\.Execute/],
      [{ ...activity(OIDS.lead, 'messageUpdate') }, /channelData/],
      [[activity(OIDS.lead)], /the body must be an object/],
    ];
    for (const [body, message] of cases) {
      const r = await post(body);
      expectPlainRefusal(r);
      expect(r.status).toBe(400);
      expect(r.json.error).toBe('invalid_activity');
      expect(r.json.message).toMatch(message);
    }
    let deep: unknown = {};
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const tooDeep = await post(invoke(OIDS.lead, 'help', { deep }));
    expect(tooDeep.json.message).toMatch(/nested more than 32 levels/);
    const notJson = await post('{"type": "message", ', true);
    expectPlainRefusal(notJson);
    expect(notJson.json).toEqual({ error: 'invalid_json', message: 'The request body is not valid JSON.' });
    const tooLarge = await post({ ...activity(OIDS.lead), text: 'x'.repeat(300_000) });
    expect(tooLarge.status).toBe(413);
    expectPlainRefusal(tooLarge);
    // Only JSON, uncompressed, is read.
    const asText = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(activity(OIDS.lead)),
    });
    expect(asText.status).toBe(415);
    expect(await asText.json()).toEqual({
      error: 'unsupported_media_type',
      message: 'The activity must be sent as application/json.',
    });
    const compressed = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: JSON.stringify(activity(OIDS.lead)),
    });
    expect(compressed.status).toBe(415);
    expect((await compressed.json()).message).toBe('The activity must not be compressed.');
    // Only POST reaches the bot: a GET is one of the tab API's requests, refused without its sign-in.
    expect((await fetch(`${app.url}/api/messages`)).status).toBe(401);
    expect(await fingerprint()).toEqual(before);
  });

  it('answers card data with a NUL byte as ordinary data: no "Something went wrong", nothing written', async () => {
    const before = await fingerprint();
    const r = await post(invoke(OIDS.lead, 'book_dropin', { sessionId: 'sess\u0000-up' }));
    expect(r.status).toBe(200);
    expect(cardText(r.json)).not.toMatch(/Something went wrong/);
    expect(outcomes.at(-1)).toBe('book_dropin');
    // The NUL is removed at the edge: "sess-up" is the real session, so this booked it.
    expect((await app.svc.store.dropIns.bookingsForPerson('lead-a')).map((b) => b.sessionId)).toContain('sess-up');
    expect(await fingerprint()).not.toEqual(before);
    await settle(); // the booking's meeting-attendees job runs (and records its run) before the next look
    const again = await fingerprint();
    const nul = await post(invoke(OIDS.lead, 'status', { applicationId: `\u0000${appId}\u0007` }));
    expect(cardText(nul.json)).not.toMatch(/Something went wrong/);
    // A card input that is not text (no card of this app sends one) is refused, not saved as "[object Object]".
    const notText = await post(
      invoke(OIDS.lead, 'save_commentary', { applicationId: appId, section: 1, 'text_1.1': { a: 1 } }),
    );
    expect(outcomes.at(-1)).toBe('error:VALIDATION');
    expect(cardText(notText.json)).toContain('The card sent something unexpected, so nothing was saved.');
    await settle();
    expect(await fingerprint()).toEqual(again);
  });

  it('refuses a NUL in an API query with 400 and a plain message', async () => {
    const res = await fetch(`${app.url}/api/me?organisationId=a%00b`, { headers: { 'x-local-identity': OIDS.admin } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      message: 'The request had an organisation id that is not valid.',
    });
  });

  it('answers a NUL or another control character in the newer routes’ ids with a 4xx and a plain message', async () => {
    const before = await fingerprint();
    const get = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${app.url}${path}`, {
        ...init,
        headers: { 'x-local-identity': OIDS.admin, ...(init.headers as Record<string, string> | undefined) },
      });
      const text = await res.text();
      expect(res.status, `${path}: ${text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${path}: ${text}`).toBeLessThan(500);
      expect(text).not.toMatch(INTERNALS);
      return { status: res.status, text };
    };
    const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    expect((await get('/local/dropins/sess%00-up/join', { ...form, body: 'personId=lead-a' })).status).toBe(400);
    expect((await get('/local/dropins/sess-up/join', { ...form, body: 'personId=lead%00-a' })).status).toBe(400);
    expect((await get('/local/evidence/org%00-a?as=x')).status).toBe(404);
    expect((await get('/verify/WEX%00-ABCD')).status).toBe(404);
    expect((await get('/verify?code=WEX%00')).status).toBe(404);
    expect((await get('/files/awards/a%00b/certificate.pdf?exp=1&sig=x')).status).toBe(404);
    expect((await get('/files/applications/a%00b/feedback.pdf?exp=1&sig=x')).status).toBe(404);
    const console = await get('/api/admin/console?cycleId=c%00');
    expect(console.status).toBe(400);
    expect(JSON.parse(console.text)).toMatchObject({ error: 'invalid_request', message: expect.any(String) });
    expect((await get(`/api/applications/${encodeURIComponent(`${appId}\u0000`)}/history`)).status).toBe(400);
    expect((await get(`/api/applications/a%1Bb/award`)).status).toBe(400);
    expect(joined).toEqual([]);
    expect(await fingerprint()).toEqual(before);
  });

  it('answers a rule a route did not catch with its status and plain message, anything else with a reference', async () => {
    // Its own quiet log: the deliberate failure below is not one of the app's.
    const face = createHttpApp({
      svc: { log: createLogger({ level: 'silent' }) } as unknown as Services,
      routes: (routes) => {
        routes.get('/rule', () => {
          throw new DomainError('VALIDATION', 'That text cannot be kept.');
        });
        routes.get('/missing', async () => {
          throw new DomainError('NOT_FOUND', 'No such thing.');
        });
        routes.get('/bug', () => {
          throw new TypeError('Cannot read properties of undefined');
        });
      },
    });
    const port = await freePort();
    const server = await new Promise<http.Server>((resolve) => {
      const s = face.listen(port, '127.0.0.1', () => resolve(s));
    });
    try {
      const at = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
      const rule = await at('/rule');
      expect(rule.status).toBe(422);
      expect(await rule.json()).toEqual({ error: 'VALIDATION', message: 'That text cannot be kept.' });
      const missing = await at('/missing');
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: 'NOT_FOUND', message: 'No such thing.' });
      const bug = await at('/bug');
      expect(bug.status).toBe(500);
      const text = await bug.text();
      expect(JSON.parse(text)).toEqual({ error: 'internal_error', ref: expect.stringMatching(/^[0-9A-F]{8}$/) });
      expect(text).not.toMatch(INTERNALS);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('keeps internal messages out of answers when the channel cannot be reached', async () => {
    const before = logLines.length;
    // The channel refuses the reply (and the apology): they cannot be delivered. The channel hears 200,
    // the log has the failure with a reference, and no error text leaves the server.
    const r = await post({ ...activity(OIDS.stranger), serviceUrl: `${serviceUrl}refuse/`, text: 'help' });
    expect(r.status).toBeLessThan(500);
    expect(r.text).not.toMatch(INTERNALS);
    const logged = logLines.slice(before).join('');
    expect(logged).toContain('bot turn failed');
    expect(logged).toContain('could not tell the user that the bot turn failed');
  });
});

// ---------------------------------------------------------------------------------------------
// Generated input

const control = fc.constantFrom('\u0000', '\u0001', '\u0008', '\u001b', '\u007f', '\u0085', '\ud800', '\udfff');
const nastyString = fc.string({
  unit: fc.oneof(control, fc.constantFrom('a', ' ', '’', '<', '"', '\\', '%', '\n'), fc.string({ maxLength: 1 })),
  maxLength: 30,
});
const scalar = fc.oneof(
  nastyString,
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => Number(n)),
  fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', 'true', 'x'.repeat(9000)),
);
const jsonish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString, fc.string({ maxLength: 6 })), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Field names each verb's data schema knows, and the names card inputs use. */
function keysOf(schema: unknown): string[] {
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}
const COMMON_KEYS = [
  'applicationId',
  'version',
  'as',
  'section',
  'next',
  'sessionId',
  'bookingId',
  'waitlist',
  'kind',
  'mute',
  'paused',
  'level',
  'keys',
  'page',
  'confirm',
  'acknowledgeWarnings',
  'question',
  'answer',
  'clarificationId',
  'reviewerIds',
  'strengths',
  'improvements',
  'runId',
  'greeting',
  'text_1.1',
  'doc_1.1_0',
  'pages_1.1_0',
  'outcome_1.1',
  'note_1.1',
];

describe('generated input never gives a 5xx, a crash or internals, and refusals write nothing', () => {
  const realValue = () =>
    fc.oneof(
      fc.constantFrom(appId, sessionId, 'org-a', 'org-b', 'lead-a', 'rev-1', 1, 2, 0, 'bronze', 'gold', 'met'),
      jsonish,
    );

  it('activities: anything posted to /api/messages', async () => {
    const field = fc.constantFrom(
      'type',
      'channelId',
      'serviceUrl',
      'from',
      'recipient',
      'conversation',
      'text',
      'name',
      'value',
      'membersAdded',
      'membersRemoved',
      'channelData',
      'entities',
      'replyToId',
      'id',
      'attachments',
    );
    const mutated = fc
      .tuple(
        fc.constantFrom(...Object.values(OIDS)),
        fc.constantFrom(
          'message',
          'invoke',
          'conversationUpdate',
          'installationUpdate',
          'messageReaction',
          'event',
          'typing',
          'messageUpdate',
          'messageDelete',
          'endOfConversation',
          'x-unknown',
        ),
        fc.array(fc.tuple(field, fc.option(jsonish, { nil: undefined })), { maxLength: 4 }),
      )
      .map(([oid, type, changes]) => {
        const a: Record<string, unknown> =
          type === 'invoke' ? invoke(oid, 'help', {}) : { ...activity(oid, type), text: 'help' };
        for (const [k, v] of changes) {
          if (v === undefined) delete a[k];
          else a[k] = v;
        }
        return a;
      });
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: jsonish }), async (body) => {
        const before = await stateBefore();
        const r = await post(body);
        expect(r.status, r.text).toBeLessThan(500);
        expect(r.text).not.toMatch(INTERNALS);
        const after = await stateAfter();
        if (r.status >= 400) {
          expectPlainRefusal(r);
          expect(after).toEqual(before);
        }
      }),
      { numRuns: 150 },
    );
  }, 300_000);

  it('card payloads: every registered verb, as every kind of person, with arbitrary data', async () => {
    const keyPool = [...new Set([...COMMON_KEYS, ...ALL_COMMANDS.flatMap((c) => keysOf(c.data))])];
    const asRole: Record<string, string> = {
      applicant_lead: OIDS.lead,
      applicant_contributor: OIDS.lead,
      reviewer: OIDS.reviewer,
      admin: OIDS.admin,
    };
    // Mostly someone allowed to use the command, with the command's own fields, so the data
    // reaches the command's checks and the workflows behind them; sometimes anyone, anything.
    const payload = fc.constantFrom(...ALL_COMMANDS).chain((command) => {
      const own = keysOf(command.data);
      const key = fc.oneof(
        { weight: 3, arbitrary: own.length > 0 ? fc.constantFrom(...own) : fc.constantFrom(...keyPool) },
        { weight: 2, arbitrary: fc.constantFrom(...keyPool) },
        { weight: 1, arbitrary: nastyString },
      );
      return fc.record({
        verb: fc.oneof(
          { weight: 19, arbitrary: fc.constant(command.verb) },
          {
            weight: 1,
            arbitrary: fc
              .string({ minLength: 1, maxLength: 20 })
              // eslint-disable-next-line no-control-regex -- finding control characters is the point
              .filter((v) => !/[\u0000-\u001f\u007f-\u009f]/.test(v)),
          },
        ),
        oid: fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...command.roles.map((r) => asRole[r]!)) },
          { weight: 1, arbitrary: fc.constantFrom(...Object.values(OIDS)) },
        ),
        data: fc.dictionary(key, realValue(), { maxKeys: 6 }),
      });
    });
    await fc.assert(
      fc.asyncProperty(payload, async ({ verb, oid, data: d }) => {
        const before = await stateBefore();
        const seen = outcomes.length;
        const r = await post(invoke(oid, verb, d));
        expect(r.status, r.text).toBe(200);
        expect(r.json).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
        const text = cardText(r.json.value);
        expect(text).not.toMatch(INTERNALS);
        expect(text, `${verb} ${JSON.stringify(d)}`).not.toMatch(/Something went wrong/);
        const outcome = outcomes[seen];
        expect(outcome).toBeDefined();
        expect(outcome).not.toBe('error:UNEXPECTED');
        const after = await stateAfter();
        if (outcome!.startsWith('error') || outcome === 'unknown_user')
          expect(after, `${verb} → ${outcome}`).toEqual(before);
      }),
      { numRuns: 300 },
    );
  }, 600_000);

  it('API requests: the tab API, the .ics links, verification, award files, /readyz, the local pages and unknown paths', async () => {
    const identity = fc.oneof(
      fc.constantFrom(...Object.values(OIDS), '', 'not-a-guid', 'x'.repeat(200)),
      fc.stringMatching(/^[ -~]{0,40}$/),
    );
    const query = fc.dictionary(
      fc.oneof(fc.constantFrom('organisationId', 'exp', 'sig', 'code', 'cycleId', 'what', 'format', 'as'), nastyString),
      nastyString,
      { maxKeys: 3 },
    );
    // A URL carries UTF-8: a lone surrogate cannot be in one (encodeURIComponent refuses it).
    const segment = fc
      .oneof(nastyString, fc.constantFrom(appId, 'org-a', '1', '7', 'x'.repeat(300)))
      .map((s) => s.replace(/[\ud800-\udfff]/g, '\ufffd'));
    const request = fc.oneof(
      fc.record({ method: fc.constant('GET'), path: fc.constant('/api/me'), identity, query }),
      fc.record({
        method: fc.constant('GET'),
        path: segment.map((s) => `/ics/bookings/${encodeURIComponent(s)}`),
        identity,
        query,
      }),
      fc.record({
        method: fc.constant('PUT'),
        path: fc.tuple(segment, segment, segment).map((p) => `/local/evidence/${p.map(encodeURIComponent).join('/')}`),
        identity,
        query,
      }),
      fc.record({
        method: fc.constant('GET'),
        path: fc.oneof(
          segment.map((s) => `/verify/${encodeURIComponent(s)}`),
          segment.map((s) => `/local/evidence/${encodeURIComponent(s)}`),
          fc
            .tuple(segment, fc.oneof(fc.constantFrom('certificate.pdf', 'badge.png', 'badge.svg'), segment))
            .map(([a, f]) => `/files/awards/${encodeURIComponent(a)}/${encodeURIComponent(f)}`),
          segment.map((s) => `/files/applications/${encodeURIComponent(s)}/feedback.pdf`),
          fc
            .tuple(segment, fc.constantFrom('history', 'award'))
            .map(([a, what]) => `/api/applications/${encodeURIComponent(a)}/${what}`),
        ),
        identity,
        query,
      }),
      fc.record({
        method: fc.constantFrom('POST', 'DELETE'),
        path: fc.oneof(
          segment.map((s) => `/local/dropins/${encodeURIComponent(s)}/join`),
          segment.map((s) => `/api/admin/awards/${encodeURIComponent(s)}/revoke`),
          segment.map((s) => `/api/conflicts/${encodeURIComponent(s)}`),
        ),
        identity,
        query,
      }),
      fc.record({
        method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        path: fc.constantFrom(
          '/api/me',
          '/api/other',
          '/api/admin/console',
          '/api/admin/calibration',
          '/api/admin/conflicts',
          '/api/admin/export',
          '/api/admin/communicate-all',
          '/api/conflicts',
          '/tab',
          '/tab/people',
          '/healthz',
          '/readyz',
          '/verify',
          '/local/evidence',
          '/local/dropins',
          '/nope',
          '/api/messages',
        ),
        identity,
        query,
      }),
    );
    const body = fc.option(
      fc.oneof(
        jsonish.map((v) => ({ type: 'application/json', text: JSON.stringify(v) ?? 'null' })),
        nastyString.map((s) => ({ type: 'application/json', text: s })),
        nastyString.map((s) => ({ type: 'text/plain', text: s })),
        fc
          .dictionary(fc.oneof(fc.constantFrom('personId', 'reason', 'organisationId'), nastyString), nastyString, {
            maxKeys: 3,
          })
          .map((d) => ({
            type: 'application/x-www-form-urlencoded',
            text: new URLSearchParams(
              Object.entries(d).map(([k, v]) => [k, v.replace(/[\ud800-\udfff]/g, '\ufffd')]),
            ).toString(),
          })),
      ),
      { nil: undefined },
    );
    await fc.assert(
      fc.asyncProperty(request, body, async (req, b) => {
        const before = await stateBefore();
        const qs = new URLSearchParams(req.query).toString();
        const withBody = req.method !== 'GET' && b !== undefined;
        const res = await fetch(`${app.url}${req.path}${qs ? `?${qs}` : ''}`, {
          method: req.method,
          headers: {
            ...(req.identity ? { 'x-local-identity': req.identity } : {}),
            ...(withBody ? { 'content-type': b.type } : {}),
          },
          ...(withBody ? { body: b.text } : {}),
        });
        const text = await res.text();
        expect(res.status, `${req.method} ${req.path}: ${text}`).toBeLessThan(500);
        expect(text).not.toMatch(INTERNALS);
        const after = await stateAfter();
        if (res.status >= 400 || req.method === 'GET') expect(after).toEqual(before);
      }),
      { numRuns: 150 },
    );
  }, 300_000);

  it('logged nothing at error level while being fed all of that (except the unreachable channel above)', () => {
    const errors = logLines
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level >= 50 && l.msg !== 'bot turn failed');
    expect(errors).toEqual([]);
  });
});
