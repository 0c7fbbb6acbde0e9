/**
 * Builds the Teams app package: build/appPackage.<env>.zip (manifest.json, color.png, outline.png).
 *
 *   npx tsx scripts/package-app.ts [--env <name>]      (default: $APP_ENV, else "local")
 *
 * 1. Reads env/.env.<env> (+ env/.env.<env>.user); variables set in the process environment win.
 * 2. Replaces every ${{VAR}} in appPackage/manifest.json (Agents Toolkit convention); each missing
 *    or empty variable is reported by name.
 * 3. Validates the result offline against the JSON schema bundled in @microsoft/app-manifest
 *    (never fetched from the web), plus checks the schema cannot express (semver version, icon
 *    files and sizes, outline icon white on transparent, validDomains, SSO resource, tab domains).
 * 4. Writes the zip only when there is no error. Exits non-zero, listing every error, otherwise.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import appManifest from '@microsoft/app-manifest';
import { zipSync } from 'fflate';
import { ConfigError, readEnvFiles } from '../src/config.js';

const { AppManifestUtils } = appManifest;

export const MANIFEST_VERSION = '1.30';
export const SCHEMA_URL = `https://developer.microsoft.com/en-us/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`;
export const ICON_SIZES = { color: 192, outline: 32 } as const;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type Manifest = Record<string, unknown>;

export interface BuildOptions {
  /** Environment name: reads env/.env.<env>. */
  env: string;
  /** Folder holding manifest.json and the icons. Default: <repo>/appPackage. */
  appPackageDir?: string;
  /** Folder holding the .env.* files. Default: <repo>/env. */
  envDir?: string;
  /** Where the zip goes. Default: <repo>/build. */
  outDir?: string;
  /** Variables that win over the env files' values. Default: process.env. */
  processEnv?: NodeJS.ProcessEnv;
}

export interface BuildResult {
  /** Path of the written zip; undefined when there were errors (nothing is written then). */
  zipPath: string | undefined;
  /** The manifest after substitution; undefined if it could not be produced. */
  manifest: Manifest | undefined;
  /** Every problem found, one line each. Empty means the package is good. */
  errors: string[];
}

// ---------------------------------------------------------------------------------------------
// Placeholders

const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Replaces ${{VAR}} in JSON text. Values are JSON-string-escaped so a quote or backslash in a value
 * cannot break the document. Unset or empty variables are returned in `missing` (each name once).
 */
export function substitutePlaceholders(
  text: string,
  vars: Record<string, string | undefined>,
): { text: string; missing: string[] } {
  const missing = new Set<string>();
  const out = text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = vars[name];
    if (value === undefined || value.trim() === '') {
      missing.add(name);
      return whole;
    }
    return JSON.stringify(value).slice(1, -1);
  });
  return { text: out, missing: [...missing] };
}

// ---------------------------------------------------------------------------------------------
// PNG

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Reads the IHDR chunk. Throws if the bytes are not a PNG. */
export function readPngInfo(bytes: Buffer): PngInfo {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG file');
  if (bytes.toString('ascii', 12, 16) !== 'IHDR') throw new Error('PNG has no IHDR chunk first');
  return {
    width: bytes.readUInt32BE(16),
    height: bytes.readUInt32BE(20),
    bitDepth: bytes[24]!,
    colorType: bytes[25]!,
    interlace: bytes[28]!,
  };
}

/**
 * Decodes an 8-bit, non-interlaced PNG with an alpha channel (RGBA or grey+alpha) to RGBA pixels.
 * That is all the outline icon may be; anything else throws with a readable reason.
 */
export function decodePngWithAlpha(bytes: Buffer): { info: PngInfo; rgba: Uint8Array } {
  const info = readPngInfo(bytes);
  const channels = info.colorType === 6 ? 4 : info.colorType === 4 ? 2 : 0;
  if (info.bitDepth !== 8 || channels === 0 || info.interlace !== 0) {
    throw new Error('must be an 8-bit, non-interlaced PNG with an alpha channel (RGBA or grey+alpha)');
  }
  const idat: Buffer[] = [];
  for (let pos = 8; pos + 8 <= bytes.length;) {
    const length = bytes.readUInt32BE(pos);
    const type = bytes.toString('ascii', pos + 4, pos + 8);
    if (type === 'IDAT') idat.push(bytes.subarray(pos + 8, pos + 8 + length));
    if (type === 'IEND') break;
    pos += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = info.width * channels;
  if (raw.length < (stride + 1) * info.height) throw new Error('PNG image data is truncated');
  const pixels = new Uint8Array(stride * info.height);
  for (let y = 0; y < info.height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[row + x - channels]! : 0;
      const b = y > 0 ? pixels[row - stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[row - stride + x - channels]! : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`PNG row ${y} has an unknown filter type ${filter}`);
      }
      pixels[row + x] = (raw[src + x]! + predictor) & 0xff;
    }
  }
  if (channels === 4) return { info, rgba: pixels };
  const rgba = new Uint8Array(info.width * info.height * 4);
  for (let i = 0; i < info.width * info.height; i++) {
    const grey = pixels[i * 2]!;
    rgba.set([grey, grey, grey, pixels[i * 2 + 1]!], i * 4);
  }
  return { info, rgba };
}

