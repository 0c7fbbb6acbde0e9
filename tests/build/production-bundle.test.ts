/**
 * The production bundle: `npm run build`, then only what a deployment ships (dist/, package.json,
 * package-lock.json) in an empty folder with production dependencies only (`npm ci --omit=dev`),
 * and the compiled server started there with plain `node`. A runtime dependency left in
 * devDependencies, or a source file the build forgot, fails here.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/local-stack.js';

const root = path.resolve(import.meta.dirname, '../..');
let bundle = '';
const children: ChildProcess[] = [];

function startCompiled(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string; exit: Promise<number | null> }> {
  let out = '';
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: bundle,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return Promise.resolve({ child, output: () => out, exit });
}

/** Waits for the server's log line that it listens (an event, not a timer). */
async function until(
  check: () => boolean,
  exit: Promise<number | null>,
  what: string,
  output: () => string,
): Promise<void> {
  let exited = false;
  void exit.then(() => (exited = true));
  while (!check()) {
    if (exited) throw new Error(`the compiled server exited before ${what}:\n${output()}`);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(() => {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  bundle = mkdtempSync(path.join(os.tmpdir(), 'wexqs-bundle-'));
  for (const f of ['dist', 'package.json', 'package-lock.json']) cpSync(path.join(root, f), path.join(bundle, f), { recursive: true });
  execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: bundle,
    stdio: 'ignore',
  });
}, 240_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (bundle) rmSync(bundle, { recursive: true, force: true });
});

describe('the production bundle', () => {
  it('holds no development tooling', () => {
    for (const dev of ['tsx', 'typescript', 'vitest', 'eslint', '@microsoft/m365agentsplayground']) {
      expect(existsSync(path.join(bundle, 'node_modules', dev)), dev).toBe(false);
    }
    expect(existsSync(path.join(bundle, 'dist/src/main.js'))).toBe(true);
    expect(existsSync(path.join(bundle, 'dist/src/tab/tab.js'))).toBe(true);
  });

  it('starts the compiled server with plain node and answers /healthz and the tab', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wexqs-bundle-data-'));
    const app = await startCompiled({
      APP_MODE: 'local',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      SEED_DEMO_DATA: 'false',
      LOG_LEVEL: 'info',
    });
    await until(() => app.output().includes('app listening'), app.exit, 'listening', app.output);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const tab = await fetch(`http://127.0.0.1:${port}/tab`);
    expect(tab.status).toBe(200);
    expect(await tab.text()).toContain('<html');
    app.child.kill('SIGTERM');
    expect(await app.exit).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
