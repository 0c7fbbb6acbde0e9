/**
 * Starts the Microsoft 365 Agents Playground (the local Teams client) as a child process,
 * pointed at the bot's endpoint, with a given config, and waits until it answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
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
  /** Wall time to answer where the process's CPU time cannot be read (see startGivenUp). */
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
  const timeoutMs = opts.timeoutMs ?? START_TIMEOUT_MS;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`Agents Playground exited with code ${code}; see ${opts.logFile}`))),
  );
  exited.catch(() => undefined);
  const ready = (async () => {
    const started = Date.now();
    let cpuMs = child.pid === undefined ? null : cpuTimeMs(child.pid);
    let cpuUsedAt = started;
    for (;;) {
      try {
        const res = await Promise.race([fetch(`${url}/_debug/ping`), exited]);
        if (res.ok) return;
      } catch (e) {
        if (child.exitCode !== null || child.signalCode !== null) throw e;
      }
      const now = Date.now();
      const cpuNow = cpuMs === null || child.pid === undefined ? null : cpuTimeMs(child.pid);
      if (cpuNow !== null && cpuNow !== cpuMs) cpuUsedAt = now;
      cpuMs = cpuNow;
      const why = startGivenUp({ elapsedMs: now - started, cpuMs, idleMs: now - cpuUsedAt }, timeoutMs);
      if (why) {
        child.kill('SIGTERM');
        throw new Error(`Agents Playground did not answer on ${url} ${why}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  ready.catch(() => undefined);
  return { url, port: opts.port, child, ready, stop: () => stopChild(child) };
}

/** Wall time a client has to answer where its CPU time cannot be read. */
export const START_TIMEOUT_MS = 120_000;
/** CPU time after which a client that has not answered is broken (a start takes a few seconds). */
export const START_CPU_LIMIT_MS = 60_000;
/** Wall time without using any CPU after which a client that has not answered is stuck. */
export const START_IDLE_LIMIT_MS = 60_000;

/**
 * Why a client that has not answered yet is given up on (how its "did not answer" ends), or null
 * to keep waiting. A client started at a lower priority on a busy machine is waiting for the CPU:
 * slow, not broken. So where its CPU time can be read (`cpuMs`, Linux) it is given up on only once
 * it has used START_CPU_LIMIT_MS of CPU, or none for START_IDLE_LIMIT_MS (`idleMs`: waiting on
 * nothing); elsewhere once `timeoutMs` of wall time has passed.
 */
export function startGivenUp(
  s: { elapsedMs: number; cpuMs: number | null; idleMs: number },
  timeoutMs: number = START_TIMEOUT_MS,
): string | null {
  if (s.cpuMs === null) return s.elapsedMs > timeoutMs ? `within ${timeoutMs} ms` : null;
  if (s.cpuMs > START_CPU_LIMIT_MS) return `after ${START_CPU_LIMIT_MS} ms of CPU time`;
  if (s.idleMs > START_IDLE_LIMIT_MS) return `and used no CPU for ${START_IDLE_LIMIT_MS} ms`;
  return null;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/** CPU time (user and system) a process has used, from /proc/PID/stat; null where there is none. */
export function cpuTimeMs(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // pid (comm) state ppid …: the name may hold spaces and parentheses, so count from its last ')'.
  // proc_pid_stat(5): utime and stime are fields 14 and 15, i.e. the 12th and 13th after the name.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : null;
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
