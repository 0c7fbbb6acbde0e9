/**
 * The app composed as `npm run serve` composes it in tenant mode (startApp with a tenant config
 * that loadConfig accepted), on a PostgreSQL server, with bot authentication on. Only the
 * outside world is swapped, and only through the composition root's StartOptions:
 * - the Bot Framework token service → a local OpenID issuer (its JWKS on loopback) that signs
 *   the activities this test sends and the tokens the bot sends;
 * - the Bot Connector → the local Bot Connector emulator, which requires the bot's token (the
 *   activities' serviceUrl points there, as Teams' point at Teams' connector);
 * - Microsoft Graph → the Graph emulator with its token.
 * The PostgreSQL server is TEST_DATABASE_URL (CI), else a throwaway server started here.
 */
import { randomBytes } from 'node:crypto';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { startConnectorEmulator, type ConnectorEmulator } from '../../src/connector-emulator/server.js';
import type { Clock } from '../../src/domain/time.js';
import { staticTokenSource } from '../../src/graph/client.js';
import { startGraphEmulator, type GraphEmulator } from '../../src/graph/emulator/index.js';
import { silentLogger } from '../../src/log.js';
import { startBotTokenService, type BotTokenServiceStandIn } from '../support/bot-token-service.js';
import { freePort } from '../support/local-stack.js';
import { createFreshDatabase, startThrowawayPostgres, type PostgresServer } from '../support/postgres.js';
import { TeamsChannel } from '../support/teams-channel.js';

export const TENANT_ID = '4a1d2c3b-0000-4000-8000-0000000e7a01';
export const OTHER_TENANT_ID = '9f9f9f9f-0000-4000-8000-0000000e7a02';
export const BOT_APP_ID = '5b0b0b0b-0000-4000-8000-0000000b0701';
export const GRAPH_CLIENT_ID = '6c1c1c1c-0000-4000-8000-0000000c1701';
export const TEAMS_APP_ID = '7d2d2d2d-0000-4000-8000-0000000d2701';
export const ORGANISER = { mail: 'wexqs.dropins@tenant.example.nhs.uk', id: '8e3e3e3e-0000-4000-8000-0000000e3701' };
/** The assessment team's Entra security group, granted on every private evidence folder. */
export const ASSESSMENT_GROUP = { id: '9a4a4a4a-0000-4000-8000-0000000a4701', displayName: 'WEx QS assessment team' };
const GRAPH_TOKEN = `graph-${randomBytes(8).toString('hex')}`;

export interface TenantStack {
  config: AppConfig;
  app: RunningApp;
  graph: GraphEmulator;
  connector: ConnectorEmulator;
  tokens: BotTokenServiceStandIn;
  teams: TeamsChannel;
  close(): Promise<void>;
}

/** The environment a deployment would have, with placeholder secrets. */
export function tenantEnvironment(over: Record<string, string>): Record<string, string> {
  return {
    APP_MODE: 'tenant',
    HOST: '127.0.0.1',
    MicrosoftAppId: BOT_APP_ID,
    MicrosoftAppPassword: 'placeholder-bot-secret',
    MicrosoftAppType: 'SingleTenant',
    MicrosoftAppTenantId: TENANT_ID,
    GRAPH_TENANT_ID: TENANT_ID,
    GRAPH_CLIENT_ID,
    GRAPH_CLIENT_SECRET: 'placeholder-graph-secret',
    GRAPH_DRIVE_ID: 'placeholder-drive',
    GRAPH_ORGANISER_UPN: ORGANISER.mail,
    GRAPH_ASSESSMENT_GROUP_ID: ASSESSMENT_GROUP.id,
    TEAMS_APP_ID,
    PUBLIC_BASE_URL: 'https://wexqs.tenant.example.nhs.uk',
    LINK_SIGNING_SECRET: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    ...over,
  };
}

let server: Promise<{ url: string; stop: () => Promise<void> }> | null = null;

/**
 * The PostgreSQL server's admin URL: TEST_DATABASE_URL, or a throwaway one shared by the test
 * files of this process until one of them stops it (the next file to ask then starts another).
 */
export function postgresServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  server ??= process.env.TEST_DATABASE_URL
    ? Promise.resolve({ url: process.env.TEST_DATABASE_URL, stop: async () => undefined })
    : startThrowawayPostgres().then((s: PostgresServer) => ({
        url: s.url,
        stop: () => {
          server = null;
          return s.stop();
        },
      }));
  return server;
}

export async function startTenantStack(opts: {
  clock: Clock;
  /** People the Graph directory knows (their Entra ids), besides the organiser. */
  directory: { mail: string; id: string; displayName: string }[];
}): Promise<TenantStack> {
  const pg = await postgresServer();
  const db = await createFreshDatabase(pg.url, 'wexqs_tenant');
  const tokens = await startBotTokenService({ tenantId: TENANT_ID });
  const connector = await startConnectorEmulator({
    tenantId: TENANT_ID,
    botAuth: { jwks: tokens.jwks, issuers: [tokens.botTokenIssuer], appIds: [BOT_APP_ID] },
  });
  const graph = await startGraphEmulator({
    acceptedToken: GRAPH_TOKEN,
    tenantId: TENANT_ID,
    users: [{ mail: ORGANISER.mail, id: ORGANISER.id, displayName: 'WEx QS drop-ins' }, ...opts.directory],
    onlineMeetings: { now: () => opts.clock.now(), accessPolicyFor: [ORGANISER.id] },
    // Every NHS address of the suite is a member of the tenant; the assessment team is a group in it.
    directory: { tenantDomains: ['example.nhs.uk'], groups: [ASSESSMENT_GROUP] },
  });
  const config = loadConfig(
    tenantEnvironment({ PORT: String(await freePort()), DATABASE_URL: db.url, GRAPH_DRIVE_ID: graph.driveId }),
  );
  const app = await startApp(config, {
    log: silentLogger,
    clock: opts.clock,
    botTokenService: { openIdMetadataUrl: tokens.openIdMetadataUrl, botToken: () => tokens.botToken(BOT_APP_ID) },
    graphEndpoint: { baseUrl: graph.url, tokens: staticTokenSource(GRAPH_TOKEN) },
  });
  const teams = new TeamsChannel({ appUrl: app.url, appId: BOT_APP_ID, tenantId: TENANT_ID, connector, tokens });
  return {
    config,
    app,
    graph,
    connector,
    tokens,
    teams,
    async close() {
      await app.close();
      await connector.close();
      await graph.close();
      await tokens.close();
      await db.drop();
    },
  };
}
