import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import { validateAndFixActivity } from 'botbuilder/lib/activityValidator.js';
import {
  AuthenticationConstants,
  AuthenticationError,
  ConnectorFactory,
  ServiceClientCredentialsFactory,
  type AuthenticateRequestResult,
  type ClaimsIdentity,
  type ConnectorClient,
  type ServiceClientCredentials,
  type UserTokenClient,
} from 'botframework-connector';
import './signing-keys.js';
import { failureRef, type Logger } from '../src/log.js';
import { CARD_CONTENT_TYPE } from './cards/card-kit.js';
import { unexpectedErrorCard } from './cards/message-cards.js';

export interface BotAuthSettings {
  appId: string;
  appPassword: string;
  appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
  tenantId: string;
}

/**
 * Where the bot's tokens come from and are checked against, when not the Bot Framework's own
 * services: the composition root is given this by tests (a local OpenID issuer on loopback), never
 * by settings. botbuilder's own validation runs unchanged: issuer https://api.botframework.com,
 * audience = the bot's app id, signature against the issuer's published keys, expiry, the
 * activity's serviceUrl against the token's claim, endorsements.
 */
export interface BotTokenService {
  /** OpenID configuration of the service that signs the tokens Teams' channel sends the bot. */
  openIdMetadataUrl: string;
  /** The bearer token the bot sends to the Bot Connector (instead of one from Entra). */
  botToken: () => Promise<string>;
}

function isTokenService(x: ServiceClientCredentialsFactory | BotTokenService): x is BotTokenService {
  return typeof (x as Partial<BotTokenService>).openIdMetadataUrl === 'string';
}

/** Credentials from a token source, for the bot app id only. */
class TokenSourceCredentialsFactory extends ServiceClientCredentialsFactory {
  constructor(
    private readonly appId: string,
    private readonly token: () => Promise<string>,
  ) {
    super();
  }
  async isValidAppId(appId: string): Promise<boolean> {
    return appId === this.appId;
  }
  async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }
  async createCredentials(): Promise<ServiceClientCredentials> {
    // A token per request, not one per credentials object: the connector clients are kept.
    const token = this.token;
    return {
      async signRequest(request) {
        request.headers.set('authorization', `Bearer ${await token()}`);
        return request;
      },
    };
  }
}

/** At most this many connector clients are kept (one per service URL and audience the bot is called from). */
const MAX_CONNECTOR_CLIENTS = 64;
/** At most this many accepted channel tokens are remembered (Teams reuses one until it nears expiry). */
const MAX_ACCEPTED_TOKENS = 1024;
/** An accepted token is checked again in full after this long, even if it has not expired. */
const ACCEPTED_TOKEN_TTL_MS = 5 * 60_000;

/**
 * botbuilder's authentication, with the clients it makes for each turn kept instead: the connector
 * client of a service URL (and audience) and the user token client of an app id. They hold no state
 * of a turn, and their credentials get (and renew) a token for each request, so every turn can use
 * the same ones. Every incoming request is authenticated exactly as before: only the clients for
 * outgoing calls are kept.
 */
/** Names of jsonwebtoken's errors for a token it refuses (https://github.com/auth0/node-jsonwebtoken#errors--codes). */
const JWT_REFUSALS = new Set(['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError']);

class KeptClientsAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly connectors = new Map<string, Promise<ConnectorClient>>();
  private readonly userTokenClients = new Map<string, Promise<UserTokenClient>>();
  /**
   * Channel tokens botbuilder accepted, with what it concluded. The conclusion depends only on the
   * token, the activity's channel and its service URL (botbuilder checks the signature, issuer,
   * audience, expiry, the channel's endorsement and the service URL claim), so the same three
   * give the same result until the token expires. Teams sends the same token with every activity
   * until it nears expiry: checking its RS256 signature once is enough. A refusal is never kept;
   * an acceptance is kept until the token's `exp` and at most ACCEPTED_TOKEN_TTL_MS (botbuilder
   * itself keeps the signing keys for a day).
   */
  private readonly accepted = new Map<string, { result: AuthenticateRequestResult; until: number }>();

  constructor(
    settings: ConfigurationBotFrameworkAuthenticationOptions,
    credentialsFactory?: ServiceClientCredentialsFactory,
    private readonly now: () => number = Date.now,
  ) {
    super(settings, credentialsFactory);
  }

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const key = `${authHeader}\n${activity.channelId ?? ''}\n${activity.serviceUrl ?? ''}`;
    const known = this.accepted.get(key);
    if (known) {
      if (known.until > this.now()) return known.result;
      this.accepted.delete(key);
    }
    const result = await this.checkRequest(activity, authHeader);
    const exp = Number(result.claimsIdentity.getClaimValue('exp'));
    if (authHeader && Number.isFinite(exp)) {
      if (this.accepted.size >= MAX_ACCEPTED_TOKENS) this.accepted.delete(this.accepted.keys().next().value!);
      this.accepted.set(key, { result, until: Math.min(exp * 1000, this.now() + ACCEPTED_TOKEN_TTL_MS) });
    }
    return result;
  }

  private async checkRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    let result: AuthenticateRequestResult;
    try {
      result = await super.authenticateRequest(activity, authHeader);
    } catch (err) {
      // botbuilder turns an expired token into a 401 but lets jsonwebtoken's other refusals (a bad
      // signature, a malformed token, one not yet valid) through as a 500: they are the caller's
      // fault, so they are a 401 as well.
      if (err instanceof Error && JWT_REFUSALS.has(err.name)) throw new AuthenticationError(err.message, 401);
      throw err;
    }
    if (!result.connectorFactory) return result;
    return { ...result, connectorFactory: this.kept(result.claimsIdentity, result.connectorFactory) };
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.kept(claimsIdentity, super.createConnectorFactory(claimsIdentity));
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    const key = appIdOf(claimsIdentity);
    return remember(this.userTokenClients, key, () => super.createUserTokenClient(claimsIdentity));
  }

  private kept(claimsIdentity: ClaimsIdentity, inner: ConnectorFactory): ConnectorFactory {
    const appId = appIdOf(claimsIdentity);
    const connectors = this.connectors;
    return new (class extends ConnectorFactory {
      create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
        return remember(connectors, `${appId}\n${serviceUrl}\n${audience ?? ''}`, () =>
          inner.create(serviceUrl, audience),
        );
      }
    })();
  }
}