/** Problems with the icons referenced by the manifest (paths relative to appPackageDir). */
export function checkIcons(manifest: Manifest, appPackageDir: string): string[] {
  const errors: string[] = [];
  const icons = (manifest.icons ?? {}) as Record<string, unknown>;
  for (const kind of ['color', 'outline'] as const) {
    const name = icons[kind];
    if (typeof name !== 'string') continue; // the schema reports it
    const expected = `${kind}.png`;
    if (name !== expected) {
      errors.push(
        `icons.${kind}: must be "${expected}" (the package holds exactly manifest.json, color.png and outline.png)`,
      );
      continue;
    }
    const file = join(appPackageDir, name);
    if (!existsSync(file)) {
      errors.push(`icons.${kind}: file ${file} does not exist (run: npx tsx scripts/make-icons.ts)`);
      continue;
    }
    const bytes = readFileSync(file);
    let info: PngInfo;
    try {
      info = readPngInfo(bytes);
    } catch (e) {
      errors.push(`icons.${kind}: ${name} is ${(e as Error).message}`);
      continue;
    }
    const size = ICON_SIZES[kind];
    if (info.width !== size || info.height !== size) {
      errors.push(`icons.${kind}: ${name} is ${info.width}×${info.height}, must be ${size}×${size}`);
    }
    if (kind === 'outline') {
      try {
        const { rgba } = decodePngWithAlpha(bytes);
        let transparent = 0;
        let coloured = 0;
        for (let i = 0; i < rgba.length; i += 4) {
          if (rgba[i + 3] === 0) transparent++;
          else if (rgba[i]! < 240 || rgba[i + 1]! < 240 || rgba[i + 2]! < 240) coloured++;
        }
        if (coloured > 0)
          errors.push(
            `icons.outline: ${name} has ${coloured} visible pixels that are not white; it must be white on transparent`,
          );
        if (transparent === 0)
          errors.push(`icons.outline: ${name} has no transparent pixels; its background must be transparent`);
      } catch (e) {
        errors.push(`icons.outline: ${name} ${(e as Error).message}`);
      }
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Manifest validation

const require = createRequire(import.meta.url);

/** Path of the schema bundled in @microsoft/app-manifest for a Teams $schema URL, if any. */
export function bundledSchemaPath(schemaUrl: string): string | undefined {
  const match =
    /^https:\/\/developer\.microsoft\.com\/(?:[a-z]{2}(?:-[a-z]{2})?\/)?json-schemas\/teams\/(v[\w.]+)\/MicrosoftTeams\.schema\.json$/i.exec(
      schemaUrl,
    );
  if (!match) return undefined;
  const pkgDir = dirname(require.resolve('@microsoft/app-manifest/package.json'));
  const file = join(pkgDir, 'build', 'json-schemas', 'teams', match[1]!, 'MicrosoftTeams.schema.json');
  return existsSync(file) ? file : undefined;
}

function loadBundledSchema(file: string): Parameters<typeof AppManifestUtils.validateAgainstSchema>[1] {
  // Same clean-up as the library's own loader (the schemas contain \a and \v escapes).
  const text = readFileSync(file, 'utf8').replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b');
  return JSON.parse(text);
}

function hostMatches(host: string, domain: string): boolean {
  const bare = domain.toLowerCase().replace(/:\d+$/, '');
  const h = host.toLowerCase();
  if (bare.startsWith('*.')) return h.endsWith(bare.slice(1));
  return h === bare;
}

/** Checks the schema cannot express. */
function checkSemantics(manifest: Manifest): string[] {
  const errors: string[] = [];
  if (manifest.manifestVersion !== MANIFEST_VERSION) {
    errors.push(`manifestVersion: must be "${MANIFEST_VERSION}"`);
  }
  if (typeof manifest.version === 'string' && !/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.test(manifest.version)) {
    errors.push('version: must be a semantic version such as 1.0.0 (set APP_VERSION)');
  }

  const validDomains = Array.isArray(manifest.validDomains) ? (manifest.validDomains as unknown[]) : [];
  for (const domain of validDomains) {
    if (typeof domain === 'string' && (/^[a-z]+:\/\//i.test(domain) || domain.includes('/') || domain === '*')) {
      errors.push(`validDomains: "${domain}" must be a bare host name (no scheme, no path, not "*")`);
    }
  }
  const tabs = Array.isArray(manifest.staticTabs) ? (manifest.staticTabs as Record<string, unknown>[]) : [];
  for (const tab of tabs) {
    for (const key of ['contentUrl', 'websiteUrl'] as const) {
      const value = tab[key];
      if (typeof value !== 'string') continue;
      let host: string;
      try {
        host = new URL(value).hostname;
      } catch {
        errors.push(`staticTabs[${String(tab.entityId)}].${key}: is not a URL`);
        continue;
      }
      if (!validDomains.some((d) => typeof d === 'string' && hostMatches(host, d))) {
        errors.push(`staticTabs[${String(tab.entityId)}].${key}: host ${host} is not in validDomains`);
      }
    }
  }

  const web = manifest.webApplicationInfo as { id?: unknown; resource?: unknown } | undefined;
  if (web && typeof web.id === 'string' && typeof web.resource === 'string') {
    if (!web.resource.startsWith('api://') || !web.resource.endsWith(`/${web.id}`)) {
      errors.push('webApplicationInfo.resource: must be api://<tab domain>/<webApplicationInfo.id> for tab SSO');
    }
  }
  return errors;
}

/**
 * Validates a manifest object: the JSON schema named by its $schema, loaded from the copy
 * bundled in @microsoft/app-manifest (offline), then the extra checks. Returns one line per error.
 */
export async function validateManifest(manifest: Manifest): Promise<string[]> {
  const schemaUrl = manifest.$schema;
  if (typeof schemaUrl !== 'string') return ['$schema: missing; must be ' + SCHEMA_URL];
  const schemaFile = bundledSchemaPath(schemaUrl);
  if (!schemaFile) {
    return [
      `$schema: ${schemaUrl} is not a Teams manifest schema bundled with @microsoft/app-manifest; use ${SCHEMA_URL}`,
    ];
  }
  const schemaErrors = await AppManifestUtils.validateAgainstSchema(
    manifest as unknown as Parameters<typeof AppManifestUtils.validateAgainstSchema>[0],
    loadBundledSchema(schemaFile),
  );
  return [...schemaErrors.map((e) => `schema: ${e.trim()}`), ...checkSemantics(manifest)];
}

// ---------------------------------------------------------------------------------------------
// Build

/** A fixed timestamp so the same inputs give the same zip bytes. */
const ZIP_MTIME = new Date('2025-01-01T00:00:00Z');

export async function buildAppPackage(options: BuildOptions): Promise<BuildResult> {
  const appPackageDir = options.appPackageDir ?? join(ROOT, 'appPackage');
  const envDir = options.envDir ?? join(ROOT, 'env');
  const outDir = options.outDir ?? join(ROOT, 'build');
  const processEnv = options.processEnv ?? process.env;
  const fail = (errors: string[], manifest?: Manifest): BuildResult => ({ zipPath: undefined, manifest, errors });

  let fileValues: Record<string, string>;
  try {
    fileValues = readEnvFiles(options.env, envDir).values;
  } catch (e) {
    if (e instanceof ConfigError) return fail(e.problems.map((p) => `${p.variable}: ${p.reason}`));
    return fail([(e as Error).message]);
  }
  const vars: Record<string, string | undefined> = { ...fileValues };
  for (const [key, value] of Object.entries(processEnv)) {
    if (value !== undefined && value.trim() !== '') vars[key] = value;
  }

  const manifestFile = join(appPackageDir, 'manifest.json');
  if (!existsSync(manifestFile)) return fail([`${manifestFile} does not exist`]);
  const template = readFileSync(manifestFile, 'utf8');
  const { text, missing } = substitutePlaceholders(template, vars);
  if (missing.length > 0) {
    return fail(
      missing.map(
        (name) =>
          `${name}: not set (or empty) in ${join(envDir, `.env.${options.env}`)}[.user] or the environment; manifest.json uses \${{${name}}}`,
      ),
    );
  }

  let manifest: Manifest;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    manifest = parsed as Manifest;
  } catch (e) {
    return fail([`manifest.json: invalid JSON after substitution: ${(e as Error).message}`]);
  }

  const errors = [...(await validateManifest(manifest)), ...checkIcons(manifest, appPackageDir)];
  if (errors.length > 0) return fail(errors, manifest);

  const entry = (bytes: Uint8Array): [Uint8Array, { mtime: Date }] => [bytes, { mtime: ZIP_MTIME }];
  const zip = zipSync(
    {
      'manifest.json': entry(Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8')),
      'color.png': entry(readFileSync(join(appPackageDir, 'color.png'))),
      'outline.png': entry(readFileSync(join(appPackageDir, 'outline.png'))),
    },
    { level: 9 },
  );
  mkdirSync(outDir, { recursive: true });
  const zipPath = join(outDir, `appPackage.${options.env}.zip`);
  writeFileSync(zipPath, zip);
  return { zipPath, manifest, errors: [] };
}

// ---------------------------------------------------------------------------------------------
// CLI

function parseArgs(argv: string[]): { env: string } {
  let env = process.env.APP_ENV?.trim() || 'local';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--env' || arg === '-e') env = argv[++i] ?? '';
    else if (arg.startsWith('--env=')) env = arg.slice('--env='.length);
    else throw new Error(`unknown argument ${arg}; usage: package-app.ts [--env <name>]`);
  }
  return { env };
}

async function main(): Promise<number> {
  let env: string;
  try {
    ({ env } = parseArgs(process.argv.slice(2)));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const result = await buildAppPackage({ env });
  if (result.errors.length > 0) {
    console.error(`Teams app package for "${env}" NOT built: ${result.errors.length} problem(s)`);
    for (const error of result.errors) console.error(`  - ${error}`);
    return 1;
  }
  console.log(`Teams app package for "${env}" built: ${result.zipPath}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      process.exitCode = 1;
    },
  );
}
