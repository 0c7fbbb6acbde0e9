/**
 * Starts the real local stack (`src/local/start.ts`, what `npm start` runs) as a child process on
 * free ports with its own data directory, and stops it the way a person does: Ctrl-C (SIGINT).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LOCAL_EMULATOR_TOKEN } from '../../src/graph/graph-setup.js';

export interface LocalStack {
  appUrl: string;
  playgroundUrl: string;
  graphUrl: string;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first output line starting with `prefix`, already printed or printed later. */
  waitForLine(prefix: string): Promise<string>;
  stop(): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startLocalStack(
  opts: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<LocalStack> {
  const [port, playgroundPort, graphPort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'wexqs-stack-'));
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/local/start.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      PLAYGROUND_PORT: String(playgroundPort),
      GRAPH_EMULATOR_PORT: String(graphPort),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d.toString()));
  child.stderr!.on('data', (d) => (out += d.toString()));
  // Started when it says so (the caller's hook timeout guards a start that never comes).
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (out.includes('WEx QS is running')) resolve();
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`local stack exited with ${code}:\n${out}`)));
  });
  const lineStartingWith = (prefix: string) => out.split('\n').find((l) => l.startsWith(prefix));
  const waitForLine = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = lineStartingWith(prefix);
        if (line === undefined) return false;
        child.stdout!.off('data', onData);
        child.off('exit', onExit);
        resolve(line);
        return true;
      };
      const onData = () => void check();
      const onExit = (code: number | null) =>
        reject(new Error(`local stack exited with ${code} before "${prefix}":\n${out}`));
      if (check()) return;
      child.stdout!.on('data', onData);
      child.once('exit', onExit);
    });
  return {
    appUrl: `http://127.0.0.1:${port}`,
    playgroundUrl: `http://127.0.0.1:${playgroundPort}`,
    graphUrl: `http://127.0.0.1:${graphPort}`,
    dataDir,
    child,
    output: () => out,
    waitForLine,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        // A stack that does not stop within a minute is killed (then the exit code is null).
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
        child.kill('SIGINT');
      }),
  };
}

/** GET from the stack's Graph emulator with the app's token; throws unless it answers 200. */
export async function graphGet(stack: Pick<LocalStack, 'graphUrl'>, graphPath: string): Promise<any> {
  const res = await fetch(`${stack.graphUrl}/v1.0${graphPath}`, {
    headers: { authorization: `Bearer ${LOCAL_EMULATOR_TOKEN}` },
  });
  if (res.status !== 200) throw new Error(`GET ${graphPath}: ${res.status}`);
  return res.json();
}

/**
 * Retries `check` until it passes: state the app changes after answering (a background job, a
 * send recorded after the connector accepted it) that no event announces. It has no deadline of
 * its own (how long a busy machine takes is not the behaviour under test); the test's timeout
 * ends a check that never passes.
 */
export async function eventually(check: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      return await check();
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
