/**
 * A local stand-in for the Bot Framework token service, on loopback: it publishes an OpenID
 * configuration and its keys (JWKS, with Teams' "msteams" endorsement) and signs
 * - channel tokens: what Teams' channel sends the bot with each activity (issuer
 *   https://api.botframework.com, audience = the bot's app id, the activity's serviceUrl claim);
 * - bot tokens: what the bot sends the Bot Connector (audience https://api.botframework.com,
 *   appid = the bot's app id), checked by the local Bot Connector emulator.
 * https://learn.microsoft.com/en-us/azure/bot-service/rest-api/bot-framework-rest-connector-authentication
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTVerifyGetKey } from 'jose';
import { BOT_CONNECTOR_AUDIENCE } from '../../src/connector-emulator/server.js';

export const CHANNEL_ISSUER = 'https://api.botframework.com';

export interface BotTokenServiceStandIn {
  /** OpenID configuration URL (what botbuilder reads the keys from). */
  openIdMetadataUrl: string;
  /** The keys, for the Bot Connector emulator. */
  jwks: JWTVerifyGetKey;
  /** Issuer of bot tokens (the bot's Entra tenant). */
  botTokenIssuer: string;
  channelToken(opts: {
    audience: string;
    serviceUrl: string;
    expiresInSeconds?: number;
    issuedSecondsAgo?: number;
  }): Promise<string>;
  botToken(appId: string): Promise<string>;
  /** Keys requested so far (botbuilder caches them). */
  keyRequests(): number;
  close(): Promise<void>;
}

export async function startBotTokenService(opts: { tenantId: string }): Promise<BotTokenServiceStandIn> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  let keyRequests = 0;
  const server = http.createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/v1/.well-known/openidconfiguration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          issuer: CHANNEL_ISSUER,
          jwks_uri: `${base}/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      );
      return;
    }
    if (req.url === '/keys') {
      keyRequests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [{ ...jwk, endorsements: ['msteams'] }] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const botTokenIssuer = `https://login.microsoftonline.com/${opts.tenantId}/v2.0`;
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' });
  return {
    openIdMetadataUrl: `${url}/v1/.well-known/openidconfiguration`,
    jwks: createLocalJWKSet({ keys: [jwk] }),
    botTokenIssuer,
    async channelToken(o) {
      const now = Math.floor(Date.now() / 1000) - (o.issuedSecondsAgo ?? 0);
      return sign({ serviceurl: o.serviceUrl })
        .setIssuer(CHANNEL_ISSUER)
        .setAudience(o.audience)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + (o.expiresInSeconds ?? 3600))
        .sign(privateKey);
    },
    async botToken(appId) {
      const now = Math.floor(Date.now() / 1000);
      return sign({ azp: appId, ver: '2.0', tid: opts.tenantId })
        .setIssuer(botTokenIssuer)
        .setAudience(BOT_CONNECTOR_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(privateKey);
    },
    keyRequests: () => keyRequests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
