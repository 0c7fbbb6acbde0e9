/**
 * Provisioning benchmark: 500 organisations × (folder + break inheritance + 6 section folders +
 * 2 applicants (write) and the assessment team (write) + 1 reviewer (read) + read-back of the
 * folder's permissions) against the Graph emulator, time-scaled, at two tenant budgets: the smallest
 * (1,250 RU/min) and a larger licence band (2,500 RU/min), the pacer set from the band as the app
 * sets it. Beside the first run, a naive baseline on a separate fresh emulator (fixed window,
 * extrapolated); after each run, a re-run on the provisioned cycle from the PostgreSQL ledger (a
 * fresh instance). Last line: one JSON object (the second budget's figures end in `_2`).
 *
 *   npx tsx bench/provision.ts [--orgs 500] [--time-scale 15] [--latency-ms 250] [--baseline-window-s 20]
 *                              [--budgets 1250,2500]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startGraphEmulator, type EmulatorStats } from '../src/graph/emulator/index.js';
import { createGraphClient, createGraphMetrics } from '../src/graph/client.js';
import { Provisioner, attachProgressBar, type ProvisionReport } from '../src/graph/provisioning/index.js';
import { openDatabase } from '../src/store/database.js';
import { PostgresProvisioningLedger } from '../src/store/provisioning-ledger.js';
import { DEMO_TENANT, demoCycle } from './lib/demo-cycle.js';
import { runNaiveBaseline, type BaselineResult } from './lib/naive-baseline.js';

const { values } = parseArgs({
  options: {
    orgs: { type: 'string' },
    'time-scale': { type: 'string' },
    'latency-ms': { type: 'string' },
    'baseline-window-s': { type: 'string' },
    budgets: { type: 'string' },
  },
});
const ORGS = Number(values.orgs ?? 500);
const SCALE = Number(values['time-scale'] ?? 15);
const LATENCY = Number(values['latency-ms'] ?? 250);
const BASELINE_WINDOW_MS = Number(values['baseline-window-s'] ?? 20) * 1000;
const BUDGETS = (values.budgets ?? '1250,2500').split(',').map(Number);
const VERSION = '0.1.0';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wexqs-bench-'));
const input = demoCycle(ORGS);
const scaledMinutes = (ms: number) => (ms * SCALE) / 60_000;
// The product's ledger: PostgreSQL (embedded PGlite on disk here, or BENCH_DATABASE_URL).
const database = await openDatabase({
  databaseUrl: process.env.BENCH_DATABASE_URL,
  pgliteDir: path.join(tmp, 'pglite'),
});

interface BudgetRun {
  budget: number;
  report: ProvisionReport;
  stats: EmulatorStats;
  ms: number;
  fraction: number;
  rerun: ProvisionReport;
  rerunRequests: number;
  baseline?: { result: BaselineResult; stats: EmulatorStats; fraction: number };
}

async function runAtBudget(budget: number, n: number, withBaseline: boolean): Promise<BudgetRun> {
  const main = await startGraphEmulator({
    ruPerMinute: budget,
    timeScale: SCALE,
    latencyMs: LATENCY,
    seed: 7 + n,
    dataDir: path.join(tmp, `graph-${n}`),
    directory: DEMO_TENANT,
  });
  const base = withBaseline
    ? await startGraphEmulator({
        ruPerMinute: budget,
        timeScale: SCALE,
        latencyMs: LATENCY,
        seed: 8,
        directory: DEMO_TENANT,
      })
    : null;
  const metrics = createGraphMetrics();
  const client = createGraphClient({
    mode: 'local',
    staticToken: 'bench-token',
    baseUrl: main.url,
    appVersion: VERSION,
    onResponse: metrics.onResponse,
  });
  const cycle = { ...input, cycle: { id: `${input.cycle.id}-${n}`, name: `${input.cycle.name} (${budget} RU)` } };
  const prov = new Provisioner({
    client,
    ledger: new PostgresProvisioningLedger(database.db),
    metrics,
    pacer: { ruPerMinute: budget, timeScale: SCALE },
    maxConcurrentBatches: 6,
  });
  const bar = attachProgressBar(prov, { label: `provision @${budget}` });
  const t0 = Date.now();
  let ms = 0;
  const [report, baseline] = await Promise.all([
    prov.run(cycle).then((r) => ((ms = Date.now() - t0), r)),
    base
      ? runNaiveBaseline(
          createGraphClient({ mode: 'local', staticToken: 'bench-token', baseUrl: base.url, appVersion: VERSION }),
          cycle,
          { windowMs: BASELINE_WINDOW_MS },
        )
      : Promise.resolve(null),
  ]);
  bar.stop();
  const stats = main.stats();
  // A re-run from a new ledger instance: everything it knows comes from the database, as after a restart.
  const before = main.stats().requests;
  const rerun = await new Provisioner({
    client,
    ledger: new PostgresProvisioningLedger(database.db),
    pacer: { ruPerMinute: budget, timeScale: SCALE },
  }).run(cycle);
  const rerunRequests = main.stats().requests - before;
  const out: BudgetRun = {
    budget,
    report,
    stats,
    ms,
    fraction: stats.ruUsed / (budget * scaledMinutes(ms)),
    rerun,
    rerunRequests,
  };
  if (base && baseline) {
    const bs = base.stats();
    out.baseline = { result: baseline, stats: bs, fraction: bs.ruUsed / (budget * scaledMinutes(baseline.elapsedMs)) };
  }
  await main.close();
  await base?.close();
  return out;
}

const runs: BudgetRun[] = [];
for (const [n, budget] of BUDGETS.entries()) runs.push(await runAtBudget(budget, n, n === 0));

for (const run of runs) {
  const { report, stats: ms, baseline } = run;
  const bs = baseline?.stats;
  const ok = report.created + report.updated + report.alreadyThere;
  const baselineEtaMin =
    baseline && baseline.result.orgsDone > 0
      ? scaledMinutes((baseline.result.elapsedMs / baseline.result.orgsDone) * ORGS)
      : Infinity;
  const rows: Array<[string, string, string]> = [
    ['', 'batched + paced', baseline ? 'naive baseline*' : ''],
    [
      'organisations done',
      `${ok}/${ORGS} (failed ${report.failed.length}, not invited ${report.notInvited.length})`,
      baseline ? `${baseline.result.orgsDone} in window` : '',
    ],
    ['HTTP requests', String(ms.requests), bs ? String(bs.requests) : ''],
    [
      'Graph operations (batch entries counted)',
      String(ms.batchEntries + ms.requests - ms.batchEnvelopes),
      bs ? String(bs.requests) : '',
    ],
    ['refused as unknown to Graph', String(ms.contractRefusals), bs ? String(bs.contractRefusals) : ''],
    ['throttled (429)', String(ms.throttled), bs ? String(bs.throttled) : ''],
    ['RU used', String(ms.ruUsed), bs ? String(bs.ruUsed) : ''],
    [
      'real time',
      `${(run.ms / 1000).toFixed(1)} s`,
      baseline ? `${(baseline.result.elapsedMs / 1000).toFixed(1)} s` : '',
    ],
    [
      `tenant time (×${SCALE})`,
      `${scaledMinutes(run.ms).toFixed(1)} min`,
      baseline ? `${scaledMinutes(baseline.result.elapsedMs).toFixed(1)} min` : '',
    ],
    ['RU fraction of budget', run.fraction.toFixed(3), baseline ? baseline.fraction.toFixed(3) : ''],
    [
      `time for ${ORGS} orgs (tenant)`,
      `${scaledMinutes(run.ms).toFixed(1)} min`,
      baseline ? `${baselineEtaMin.toFixed(1)} min (extrapolated)` : '',
    ],
    [
      'folders created / same-name attempts',
      `${ms.drive.foldersCreated} / ${ms.drive.sameNameAttempts}`,
      bs ? `${bs.drive.foldersCreated} / ${bs.drive.sameNameAttempts}` : '',
    ],
    [
      'grants created / inheritance broken',
      `${ms.drive.permissionsCreated} / ${ms.drive.inheritanceBroken}`,
      bs ? `${bs.drive.permissionsCreated} / ${bs.drive.inheritanceBroken}` : '',
    ],
    ['re-run requests (ledger)', String(run.rerunRequests), ''],
    ['re-run outcome', `${run.rerun.alreadyThere} already there, ${run.rerun.failed.length} failed`, ''],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(
    `\nProvisioning benchmark: ${ORGS} orgs, budget ${run.budget} RU/min, time scale ×${SCALE}, simulated latency ${LATENCY} ms`,
  );
  for (const r of rows) console.log(`  ${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
  if (baseline)
    console.log(
      `  * baseline: one request at a time through the SDK alone on its own fresh emulator, run side by side for a fixed ${BASELINE_WINDOW_MS / 1000} s window; its ${ORGS}-org time is extrapolated.`,
    );
}

await database.close();
fs.rmSync(tmp, { recursive: true, force: true });
const figures = (run: BudgetRun, suffix: string) => ({
  [`budget${suffix}`]: run.budget,
  [`ok${suffix}`]: run.report.created + run.report.updated + run.report.alreadyThere,
  [`failed${suffix}`]: run.report.failed.length,
  [`requests${suffix}`]: run.stats.requests,
  [`throttled${suffix}`]: run.stats.throttled,
  [`ru_used${suffix}`]: run.stats.ruUsed,
  [`ru_fraction_of_budget${suffix}`]: Number(run.fraction.toFixed(3)),
  [`rerun_requests${suffix}`]: run.rerunRequests,
});
const [first, ...others] = runs;
console.log(
  JSON.stringify({
    bench: 'provision',
    orgs: ORGS,
    ...figures(first!, ''),
    baseline_ru_fraction: Number((first!.baseline?.fraction ?? 0).toFixed(3)),
    ...Object.assign({}, ...others.map((r, i) => figures(r, `_${i + 2}`))),
  }),
);
