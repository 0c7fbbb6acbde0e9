import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import appManifest from '@microsoft/app-manifest';
import { unzipSync } from 'fflate';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  buildAppPackage,
  bundledSchemaPath,
  decodePngWithAlpha,
  readPngInfo,
  SCHEMA_URL,
  substitutePlaceholders,
  validateManifest,
  type BuildResult,
  type Manifest,
} from '../scripts/package-app.js';
import { colorIcon, encodePng, outlineIcon } from '../scripts/make-icons.js';

const localEnv = parseEnv(readFileSync('env/.env.local', 'utf8'));
const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wexqs-pkg-'));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  while (temps.length) rmSync(temps.pop()!, { recursive: true, force: true });
});

/** A copy of appPackage/ whose manifest (as a template, before substitution) is changed by `edit`. */
function packageDirWith(edit: (template: Record<string, any>) => void): string {
  const dir = tempDir();
  const template = JSON.parse(readFileSync('appPackage/manifest.json', 'utf8'));
  edit(template);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(template, null, 2));
  copyFileSync('appPackage/color.png', join(dir, 'color.png'));
  copyFileSync('appPackage/outline.png', join(dir, 'outline.png'));
  return dir;
}

describe('building the local package', () => {
  let result: BuildResult;
  let outDir: string;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'wexqs-pkg-out-'));
    result = await buildAppPackage({ env: 'local', outDir, processEnv: {} });
    return () => rmSync(outDir, { recursive: true, force: true });
  });

  it('succeeds and writes build/appPackage.local.zip', () => {
    expect(result.errors).toEqual([]);
    expect(result.zipPath).toBe(join(outDir, 'appPackage.local.zip'));
    expect(existsSync(result.zipPath!)).toBe(true);
  });

  it('zips exactly manifest.json, color.png and outline.png, byte for byte', () => {
    const entries = unzipSync(readFileSync(result.zipPath!));
    expect(Object.keys(entries).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    expect(Buffer.from(entries['color.png']!).equals(readFileSync('appPackage/color.png'))).toBe(true);
    expect(Buffer.from(entries['outline.png']!).equals(readFileSync('appPackage/outline.png'))).toBe(true);
    const zipped = JSON.parse(Buffer.from(entries['manifest.json']!).toString('utf8'));
    expect(zipped).toEqual(result.manifest);
  });

  it('fills every ${{VAR}} placeholder from env/.env.local', () => {
    const m = result.manifest as Record<string, any>;
    expect(JSON.stringify(m)).not.toContain('${{');
    expect(m.id).toBe(localEnv.TEAMS_APP_ID);
    expect(m.bots[0].botId).toBe(localEnv.BOT_ID);
    expect(m.webApplicationInfo).toEqual({
      id: localEnv.AAD_APP_CLIENT_ID,
      resource: `api://localhost/${localEnv.AAD_APP_CLIENT_ID}`,
    });
    expect(m.validDomains).toEqual(['localhost']);
    expect(m.staticTabs[0].contentUrl).toBe(`${localEnv.TAB_ENDPOINT}/tab`);
  });

  it('is on manifest schema 1.30 with the app identity', () => {
    const m = result.manifest as Record<string, any>;
    expect(m.$schema).toBe('https://developer.microsoft.com/en-us/json-schemas/teams/v1.30/MicrosoftTeams.schema.json');
    expect(m.manifestVersion).toBe('1.30');
    expect(m.name).toEqual({ short: 'WEx QS', full: 'Work Experience Quality Standard' });
    expect(m.developer.name).toBe('NHS England');
    expect(m.accentColor).toBe('#005EB8');
    expect(m.bots[0].scopes.sort()).toEqual(['groupChat', 'personal', 'team']);
    const personal = m.bots[0].commandLists.find((l: any) => l.scopes.includes('personal'));
    expect(personal.commands.map((c: any) => c.title)).toEqual(
      expect.arrayContaining(['help', 'status', 'sessions', 'queue', 'dashboard']),
    );
    expect(m.staticTabs[0].scopes).toEqual(['personal']);
  });

  it('validates against the bundled 1.30 schema (offline) directly with @microsoft/app-manifest', async () => {
    const schemaFile = bundledSchemaPath(SCHEMA_URL)!;
    expect(schemaFile).toMatch(
      /node_modules[\\/]@microsoft[\\/]app-manifest[\\/].*v1\.30[\\/]MicrosoftTeams\.schema\.json$/,
    );
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8').replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b'));
    const errors = await appManifest.AppManifestUtils.validateAgainstSchema(result.manifest as any, schema);
    expect(errors).toEqual([]);
    expect(await validateManifest(result.manifest!)).toEqual([]);
  });
});

