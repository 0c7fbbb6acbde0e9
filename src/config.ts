/**
 * The one place where the process's settings are read and validated.
 *
 * Env names are UPPER_SNAKE except the bot's, which keep botbuilder's own names (MicrosoftAppId,
 * MicrosoftAppPassword, MicrosoftAppType, MicrosoftAppTenantId) so the same file works for both.
 *
 * Two modes (see shared/design/ARCHITECTURE.md, "Modes"):
 * - local (default): no Microsoft 365 tenant. Bot auth may be disabled (empty MicrosoftAppId), the
 *   local-only features (demo data, Graph emulator, Agents Playground, tab identity picker) default
 *   to on.
 * - tenant: real Entra / Graph / Azure Bot. Every local-only shortcut is refused, and every missing
 *   or contradictory setting is reported at once, one line per env variable.
 *
 * No message produced here, and nothing returned by describeConfig(), ever contains a value: a
 * secret put in the wrong variable must not end up in a log.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { SHAREPOINT_LICENCE_BANDS, type SharePointLicenceBand } from './graph/provisioning/sharepoint-budget.js';
import { hostForUrl, isLoopbackHost } from './loopback.js';
import { keyWeakness, MIN_KEY_LENGTH } from './secret-strength.js';

// ---------------------------------------------------------------------------------------------
// The validated shape

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const APP_MODES = ['local', 'tenant'] as const;
export const BOT_APP_TYPES = ['SingleTenant', 'MultiTenant', 'UserAssignedMSI'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export type AppMode = (typeof APP_MODES)[number];
export type BotAppType = (typeof BOT_APP_TYPES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

const port = z.number().int().min(1).max(65535);

/**
 * The background jobs a deployment runs. Each is on by default in both modes and can be switched
 * off per instance with its setting (e.g. JOB_ATTENDANCE=false), so a deployment can dedicate one
 * instance to jobs. Every job is safe to run on several instances at once.
 */
