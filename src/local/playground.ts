/**
 * Starts the Microsoft 365 Agents Playground (the local Teams client) as a child process,
 * pointed at the bot's endpoint, with a given config, and waits until it answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

export interface RunningPlayground {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface PlaygroundOptions {
  botEndpoint: string;
  port: number;
  configPath: string;
  /** File that receives the Playground's own output. */
  logFile: string;
  /** Working directory (the Playground writes devTools/ there); default: this process's. */
  cwd?: string;
  timeoutMs?: number;
  /** Scheduling priority (0 normal, up to 19 lowest), so the clients that matter first get the CPU. */
  niceness?: number;
}

/** A Playground process that was started: `ready` resolves when it answers, rejects if it exits or times out. */
export interface SpawnedPlayground extends RunningPlayground {
  ready: Promise<void>;
}

const require = createRequire(import.meta.url);
/** Preload that keeps the Playground's servers on 127.0.0.1. */
export const LOOPBACK_PRELOAD = new URL('./loopback-listen.mjs', import.meta.url).href;

export function spawnPlayground(opts: PlaygroundOptions): SpawnedPlayground {
  const cli = require.resolve('@microsoft/m365agentsplayground/cli.js');
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const out = createWriteStream(opts.logFile, { flags: 'a' });
  // The Playground listens on every interface and has no option to choose: the preload makes it
  // listen on loopback only (src/local/loopback-listen.mjs).
  const child = spawn(
    process.execPath,
    [
      '--import',
      LOOPBACK_PRELOAD,
      cli,
      'start',
      '-e',
      opts.botEndpoint,
      '-c',
      'msteams',
      '-p',
      String(opts.port),
      '--disable-telemetry',
    ],
    {
      env: {
        ...process.env,
        TEAMSAPPTESTER_BROWSER: 'none',
        TEAMSAPPTESTER_PORT: String(opts.port),
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: opts.configPath,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    },
  );
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  if (opts.niceness && child.pid !== undefined) {
    try {
      os.setPriority(child.pid, opts.niceness);
    } catch {
      // Not permitted here: it only starts a little later than it could.
    }
  }

  const url = `http://127.0.0.1:${opts.port}`;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`Agents Playground exited with code ${code}; see ${opts.logFile}`))),
  );
  exited.catch(() => undefined);
  const ready = (async () => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const res = await Promise.race([fetch(`${url}/_debug/ping`), exited]);
        if (res.ok) return;
      } catch (e) {
        if (child.exitCode !== null || child.signalCode !== null) throw e;
      }
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new Error(`Agents Playground did not answer on ${url} within ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  ready.catch(() => undefined);
  return { url, port: opts.port, child, ready, stop: () => stopChild(child) };
}

/** Starts a Playground and waits until it answers. */
export async function startPlayground(opts: PlaygroundOptions): Promise<RunningPlayground> {
  const p = spawnPlayground(opts);
  await p.ready;
  return p;
}

/**
 * SIGTERM, then SIGKILL if the child is still there after two seconds. Never waits more than
 * five seconds in all: a child whose exit is not reported by then is given up on (rejected, with
 * its pid), so stopping the stack always ends.
 */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve, reject) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
    const giveUp = setTimeout(() => {
      child.off('exit', exited);
      reject(new Error(`process ${child.pid} did not report its exit within 5 s of SIGTERM`));
    }, 5000);
    const exited = () => {
      clearTimeout(kill);
      clearTimeout(giveUp);
      resolve();
    };
    child.once('exit', exited);
    child.kill('SIGTERM');
  });
}
