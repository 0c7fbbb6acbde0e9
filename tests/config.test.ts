import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  describeConfig,
  isBotAuthDisabled,
  JOB_NAMES,
  jobSetting,
  loadConfig,
  LOCAL_LINK_SIGNING_SECRET,
  loadEnvFiles,
  readEnvFiles,
  type AppConfig,
} from '../src/config.js';

const BOT_SECRET = 'bot-secret-Zq8~x.Vv3';
const GRAPH_SECRET = 'graph-secret-Jk2~p.Ww9';
const DB_PASSWORD = 'db-pass-Hh7r';
const LINK_SECRET = 'link-secret-3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e';

/** A complete, valid tenant-mode environment. */
function tenantEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    APP_MODE: 'tenant',
    HOST: '0.0.0.0',
    DATABASE_URL: `postgres://wexqs:${DB_PASSWORD}@db.example.nhs.uk:5432/wexqs`,
    MicrosoftAppId: '11111111-1111-4111-8111-111111111111',
    MicrosoftAppPassword: BOT_SECRET,
    MicrosoftAppType: 'SingleTenant',
    MicrosoftAppTenantId: '22222222-2222-4222-8222-222222222222',
    GRAPH_TENANT_ID: '22222222-2222-4222-8222-222222222222',
    GRAPH_CLIENT_ID: '33333333-3333-4333-8333-333333333333',
    GRAPH_CLIENT_SECRET: GRAPH_SECRET,
    GRAPH_DRIVE_ID: 'b!abcdef',
    GRAPH_ORGANISER_UPN: 'wexqs@example.nhs.uk',
    GRAPH_ASSESSMENT_GROUP_ID: '55555555-5555-4555-8555-555555555555',
    TEAMS_APP_ID: '44444444-4444-4444-8444-444444444444',
    PUBLIC_BASE_URL: 'https://wexqs.example.nhs.uk',
    LINK_SIGNING_SECRET: LINK_SECRET,
    ...overrides,
  };
}

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('local mode listens on loopback only', () => {
  it.each(['0.0.0.0', '::', '10.0.0.5', 'wexqs.example.nhs.uk', '192.168.1.20'])(
    'refuses HOST=%s without APP_MODE, naming HOST and how to deploy',
    (host) => {
      const e = configError({ HOST: host });
      expect(e.problems.map((p) => p.variable)).toEqual(['HOST']);
      expect(e.message).toContain('HOST: is not a loopback address');
      expect(e.message).toContain('without APP_MODE=tenant the app runs in local mode');
    },
  );

  it('refuses a non-loopback HOST with APP_MODE=local too', () => {
    const e = configError({ APP_MODE: 'local', HOST: '0.0.0.0' });
    expect(e.message).toContain('HOST: is not a loopback address; local mode listens on 127.0.0.1');
  });

  it.each(['127.0.0.1', '127.0.0.2', 'localhost', '::1', 'LOCALHOST'])('accepts HOST=%s', (host) => {
    expect(loadConfig({ HOST: host }).host).toBe(host);
  });

  it('lets tenant mode listen on every interface (behind the platform load balancer)', () => {
    expect(loadConfig(tenantEnv({ HOST: '0.0.0.0' })).host).toBe('0.0.0.0');
  });
});

describe('background jobs', () => {
  it('runs every job by default in both modes, each switchable off by its JOB_* setting', () => {
    const all = {
      'reminder-planning': true,
      'reminder-dispatch': true,
      lapsing: true,
      attendance: true,
      'evidence-refresh': true,
      'meeting-attendees': true,
      'evidence-folders': true,
      provisioning: true,
      'evidence-recheck': true,
    };
    expect(loadConfig({}).jobs).toEqual(all);
    expect(loadConfig(tenantEnv()).jobs).toEqual(all);
    const off = loadConfig(tenantEnv({ JOB_ATTENDANCE: 'false', JOB_REMINDER_DISPATCH: '0' })).jobs;
    expect(off).toEqual({ ...all, attendance: false, 'reminder-dispatch': false });
    expect(JOB_NAMES.map(jobSetting)).toEqual([
      'JOB_REMINDER_PLANNING',
      'JOB_REMINDER_DISPATCH',
      'JOB_LAPSING',
      'JOB_ATTENDANCE',
      'JOB_EVIDENCE_REFRESH',
      'JOB_MEETING_ATTENDEES',
      'JOB_EVIDENCE_FOLDERS',
      'JOB_PROVISIONING',
      'JOB_EVIDENCE_RECHECK',
    ]);
  });

  it('names a job setting that is not a boolean', () => {
    expect(configError({ JOB_LAPSING: 'sometimes' }).problems).toEqual([
      { variable: 'JOB_LAPSING', reason: 'must be "true", "false", "1" or "0"' },
    ]);
  });
});

