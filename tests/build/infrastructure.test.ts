/**
 * infra/ (Bicep), the Entra app registration file and the README agree with src/config.ts:
 * every setting tenant mode requires is provided by the Container App's app settings (the list
 * is derived from config.ts's own refusals, not kept by hand), secrets come from Key Vault, and
 * the README's configuration table and "Deploying" section name what infra/ uses.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SECRET_VARIABLES } from '../../src/config.js';
import { exampleTenantEnv } from '../support/tenant-env.js';

const bicep = readFileSync('infra/main.bicep', 'utf8');
const readme = readFileSync('README.md', 'utf8');
const configSource = readFileSync('src/config.ts', 'utf8');
const dockerfile = readFileSync('Dockerfile', 'utf8');

/** The Container App's env list: name → literal value (quoted) or expression, and whether it is a secret reference. */
function appSettings(): Map<string, { value: string | null; secretRef: string | null }> {
  const start = bicep.indexOf('env: [');
  const end = bicep.indexOf('\n          ]', start);
  expect(start, 'infra/main.bicep has an env: [ … ] block').toBeGreaterThan(0);
  const out = new Map<string, { value: string | null; secretRef: string | null }>();
  for (const m of bicep.slice(start, end).matchAll(/\{ name: '([^']+)', (value|secretRef): ([^}]+?) \}/g)) {
    out.set(m[1]!, {
      value: m[2] === 'value' ? m[3]!.trim() : null,
      secretRef: m[2] === 'secretRef' ? m[3]!.trim() : null,
    });
  }
  return out;
}

/** Every env variable src/config.ts reads. */
function variablesReadByConfig(): Set<string> {
  return new Set([...configSource.matchAll(/r\.(?:raw|string|bool|port|oneOf|guid)\(\s*'([A-Za-z_]+)'/g)].map((m) => m[1]!));
}

function refusedFor(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => p.variable);
    throw err;
  }
}

const literal = (v: string | null | undefined) => (v && /^'.*'$/.test(v) ? v.slice(1, -1) : undefined);

/** The example tenant env shaped like infra's choices (its bot type; no password for a managed identity). */
function tenantEnvAsInfra(): Record<string, string> {
  const settings = appSettings();
  const env = exampleTenantEnv();
  const botType = literal(settings.get('MicrosoftAppType')?.value);
  if (botType) env.MicrosoftAppType = botType;
  if (botType === 'UserAssignedMSI') delete env.MicrosoftAppPassword;
  return env;
}

/** Settings tenant mode refuses to start without: each one whose removal config.ts names as a problem. */
function requiredInTenantMode(): string[] {
  const env = tenantEnvAsInfra();
  expect(refusedFor(env), 'tests/support/tenant-env.ts is a complete tenant configuration').toEqual([]);
  return Object.keys(env).filter((name) => {
    const without = { ...env };
    delete without[name];
    return refusedFor(without).includes(name);
  });
}

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  expect(start, `README has a "## ${heading}" section`).toBeGreaterThan(0);
  const next = markdown.indexOf('\n## ', start + 4);
  return markdown.slice(start, next < 0 ? undefined : next);
}