describe('invalid manifests are reported and no zip is written', () => {
  it('reports a bad accentColor and a missing required field', async () => {
    const outDir = tempDir();
    const appPackageDir = packageDirWith((t) => {
      t.accentColor = 'NHS blue';
      delete t.developer;
    });
    const result = await buildAppPackage({ env: 'local', appPackageDir, outDir, processEnv: {} });
    expect(result.zipPath).toBeUndefined();
    expect(existsSync(join(outDir, 'appPackage.local.zip'))).toBe(false);
    expect(result.errors.some((e) => e.includes('/accentColor') && e.includes('pattern'))).toBe(true);
    expect(result.errors.some((e) => e.includes("required property 'developer'"))).toBe(true);
  });

  it('reports a bot scope the schema does not allow', async () => {
    const manifest = structuredClone(
      (await buildAppPackage({ env: 'local', outDir: tempDir(), processEnv: {} })).manifest!,
    ) as Record<string, any>;
    manifest.bots[0].scopes = ['personal', 'everyone'];
    const errors = await validateManifest(manifest);
    expect(errors.some((e) => e.includes('/bots/0/scopes/1'))).toBe(true);
  });

  it.each<[string, (m: Record<string, any>) => void, RegExp]>([
    [
      'an older manifestVersion',
      (m) => {
        m.manifestVersion = '1.17';
      },
      /manifestVersion: must be "1\.30"/,
    ],
    [
      'a $schema that is not bundled',
      (m) => {
        m.$schema = 'https://example.com/schema.json';
      },
      /\$schema: .* not a Teams manifest schema bundled/,
    ],
    [
      'a non-semver version',
      (m) => {
        m.version = '1.0';
      },
      /version: must be a semantic version/,
    ],
    [
      'a validDomain with a scheme',
      (m) => {
        m.validDomains = ['https://localhost'];
      },
      /validDomains: "https:\/\/localhost" must be a bare host name/,
    ],
    [
      'a tab outside validDomains',
      (m) => {
        m.staticTabs[0].contentUrl = 'https://elsewhere.example/tab';
      },
      /staticTabs\[wexqs-home\]\.contentUrl: host elsewhere\.example is not in validDomains/,
    ],
    [
      'an SSO resource for another app',
      (m) => {
        m.webApplicationInfo.resource = 'api://localhost/someone-else';
      },
      /webApplicationInfo\.resource/,
    ],
  ])('reports %s', async (_name, edit, expected) => {
    const good = (await buildAppPackage({ env: 'local', outDir: tempDir(), processEnv: {} })).manifest!;
    const bad = structuredClone(good) as Record<string, any>;
    edit(bad);
    const errors = await validateManifest(bad as Manifest);
    expect(errors.join('\n')).toMatch(expected);
  });

  it('names each missing placeholder variable', async () => {
    const envDir = tempDir();
    const kept = Object.entries(localEnv).filter(([k]) => k !== 'BOT_ID' && k !== 'TAB_ENDPOINT');
    writeFileSync(join(envDir, '.env.partial'), kept.map(([k, v]) => `${k}=${v}`).join('\n') + '\nBOT_ID=\n');
    const result = await buildAppPackage({ env: 'partial', envDir, outDir: tempDir(), processEnv: {} });
    expect(result.zipPath).toBeUndefined();
    expect(result.errors).toHaveLength(2);
    expect(result.errors.find((e) => e.startsWith('BOT_ID: not set'))).toBeDefined();
    expect(result.errors.find((e) => e.startsWith('TAB_ENDPOINT: not set'))).toBeDefined();
  });

  it('lets the process environment win over the env file', async () => {
    const result = await buildAppPackage({
      env: 'local',
      outDir: tempDir(),
      processEnv: { TAB_DOMAIN: 'wexqs.example.nhs.uk', TAB_ENDPOINT: 'https://wexqs.example.nhs.uk' },
    });
    expect(result.errors).toEqual([]);
    const m = result.manifest as Record<string, any>;
    expect(m.validDomains).toEqual(['wexqs.example.nhs.uk']);
    expect(m.webApplicationInfo.resource).toBe(`api://wexqs.example.nhs.uk/${localEnv.AAD_APP_CLIENT_ID}`);
  });

  it('reports an unknown environment', async () => {
    const result = await buildAppPackage({ env: 'nosuchenv', outDir: tempDir(), processEnv: {} });
    expect(result.errors).toEqual([expect.stringMatching(/^APP_ENV: no env file found for "nosuchenv"/)]);
  });

  it('escapes substituted values so they cannot break the JSON', () => {
    const { text, missing } = substitutePlaceholders('{"a":"${{A}}","b":"${{ B }}","c":"${{C}}"}', {
      A: 'x"y\\z',
      B: 'b',
    });
    expect(missing).toEqual(['C']);
    expect(JSON.parse(text.replace('${{C}}', 'c'))).toEqual({ a: 'x"y\\z', b: 'b', c: 'c' });
  });

  it('the CLI exits non-zero and lists the problems', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/package-app.ts', '--env', 'nosuchenv'], {
      encoding: 'utf8',
      env: { ...process.env, APP_ENV: '' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Teams app package for "nosuchenv" NOT built');
    expect(run.stderr).toContain('APP_ENV: no env file found');
  });
});