export const JOB_NAMES = [
  'reminder-planning',
  'reminder-dispatch',
  'lapsing',
  'attendance',
  'evidence-refresh',
  'meeting-attendees',
  'evidence-folders',
  'provisioning',
  'evidence-recheck',
] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** The env setting that switches a job off on this instance: reminder-planning → JOB_REMINDER_PLANNING. */
export function jobSetting(name: string): string {
  return `JOB_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** The validated configuration. Strings that are not set are '' (never undefined), except databaseUrl. */
export const AppConfigSchema = z.object({
  mode: z.enum(APP_MODES),
  host: z.string().min(1),
  port,
  /** PostgreSQL connection string; undefined → embedded PGlite in dataDir. */
  databaseUrl: z.string().min(1).optional(),
  dataDir: z.string().min(1),
  logLevel: z.enum(LOG_LEVELS),
  bot: z.object({
    /** '' disables bot authentication (local mode only). */
    appId: z.string(),
    appPassword: z.string(),
    appType: z.enum(BOT_APP_TYPES),
    tenantId: z.string(),
  }),
  graph: z.object({
    /** No trailing slash, e.g. https://graph.microsoft.com/v1.0 */
    baseUrl: z.url(),
    tenantId: z.string(),
    /** The Entra app used for Graph (client credentials) and for tab SSO / on-behalf-of. */
    clientId: z.string(),
    clientSecret: z.string(),
    /** SharePoint document library holding the organisations' evidence folders. */
    driveId: z.string(),
    /** Mailbox that organises drop-in meetings (calendar events with Teams links). */
    organiserUpn: z.string(),
    /** Whether Graph should email invitations (meeting invites, sharing invitations). */
    sendInvitations: z.boolean(),
    /** Object id of the assessment team's Entra security group, granted on every evidence folder ('' locally). */
    assessmentGroupId: z.string(),
    /** The tenant's licence band, which sets the app's SharePoint resource-unit budget. */
    sharePointLicenceBand: z.enum(Object.keys(SHAREPOINT_LICENCE_BANDS) as [SharePointLicenceBand]),
  }),
  local: z.object({
    seedDemoData: z.boolean(),
    graphEmulator: z.boolean(),
    graphEmulatorPort: port,
    playground: z.boolean(),
    playgroundPort: port,
    /** Demo people (by key) who get a Teams client; empty: every one of them. */
    playgroundClients: z.array(z.string()),
    identityPicker: z.boolean(),
    /** The bot signs its calls with the local Bot Connector's token (off by default; tests and benchmarks). */
    botConnectorToken: z.boolean(),
  }),
  links: z.object({
    /** The app's public base URL (no trailing slash), for links people open outside Teams (.ics). */
    publicBaseUrl: z.url(),
    /** HMAC key that signs those links, so they work without a sign-in but cannot be forged. */
    signingSecret: z.string().min(MIN_KEY_LENGTH),
  }),
  /** IANA zone used for deadlines, drop-in times and reminders. */
  timeZone: z.string().min(1),
  /** The Teams app's manifest id (TEAMS_APP_ID); '' when unset in local mode. */
  teamsAppId: z.string(),
  /** Azure Monitor (Application Insights) connection string; '' = no telemetry exported. */
  telemetryConnectionString: z.string(),
  /**
   * How long work an instance claimed stays claimed when that instance stops answering (reminder
   * leases; provisioning runs without a heartbeat), before another instance takes it over.
   */
  workLeaseMs: z.number().int().min(1000).max(3_600_000),
  /** Bound of a graceful shutdown after SIGTERM (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: z.number().int().min(100).max(600_000),
  /**
   * The app's id in the organisation's app catalogue (TEAMS_CATALOG_APP_ID), which differs from the
   * manifest id once the app is published to the organisation; '' → looked up by manifest id
   * (needs AppCatalog.Read.All). Used to install the app for people who have not opened it.
   */
  teamsCatalogAppId: z.string(),
  /** Background jobs this instance runs (each on unless its JOB_* setting is false). */
  jobs: z.object(Object.fromEntries(JOB_NAMES.map((n) => [n, z.boolean()])) as Record<JobName, z.ZodBoolean>),
});

export type AppConfig = z.infer<typeof AppConfigSchema>;

// ---------------------------------------------------------------------------------------------
// Errors

export interface ConfigProblem {
  /** The env variable's name, e.g. "MicrosoftAppPassword". */
  variable: string;
  /** Why it is wrong. Never contains the value. */
  reason: string;
}

export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], mode?: string) {
    const head =
      `Configuration refused${mode ? ` (APP_MODE=${mode})` : ''}: ` +
      `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    super([head, ...problems.map((p) => `  ${p.variable}: ${p.reason}`)].join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

// ---------------------------------------------------------------------------------------------
// Env files

export interface EnvFilesRead {
  /** Files read, in order (later ones win over earlier ones). */
  files: string[];
  values: Record<string, string>;
}

function checkAppEnvName(appEnv: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(appEnv)) {
    throw new ConfigError([
      { variable: 'APP_ENV', reason: 'must be a plain name such as "local" or "dev" (letters, digits, - and _)' },
    ]);
  }
}

/**
 * Reads `<dir>/.env.<appEnv>` and then `<dir>/.env.<appEnv>.user` (secrets, git-ignored; its values
 * win over the first file's). Does not touch process.env. Throws if neither file exists.
 */
export function readEnvFiles(appEnv: string, dir = 'env'): EnvFilesRead {
  checkAppEnvName(appEnv);
  const candidates = [join(dir, `.env.${appEnv}`), join(dir, `.env.${appEnv}.user`)];
  const files: string[] = [];
  const values: Record<string, string> = {};
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const parsed = parseEnv(readFileSync(file, 'utf8'));
    for (const [key, value] of Object.entries(parsed)) {
      if (value !== undefined) values[key] = value;
    }
    files.push(file);
  }
  if (files.length === 0) {
    throw new ConfigError([
      { variable: 'APP_ENV', reason: `no env file found for "${appEnv}" (looked for ${candidates.join(' and ')})` },
    ]);
  }
  return { files, values };
}

