/**
 * The local Bot Connector: the bot's bearer token required, documented limits with 429 +
 * Retry-After, Teams' 403 body for blocked users, idempotency, routes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  LOCAL_BOT_APP_ID,
  mintConnectorToken,
  startConnectorEmulator,
  teamsUserId,
  type ConnectorEmulator,
} from '../../src/connector-emulator/index.js';
import { classifyError } from '../../bot/messenger.js';
import { backoffMs, SlidingWindows } from '../../src/notifications/rate-limit.js';
import { classifyHttpFailure, parseRetryAfter } from '../../src/notifications/messenger.js';

const SCALE = 10;
let em: ConnectorEmulator;
/** The emulator's clock: moved by hand, so the rate windows do not depend on machine load. */
let clockMs = 1_000_000;
let token = '';

async function post(path: string, body: unknown, method = 'POST', auth = `Bearer ${token}`) {
  const r = await fetch(em.url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: JSON.stringify(body),
  });
  return {
    status: r.status,
    retryAfter: r.headers.get('retry-after'),
    body: (await r.json().catch(() => null)) as any,
  };
}
const send = (conv: string, extra: Record<string, unknown> = {}) =>
  post(`/v3/conversations/${conv}/activities`, { type: 'message', text: 'hi', ...extra });

beforeAll(async () => {
  em = await startConnectorEmulator({ timeScale: SCALE, blockedUsers: ['blocked-user'], now: () => clockMs });
  token = await mintConnectorToken();
});
afterAll(async () => {
  await em.close();
});
beforeEach(() => {
  clockMs += 3_600_000; // a fresh hour: every window empty
  em.reset();
  em.setFaults({});
});