/** The bot app id a turn's clients act for (botbuilder takes it from the audience claim, else appid). */
function appIdOf(claimsIdentity: ClaimsIdentity): string {
  return (
    claimsIdentity.getClaimValue(AuthenticationConstants.AudienceClaim) ??
    claimsIdentity.getClaimValue(AuthenticationConstants.AppIdClaim) ??
    ''
  );
}

/** The value kept under `key`, made once (a failure is not kept); the oldest goes beyond the bound. */
function remember<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  const found = cache.get(key);
  if (found) return found;
  const made = make();
  made.catch(() => cache.delete(key));
  if (cache.size >= MAX_CONNECTOR_CLIENTS) cache.delete(cache.keys().next().value!);
  cache.set(key, made);
  return made;
}

function authentication(
  auth: BotAuthSettings,
  outbound?: ServiceClientCredentialsFactory | BotTokenService,
  now?: () => number,
): KeptClientsAuthentication {
  const settings = {
    MicrosoftAppId: auth.appId,
    MicrosoftAppPassword: auth.appPassword,
    MicrosoftAppType: auth.appType,
    MicrosoftAppTenantId: auth.tenantId,
  };
  if (!outbound || !isTokenService(outbound)) return new KeptClientsAuthentication(settings, outbound, now);
  const tokenService = outbound;
  if (!auth.appId) throw new Error('a bot token service needs the bot app id (bot authentication on)');
  // The public cloud's parameters with only the key document replaced (botbuilder takes either
  // all of them or none).
  return new KeptClientsAuthentication(
    {
      ...settings,
      ValidateAuthority: true,
      ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
      ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
      ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
      OAuthUrl: AuthenticationConstants.OAuthUrl,
      ToBotFromChannelOpenIdMetadataUrl: tokenService.openIdMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: tokenService.openIdMetadataUrl,
      CallerId: 'urn:botframework:azure',
    },
    new TokenSourceCredentialsFactory(auth.appId, tokenService.botToken),
    now,
  );
}

/**
 * The CloudAdapter, entered with an activity the bot endpoint has already read and checked
 * (src/server/bot-endpoint.ts) rather than through `process`, which parses the request again with
 * its own schemas and writes the response itself.
 */
export class BotAdapter extends CloudAdapter {
  /**
   * Authenticates the request (an AuthenticationError when refused) and runs the turn; the invoke
   * response, if the turn produced one.
   */
  handle(
    authHeader: string,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, validateAndFixActivity(activity), logic);
  }
}

/**
 * The Bot Framework CloudAdapter. It authenticates every incoming request against the bot's
 * Entra app registration; an empty app id disables that, which config allows only in local mode.
 * `outbound` replaces how the bot's own outgoing calls are signed: credentials (tests and
 * benchmarks in local mode: the local Bot Connector's token, src/connector-emulator/bot-credentials.ts)
 * or a whole token service (the tenant suite: a local OpenID issuer, see BotTokenService).
 *
 * A turn that fails is logged with a short reference and answered without internals: a message
 * gets an apology, a card action gets the "something went wrong" card (an invoke always gets an
 * invoke response, so Teams shows a card rather than an error). The handler itself never throws:
 * when even the apology cannot be delivered (the channel is unreachable), that is logged too.
 */
export function createAdapter(
  auth: BotAuthSettings,
  log: Logger,
  outbound?: ServiceClientCredentialsFactory | BotTokenService,
  /** The clock accepted tokens are kept by (tests). */
  now?: () => number,
): BotAdapter {
  const adapter = new BotAdapter(authentication(auth, outbound, now));
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    const ref = failureRef();
    const { type, name } = context.activity;
    log.error(
      { ref, err: { type: error?.name, message: error?.message, stack: error?.stack }, activityType: type },
      'bot turn failed',
    );
    try {
      if (type === 'message') {
        await context.sendActivity('Sorry, something went wrong. Please try again.');
      } else if (type === 'invoke' && name === 'adaptiveCard/action') {
        await context.sendActivity({
          type: 'invokeResponse',
          value: { status: 200, body: { statusCode: 200, type: CARD_CONTENT_TYPE, value: unexpectedErrorCard(ref) } },
        });
      }
    } catch (sendError) {
      log.warn(
        { ref, err: { type: (sendError as Error)?.name, message: (sendError as Error)?.message } },
        'could not tell the user that the bot turn failed',
      );
    }
  };
  return adapter;
}
