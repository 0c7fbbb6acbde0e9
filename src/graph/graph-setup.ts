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
import { createGraphClient, type AccessTokenSource } from './client.js';
import type { DirectoryOptions } from './emulator/directory.js';
import { GraphMeetingAttendance } from './meeting-attendance.js';
import { GraphEvidenceFolders, GraphMeetings } from './graph-ports.js';
import { GraphEvidenceScanner } from './evidence-scanner.js';
import { ruPerMinuteForBand } from './provisioning/sharepoint-budget.js';

export const APP_VERSION = '0.1.0';
/** The token the local emulator is started with and the app sends to it. */
export const LOCAL_EMULATOR_TOKEN = 'local-emulator-token';

/** Local mode's assessment team: a security group in the emulated tenant, granted on every folder. */
export const LOCAL_ASSESSMENT_GROUP = {
  id: 'a55e55ed-7ea3-4c0d-8b1e-00000000a55e',
  displayName: 'WEx QS assessment team',
};

/**
 * The emulated tenant's directory in local mode: the demo's NHS addresses and the team's own are
 * members (so everyone the demo invites can be invited), and the assessment team's group exists.
 */
export const LOCAL_TENANT_DIRECTORY: DirectoryOptions = {
  tenantDomains: ['example.nhs.uk', 'wexqs.local'],
  groups: [LOCAL_ASSESSMENT_GROUP],
};

export interface GraphPorts {
  evidence: GraphEvidenceFolders;
  meetings: GraphMeetings;
  /** Reads evidence files for inspection. */
  scanner: GraphEvidenceScanner;
  /** Drop-in attendance from the Teams meetings' attendance reports. */
  attendance: GraphMeetingAttendance;
  /** Installs the app for people who never opened it (reminders in tenant mode); absent without TEAMS_APP_ID. */
  teamsApps?: GraphTeamsAppInstaller;
}

/**
 * A Graph endpoint the composition root is given instead of the configured one (tests: the Graph
 * emulator on loopback with its token). Never read from settings.
 */
export interface GraphEndpoint {
  /** Service root without the version, e.g. http://127.0.0.1:4321 */
  baseUrl: string;
  tokens: AccessTokenSource;
}

export function createGraphPorts(
  config: AppConfig,
  store: Store,
  log: Logger,
  opts: { sharedLocks?: boolean; endpoint?: GraphEndpoint } = {},
): GraphPorts {
  const endpoint = opts.endpoint;
  // The SDK appends the version itself: configure the service root.
  const baseUrl = (endpoint?.baseUrl ?? config.graph.baseUrl).replace(/\/v1\.0\/?$/, '').replace(/\/+$/, '');
  const client = endpoint
    ? createGraphClient({
        mode: 'custom',
        tokens: endpoint.tokens,
        baseUrl,
        appVersion: APP_VERSION,
        onResponse: recordGraphResponse,
      })
    : config.mode === 'tenant'
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
      assessmentGroupId:
        config.graph.assessmentGroupId || (config.mode === 'local' ? LOCAL_ASSESSMENT_GROUP.id : undefined),
      pacer: { ruPerMinute: ruPerMinuteForBand(config.graph.sharePointLicenceBand) },
    }),
    meetings: new GraphMeetings({ ...common, sharedLocks: opts.sharedLocks ?? false }),
    scanner: new GraphEvidenceScanner({
      client,
      baseUrl,
      ledger,
      log,
      ...(config.graph.driveId && config.mode === 'tenant' ? { driveId: config.graph.driveId } : {}),
    }),
    attendance: new GraphMeetingAttendance({ client, baseUrl, organiser: config.graph.organiserUpn }),
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
