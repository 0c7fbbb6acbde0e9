/**
 * Bot authentication against the local Bot Connector. Teams' Bot Connector only accepts calls
 * that carry the bot's bearer token: an Entra token whose audience is `https://api.botframework.com`
 * and whose `appid` (v1 tokens) or `azp` (v2) is the bot's app id
 * (https://learn.microsoft.com/en-us/azure/bot-service/rest-api/bot-framework-rest-connector-authentication ,
 * "Authenticate requests from your bot to the Bot Connector service"). Without one it answers 401.
 *
 * Locally there is no Entra: the emulator plays the token issuer with a symmetric key, and
 * `EmulatorCredentialsFactory` gives botbuilder's CloudAdapter credentials that sign each request
 * with such a token, so the SDK's own authenticated path is what the tests and benchmarks exercise.
 */
import { ConfigurationServiceClientCredentialFactory } from 'botbuilder';
import { SignJWT, jwtVerify } from 'jose';

/** The bot app id the local connector expects unless told otherwise. */
export const LOCAL_BOT_APP_ID = '00000000-0000-4000-8000-00000000b07a';
/** The key the local connector signs and checks its tokens with (local use only). */
export const LOCAL_CONNECTOR_SIGNING_KEY = 'local-bot-connector-signing-key-not-a-secret';
export const BOT_CONNECTOR_AUDIENCE = 'https://api.botframework.com';

const keyBytes = (key: string) => new TextEncoder().encode(key);

/** A token as Entra issues one to the bot for the Bot Connector (v1 claims), signed with the local key. */
export function mintConnectorToken(
  appId = LOCAL_BOT_APP_ID,
  key = LOCAL_CONNECTOR_SIGNING_KEY,
  lifetimeS = 3600,
): Promise<string> {
  return new SignJWT({ appid: appId, ver: '1.0' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('https://sts.windows.net/local-bot-connector/')
    .setAudience(BOT_CONNECTOR_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeS)
    .sign(keyBytes(key));
}

/** True when `token` is a valid, unexpired token for the bot `appId` and the Bot Connector audience. */
export async function verifyConnectorToken(
  token: string,
  appId = LOCAL_BOT_APP_ID,
  key = LOCAL_CONNECTOR_SIGNING_KEY,
): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(token, keyBytes(key), {
      audience: BOT_CONNECTOR_AUDIENCE,
      algorithms: ['HS256'],
    });
    return (payload.appid ?? payload.azp) === appId;
  } catch {
    return false;
  }
}

/**
 * botbuilder credentials for the local connector: every outgoing call signed with a token for
 * `appId` (renewed before it expires). Incoming activities are not authenticated, as in local mode
 * with bot authentication off (the Agents Playground and tests post them without a token).
 */
export class EmulatorCredentialsFactory extends ConfigurationServiceClientCredentialFactory {
  private token: { value: string; until: number } | null = null;

  private readonly botAppId: string;
  private readonly key: string;

  constructor(appId = LOCAL_BOT_APP_ID, key = LOCAL_CONNECTOR_SIGNING_KEY) {
    super({ MicrosoftAppId: appId, MicrosoftAppPassword: 'unused', MicrosoftAppType: 'MultiTenant' });
    this.botAppId = appId;
    this.key = key;
  }

  override isValidAppId(): Promise<boolean> {
    return Promise.resolve(true);
  }

  override isAuthenticationDisabled(): Promise<boolean> {
    return Promise.resolve(true);
  }

  override createCredentials(): Promise<{
    signRequest<T extends { headers: { set(n: string, v: string): void } }>(r: T): Promise<T>;
  }> {
    return Promise.resolve({
      signRequest: async <T extends { headers: { set(n: string, v: string): void } }>(request: T): Promise<T> => {
        if (!this.token || this.token.until < Date.now() + 60_000)
          this.token = { value: await mintConnectorToken(this.botAppId, this.key), until: Date.now() + 3_600_000 };
        request.headers.set('authorization', `Bearer ${this.token.value}`);
        return request;
      },
    });
  }
}
