import { randomBytes } from 'node:crypto';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import {
  AuthenticationConstants,
  ServiceClientCredentialsFactory,
  TokenCredentials,
  type ServiceClientCredentials,
} from 'botframework-connector';
import type { Logger } from '../src/log.js';
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
    return new TokenCredentials(await this.token());
  }
}

function authentication(
  auth: BotAuthSettings,
  outbound?: ServiceClientCredentialsFactory | BotTokenService,
): ConfigurationBotFrameworkAuthentication {
  const settings = {
    MicrosoftAppId: auth.appId,
    MicrosoftAppPassword: auth.appPassword,
    MicrosoftAppType: auth.appType,
    MicrosoftAppTenantId: auth.tenantId,
  };
  if (!outbound || !isTokenService(outbound)) return new ConfigurationBotFrameworkAuthentication(settings, outbound);
  const tokenService = outbound;
  if (!auth.appId) throw new Error('a bot token service needs the bot app id (bot authentication on)');
  // The public cloud's parameters with only the key document replaced (botbuilder takes either
  // all of them or none).
  return new ConfigurationBotFrameworkAuthentication(
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
  );
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
): CloudAdapter {
  const adapter = new CloudAdapter(authentication(auth, outbound));
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    const ref = randomBytes(4).toString('hex').toUpperCase();
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