/**
 * Loads `<dir>/.env.<appEnv>` (+ `.user`) into `target` (process.env by default). A variable that
 * is already set in `target` is never overridden, so the real environment always wins.
 * Returns the files read and the names of the variables it set.
 */
export function loadEnvFiles(
  appEnv: string,
  dir = 'env',
  target: NodeJS.ProcessEnv = process.env,
): { files: string[]; applied: string[] } {
  const { files, values } = readEnvFiles(appEnv, dir);
  const applied: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (target[key] !== undefined) continue;
    target[key] = value;
    applied.push(key);
  }
  return { files, applied };
}

// ---------------------------------------------------------------------------------------------
// Reading variables

const TRUE_WORDS = new Set(['true', '1']);
const FALSE_WORDS = new Set(['false', '0']);

/** Names of env variables whose values are secrets (never logged, never in messages). */
export const SECRET_VARIABLES = [
  'MicrosoftAppPassword',
  'GRAPH_CLIENT_SECRET',
  'DATABASE_URL',
  'LINK_SIGNING_SECRET',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
] as const;

/** The signing key committed in env/.env.local: fine on a laptop, refused in tenant mode. */
export const LOCAL_LINK_SIGNING_SECRET = 'local-only-link-signing-key-not-for-tenant-use-000';

