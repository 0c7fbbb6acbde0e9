/**
 * Starts one instance of the compiled app (dist/, built by `node scripts/build.mjs`) in tenant mode
 * as its own process, run by plain `node`: tests/support/compiled-tenant-child.ts, forked with an
 * IPC channel. The settings are a deployment's (tests/tenant/tenant-stack.ts tenantEnvironment:
 * APP_MODE=tenant, the bot's single-tenant registration, Graph's app registration, the drive,
 * the organiser, the assessment group), with bot authentication on and every background job on
 * unless a setting here says otherwise. The outside world is the caller's stand-ins on loopback:
 * the Bot Framework token service (bot-token-service.ts), the Bot Connector emulator its
 * `serviceUrl`s point at, and the Graph emulator with its token.
 *
 * Used by tests/e2e/two-instances.test.ts and bench/cards.ts (which preloads its measurements with
 * `execArgv`). A start that fails rejects with the process's own output.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BOT_APP_ID, tenantEnvironment } from '../tenant/tenant-stack.js';
import type { BotTokenServiceStandIn } from './bot-token-service.js';
import { freePort } from './local-stack.js';

const CHILD = path.resolve(import.meta.dirname, 'compiled-tenant-child.ts');
/** The last this many characters of an instance's output are kept for errors and output(). */
const KEEP = 64 * 1024;

export interface CompiledTenantInstanceOptions {
  /** Names the instance in errors and in its data directory. */
  name: string;
  /** The app's own database (DATABASE_URL). */
  databaseUrl: string;
  tokens: BotTokenServiceStandIn;
  graph: { url: string; token: string; driveId: string };
  /** Settings on top of the deployment's (WORK_LEASE_MS, LOG_LEVEL, …). */
  env?: Record<string, string>;
  /** Node options for the child (e.g. `--import` of a module that instruments it). */
  execArgv?: string[];
  /** `keep` (default): stdout and stderr kept for output(); `stderr`: stdout dropped, stderr shown too. */
  output?: 'keep' | 'stderr';
}

export interface CompiledTenantInstance {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** What the process has written (the last 64 KB). */
  output(): string;
  /** Resolves with the exit code (null after a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Stops it as SIGTERM does (graceful), and waits for it to exit. */
  stop(): Promise<number | null>;
  /** Kills it at once (SIGKILL) if it is still running, and waits for it to exit. */
  kill(): Promise<void>;
}

export async function startCompiledTenantInstance(o: CompiledTenantInstanceOptions): Promise<CompiledTenantInstance> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...tenantEnvironment({
      PORT: String(await freePort()),
      DATABASE_URL: o.databaseUrl,
      GRAPH_DRIVE_ID: o.graph.driveId,
      DATA_DIR: mkdtempSync(path.join(tmpdir(), `wexqs-${o.name}-`)),
      LOG_LEVEL: 'warn',
      ...o.env,
    }),
    STANDIN_OPENID_METADATA_URL: o.tokens.openIdMetadataUrl,
    STANDIN_BOT_TOKEN: await o.tokens.botToken(BOT_APP_ID),
    STANDIN_GRAPH_URL: o.graph.url,
    STANDIN_GRAPH_TOKEN: o.graph.token,
  };
  // A deployment's settings are the environment itself, never a checkout's env/ files.
  delete env.APP_ENV;
  const child = fork(CHILD, [], {
    env,
    // Plain node: not a TypeScript loader the parent may run under.
    execArgv: o.execArgv ?? [],
    stdio: ['ignore', o.output === 'stderr' ? 'ignore' : 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-KEEP);
  };
  child.stdout?.on('data', keep);
  child.stderr!.on('data', (d: Buffer) => {
    keep(d);
    if (o.output === 'stderr') process.stderr.write(d);
  });
  // 'close': the process has exited and its output has all been read.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.on('message', (m: { cmd?: string; url?: string }) => {
      if (m.cmd === 'ready' && m.url) resolve(m.url);
    });
    void exited.then((code) =>
      reject(new Error(`instance ${o.name} exited with ${code ?? child.signalCode} before it was ready:\n${out}`)),
    );
  });
  return {
    name: o.name,
    url,
    child,
    exited,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.send({ cmd: 'stop' });
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