describe('infrastructure as code agrees with the configuration', () => {
  it('provides every setting tenant mode requires (derived from src/config.ts)', () => {
    const required = requiredInTenantMode();
    expect(required).toEqual(expect.arrayContaining(['DATABASE_URL', 'MicrosoftAppId', 'GRAPH_CLIENT_SECRET']));
    const provided = appSettings();
    const missing = required.filter((name) => !provided.has(name));
    expect(missing, 'settings src/config.ts requires in tenant mode that infra/main.bicep does not provide').toEqual(
      [],
    );
  });

  it('sets tenant mode, listens on the container port, and sets nothing config.ts does not read', () => {
    const settings = appSettings();
    expect(literal(settings.get('APP_MODE')?.value)).toBe('tenant');
    expect(literal(settings.get('HOST')?.value)).toBe('0.0.0.0');
    const port = literal(settings.get('PORT')?.value);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
    expect(bicep).toMatch(new RegExp(`targetPort: ${port}\\b`));
    const known = variablesReadByConfig();
    const unknown = [...settings.keys()].filter((name) => !known.has(name));
    expect(unknown, 'app settings src/config.ts does not read').toEqual([]);
    for (const name of ['SEED_DEMO_DATA', 'GRAPH_EMULATOR', 'PLAYGROUND', 'TAB_IDENTITY_PICKER'])
      expect(settings.has(name), `${name} is local-only`).toBe(false);
  });

  it('takes every secret from Key Vault, never as a plain value', () => {
    const settings = appSettings();
    for (const name of SECRET_VARIABLES) {
      const s = settings.get(name);
      if (!s) continue; // not used by this deployment (e.g. no bot password with a managed identity)
      expect(s.secretRef, `${name} is a secret reference`).not.toBeNull();
      const ref = literal(s.secretRef)!;
      expect(bicep).toMatch(new RegExp(`\\{ name: '${ref}', keyVaultUrl: `));
    }
    expect(bicep).not.toMatch(/MicrosoftAppPassword/);
  });

  it('describes the platform the issue asks for: two or more instances, PostgreSQL, Azure Bot, Key Vault, Application Insights, UK South', () => {
    expect(bicep).toMatch(/@minValue\(2\)\nparam minReplicas int = 2/);
    expect(bicep).toMatch(/minReplicas: minReplicas/);
    expect(bicep).toMatch(/param location string = 'uksouth'/);
    for (const type of [
      'Microsoft.App/containerApps',
      'Microsoft.DBforPostgreSQL/flexibleServers',
      'Microsoft.BotService/botServices',
      'Microsoft.KeyVault/vaults',
      'Microsoft.Insights/components',
    ])
      expect(bicep).toContain(`'${type}@`);
    expect(bicep).toMatch(/msaAppType: '(SingleTenant|UserAssignedMSI)'/);
    expect(bicep).toMatch(/type: 'Readiness'\s+httpGet: \{ path: '\/readyz'/);
    for (const env of ['dev', 'prod']) {
      const params = readFileSync(`infra/main.${env}.bicepparam`, 'utf8');
      expect(params).toContain(`param environmentName = '${env}'`);
      expect(params).toMatch(/param minReplicas = ([2-9]|\d\d)/);
    }
  });

  it('registers the Entra app with v2 tokens for the tab and the Graph permissions the README lists', () => {
    const manifest = JSON.parse(readFileSync('infra/entra/aad.manifest.json', 'utf8')) as {
      accessTokenAcceptedVersion: number;
      requiredResourceAccess: { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[];
      oauth2Permissions: { value: string }[];
    };
    expect(manifest.accessTokenAcceptedVersion).toBe(2);
    expect(manifest.oauth2Permissions.map((p) => p.value)).toContain('access_as_user');
    const roles = manifest.requiredResourceAccess
      .filter((r) => r.resourceAppId === 'Microsoft Graph')
      .flatMap((r) => r.resourceAccess.filter((a) => a.type === 'Role').map((a) => a.id));
    const table = section(readme, 'Configuration');
    const listed = [...table.matchAll(/^\| `([A-Za-z.]+)`/gm)].map((m) => m[1]!).filter((p) => /\.\w+/.test(p));
    expect(listed.length).toBeGreaterThan(3);
    for (const permission of listed) expect(roles, `${permission} in infra/entra/aad.manifest.json`).toContain(permission);
  });

  it('the README names every setting config.ts reads, and its "Deploying" section every parameter infra/ reads', () => {
    const table = section(readme, 'Configuration');
    for (const name of variablesReadByConfig()) expect(table, `${name} in the configuration table`).toContain(name);
    const deploying = section(readme, 'Deploying');
    const params = readFileSync('infra/main.dev.bicepparam', 'utf8');
    for (const m of params.matchAll(/readEnvironmentVariable\('([A-Z_]+)'/g))
      expect(deploying, `${m[1]} in "Deploying"`).toContain(m[1]!);
    expect(deploying).toMatch(/not deployed from here/i);
    for (const step of ['admin consent', 'application access policy', 'upload'])
      expect(deploying.toLowerCase()).toContain(step);
  });
});
