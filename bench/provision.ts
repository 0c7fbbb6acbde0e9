/**
 * Provisioning benchmark: 500 organisations × (folder + 6 section folders + 2 applicants (write) +
 * 1 reviewer (read)) against the Graph emulator at the smallest tenant budget (1,250 RU/min),
 * time-scaled; a naive baseline on a separate fresh emulator side by side (fixed window,
 * extrapolated); then a re-run on the provisioned cycle from the PostgreSQL ledger (a fresh instance).
 * Last line: one JSON object.
 *
 *   npx tsx bench/provision.ts [--orgs 500] [--time-scale 15] [--latency-ms 250] [--baseline-window-s 20]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startGraphEmulator } from '../src/graph/emulator/index.js';
import { createGraphClient, createGraphMetrics } from '../src/graph/client.js';
import { Provisioner, attachProgressBar } from '../src/graph/provisioning/index.js';
import { openDatabase } from '../src/store/database.js';
import { PostgresProvisioningLedger } from '../src/store/provisioning-ledger.js';
import { demoCycle } from './lib/demo-cycle.js';
import { runNaiveBaseline } from './lib/naive-baseline.js';

const { values } = parseArgs({
  options: {
    orgs: { type: 'string' },
    'time-scale': { type: 'string' },
    'latency-ms': { type: 'string' },
    'baseline-window-s': { type: 'string' },
  },
});
const ORGS = Number(values.orgs ?? 500);
const SCALE = Number(values['time-scale'] ?? 15);
const LATENCY = Number(values['latency-ms'] ?? 250);
const BASELINE_WINDOW_MS = Number(values['baseline-window-s'] ?? 20) * 1000;
const BUDGET = 1250;
const VERSION = '0.1.0';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wexqs-bench-'));
const input = demoCycle(ORGS);
const scaledMinutes = (ms: number) => (ms * SCALE) / 60_000;

const main = await startGraphEmulator({
  ruPerMinute: BUDGET,
  timeScale: SCALE,
  latencyMs: LATENCY,
  seed: 7,
  dataDir: path.join(tmp, 'graph-main'),
});
const base = await startGraphEmulator({ ruPerMinute: BUDGET, timeScale: SCALE, latencyMs: LATENCY, seed: 8 });
const metrics = createGraphMetrics();
const client = createGraphClient({
  mode: 'local',
  staticToken: 'bench-token',
  baseUrl: main.url,
  appVersion: VERSION,
  onResponse: metrics.onResponse,
});
const baseClient = createGraphClient({
  mode: 'local',
  staticToken: 'bench-token',
  baseUrl: base.url,
  appVersion: VERSION,
});
// The product's ledger: PostgreSQL (embedded PGlite on disk here, or BENCH_DATABASE_URL).
const database = await openDatabase({
  databaseUrl: process.env.BENCH_DATABASE_URL,
  pgliteDir: path.join(tmp, 'pglite'),
});

// --- main run and baseline side by side
const ledger = new PostgresProvisioningLedger(database.db);
const prov = new Provisioner({
  client,
  ledger,
  metrics,
  pacer: { ruPerMinute: BUDGET, timeScale: SCALE },
  maxConcurrentBatches: 6,
});
const bar = attachProgressBar(prov, { label: 'provision' });
const t0 = Date.now();
let mainMs = 0;
const [report, baseline] = await Promise.all([
  prov.run(input).then((r) => ((mainMs = Date.now() - t0), r)),
  runNaiveBaseline(baseClient, input, { windowMs: BASELINE_WINDOW_MS }),
]);
bar.stop();
const ms = main.stats();
const bs = base.stats();

// --- re-run from a reloaded ledger
const before = main.stats().requests;
// A new ledger instance: everything it knows comes from the database, as after a restart.
const ledger2 = new PostgresProvisioningLedger(database.db);
const rerun = await new Provisioner({ client, ledger: ledger2, pacer: { ruPerMinute: BUDGET, timeScale: SCALE } }).run(
  input,
);
const rerunRequests = main.stats().requests - before;

const ok = report.created + report.updated + report.alreadyThere;
const fraction = ms.ruUsed / (BUDGET * scaledMinutes(mainMs));
const baselineFraction = bs.ruUsed / (BUDGET * scaledMinutes(baseline.elapsedMs));
const baselineEtaMin =
  baseline.orgsDone > 0 ? scaledMinutes((baseline.elapsedMs / baseline.orgsDone) * ORGS) : Infinity;

const rows: Array<[string, string, string]> = [
  ['', 'batched + paced', 'naive baseline*'],
  ['organisations done', `${ok}/${ORGS} (failed ${report.failed.length})`, `${baseline.orgsDone} in window`],
  ['HTTP requests', String(ms.requests), String(bs.requests)],
  [
    'Graph operations (batch entries counted)',
    String(ms.batchEntries + ms.requests - ms.batchEnvelopes),
    String(bs.requests),
  ],
  ['throttled (429)', String(ms.throttled), String(bs.throttled)],
  ['RU used', String(ms.ruUsed), String(bs.ruUsed)],
  ['real time', `${(mainMs / 1000).toFixed(1)} s`, `${(baseline.elapsedMs / 1000).toFixed(1)} s`],
  [
    'tenant time (×' + SCALE + ')',
    `${scaledMinutes(mainMs).toFixed(1)} min`,
    `${scaledMinutes(baseline.elapsedMs).toFixed(1)} min`,
  ],
  ['RU fraction of budget', fraction.toFixed(3), baselineFraction.toFixed(3)],
  [
    'time for 500 orgs (tenant)',
    `${scaledMinutes(mainMs).toFixed(1)} min`,
    `${baselineEtaMin.toFixed(1)} min (extrapolated)`,
  ],
  [
    'folders created / same-name attempts',
    `${ms.drive.foldersCreated} / ${ms.drive.sameNameAttempts}`,
    `${bs.drive.foldersCreated} / ${bs.drive.sameNameAttempts}`,
  ],
  [
    'grants created / private folders',
    `${ms.drive.permissionsCreated} / ${ms.drive.inheritanceBroken}`,
    `${bs.drive.permissionsCreated} / ${bs.drive.inheritanceBroken}`,
  ],
  ['re-run requests (ledger)', String(rerunRequests), '-'],
  ['re-run outcome', `${rerun.alreadyThere} already there, ${rerun.failed.length} failed`, '-'],
];
const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
console.log(
  `\nProvisioning benchmark: ${ORGS} orgs, budget ${BUDGET} RU/min, time scale ×${SCALE}, simulated latency ${LATENCY} ms`,
);
for (const r of rows) console.log(`  ${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
console.log(
  `  * baseline: one request at a time through the SDK alone on its own fresh emulator, run side by side for a fixed ${BASELINE_WINDOW_MS / 1000} s window; its 500-org time is extrapolated.`,
);

await main.close();
await base.close();
await database.close();
fs.rmSync(tmp, { recursive: true, force: true });
console.log(
  JSON.stringify({
    bench: 'provision',
    orgs: ORGS,
    ok,
    failed: report.failed.length,
    requests: ms.requests,
    throttled: ms.throttled,
    ru_used: ms.ruUsed,
    ru_fraction_of_budget: Number(fraction.toFixed(3)),
    baseline_ru_fraction: Number(baselineFraction.toFixed(3)),
    rerun_requests: rerunRequests,
  }),
);