describe('connector emulator', () => {
  it("requires the bot's bearer token: none, another bot's or a forged one is 401", async () => {
    em.registerConversation('ca', 'ua');
    const denied = { message: 'Authorization has been denied for this request.' };
    const none = await post('/v3/conversations/ca/activities', { type: 'message' }, 'POST', '');
    expect(none).toMatchObject({ status: 401, body: denied });
    const otherBot = await mintConnectorToken('11111111-1111-4111-8111-111111111111');
    expect(
      (await post('/v3/conversations/ca/activities', { type: 'message' }, 'POST', `Bearer ${otherBot}`)).status,
    ).toBe(401);
    const forged = await mintConnectorToken(LOCAL_BOT_APP_ID, 'a-key-the-connector-does-not-know-at-all');
    expect(
      (await post('/v3/conversations/ca/activities', { type: 'message' }, 'POST', `Bearer ${forged}`)).status,
    ).toBe(401);
    const expired = await mintConnectorToken(LOCAL_BOT_APP_ID, undefined, -60);
    expect(
      (await post('/v3/conversations/ca/activities', { type: 'message' }, 'POST', `Bearer ${expired}`)).status,
    ).toBe(401);
    expect(em.receivedBy('ua')).toBe(0);
    expect(em.stats().unauthorised).toBe(4);
    expect((await send('ca')).status).toBe(201);
  });

  it('per conversation: the 8th send inside a (scaled) second is refused with 429 and Retry-After', async () => {
    em.registerConversation('c1', 'u1');
    const ok = [];
    for (let i = 0; i < 7; i++) ok.push((await send('c1')).status);
    expect(ok).toEqual(Array(7).fill(201));
    const refused = await send('c1');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('TooManyRequests');
    const ra = Number(refused.retryAfter);
    expect(ra).toBeGreaterThan(0);
    expect(ra).toBeLessThanOrEqual(1 / SCALE + 0.01); // real seconds: at most one scaled second
    clockMs += ra * 1000 + 5;
    // The 8th fits the 1 s window now; the 8-per-2 s window still allows it once.
    expect((await send('c1')).status).toBe(201);
    expect((await send('c1')).status).toBe(429);
    expect(em.receivedBy('u1')).toBe(8);
    expect(em.stats().throttledConversation).toBe(2);
  });

  it('per app per tenant: about 50 per second across conversations', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => send(`t-${i}`, { conversation: { id: `t-${i}`, tenantId: 'T' } })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(50);
    expect(results.filter((r) => r.status === 429)).toHaveLength(10);
    expect(em.stats().throttledTenant).toBe(10);
    // Another tenant has its own budget.
    expect((await send('other', { conversation: { id: 'other', tenantId: 'U' } })).status).toBe(201);
  });

  it("a blocked user gets Teams' 403 body (errorCode 209, MessageWritesBlocked inside message), on send and on create", async () => {
    em.registerConversation('cb', 'blocked-user');
    const r = await send('cb');
    expect(r.status).toBe(403);
    expect(r.body.errorCode).toBe(209);
    expect(JSON.parse(r.body.message)).toMatchObject({ subCode: 'MessageWritesBlocked' });
    // The bot reads the subCode out of that string.
    expect(
      classifyError({ statusCode: 403, response: { status: 403, bodyAsText: JSON.stringify(r.body) } }),
    ).toMatchObject({ status: 'unreachable', reason: '403 209/MessageWritesBlocked' });
    const c = await post('/v3/conversations', { isGroup: false, members: [{ id: 'blocked-user' }], tenantId: 'T' });
    expect(c.status).toBe(403);
    expect(em.receivedBy('blocked-user')).toBe(0);
  });

  it('creates 1:1 conversations, replies and updates; honours the idempotency key', async () => {
    const c = await post('/v3/conversations', { isGroup: false, members: [{ id: 'aad-1' }], tenantId: 'T' });
    expect(c.status).toBe(201);
    const conv = c.body.id as string;
    const first = await send(conv, { channelData: { idempotencyKey: 'row-1' } });
    const again = await send(conv, { channelData: { idempotencyKey: 'row-1' } });
    expect(again.body.id).toBe(first.body.id);
    expect(em.receivedBy('aad-1')).toBe(1);
    expect(em.stats().dedupedResends).toBe(1);
    const reply = await post(`/v3/conversations/${conv}/activities/${first.body.id}`, {
      type: 'message',
      text: 'reply',
    });
    expect(reply.status).toBe(201);
    const upd = await post(
      `/v3/conversations/${conv}/activities/${first.body.id}`,
      { type: 'message', text: 'edited' },
      'PUT',
    );
    expect(upd.status).toBe(200);
    expect(em.activities(conv).find((a) => a.id === first.body.id)!.activity.text).toBe('edited');
    expect(em.receivedBy('aad-1')).toBe(2);
    expect((await post('/v3/conversations', { isGroup: true, members: [{ id: 'a' }, { id: 'b' }] })).status).toBe(400);
  });

  it('answers one member by Entra object id or Teams user id with the Teams user id (get single member details)', async () => {
    const aad = '0000aaaa-1111-4222-8333-444455556666';
    const created = await post('/v3/conversations', { isGroup: false, members: [{ id: aad }], tenantId: 'T' });
    expect(created.status).toBe(201);
    const get = async (member: string) => {
      const r = await fetch(`${em.url}/v3/conversations/${encodeURIComponent(created.body.id)}/members/${member}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: r.status, body: (await r.json()) as any };
    };
    const byAad = await get(aad);
    expect(byAad).toEqual({
      status: 200,
      body: { id: teamsUserId(aad), objectId: aad, tenantId: 'T', userRole: 'user' },
    });
    expect((await get(encodeURIComponent(teamsUserId(aad)))).body.id).toBe(teamsUserId(aad));
    expect((await get('someone-else')).status).toBe(404);
    const unknown = await fetch(`${em.url}/v3/conversations/nope/members/${aad}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(unknown.status).toBe(404);
  });

  it('injects faults: 412/502/504 and dropped connections', async () => {
    em.setFaults({ rate412: 1 });
    expect((await send('f')).status).toBe(412);
    em.setFaults({ rate504: 1 });
    expect((await send('f')).status).toBe(504);
    em.setFaults({ rateDrop: 1, dropAfterAccept: 1 });
    em.registerConversation('d', 'ud');
    await expect(send('d')).rejects.toThrow();
    // The emulator accepts before it drops the connection: by the time the client sees the error it is counted.
    expect(em.receivedBy('ud')).toBe(1); // accepted, but the answer was lost
    expect(em.stats().faults).toMatchObject({ '412': 1, '504': 1, drop: 1, dropAccepted: 1 });
  });
});

describe('dispatcher pacing helpers', () => {
  it('sliding windows say how long to wait', () => {
    const w = new SlidingWindows([
      { count: 7, windowMs: 1000 },
      { count: 8, windowMs: 2000 },
    ]);
    for (let i = 0; i < 7; i++) w.record('c', i * 10);
    expect(w.delayFor('c', 100)).toBeCloseTo(1000 - 100 + 0.5, 5);
    expect(w.delayFor('other', 100)).toBe(0);
    w.record('c', 1001);
    // 8 in the last 2 s: the next waits for the first to leave the 2-second window.
    expect(w.delayFor('c', 1100)).toBeCloseTo(2000 - 1100 + 0.5, 5);
    expect(w.delayFor('c', 2001)).toBe(0);
  });

  it('back-off grows exponentially with jitter and a cap', () => {
    const o = { baseMs: 100, capMs: 1000 };
    expect(backoffMs(1, o, () => 0)).toBe(50);
    expect(backoffMs(1, o, () => 1)).toBe(100);
    expect(backoffMs(3, o, () => 1)).toBe(400);
    expect(backoffMs(10, o, () => 1)).toBe(1000);
    expect(backoffMs(10, o, () => 0)).toBe(500);
  });

  it('classifies connector failures', () => {
    expect(classifyHttpFailure(429, { retryAfterMs: 500 })).toMatchObject({ status: 'throttled', retryAfterMs: 500 });
    for (const s of [412, 502, 503, 504]) expect(classifyHttpFailure(s, {}).status).toBe('throttled');
    expect(classifyHttpFailure(403, { subCode: 'MessageWritesBlocked' })).toMatchObject({
      status: 'unreachable',
      reason: '403 MessageWritesBlocked',
    });
    expect(classifyHttpFailure(500, {}).status).toBe('transient');
    expect(classifyHttpFailure(null, { message: 'ECONNRESET' }).status).toBe('transient');
    expect(classifyHttpFailure(400, {}).status).toBe('failed');
    expect(parseRetryAfter('1.5')).toBe(1500);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
  });
});