describe('loadConfig defaults (local mode)', () => {
  it('applies the documented defaults to an empty environment', () => {
    const cfg = loadConfig({});
    expect(cfg.mode).toBe('local');
    expect(cfg.host).toBe('127.0.0.1');
    expect(cfg.port).toBe(3978);
    expect(cfg.databaseUrl).toBeUndefined();
    expect('databaseUrl' in cfg).toBe(false);
    expect(cfg.dataDir).toBe('.data');
    expect(cfg.logLevel).toBe('info');
    expect(cfg.timeZone).toBe('Europe/London');
    expect(cfg.teamsAppId).toBe('');
    expect(cfg.local).toEqual({
      seedDemoData: true,
      graphEmulator: true,
      graphEmulatorPort: 3979,
      playground: true,
      playgroundPort: 56150,
      playgroundClients: [],
      identityPicker: true,
      botConnectorToken: false,
    });
    // Bot auth disabled is allowed locally; MultiTenant because botbuilder asserts an app id for SingleTenant.
    expect(cfg.bot).toEqual({ appId: '', appPassword: '', appType: 'MultiTenant', tenantId: '' });
    expect(isBotAuthDisabled(cfg)).toBe(true);
    // With the emulator on and no GRAPH_BASE_URL, Graph calls go to the emulator.
    expect(cfg.graph.baseUrl).toBe('http://127.0.0.1:3979/v1.0');
    expect(cfg.graph.sendInvitations).toBe(false);
    expect(cfg.graph.assessmentGroupId).toBe('');
    expect(cfg.graph.sharePointLicenceBand).toBe('0-1k');
  });

  it('defaults GRAPH_BASE_URL to Microsoft Graph when the emulator is off', () => {
    const cfg = loadConfig({ GRAPH_EMULATOR: 'false' });
    expect(cfg.graph.baseUrl).toBe('https://graph.microsoft.com/v1.0');
  });

  it('reads explicit values and strips a trailing slash from GRAPH_BASE_URL', () => {
    const cfg = loadConfig({
      HOST: '127.0.0.2',
      PORT: '8080',
      DATA_DIR: '/var/wexqs',
      LOG_LEVEL: 'debug',
      TIME_ZONE: 'UTC',
      DATABASE_URL: 'postgresql://localhost:5433/wexqs',
      GRAPH_BASE_URL: 'http://127.0.0.1:9999/v1.0/',
      GRAPH_EMULATOR_PORT: '9999',
      PLAYGROUND_PORT: '56151',
      PLAYGROUND_CLIENTS: 'Priya, alex',
      SEED_DEMO_DATA: '0',
      TAB_IDENTITY_PICKER: 'false',
      GRAPH_SEND_INVITATIONS: '1',
    });
    expect(cfg).toMatchObject({
      host: '127.0.0.2',
      port: 8080,
      dataDir: '/var/wexqs',
      logLevel: 'debug',
      timeZone: 'UTC',
      databaseUrl: 'postgresql://localhost:5433/wexqs',
      graph: { baseUrl: 'http://127.0.0.1:9999/v1.0', sendInvitations: true },
      local: {
        graphEmulatorPort: 9999,
        playgroundPort: 56151,
        playgroundClients: ['priya', 'alex'],
        seedDemoData: false,
        identityPicker: false,
      },
    });
  });

  it('refuses PLAYGROUND_CLIENTS that are not a list of first names', () => {
    expect(() => loadConfig({ PLAYGROUND_CLIENTS: 'priya;rm -rf' })).toThrow(/PLAYGROUND_CLIENTS/);
  });

  it('treats empty and blank values as unset', () => {
    const cfg = loadConfig({ PORT: '', HOST: '  ', MicrosoftAppId: '', DATABASE_URL: '' });
    expect(cfg.port).toBe(3978);
    expect(cfg.host).toBe('127.0.0.1');
    expect(cfg.databaseUrl).toBeUndefined();
  });

  it('accepts MicrosoftAppType case-insensitively, as botbuilder does', () => {
    const cfg = loadConfig(tenantEnv({ MicrosoftAppType: 'userassignedmsi', MicrosoftAppPassword: '' }));
    expect(cfg.bot.appType).toBe('UserAssignedMSI');
  });

  it('loads the committed env/.env.local as a valid local config', () => {
    const values = parseEnv(readFileSync('env/.env.local', 'utf8'));
    const cfg = loadConfig(values);
    expect(cfg.mode).toBe('local');
    expect(cfg.local.seedDemoData && cfg.local.graphEmulator && cfg.local.playground && cfg.local.identityPicker).toBe(
      true,
    );
    expect(isBotAuthDisabled(cfg)).toBe(true);
    expect(cfg.teamsAppId).toBe(values.TEAMS_APP_ID);
  });
});

