/**
 * What each app instance of `npm run bench:cards` measures about itself: loaded with `--import`
 * into the compiled app process tests/support/compiled-tenant-instance.ts starts (the app in tenant
 * mode, bot authentication on), before the app itself. Run by plain `node` (type stripping).
 * - server time of every request, from its arrival to the end of its response
 *   (node:diagnostics_channel http.server.request.start / http.server.response.finish);
 * - CPU time (process.cpuUsage), event-loop utilisation (perf_hooks) and wall time since the last
 *   `reset`;
 * - garbage collections (a perf_hooks `gc` observer): scavenges and major collections, how many
 *   and their pauses, and the heap in use at the end;
 * - SQL statements sent to PostgreSQL (pg's Client.query, which the app's pool uses); while
 *   tracing (`trace` toggles it, BENCH_SQLTRACE set) each statement's text goes to stderr.
 * With BENCH_CPUPROF=DIR it also records a V8 CPU profile from `reset` to `timings` (the measured
 * run only, not start-up) and writes it to DIR/instance-PID.cpuprofile.
 * Messages on the IPC channel: `reset` (`reset-unprofiled`: without the CPU profile), `timings`,
 * `trace`, each answered with the same `cmd`.
 */
import diagnostics from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { constants as perfConstants, performance, PerformanceObserver } from 'node:perf_hooks';
import pg from 'pg';

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

/** Garbage collections since the last reset: how many of each kind, and their pause time. */
let gc = { minor: 0, major: 0, minorMs: 0, majorMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) {
      gc.minor++;
      gc.minorMs += e.duration;
    } else if (
      kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR ||
      kind === perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL
    ) {
      gc.major++;
      gc.majorMs += e.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });

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
    gc = { minor: 0, major: 0, minorMs: 0, majorMs: 0 };
    elu = performance.eventLoopUtilization();
    cpu = process.cpuUsage();
    since = performance.now();
    profiling = profiler !== null && msg.cmd === 'reset';
    if (profiling) await profiler!.post('Profiler.start');
    process.send!({ cmd: msg.cmd });
  } else if (msg.cmd === 'timings') {
    const used = process.cpuUsage(cpu);
    const memory = process.memoryUsage();
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
      gc,
      heapMb: Math.round(memory.heapUsed / 2 ** 20),
      rssMb: Math.round(memory.rss / 2 ** 20),
    });
  }
});
