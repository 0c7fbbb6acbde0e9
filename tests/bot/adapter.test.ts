import { createRequire } from 'node:module';
import { AuthenticationError } from 'botframework-connector';
import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAdapter, type BotAdapter } from '../../bot/adapter.js';
import { silentLogger } from '../../src/log.js';
import { CHANNEL_ISSUER, startBotTokenService, type BotTokenServiceStandIn } from '../support/bot-token-service.js';

const auth = { appId: '', appPassword: '', appType: 'MultiTenant' as const, tenantId: '' };

describe('the bot adapter', () => {
  it('refuses a token service without the bot app id (it would mean authentication is off)', () => {
    expect(() =>
      createAdapter(auth, silentLogger, { openIdMetadataUrl: 'http://127.0.0.1:1/x', botToken: async () => 't' }),
    ).toThrow('a bot token service needs the bot app id');
  });

  it('builds the public-cloud adapter from settings alone', () => {
    expect(createAdapter(auth, silentLogger).onTurnError).toBeTypeOf('function');
  });
});

describe('the bot adapter authenticating Teams’ channel', () => {
  const TENANT = '22222222-2222-4222-8222-222222222222';
  const APP_ID = '11111111-1111-4111-8111-111111111111';
  const SERVICE_URL = 'https://smba.example/teams/';
  let tokens: BotTokenServiceStandIn;
  let adapter: BotAdapter;
  /** The clock the adapter keeps accepted tokens by (botbuilder's own checks use the real one). */
  let now = Date.now();

  beforeAll(async () => {
    tokens = await startBotTokenService({ tenantId: TENANT });
    adapter = createAdapter(
      { appId: APP_ID, appPassword: '', appType: 'SingleTenant', tenantId: TENANT },
      silentLogger,
      {
        openIdMetadataUrl: tokens.openIdMetadataUrl,
        botToken: () => tokens.botToken(APP_ID),
      },
      () => now,
    );
  });
  afterAll(async () => tokens?.close());
  afterEach(() => vi.restoreAllMocks());

  /**
   * Runs a message activity through the adapter as the bot endpoint does: the status the endpoint
   * answers (401 for a refused token) and the turn's connector client (null: no turn).
   */
  async function post(authorization: string | null, serviceUrl = SERVICE_URL) {
    let client: unknown = null;
    const activity = {
      type: 'message',
      id: 'm1',
      channelId: 'msteams',
      serviceUrl,
      text: 'help',
      from: { id: '29:ada' },
      recipient: { id: `28:${APP_ID}` },
      conversation: { id: 'a:1', conversationType: 'personal', tenantId: TENANT },
    };
    try {
      await adapter.handle(authorization ?? '', activity as never, async (context) => {
        client = context.turnState.get(context.adapter.ConnectorClientKey);
      });
      return { status: 200, client };
    } catch (err) {
      if (err instanceof AuthenticationError) return { status: 401, client };
      throw err;
    }
  }

  it('checks every token in full while the signing key and the connector client are kept', async () => {
    const good = await tokens.channelToken({ audience: APP_ID, serviceUrl: SERVICE_URL });
    const first = await post(`Bearer ${good}`);
    expect(first.status).toBe(200);
    expect(first.client).not.toBeNull();
    const second = await post(`Bearer ${good}`);
    expect(second.status).toBe(200);
    // The same client for the same service URL; the key set was fetched once.
    expect(second.client).toBe(first.client);
    expect(tokens.keyRequests()).toBe(1);

    // Signed by another key under the same key id: refused, though that key id's key is kept.
    const { kid } = decodeProtectedHeader(good);
    const other = await generateKeyPair('RS256');
    const forged = await new SignJWT({ serviceurl: SERVICE_URL })
      .setProtectedHeader({ alg: 'RS256', kid: kid!, typ: 'JWT' })
      .setIssuer(CHANNEL_ISSUER)
      .setAudience(APP_ID)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(other.privateKey);
    // A bad signature is the caller's fault: 401, as for every other refused token.
    const refused = await post(`Bearer ${forged}`);
    expect(refused.status).toBe(401);
    expect(refused.client).toBeNull();
    // So is a token that is not a JWT at all.
    expect((await post('Bearer not-a-token')).status).toBe(401);
    // Expired, for another bot, or for another service URL than the activity's: refused.
    const expired = await tokens.channelToken({
      audience: APP_ID,
      serviceUrl: SERVICE_URL,
      issuedSecondsAgo: 7200,
      expiresInSeconds: 600,
    });
    expect((await post(`Bearer ${expired}`)).status).toBe(401);
    const otherBot = await tokens.channelToken({
      audience: '00000000-0000-4000-8000-00000000dead',
      serviceUrl: SERVICE_URL,
    });
    expect((await post(`Bearer ${otherBot}`)).status).toBe(401);
    expect((await post(`Bearer ${good}`, 'https://elsewhere.example/teams/')).status).toBe(401);
    expect((await post(null)).status).toBe(401);

    // Another service URL (with its own token) gets its own client.
    const elsewhere = 'https://smba.example/emea/';
    const there = await post(
      `Bearer ${await tokens.channelToken({ audience: APP_ID, serviceUrl: elsewhere })}`,
      elsewhere,
    );
    expect(there.status).toBe(200);
    expect(there.client).not.toBe(first.client);
  });

  it('checks a channel token in full once, then until it expires or five minutes pass, for its channel and service URL only', async () => {
    // jsonwebtoken's verify is where botbuilder checks a token's signature and claims.
    const jwt = createRequire(import.meta.url)('jsonwebtoken') as { verify: (...a: unknown[]) => unknown };
    const verify = vi.spyOn(jwt, 'verify');
    now = Date.now();
    const token = await tokens.channelToken({ audience: APP_ID, serviceUrl: SERVICE_URL, expiresInSeconds: 600 });
    expect((await post(`Bearer ${token}`)).status).toBe(200);
    expect(verify).toHaveBeenCalledTimes(1);
    // Teams sends the same token with the next activities: not checked again.
    expect((await post(`Bearer ${token}`)).status).toBe(200);
    expect((await post(`Bearer ${token}`)).status).toBe(200);
    expect(verify).toHaveBeenCalledTimes(1);
    // The same token with another service URL is checked (and refused: its claim names another).
    expect((await post(`Bearer ${token}`, 'https://elsewhere.example/teams/')).status).toBe(401);
    expect(verify).toHaveBeenCalledTimes(2);
    // Five minutes on, the token is checked in full again.
    now += 5 * 60_000 + 1;
    expect((await post(`Bearer ${token}`)).status).toBe(200);
    expect(verify).toHaveBeenCalledTimes(3);

    // A token is never answered from memory past its expiry.
    now = Date.now();
    const short = await tokens.channelToken({ audience: APP_ID, serviceUrl: SERVICE_URL, expiresInSeconds: 60 });
    expect((await post(`Bearer ${short}`)).status).toBe(200);
    expect((await post(`Bearer ${short}`)).status).toBe(200);
    expect(verify).toHaveBeenCalledTimes(4);
    now += 61_000;
    await post(`Bearer ${short}`);
    expect(verify).toHaveBeenCalledTimes(5);

    // A refusal is not remembered: each attempt is checked.
    const otherBot = await tokens.channelToken({
      audience: '00000000-0000-4000-8000-00000000dead',
      serviceUrl: SERVICE_URL,
    });
    expect((await post(`Bearer ${otherBot}`)).status).toBe(401);
    expect((await post(`Bearer ${otherBot}`)).status).toBe(401);
    expect(verify).toHaveBeenCalledTimes(7);
  });
});