describe('strict booleans', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('accepts %s', (value, expected) => {
    expect(loadConfig({ PLAYGROUND: value }).local.playground).toBe(expected);
  });

  it.each(['yes', 'no', 'on', 'TRUE', 'False', '2', 'truthy'])('rejects %s, naming the variable', (value) => {
    const err = configError({ SEED_DEMO_DATA: value });
    expect(err.problems).toEqual([
      { variable: 'SEED_DEMO_DATA', reason: expect.stringContaining('"true", "false", "1" or "0"') },
    ]);
  });
});

describe('tenant mode', () => {
  it('accepts a complete tenant environment with every local-only feature off', () => {
    const cfg = loadConfig(tenantEnv());
    expect(cfg.mode).toBe('tenant');
    expect(cfg.bot.appType).toBe('SingleTenant');
    expect(isBotAuthDisabled(cfg)).toBe(false);
    expect(cfg.graph.baseUrl).toBe('https://graph.microsoft.com/v1.0');
    expect(cfg.local).toMatchObject({
      seedDemoData: false,
      graphEmulator: false,
      playground: false,
      identityPicker: false,
    });
  });

  it('reads the assessment group and the SharePoint licence band', () => {
    const cfg = loadConfig(tenantEnv({ SHAREPOINT_LICENCE_BAND: '5k-15k' }));
    expect(cfg.graph.assessmentGroupId).toBe('55555555-5555-4555-8555-555555555555');
    expect(cfg.graph.sharePointLicenceBand).toBe('5k-15k');
    expect(describeConfig(cfg).graph).toMatchObject({ sharePointLicenceBand: '5k-15k' });
  });

  it('accepts explicit "false" for local-only features', () => {
    const cfg = loadConfig(
      tenantEnv({ SEED_DEMO_DATA: 'false', GRAPH_EMULATOR: '0', PLAYGROUND: 'false', TAB_IDENTITY_PICKER: 'false' }),
    );
    expect(cfg.local.graphEmulator).toBe(false);
  });

  it('accepts a user-assigned managed identity bot without a password', () => {
    const cfg = loadConfig(tenantEnv({ MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppPassword: undefined }));
    expect(cfg.bot.appType).toBe('UserAssignedMSI');
    expect(cfg.bot.appPassword).toBe('');
  });

  it.each<[string, Record<string, string | undefined>]>([
    ['MicrosoftAppId', { MicrosoftAppId: '', MicrosoftAppType: 'MultiTenant' }],
    ['MicrosoftAppPassword', { MicrosoftAppPassword: '' }],
    ['MicrosoftAppPassword', { MicrosoftAppType: 'MultiTenant', MicrosoftAppPassword: undefined }],
    ['MicrosoftAppPassword', { MicrosoftAppType: 'UserAssignedMSI' }],
    ['MicrosoftAppTenantId', { MicrosoftAppTenantId: '' }],
    ['SEED_DEMO_DATA', { SEED_DEMO_DATA: 'true' }],
    ['GRAPH_EMULATOR', { GRAPH_EMULATOR: '1' }],
    ['PLAYGROUND', { PLAYGROUND: 'true' }],
    ['TAB_IDENTITY_PICKER', { TAB_IDENTITY_PICKER: 'true' }],
    ['LOCAL_BOT_CONNECTOR_TOKEN', { LOCAL_BOT_CONNECTOR_TOKEN: 'true' }],
    ['GRAPH_BASE_URL', { GRAPH_BASE_URL: 'http://graph.microsoft.com/v1.0' }],
    ['GRAPH_BASE_URL', { GRAPH_BASE_URL: 'https://127.0.0.1:3979/v1.0' }],
    ['GRAPH_BASE_URL', { GRAPH_BASE_URL: 'https://graph.microsoft.com.evil.example/v1.0' }],
    ['GRAPH_BASE_URL', { GRAPH_BASE_URL: 'not a url' }],
    ['GRAPH_TENANT_ID', { GRAPH_TENANT_ID: '' }],
    ['GRAPH_CLIENT_ID', { GRAPH_CLIENT_ID: undefined }],
    ['GRAPH_CLIENT_SECRET', { GRAPH_CLIENT_SECRET: '' }],
    ['GRAPH_DRIVE_ID', { GRAPH_DRIVE_ID: '' }],
    ['GRAPH_ORGANISER_UPN', { GRAPH_ORGANISER_UPN: '' }],
    ['GRAPH_ASSESSMENT_GROUP_ID', { GRAPH_ASSESSMENT_GROUP_ID: '' }],
    ['GRAPH_ASSESSMENT_GROUP_ID', { GRAPH_ASSESSMENT_GROUP_ID: 'WEx QS assessors' }],
    ['SHAREPOINT_LICENCE_BAND', { SHAREPOINT_LICENCE_BAND: '2500' }],
    ['GRAPH_CLIENT_ID', { AAD_APP_CLIENT_ID: '55555555-5555-4555-8555-555555555555' }],
    ['DATABASE_URL', { DATABASE_URL: undefined }],
    ['TEAMS_APP_ID', { TEAMS_APP_ID: '' }],
    ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: 'http://wexqs.example.nhs.uk' }],
    ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: 'not a url' }],
    ['LINK_SIGNING_SECRET', { LINK_SIGNING_SECRET: undefined }],
    ['LINK_SIGNING_SECRET', { LINK_SIGNING_SECRET: 'too-short' }],
    ['LINK_SIGNING_SECRET', { LINK_SIGNING_SECRET: LOCAL_LINK_SIGNING_SECRET }],
  ])('refuses to start and names %s', (variable, overrides) => {
    const err = configError(tenantEnv(overrides));
    expect(err.problems.map((p) => p.variable)).toEqual([variable]);
    expect(err.message).toMatch(/^Configuration refused \(APP_MODE=tenant\): 1 problem$/m);
    expect(err.message).toMatch(new RegExp(`^  ${variable}: \\S`, 'm'));
  });

  it('lists every bad setting together, one line each', () => {
    const err = configError(
      tenantEnv({
        MicrosoftAppId: '',
        MicrosoftAppPassword: '',
        SEED_DEMO_DATA: 'true',
        GRAPH_EMULATOR: 'true',
        PLAYGROUND: '1',
        TAB_IDENTITY_PICKER: 'true',
        GRAPH_BASE_URL: 'http://127.0.0.1:3979/v1.0',
        GRAPH_CLIENT_SECRET: '',
        PORT: 'eighty',
      }),
    );
    const expected = [
      'PORT',
      'SEED_DEMO_DATA',
      'GRAPH_EMULATOR',
      'PLAYGROUND',
      'TAB_IDENTITY_PICKER',
      'MicrosoftAppId',
      'MicrosoftAppPassword',
      'GRAPH_BASE_URL',
      'GRAPH_CLIENT_SECRET',
    ];
    expect(err.problems.map((p) => p.variable).sort()).toEqual([...expected].sort());
    const lines = err.message.split('\n');
    expect(lines[0]).toBe(`Configuration refused (APP_MODE=tenant): ${expected.length} problems`);
    expect(lines).toHaveLength(expected.length + 1);
    for (const variable of expected) {
      expect(lines.filter((l) => l.startsWith(`  ${variable}: `))).toHaveLength(1);
    }
  });

  it('refuses an entirely empty tenant environment, naming each required variable', () => {
    const err = configError({ APP_MODE: 'tenant' });
    expect(err.problems.map((p) => p.variable)).toEqual(
      expect.arrayContaining([
        'DATABASE_URL',
        'MicrosoftAppId',
        'MicrosoftAppPassword',
        'MicrosoftAppTenantId',
        'GRAPH_TENANT_ID',
        'GRAPH_CLIENT_ID',
        'GRAPH_CLIENT_SECRET',
        'GRAPH_DRIVE_ID',
        'GRAPH_ORGANISER_UPN',
        'GRAPH_ASSESSMENT_GROUP_ID',
        'TEAMS_APP_ID',
      ]),
    );
  });

  it('the env/.env.dev.example template is refused as-is and accepted once filled in', () => {
    const template = parseEnv(readFileSync('env/.env.dev.example', 'utf8'));
    const asIs = configError(template);
    expect(asIs.problems.map((p) => p.variable)).toContain('MicrosoftAppPassword');

    const fill: Record<string, string> = {
      DATABASE_URL: 'postgres://u:p@db.example.nhs.uk/wexqs',
      MicrosoftAppId: '11111111-1111-4111-8111-111111111111',
      MicrosoftAppPassword: 'x',
      MicrosoftAppTenantId: '22222222-2222-4222-8222-222222222222',
      GRAPH_TENANT_ID: '22222222-2222-4222-8222-222222222222',
      GRAPH_CLIENT_ID: '33333333-3333-4333-8333-333333333333',
      GRAPH_CLIENT_SECRET: 'y',
      GRAPH_DRIVE_ID: 'b!drive',
      GRAPH_ORGANISER_UPN: 'wexqs@example.nhs.uk',
      GRAPH_ASSESSMENT_GROUP_ID: '55555555-5555-4555-8555-555555555555',
      TEAMS_APP_ID: '44444444-4444-4444-8444-444444444444',
      BOT_ID: '11111111-1111-4111-8111-111111111111',
      AAD_APP_CLIENT_ID: '33333333-3333-4333-8333-333333333333',
      TAB_DOMAIN: 'wexqs.example.nhs.uk',
      TAB_ENDPOINT: 'https://wexqs.example.nhs.uk',
      PUBLIC_BASE_URL: 'https://wexqs.example.nhs.uk',
      LINK_SIGNING_SECRET: 'a-random-key-of-at-least-thirty-two-characters',
    };
    const empty = Object.entries(template)
      .filter(([, v]) => !v)
      .map(([k]) => k);
    expect(empty.sort()).toEqual(Object.keys(fill).sort());
    const cfg = loadConfig({ ...template, ...fill });
    expect(cfg.mode).toBe('tenant');
  });
});