class EnvReader {
  readonly problems: ConfigProblem[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  problem(variable: string, reason: string): void {
    this.problems.push({ variable, reason });
  }

  /** Trimmed value; '' and whitespace-only count as unset. */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  isSet(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  string(name: string, fallback = ''): string {
    return this.raw(name) ?? fallback;
  }

  /** Strict boolean: exactly "true", "false", "1" or "0"; anything else is a problem. */
  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (TRUE_WORDS.has(value)) return true;
    if (FALSE_WORDS.has(value)) return false;
    this.problem(name, 'must be "true", "false", "1" or "0"');
    return fallback;
  }

  port(name: string, fallback: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = port.safeParse(/^\d{1,5}$/.test(value) ? Number(value) : Number.NaN);
    if (!parsed.success) {
      this.problem(name, 'must be a whole number from 1 to 65535');
      return fallback;
    }
    return parsed.data;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    // Case-insensitive, as botbuilder reads MicrosoftAppType.
    const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
    if (match === undefined) {
      this.problem(name, `must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return match;
  }

  guid(name: string): string {
    const value = this.string(name);
    if (value && !GUID.test(value)) this.problem(name, 'must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)');
    return value;
  }
}

function normaliseBaseUrl(value: string): string {
  return value.replace(/\/+$/, '');
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// loadConfig

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 3978,
  dataDir: '.data',
  logLevel: 'info' as LogLevel,
  graphBaseUrl: 'https://graph.microsoft.com/v1.0',
  graphEmulatorPort: 3979,
  playgroundPort: 56150,
  timeZone: 'Europe/London',
  /** Under the 30 s a container platform waits between SIGTERM and SIGKILL. */
  shutdownTimeoutMs: 20_000,
  workLeaseMs: 60_000,
} as const;

const LOCAL_ONLY_FEATURES = [
  ['SEED_DEMO_DATA', 'seeds demo organisations and users'],
  ['GRAPH_EMULATOR', 'replaces Microsoft Graph with the local emulator'],
  ['PLAYGROUND', 'runs the Agents Playground instead of Teams'],
  ['TAB_IDENTITY_PICKER', 'lets anyone pick who they are in the tab, bypassing SSO'],
  ['LOCAL_BOT_CONNECTOR_TOKEN', "signs the bot's calls with the local Bot Connector's key"],
] as const;

/**
 * Reads and validates the configuration. Throws ConfigError listing every bad setting (one line
 * each, by env name) when anything is wrong; in tenant mode it refuses every local-only shortcut.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const r = new EnvReader(env);

  const mode = r.oneOf('APP_MODE', APP_MODES, 'local');
  const tenant = mode === 'tenant';

  // --- server, storage, logging
  const host = r.string('HOST', DEFAULTS.host);
  // Local mode has no sign-in to speak of (bot authentication off, the identity picker on): it
  // never listens beyond this machine. A deployment says APP_MODE=tenant.
  if (!tenant && !isLoopbackHost(host)) {
    r.problem(
      'HOST',
      `is not a loopback address; ${r.isSet('APP_MODE') ? 'local mode' : 'without APP_MODE=tenant the app runs in local mode, which'} listens on 127.0.0.1, ::1 or localhost only (set APP_MODE=tenant, with its settings, to deploy)`,
    );
  }
  const serverPort = r.port('PORT', DEFAULTS.port);
  const dataDir = r.string('DATA_DIR', DEFAULTS.dataDir);
  const logLevel = r.oneOf('LOG_LEVEL', LOG_LEVELS, DEFAULTS.logLevel);

  const databaseUrl = r.raw('DATABASE_URL');
  if (databaseUrl !== undefined) {
    const url = parseUrl(databaseUrl);
    if (!url || !['postgres:', 'postgresql:'].includes(url.protocol)) {
      r.problem('DATABASE_URL', 'must be a postgres:// or postgresql:// connection URL');
    }
  } else if (tenant) {
    r.problem(
      'DATABASE_URL',
      'is not set; tenant mode needs a shared PostgreSQL server (embedded PGlite is for local mode only)',
    );
  }

  const timeZone = r.string('TIME_ZONE', DEFAULTS.timeZone);
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
  } catch {
    r.problem('TIME_ZONE', 'is not an IANA time zone name (e.g. Europe/London)');
  }

  // --- local-only features: on by default in local mode, off (and refused) in tenant mode
  const seedDemoData = r.bool('SEED_DEMO_DATA', !tenant);
  const graphEmulator = r.bool('GRAPH_EMULATOR', !tenant);
  const playground = r.bool('PLAYGROUND', !tenant);
  const identityPicker = r.bool('TAB_IDENTITY_PICKER', !tenant);
  // Off unless asked for: local mode talks to the Agents Playground, which wants no token.
  const botConnectorToken = r.bool('LOCAL_BOT_CONNECTOR_TOKEN', false);
  const graphEmulatorPort = r.port('GRAPH_EMULATOR_PORT', DEFAULTS.graphEmulatorPort);
  const playgroundPort = r.port('PLAYGROUND_PORT', DEFAULTS.playgroundPort);
  const playgroundClients = r
    .string('PLAYGROUND_CLIENTS')
    .split(',')
    .map((k) => k.trim().toLowerCase())
    .filter(Boolean);
  if (playgroundClients.some((k) => !/^[a-z]+$/.test(k)))
    r.problem('PLAYGROUND_CLIENTS', "must be demo people's first names separated by commas (e.g. priya,alex)");
  if (tenant) {
    const on = {
      SEED_DEMO_DATA: seedDemoData,
      GRAPH_EMULATOR: graphEmulator,
      PLAYGROUND: playground,
      TAB_IDENTITY_PICKER: identityPicker,
      LOCAL_BOT_CONNECTOR_TOKEN: botConnectorToken,
    };
    for (const [name, what] of LOCAL_ONLY_FEATURES) {
      if (on[name]) r.problem(name, `is a local-only feature (${what}) and must be false or unset in tenant mode`);
    }
  }

  // --- bot (botbuilder's names)
  const appId = r.guid('MicrosoftAppId');
  const appPassword = r.string('MicrosoftAppPassword');
  const botTenantId = r.guid('MicrosoftAppTenantId');
  // New bots are SingleTenant (Azure no longer creates multi-tenant ones), but botbuilder asserts an
  // app id for SingleTenant, so a local bot with auth disabled defaults to MultiTenant.
  const appType = r.oneOf('MicrosoftAppType', BOT_APP_TYPES, tenant || appId ? 'SingleTenant' : 'MultiTenant');
  const authDisabled = !appId;

  if (authDisabled) {
    if (tenant) {
      r.problem(
        'MicrosoftAppId',
        'is empty, which disables bot authentication; tenant mode requires the Azure Bot app id',
      );
    } else if (appType !== 'MultiTenant' && r.isSet('MicrosoftAppType')) {
      r.problem(
        'MicrosoftAppType',
        `${appType} needs MicrosoftAppId; leave MicrosoftAppType unset to run with bot authentication disabled`,
      );
    }
  }
  if (appType === 'UserAssignedMSI') {
    if (appPassword)
      r.problem('MicrosoftAppPassword', 'must be empty for UserAssignedMSI (the managed identity has no password)');
  } else if (!appPassword && (tenant || appId)) {
    r.problem(
      'MicrosoftAppPassword',
      tenant
        ? `is empty, which disables bot authentication; tenant mode requires it for ${appType}`
        : `is empty but MicrosoftAppId is set; set both, or leave both empty to disable bot authentication`,
    );
  }
  if (appType !== 'MultiTenant' && !botTenantId && (tenant || appId)) {
    r.problem('MicrosoftAppTenantId', `is required for MicrosoftAppType=${appType}`);
  }

  // --- Microsoft Graph
  const graphBaseUrlSet = r.raw('GRAPH_BASE_URL');
  const graphBaseUrl = normaliseBaseUrl(
    graphBaseUrlSet ??
      (!tenant && graphEmulator ? `http://127.0.0.1:${graphEmulatorPort}/v1.0` : DEFAULTS.graphBaseUrl),
  );
  const graphUrl = parseUrl(graphBaseUrl);
  if (!graphUrl || !['http:', 'https:'].includes(graphUrl.protocol)) {
    r.problem('GRAPH_BASE_URL', 'must be an http(s) URL such as https://graph.microsoft.com/v1.0');
  } else if (tenant && (graphUrl.protocol !== 'https:' || graphUrl.hostname !== 'graph.microsoft.com')) {
    r.problem('GRAPH_BASE_URL', 'must be an https://graph.microsoft.com/... URL in tenant mode');
  } else if (!tenant && graphEmulator && graphUrl.hostname === 'graph.microsoft.com') {
    r.problem('GRAPH_BASE_URL', 'points at Microsoft Graph while GRAPH_EMULATOR is on; unset it to use the emulator');
  }

  const graphTenantId = r.guid('GRAPH_TENANT_ID');
  const graphClientId = r.guid('GRAPH_CLIENT_ID');
  const graphClientSecret = r.string('GRAPH_CLIENT_SECRET');
  const driveId = r.string('GRAPH_DRIVE_ID');
  const organiserUpn = r.string('GRAPH_ORGANISER_UPN');
  const sendInvitations = r.bool('GRAPH_SEND_INVITATIONS', false);
  const assessmentGroupId = r.guid('GRAPH_ASSESSMENT_GROUP_ID');
  const sharePointLicenceBand = r.oneOf(
    'SHAREPOINT_LICENCE_BAND',
    Object.keys(SHAREPOINT_LICENCE_BANDS) as SharePointLicenceBand[],
    '0-1k',
  );
  if (organiserUpn && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(organiserUpn)) {
    r.problem('GRAPH_ORGANISER_UPN', 'must be a user principal name such as wexqs@example.nhs.uk');
  }
  if (tenant) {
    const needed = [
      ['GRAPH_TENANT_ID', graphTenantId, 'the Entra tenant id'],
      ['GRAPH_CLIENT_ID', graphClientId, 'the Entra app (client) id used for Graph and tab SSO'],
      ['GRAPH_CLIENT_SECRET', graphClientSecret, 'the Entra app client secret'],
      ['GRAPH_DRIVE_ID', driveId, 'the SharePoint drive holding evidence folders'],
      ['GRAPH_ORGANISER_UPN', organiserUpn, 'the mailbox that organises drop-in meetings'],
      [
        'GRAPH_ASSESSMENT_GROUP_ID',
        assessmentGroupId,
        "the assessment team's Entra security group, granted on every private evidence folder",
      ],
    ] as const;
    for (const [name, value, what] of needed) {
      if (!value) r.problem(name, `is required in tenant mode (${what})`);
    }
    const aadClientId = r.raw('AAD_APP_CLIENT_ID');
    if (aadClientId && graphClientId && aadClientId.toLowerCase() !== graphClientId.toLowerCase()) {
      r.problem(
        'GRAPH_CLIENT_ID',
        "differs from AAD_APP_CLIENT_ID (the app in the manifest's webApplicationInfo); tab SSO tokens could not be exchanged on-behalf-of",
      );
    }
  }

  // --- links people open outside Teams (.ics), signed so they need no sign-in
  const publicBaseUrl = normaliseBaseUrl(r.string('PUBLIC_BASE_URL') || `http://${hostForUrl(host)}:${serverPort}`);
  const publicUrl = parseUrl(publicBaseUrl);
  if (!publicUrl || !['http:', 'https:'].includes(publicUrl.protocol)) {
    r.problem('PUBLIC_BASE_URL', 'must be an http(s) URL such as https://wexqs.example.nhs.uk');
  } else if (tenant && publicUrl.protocol !== 'https:') {
    r.problem('PUBLIC_BASE_URL', 'must be an https URL in tenant mode');
  }
  const signingSecret = r.string('LINK_SIGNING_SECRET') || (tenant ? '' : LOCAL_LINK_SIGNING_SECRET);
  const weakness = keyWeakness(signingSecret);
  if (weakness) {
    r.problem('LINK_SIGNING_SECRET', weakness);
  } else if (tenant && signingSecret === LOCAL_LINK_SIGNING_SECRET) {
    r.problem('LINK_SIGNING_SECRET', 'is the local-mode key, which is public; set a random key in tenant mode');
  }

  const telemetryConnectionString = r.string('APPLICATIONINSIGHTS_CONNECTION_STRING');
  if (
    telemetryConnectionString &&
    !/(^|;)\s*(InstrumentationKey|IngestionEndpoint)=/i.test(telemetryConnectionString)
  ) {
    r.problem(
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
      'is not an Application Insights connection string (InstrumentationKey=…;IngestionEndpoint=…)',
    );
  }

  const leaseRaw = r.raw('WORK_LEASE_MS');
  const workLeaseMs = leaseRaw === undefined ? DEFAULTS.workLeaseMs : Number(leaseRaw);
  if (!/^\d{4,7}$/.test(leaseRaw ?? '60000') || workLeaseMs < 1000 || workLeaseMs > 3_600_000) {
    r.problem('WORK_LEASE_MS', 'must be a whole number of milliseconds from 1000 to 3600000');
  }

  const shutdownRaw = r.raw('SHUTDOWN_TIMEOUT_MS');
  const shutdownTimeoutMs = shutdownRaw === undefined ? DEFAULTS.shutdownTimeoutMs : Number(shutdownRaw);
  if (!/^\d{3,6}$/.test(shutdownRaw ?? '100') || shutdownTimeoutMs < 100 || shutdownTimeoutMs > 600_000) {
    r.problem('SHUTDOWN_TIMEOUT_MS', 'must be a whole number of milliseconds from 100 to 600000');
  }

  const teamsAppId = r.guid('TEAMS_APP_ID');
  if (tenant && !teamsAppId) r.problem('TEAMS_APP_ID', 'is required in tenant mode (the Teams app manifest id)');
  const teamsCatalogAppId = r.guid('TEAMS_CATALOG_APP_ID');

  const jobs = Object.fromEntries(JOB_NAMES.map((n) => [n, r.bool(jobSetting(n), true)])) as Record<JobName, boolean>;

  if (r.problems.length > 0) throw new ConfigError(r.problems, mode);

  const config = {
    mode,
    host,
    port: serverPort,
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    dataDir,
    logLevel,
    bot: { appId, appPassword, appType, tenantId: botTenantId },
    graph: {
      baseUrl: graphBaseUrl,
      tenantId: graphTenantId,
      clientId: graphClientId,
      clientSecret: graphClientSecret,
      driveId,
      organiserUpn,
      sendInvitations,
      assessmentGroupId,
      sharePointLicenceBand,
    },
    local: {
      seedDemoData,
      graphEmulator,
      graphEmulatorPort,
      playground,
      playgroundPort,
      playgroundClients,
      identityPicker,
      botConnectorToken,
    },
    links: { publicBaseUrl, signingSecret },
    timeZone,
    teamsAppId,
    telemetryConnectionString,
    workLeaseMs,
    shutdownTimeoutMs,
    teamsCatalogAppId,
    jobs,
  } satisfies AppConfig;

  // Belt and braces: the object must match the declared schema.
  const checked = AppConfigSchema.safeParse(config);
  if (!checked.success) {
    throw new ConfigError(
      checked.error.issues.map((issue) => ({ variable: issue.path.join('.') || '(config)', reason: issue.message })),
      mode,
    );
  }
  return checked.data;
}

/** True when the bot accepts unauthenticated requests (allowed in local mode only). */
export function isBotAuthDisabled(cfg: AppConfig): boolean {
  return !cfg.bot.appId;
}

// ---------------------------------------------------------------------------------------------
// Redacted summary

function redactDatabaseUrl(value: string | undefined): string {
  if (value === undefined) return '(not set: embedded PGlite)';
  const url = parseUrl(value);
  if (!url) return '[set]';
  return `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname} [credentials redacted]`;
}

const secret = (value: string): string => (value ? '[set]' : '[not set]');

/** A summary of the config safe to log: secrets appear only as "[set]" / "[not set]". */
export function describeConfig(cfg: AppConfig): Record<string, unknown> {
  return {
    mode: cfg.mode,
    listen: `${cfg.host}:${cfg.port}`,
    database: redactDatabaseUrl(cfg.databaseUrl),
    dataDir: cfg.dataDir,
    logLevel: cfg.logLevel,
    timeZone: cfg.timeZone,
    teamsAppId: cfg.teamsAppId || '(not set)',
    shutdownTimeoutMs: cfg.shutdownTimeoutMs,
    workLeaseMs: cfg.workLeaseMs,
    telemetry: cfg.telemetryConnectionString ? 'Azure Monitor [connection string set]' : 'off',
    teamsCatalogAppId: cfg.teamsCatalogAppId || '(looked up by manifest id)',
    bot: {
      auth: isBotAuthDisabled(cfg) ? 'DISABLED (local mode)' : 'enabled',
      appId: cfg.bot.appId || '(not set)',
      appType: cfg.bot.appType,
      tenantId: cfg.bot.tenantId || '(not set)',
      appPassword: secret(cfg.bot.appPassword),
    },
    graph: {
      baseUrl: cfg.graph.baseUrl,
      tenantId: cfg.graph.tenantId || '(not set)',
      clientId: cfg.graph.clientId || '(not set)',
      clientSecret: secret(cfg.graph.clientSecret),
      driveId: cfg.graph.driveId || '(not set)',
      organiserUpn: cfg.graph.organiserUpn || '(not set)',
      sendInvitations: cfg.graph.sendInvitations,
      assessmentGroupId: cfg.graph.assessmentGroupId || '(not set)',
      sharePointLicenceBand: cfg.graph.sharePointLicenceBand,
    },
    local: { ...cfg.local },
    links: { publicBaseUrl: cfg.links.publicBaseUrl, signingSecret: secret(cfg.links.signingSecret) },
    jobs: { ...cfg.jobs },
  };
}
