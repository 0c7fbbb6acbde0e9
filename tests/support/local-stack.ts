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
import { DEMO_PEOPLE, demoPerson } from '../../src/local/demo-people.js';
import { clientPort } from '../../src/local/playground-clients.js';

export interface StackPorts {
  app: number;
  /** The first Teams client's port; the others follow it (one per demo person). */
  playground: number;
  graph: number;
}

export interface LocalStack {
  ports: StackPorts;
  appUrl: string;
  /** The first started person's Teams client (Priya's unless `clients` says otherwise). */
  playgroundUrl: string;
  /** A demo person's own Teams client (by key or Playground user id). */
  clientUrl(person: string): string;
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

/** A first port with `count` free consecutive ports after it (one Teams client per demo person). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await freePort();
    if (base + count > 65535) continue;
    const free = await Promise.all(Array.from({ length: count - 1 }, (_, i) => portIsFree(base + i + 1)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function startLocalStack(
  opts: {
    dataDir?: string;
    env?: Record<string, string>;
    /** Demo people (keys) who get a Teams client; default Priya only (every person: 'all'). */
    clients?: readonly string[] | 'all';
    /** The ports of a stack started before (a restart on the same data keeps each client's address). */
    ports?: StackPorts;
  } = {},
): Promise<LocalStack> {
  const keys = opts.clients === 'all' ? DEMO_PEOPLE.map((p) => p.key) : (opts.clients ?? ['priya']);
  const [port, playgroundPort, graphPort] = opts.ports
    ? [opts.ports.app, opts.ports.playground, opts.ports.graph]
    : [await freePort(), await freePortRange(DEMO_PEOPLE.length), await freePort()];
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'wexqs-stack-'));
  let out = '';
  // What `npm start` runs.
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    env: {
      ...process.env,
      PORT: String(port),
      PLAYGROUND_PORT: String(playgroundPort),
      PLAYGROUND_CLIENTS: keys.join(','),
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
    // Generous: on a busy two-core machine the clients after the first wait for the CPU, and
    // the stack waits for them for as long as they are using it (src/local/playground.ts).
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      reject(new Error(`local stack did not start in 540 s:\n${out}`));
    }, 540_000);
    // With several clients, until every one answers or is reported as not started (the stack runs
    // on without it, saying why; a test that needs that client fails when it reaches for it).
    const ready = keys.length > 1 ? /All \d+ Teams clients are ready|did not start/ : /WEx QS is running/;
    const check = () => {
      if (!ready.test(out)) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve();
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
    ports: { app: port, playground: playgroundPort, graph: graphPort },
    appUrl: `http://127.0.0.1:${port}`,
    playgroundUrl: `http://127.0.0.1:${clientPort(playgroundPort, demoPerson(keys[0]!))}`,
    clientUrl: (person) => `http://127.0.0.1:${clientPort(playgroundPort, demoPerson(person))}`,
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
 * How many of the app's requests the Graph emulator refused because they name something that is
 * not in Graph's v1.0 metadata (it must stay 0: such a request would fail against a real tenant).
 */
export async function contractRefusals(stack: Pick<LocalStack, 'graphUrl'>): Promise<number> {
  const res = await fetch(`${stack.graphUrl}/_emulator/stats`, {
    headers: { authorization: `Bearer ${LOCAL_EMULATOR_TOKEN}` },
  });
  return ((await res.json()) as { contractRefusals: number }).contractRefusals;
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