describe('other validation', () => {
  it.each<[string, Record<string, string>]>([
    ['APP_MODE', { APP_MODE: 'production' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '3978abc' }],
    ['PLAYGROUND_PORT', { PLAYGROUND_PORT: '0' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['TIME_ZONE', { TIME_ZONE: 'Europe/Atlantis' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/wexqs' }],
    ['MicrosoftAppId', { MicrosoftAppId: 'not-a-guid', MicrosoftAppPassword: 'p', MicrosoftAppType: 'MultiTenant' }],
    ['MicrosoftAppType', { MicrosoftAppType: 'Anonymous' }],
    ['MicrosoftAppType', { MicrosoftAppType: 'SingleTenant' }],
    [
      'MicrosoftAppPassword',
      { MicrosoftAppId: '11111111-1111-4111-8111-111111111111', MicrosoftAppType: 'MultiTenant' },
    ],
    ['GRAPH_BASE_URL', { GRAPH_BASE_URL: 'https://graph.microsoft.com/v1.0' }],
    ['GRAPH_BASE_URL', { GRAPH_BASE_URL: 'ftp://example.com' }],
    ['GRAPH_ORGANISER_UPN', { GRAPH_ORGANISER_UPN: 'nobody' }],
    ['TEAMS_APP_ID', { TEAMS_APP_ID: '1234' }],
  ])('local mode names %s', (variable, env) => {
    const err = configError(env);
    expect(err.problems.map((p) => p.variable)).toEqual([variable]);
    expect(err.message).toMatch(/^Configuration refused \(APP_MODE=\w+\): 1 problem$/m);
  });
});

describe('secrets never leak', () => {
  const secrets = [BOT_SECRET, GRAPH_SECRET, DB_PASSWORD, LINK_SECRET];

  it('describeConfig shows whether secrets are set, never their values', () => {
    const cfg: AppConfig = loadConfig(tenantEnv());
    const summary = JSON.stringify(describeConfig(cfg));
    for (const s of secrets) expect(summary).not.toContain(s);
    expect(summary).not.toContain('wexqs:'); // the database user:password part
    const described = describeConfig(cfg) as {
      bot: Record<string, unknown>;
      graph: Record<string, unknown>;
      database: string;
    };
    expect(described.bot.appPassword).toBe('[set]');
    expect(described.graph.clientSecret).toBe('[set]');
    expect(described.database).toContain('db.example.nhs.uk');
    expect(JSON.stringify(describeConfig(loadConfig({})))).toContain('DISABLED');
  });

  it('error messages never contain values, even a secret put in the wrong variable', () => {
    const err = configError(
      tenantEnv({
        MicrosoftAppType: 'UserAssignedMSI', // so the password itself is an error
        GRAPH_TENANT_ID: GRAPH_SECRET, // not a GUID
        DATABASE_URL: `mysql://root:${DB_PASSWORD}@db/wexqs`,
        SEED_DEMO_DATA: BOT_SECRET, // not a boolean
        GRAPH_BASE_URL: `https://user:${GRAPH_SECRET}@graph.example.com/`,
      }),
    );
    expect(err.problems.map((p) => p.variable).sort()).toEqual(
      ['DATABASE_URL', 'GRAPH_BASE_URL', 'GRAPH_TENANT_ID', 'MicrosoftAppPassword', 'SEED_DEMO_DATA'].sort(),
    );
    const text = err.message + JSON.stringify(err.problems) + String(err.stack);
    for (const s of secrets) expect(text).not.toContain(s);
  });
});

describe('loadEnvFiles', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('loads .env.<name> then .env.<name>.user, never overriding variables already set', () => {
    dir = mkdtempSync(join(tmpdir(), 'wexqs-env-'));
    writeFileSync(join(dir, '.env.test'), 'APP_MODE=local\nPORT=4000\nHOST=10.0.0.1\nSHARED=base\n');
    writeFileSync(join(dir, '.env.test.user'), 'SHARED=user\nSECRET=s3cret\n');
    const target: NodeJS.ProcessEnv = { HOST: '127.0.0.2' };
    const { files, applied } = loadEnvFiles('test', dir, target);
    expect(files).toEqual([join(dir, '.env.test'), join(dir, '.env.test.user')]);
    expect(target).toEqual({ APP_MODE: 'local', PORT: '4000', HOST: '127.0.0.2', SHARED: 'user', SECRET: 's3cret' });
    expect(applied.sort()).toEqual(['APP_MODE', 'PORT', 'SECRET', 'SHARED']);
    expect(loadConfig(target).port).toBe(4000);
  });

  it('works with only the .user file present, and does not touch process.env when given a target', () => {
    dir = mkdtempSync(join(tmpdir(), 'wexqs-env-'));
    writeFileSync(join(dir, '.env.solo.user'), 'WEXQS_TEST_ONLY_VAR=1\n');
    const target: NodeJS.ProcessEnv = {};
    loadEnvFiles('solo', dir, target);
    expect(target.WEXQS_TEST_ONLY_VAR).toBe('1');
    expect(process.env.WEXQS_TEST_ONLY_VAR).toBeUndefined();
  });

  it('throws naming APP_ENV when no file exists, and rejects path-like names', () => {
    dir = mkdtempSync(join(tmpdir(), 'wexqs-env-'));
    expect(() => loadEnvFiles('nope', dir, {})).toThrow(/APP_ENV: no env file found for "nope"/);
    expect(() => readEnvFiles('../etc', dir)).toThrow(ConfigError);
  });
});

describe('the Teams app catalogue id', () => {
  it('TEAMS_CATALOG_APP_ID is the app’s organisation-catalogue id (a GUID); unset, it is looked up', () => {
    expect(loadConfig(tenantEnv()).teamsCatalogAppId).toBe('');
    const id = '55555555-5555-4555-8555-555555555555';
    const cfg = loadConfig(tenantEnv({ TEAMS_CATALOG_APP_ID: id }));
    expect(cfg.teamsCatalogAppId).toBe(id);
    expect(describeConfig(cfg)).toMatchObject({ teamsCatalogAppId: id });
    expect(configError(tenantEnv({ TEAMS_CATALOG_APP_ID: 'my-app' })).problems.map((p) => p.variable)).toEqual([
      'TEAMS_CATALOG_APP_ID',
    ]);
  });
});