describe('icons', () => {
  it('color.png is 192×192 and outline.png is 32×32 RGBA', () => {
    expect(readPngInfo(readFileSync('appPackage/color.png'))).toMatchObject({ width: 192, height: 192 });
    expect(readPngInfo(readFileSync('appPackage/outline.png'))).toMatchObject({
      width: 32,
      height: 32,
      bitDepth: 8,
      colorType: 6,
    });
  });

  it('outline.png is white on a transparent background', () => {
    const { rgba } = decodePngWithAlpha(readFileSync('appPackage/outline.png'));
    let transparent = 0;
    let visible = 0;
    for (let i = 0; i < rgba.length; i += 4) {
      if (rgba[i + 3] === 0) transparent++;
      else {
        visible++;
        expect([rgba[i], rgba[i + 1], rgba[i + 2]]).toEqual([255, 255, 255]);
      }
    }
    expect(transparent).toBeGreaterThan(32 * 32 * 0.3);
    expect(visible).toBeGreaterThan(32 * 32 * 0.1);
  });

  it('color.png is NHS blue with a white mark', () => {
    const { rgba } = decodePngWithAlpha(readFileSync('appPackage/color.png'));
    const at = (x: number, y: number) => Array.from(rgba.subarray((y * 192 + x) * 4, (y * 192 + x) * 4 + 4));
    expect(at(20, 96)).toEqual([0x00, 0x5e, 0xb8, 255]);
    expect(at(96, 96 - Math.round(0.33 * 192))).toEqual([255, 255, 255, 255]); // top of the ring
  });

  it('the committed icons are what scripts/make-icons.ts draws', () => {
    const pixels = (b: Buffer) => Buffer.from(decodePngWithAlpha(b).rgba);
    expect(pixels(colorIcon()).equals(pixels(readFileSync('appPackage/color.png')))).toBe(true);
    expect(pixels(outlineIcon()).equals(pixels(readFileSync('appPackage/outline.png')))).toBe(true);
  });

  it('a wrong-size icon and a coloured outline are reported', async () => {
    const appPackageDir = packageDirWith(() => {});
    writeFileSync(join(appPackageDir, 'color.png'), encodePng(64, 64, new Uint8Array(64 * 64 * 4).fill(200)));
    const red = new Uint8Array(32 * 32 * 4);
    for (let i = 0; i < red.length; i += 4) red.set(i < 64 ? [0, 0, 0, 0] : [255, 0, 0, 255], i);
    writeFileSync(join(appPackageDir, 'outline.png'), encodePng(32, 32, red));
    const result = await buildAppPackage({ env: 'local', appPackageDir, outDir: tempDir(), processEnv: {} });
    expect(result.zipPath).toBeUndefined();
    expect(result.errors).toContain('icons.color: color.png is 64×64, must be 192×192');
    expect(result.errors.join('\n')).toMatch(/icons\.outline: outline\.png has 1008 visible pixels that are not white/);
  });

  it('an outline without transparency, or not a PNG, is reported', async () => {
    const appPackageDir = packageDirWith(() => {});
    writeFileSync(join(appPackageDir, 'outline.png'), encodePng(32, 32, new Uint8Array(32 * 32 * 4).fill(255)));
    writeFileSync(join(appPackageDir, 'color.png'), 'GIF89a not a png');
    const result = await buildAppPackage({ env: 'local', appPackageDir, outDir: tempDir(), processEnv: {} });
    expect(result.errors).toContain('icons.color: color.png is not a PNG file');
    expect(result.errors.join('\n')).toMatch(/icons\.outline: outline\.png has no transparent pixels/);
  });
});
