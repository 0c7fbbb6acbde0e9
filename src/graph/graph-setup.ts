/**
 * Builds the Graph client and the Graph-backed ports from config: client credentials through
 * msal-node in tenant mode, a static token for the local emulator. The emulator itself is only
 * ever started by the local stack (config refuses GRAPH_EMULATOR in tenant mode).
 */
import type { AppConfig } from '../config.js';
import type { Logger } from '../log.js';
import { GraphTeamsAppInstaller } from '../notifications/teams-installer.js';
import { PostgresProvisioningLedger } from '../store/provisioning-ledger.js';
import type { Store } from '../store/store.js';
import { recordGraphResponse } from '../telemetry.js';
import { createGraphClient } from './client.js';
import { GraphEvidenceFolders, GraphMeetings } from './graph-ports.js';
import { GraphEvidenceScanner } from './evidence-scanner.js';

export const APP_VERSION = '0.1.0';
/** The token the local emulator is started with and the app sends to it. */
export const LOCAL_EMULATOR_TOKEN = 'local-emulator-token';

export interface GraphPorts {
  evidence: GraphEvidenceFolders;
  meetings: GraphMeetings;
  /** Reads evidence files for inspection. */
  scanner: GraphEvidenceScanner;
  /** Installs the app for people who never opened it (reminders in tenant mode); absent without TEAMS_APP_ID. */
  teamsApps?: GraphTeamsAppInstaller;
}

export function createGraphPorts(
  config: AppConfig,
  store: Store,
  log: Logger,
  opts: { sharedLocks?: boolean } = {},
): GraphPorts {
  // The SDK appends the version itself: configure the service root.
  const baseUrl = config.graph.baseUrl.replace(/\/v1\.0\/?$/, '').replace(/\/+$/, '');
  const client =
    config.mode === 'tenant'
      ? createGraphClient({
          mode: 'tenant',
          tenantId: config.graph.tenantId,
          clientId: config.graph.clientId,
          clientSecret: config.graph.clientSecret,
          baseUrl,
          appVersion: APP_VERSION,
          onResponse: recordGraphResponse,
        })
      : createGraphClient({
          mode: 'local',
          staticToken: LOCAL_EMULATOR_TOKEN,
          baseUrl,
          appVersion: APP_VERSION,
          onResponse: recordGraphResponse,
        });
  const ledger = new PostgresProvisioningLedger(store.db);
  const common = { store, client, log, organiser: config.graph.organiserUpn };
  return {
    evidence: new GraphEvidenceFolders({
      ...common,
      baseUrl,
      ledger,
      ...(config.graph.driveId && config.mode === 'tenant' ? { driveId: config.graph.driveId } : {}),
      sendInvitation: config.graph.sendInvitations,
    }),
    meetings: new GraphMeetings({ ...common, sharedLocks: opts.sharedLocks ?? false }),
    scanner: new GraphEvidenceScanner({
      client,
      baseUrl,
      ledger,
      log,
      ...(config.graph.driveId && config.mode === 'tenant' ? { driveId: config.graph.driveId } : {}),
    }),
    ...(config.teamsAppId || config.teamsCatalogAppId
      ? {
          teamsApps: new GraphTeamsAppInstaller({
            client,
            manifestId: config.teamsAppId,
            ...(config.teamsCatalogAppId ? { catalogId: config.teamsCatalogAppId } : {}),
          }),
        }
      : {}),
  };
}
