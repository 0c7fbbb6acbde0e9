/**
 * The container recipe: the Dockerfile and scripts/container-recipe.sh take the same steps in the
 * same order, and the script (what CI can run: Docker cannot pull images here) builds the app,
 * installs production dependencies only into a fresh folder (`npm ci --omit=dev`), starts the
 * compiled server there with plain `node` as an unprivileged user, probes /healthz, /readyz and the
 * tab, and stops it with SIGTERM. A runtime dependency left in devDependencies, or a file the build
 * forgot, fails here.
 */
import { spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleTenantEnv } from '../support/tenant-env.js';
import { createFreshDatabase } from '../support/postgres.js';

const dockerfile = readFileSync('Dockerfile', 'utf8');
const script = readFileSync('scripts/container-recipe.sh', 'utf8');

/** Steps in order, each with its text (up to the next step). */
function steps(text: string, marker: RegExp): { name: string; body: string }[] {
  const out: { name: string; body: string }[] = [];
  for (const line of text.split('\n')) {
    const m = marker.exec(line);
    if (m) out.push({ name: m[1]!, body: '' });
    else if (out.length > 0) out[out.length - 1]!.body += `${line}\n`;
  }
  return out;
}

const imageSteps = steps(dockerfile, /^# recipe: ([a-z-]+)$/);
const scriptSteps = steps(script, /^step ([a-z-]+)$/);

/** What each step must do, in both files. */
const SAME_IN_BOTH: Record<string, RegExp[]> = {
  'build-deps': [/package\.json/, /package-lock\.json/, /npm ci --ignore-scripts --no-audit --no-fund/],
  build: [/npm run build/],
  'runtime-deps': [/package\.json/, /package-lock\.json/, /npm ci --omit=dev --ignore-scripts --no-audit --no-fund/, /NODE_ENV=production/],
  'copy-build': [/dist/],
  user: [/\.data/],
  start: [/node\W+dist\/src\/main\.js/, /APP_MODE/, /HOST=/, /PORT=/, /DATA_DIR=/],
  healthcheck: [/\/readyz/],
};

describe('the production bundle: Dockerfile and container recipe script', () => {
  it('take the same steps in the same order, each doing the same thing', () => {
    expect(imageSteps.map((s) => s.name)).toEqual(Object.keys(SAME_IN_BOTH));
    expect(scriptSteps.map((s) => s.name)).toEqual(imageSteps.map((s) => s.name));
    for (const [i, step] of imageSteps.entries()) {
      for (const pattern of SAME_IN_BOTH[step.name]!) {
        expect(step.body, `Dockerfile step ${step.name}`).toMatch(pattern);
        expect(scriptSteps[i]!.body, `script step ${step.name}`).toMatch(pattern);
      }
    }
  });

  it('builds on Node 22 slim, runs as a non-root user with production dependencies only, health-checked on /readyz', () => {
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2); // multi-stage
    for (const from of froms) expect(from).toMatch(/^node:22(\.\d+)*-[a-z]+-slim$|^node:22-slim$/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER (?!root\b|0\b)\S+/m);
    expect(runtime).not.toMatch(/npm ci(?! --omit=dev)/);
    expect(runtime).toMatch(/COPY --from=build \S+dist/);
    expect(runtime).toMatch(/^HEALTHCHECK [^\n]*\\\n[^\n]*\/readyz/m);
    expect(runtime).toMatch(/^ENV APP_MODE=tenant\b/m);
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
    for (const p of ['node_modules', 'dist', '.data', '.git', 'env/.env.*.user']) expect(ignored).toContain(p);
  });

  it(
    'the script builds, installs production dependencies only, starts, probes and stops the app (tenant mode on a PostgreSQL server when there is one)',
    async () => {
      const server = process.env.TEST_DATABASE_URL;
      const db = server ? await createFreshDatabase(server, 'wexqs_recipe') : null;
      const appEnv: Record<string, string> = db
        ? exampleTenantEnv({ DATABASE_URL: db.url, LOG_LEVEL: 'info' })
        : { APP_MODE: 'local', GRAPH_EMULATOR: 'false', PLAYGROUND: 'false', SEED_DEMO_DATA: 'false' };
      delete appEnv.HOST;
      delete appEnv.PORT;
      // The script's own work directory goes here, and must be gone when it ends: in memory where
      // the machine has a tmpfs (the runtime install writes some 50,000 files, half a gigabyte).
      const tmp = mkdtempSync(path.join(memoryTmp() ?? tmpdir(), 'wexqs-recipe-test-'));
      chmodSync(tmp, 0o755); // the app runs as an unprivileged user, who must reach the work directory inside
      try {
        const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
          let output = '';
          const child = spawn('bash', ['scripts/container-recipe.sh'], {
            // The build stage reuses this checkout's install (same lock file); the runtime stage
            // installs production dependencies afresh.
            env: { ...process.env, ...appEnv, RECIPE_BUILD_DEPS_FROM: process.cwd(), TMPDIR: tmp },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          child.stdout.on('data', (d) => (output += d.toString()));
          child.stderr.on('data', (d) => (output += d.toString()));
          child.on('exit', (c) => resolve({ code: c, output }));
        });
        expect(code, output).toBe(0);
        expect(output).toMatch(/recipe: \/healthz 200/);
        expect(output).toMatch(/recipe: \/tab 200/);
        expect(output).toMatch(/recipe: build dependencies reused/);
        expect(output).toMatch(/recipe: stopped cleanly on SIGTERM\nrecipe: ok\n?$/);
        expect(output).not.toMatch(/a development dependency was installed/);
        expect(readdirSync(tmp).filter((f) => f.startsWith('wexqs-recipe.'))).toEqual([]);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
        await db?.drop();
      }
    },
    15 * 60_000,
  );
});

/** A writable memory-backed temporary directory (Linux's /dev/shm), if this machine has one. */
function memoryTmp(): string | null {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return null;
  }
}
