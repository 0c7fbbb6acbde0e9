import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConfigurationServiceClientCredentialFactory,
  type TurnContext,
} from 'botbuilder';
import type { Logger } from '../src/log.js';

export interface BotAuthSettings {
  appId: string;
  appPassword: string;
  appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
  tenantId: string;
}

/**
 * The Bot Framework CloudAdapter. It authenticates every incoming request against the bot's
 * Entra app registration; an empty app id disables that, which config allows only in local mode.
 * `credentials` replaces how the bot's own outgoing calls are signed (tests and benchmarks: the
 * local Bot Connector's token, src/connector-emulator/bot-credentials.ts).
 */
export function createAdapter(
  auth: BotAuthSettings,
  log: Logger,
  credentials?: ConfigurationServiceClientCredentialFactory,
): CloudAdapter {
  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication(
      {
        MicrosoftAppId: auth.appId,
        MicrosoftAppPassword: auth.appPassword,
        MicrosoftAppType: auth.appType,
        MicrosoftAppTenantId: auth.tenantId,
      },
      credentials,
    ),
  );
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    log.error(
      { err: { type: error.name, message: error.message, stack: error.stack }, activityType: context.activity.type },
      'bot turn failed',
    );
    if (context.activity.type === 'message') {
      await context.sendActivity('Sorry, something went wrong. Please try again.');
    }
  };
  return adapter;
}
