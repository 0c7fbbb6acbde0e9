/**
 * The local Bot Connector, as strict as the real one about who may send: every /v3 call carries
 * the bot's bearer token (issuer, audience https://api.botframework.com, the bot's app id, not
 * expired), and its roster answers TeamsInfo.getMember's look-up.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectorEmulator, type ConnectorEmulator } from '../../src/connector-emulator/server.js';
import { startBotTokenService, type BotTokenServiceStandIn } from '../support/bot-token-service.js';

const TENANT = '22222222-2222-4222-8222-222222222222';
const APP_ID = '11111111-1111-4111-8111-111111111111';

describe('Bot Connector emulator: the bot’s token and the roster', () => {
  let tokens: BotTokenServiceStandIn;
  let connector: ConnectorEmulator;

  beforeAll(async () => {
    tokens = await startBotTokenService({ tenantId: TENANT });
    connector = await startConnectorEmulator({
      botAuth: { jwks: tokens.jwks, issuers: [tokens.botTokenIssuer], appIds: [APP_ID] },
      members: [
        {
          id: '29:ada',
          name: 'Ada Lead',
          aadObjectId: 'aaaaaaaa-0000-4000-8000-00000000000a',
          email: 'ada@alpha.example',
          userPrincipalName: 'ada@alpha.example',
        },
      ],
      tenantId: TENANT,
    });
  });
  afterAll(async () => {
    await connector?.close();
    await tokens?.close();
  });

  const send = (authorization?: string) =>
    fetch(`${connector.url}/v3/conversations/a:conv-1/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ type: 'message', text: 'hi', recipient: { id: '29:ada' } }),
    });

  it('accepts a message with the bot’s token', async () => {
    const res = await send(`Bearer ${await tokens.botToken(APP_ID)}`);
    expect(res.status).toBe(201);
    expect(connector.activities('a:conv-1')).toHaveLength(1);
  });

  it('refuses a missing, malformed, foreign-app, wrong-audience or expired token, delivering nothing', async () => {
    const before = connector.stats();
    const key = await import('jose').then((j) => j.generateKeyPair('RS256'));
    const selfSigned = await new SignJWT({ azp: APP_ID })
      .setProtectedHeader({ alg: 'RS256', kid: 'nope' })
      .setIssuer(tokens.botTokenIssuer)
      .setAudience('https://api.botframework.com')
      .setExpirationTime('1h')
      .sign(key.privateKey);
    for (const auth of [
      undefined,
      'Basic abc',
      `Bearer ${await tokens.botToken('33333333-3333-4333-8333-333333333333')}`,
      `Bearer ${await tokens.channelToken({ audience: APP_ID, serviceUrl: connector.url })}`,
      `Bearer ${selfSigned}`,
    ]) {
      const res = await send(auth);
      expect(res.status, auth ?? 'none').toBe(401);
      expect(await res.json()).toEqual({ message: 'Authorization has been denied for this request.' });
    }
    expect(connector.stats().accepted).toBe(before.accepted);
    expect(connector.stats().unauthorised).toBe(before.unauthorised + 5);
  });

  it('answers a member look-up with the TeamsChannelAccount, and 404 for someone not there', async () => {
    const auth = { authorization: `Bearer ${await tokens.botToken(APP_ID)}` };
    const res = await fetch(`${connector.url}/v3/conversations/a:conv-1/members/29%3Aada`, { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: '29:ada',
      name: 'Ada Lead',
      aadObjectId: 'aaaaaaaa-0000-4000-8000-00000000000a',
      email: 'ada@alpha.example',
      userPrincipalName: 'ada@alpha.example',
      tenantId: TENANT,
      userRole: 'user',
    });
    const byOid = await fetch(
      `${connector.url}/v3/conversations/a:conv-1/members/aaaaaaaa-0000-4000-8000-00000000000a`,
      {
        headers: auth,
      },
    );
    expect(((await byOid.json()) as { id: string }).id).toBe('29:ada');
    const missing = await fetch(`${connector.url}/v3/conversations/a:conv-1/members/29%3Anobody`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.code).toBe('MemberNotFoundInConversation');
    expect((await fetch(`${connector.url}/v3/conversations/a:conv-1/members/29%3Aada`)).status).toBe(401);
  });
});
