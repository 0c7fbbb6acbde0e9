/**
 * One app instance for `npm run bench:cards`: the compiled app (dist/, what `node dist/src/main.js`
 * runs) composed as tests/tenant/tenant-stack.ts composes it in tenant mode: settings validated by
 * loadConfig from this process's environment, bot authentication on, and only the outside world
 * swapped through startApp's options (the Bot Framework token service → the bench's local OpenID
 * issuer; Microsoft Graph → the Graph emulator with its token).
 *
 * Run by plain `node` (type stripping, no TypeScript tooling at run time), forked by bench/cards.ts
 * with an IPC channel. It measures itself:
 * - server time of every request, from its arrival to the end of its response
 *   (node:diagnostics_channel http.server.request.start / http.server.response.finish);
 * - CPU time (process.cpuUsage), event-loop utilisation (perf_hooks) and wall time since the last
 *   `reset`;
 * - SQL statements sent to PostgreSQL (pg's Client.query, which the app's pool uses); while
 *   tracing (`trace` toggles it, BENCH_SQLTRACE set) each statement's text goes to stderr.
 * With BENCH_CPUPROF=DIR it also records a V8 CPU profile from `reset` to `timings` (the measured
 * run only, not start-up) and writes it to DIR/instance-PID.cpuprofile.
 * Messages: `reset` (`reset-unprofiled`: without the CPU profile), `timings`, `trace`, `stop`; it
 * sends `ready` with its URL once listening.
 */
import diagnostics from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type * as AppModule from '../../src/app.js';
import type * as ConfigModule from '../../src/config.js';
import type * as LogModule from '../../src/log.js';

const dist = path.resolve(import.meta.dirname, '../../dist/src');
const load = <T>(file: string) => import(pathToFileURL(path.join(dist, file)).href) as Promise<T>;
const { startApp } = await load<typeof AppModule>('app.js');
const { loadConfig } = await load<typeof ConfigModule>('config.js');
const { createLogger } = await load<typeof LogModule>('log.js');

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const botToken = need('BENCH_BOT_TOKEN');
const graphToken = need('BENCH_GRAPH_TOKEN');

const config = loadConfig();
const app = await startApp(config, {
  log: createLogger({ level: config.logLevel }),
  botTokenService: { openIdMetadataUrl: need('BENCH_OPENID_METADATA_URL'), botToken: async () => botToken },
  graphEndpoint: { baseUrl: need('BENCH_GRAPH_URL'), tokens: { getAccessToken: async () => graphToken } },
});

let queries = 0;
let tracing = false;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  queries++;
  if (process.env.BENCH_SQLTRACE && tracing)
    process.stderr.write(
      `SQL ${String((args[0] as { text?: string })?.text ?? args[0])
        .slice(0, 160)
        .replace(/\s+/g, ' ')}\n`,
    );
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const started = new WeakMap<object, bigint>();
let serverMs: number[] = [];
let elu = performance.eventLoopUtilization();
let cpu = process.cpuUsage();
let since = performance.now();
diagnostics.subscribe('http.server.request.start', (m) =>
  started.set((m as { response: object }).response, process.hrtime.bigint()),
);
diagnostics.subscribe('http.server.response.finish', (m) => {
  const t0 = started.get((m as { response: object }).response);
  if (t0 !== undefined) serverMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
});

const profileDir = process.env.BENCH_CPUPROF;
const profiler = profileDir ? new Session() : null;
let profiling = false;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
}

process.on('message', async (msg: { cmd: string }) => {
  if (msg.cmd === 'trace') {
    tracing = !tracing;
    process.send!({ cmd: 'trace' });
  } else if (msg.cmd === 'reset' || msg.cmd === 'reset-unprofiled') {
    serverMs = [];
    queries = 0;
    elu = performance.eventLoopUtilization();
    cpu = process.cpuUsage();
    since = performance.now();
    profiling = profiler !== null && msg.cmd === 'reset';
    if (profiling) await profiler!.post('Profiler.start');
    process.send!({ cmd: msg.cmd });
  } else if (msg.cmd === 'timings') {
    const used = process.cpuUsage(cpu);
    const utilisation = performance.eventLoopUtilization(elu).utilization;
    if (profiling) {
      profiling = false;
      const { profile } = await profiler!.post('Profiler.stop');
      writeFileSync(path.join(profileDir!, `instance-${process.pid}.cpuprofile`), JSON.stringify(profile));
    }
    process.send!({
      cmd: 'timings',
      serverMs,
      elu: utilisation,
      cpuMs: (used.user + used.system) / 1000,
      systemCpuMs: used.system / 1000,
      wallMs: performance.now() - since,
      queries,
    });
  } else if (msg.cmd === 'stop') {
    void app.close().then(() => {
      process.send!({ cmd: 'stopped' });
      process.exit(0);
    });
  }
});
process.send!({ cmd: 'ready', url: app.url });
