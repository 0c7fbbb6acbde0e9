/**
 * `npm run serve` in tenant mode as a process (src/main.ts, what dist/src/main.js runs), with a
 * PostgreSQL DATABASE_URL and placeholder credentials: it starts, /readyz lists every background
 * job as enabled, a job switched off by its setting shows as off, and SIGTERM stops it cleanly.
 * Nothing reaches Microsoft's services at start-up (there is no internet here).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, freePort } from '../support/local-stack.js';
import { createFreshDatabase } from '../support/postgres.js';
import { postgresServer, tenantEnvironment } from './tenant-stack.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

async function serve(extra: Record<string, string> = {}, opts: { fromCheckout?: boolean } = {}) {
  const db = await createFreshDatabase((await postgresServer()).url, 'wexqs_serve');
  const port = await freePort();
  // A deployment built from dist/ has no env/ files: run from an empty folder.
  // fromCheckout: run in this repository, whose env/.env.local holds the demo's local-only settings.
  const cwd = opts.fromCheckout ? process.cwd() : mkdtempSync(path.join(tmpdir(), 'wexqs-serve-'));
  const env = {
    ...process.env,
    ...tenantEnvironment({ PORT: String(port), DATABASE_URL: db.url, LOG_LEVEL: 'info', ...extra }),
  };
  delete env.APP_ENV;
  const child: ChildProcess = spawn(process.execPath, ['--import', TSX, path.resolve('src/main.ts')], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      await db.drop();
      return code;
    },
  };
}

describe('npm run serve in tenant mode', () => {
  afterAll(async () => (await postgresServer()).stop());

  it('starts with placeholder credentials; /readyz lists every job as enabled; SIGTERM stops it', async () => {
    const app = await serve();
    let ready: any;
    await eventually(async () => {
      const res = await fetch(`${app.url}/readyz`);
      expect(res.status).toBe(200);
      ready = await res.json();
    });
    expect(ready.status).toBe('ready');
    expect(ready.database).toEqual({ ok: true, engine: 'postgres' });
    expect(ready.jobs.map((j: any) => [j.name, j.enabled])).toEqual([
      ['reminder-planning', true],
      ['reminder-dispatch', true],
      ['lapsing', true],
      ['attendance', true],
      ['evidence-refresh', true],
      ['meeting-attendees', true],
      ['evidence-folders', true],
      ['provisioning', true],
      ['evidence-recheck', true],
    ]);
    await eventually(async () => {
      const jobs = ((await (await fetch(`${app.url}/readyz`)).json()) as any).jobs;
      for (const j of jobs.filter((x: any) => x.kind === 'periodic')) expect(j.lastRun?.outcome).toBe('succeeded');
    });
    expect(app.output()).toContain('"mode":"tenant"');
    // Secrets never reach the log.
    for (const secret of ['placeholder-bot-secret', 'placeholder-graph-secret'])
      expect(app.output()).not.toContain(secret);
    expect(await app.stop()).toBe(0);
  });

  it('shows a job switched off by its setting, so one instance can be dedicated to jobs', async () => {
    // Started in a checkout: APP_MODE=tenant in the environment leaves env/.env.local (the demo's
    // SEED_DEMO_DATA, GRAPH_EMULATOR, PLAYGROUND …) unread, so tenant mode accepts the settings.
    const app = await serve({ JOB_REMINDER_DISPATCH: 'false', JOB_ATTENDANCE: 'false' }, { fromCheckout: true });
    await eventually(async () => {
      const ready = (await (await fetch(`${app.url}/readyz`)).json()) as any;
      expect(ready.jobs.filter((j: any) => !j.enabled).map((j: any) => j.setting)).toEqual([
        'JOB_REMINDER_DISPATCH',
        'JOB_ATTENDANCE',
      ]);
    });
    expect(await app.stop()).toBe(0);
  });
});
