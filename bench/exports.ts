/**
 * `npm run bench:exports`: a cycle of 300 organisations (applications in every stage, two
 * reviewers' assessments on each submitted one, awards issued through the real use case) exported
 * as pipeline, assessments and audit log, in CSV and XLSX, to files. Reports each export's time,
 * rows and size, and the heap in use sampled during the exports against before them (flat memory:
 * the exports read in pages and write row by row). Ends with a one-line JSON summary.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ApplicationState } from '../src/domain/types.js';
import { openDatabase } from '../src/store/database.js';
import { Store } from '../src/store/store.js';
import { exportCycle, EXPORT_KINDS } from '../src/workflows/exports.js';
import { EXPORT_FORMATS } from '../src/exports/table-writers.js';
import { ADMIN, seedPipeline } from '../tests/support/award-fixtures.js';

const ORGS = Number(process.env.BENCH_ORGS ?? 300);
const STATES: ApplicationState[] = ['communicated', 'decided', 'recommended', 'in_review', 'submitted', 'open'];

const handle = await openDatabase({ databaseUrl: process.env.DATABASE_URL, pgliteDir: 'memory://' });
const store = new Store(handle.db);
const t0 = performance.now();
const { svc } = await seedPipeline(
  store,
  Array.from({ length: ORGS }, (_, i) => ({ state: STATES[i % STATES.length]! })),
);
const seedMs = performance.now() - t0;
const dir = mkdtempSync(path.join(tmpdir(), 'wexqs-bench-exports-'));
global.gc?.();
const baseHeap = process.memoryUsage().heapUsed;
let peakHeap = baseHeap;
const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 20);
const results: { what: string; format: string; rows: number; ms: number; bytes: number }[] = [];
for (const what of EXPORT_KINDS) {
  for (const format of EXPORT_FORMATS) {
    const file = path.join(dir, `${what}.${format}`);
    const start = performance.now();
    const rows = await exportCycle(svc, ADMIN, { cycleId: 'cycle-1', kind: what, format }, createWriteStream(file));
    const ms = performance.now() - start;
    results.push({ what, format, rows, ms: Math.round(ms), bytes: statSync(file).size });
    console.log(`${what}.${format}: ${rows} rows in ${Math.round(ms)} ms (${statSync(file).size} bytes)`);
  }
}
clearInterval(sampler);
rmSync(dir, { recursive: true, force: true });
await handle.close();
const summary = {
  bench: 'exports',
  organisations: ORGS,
  engine: handle.engine,
  seedMs: Math.round(seedMs),
  totalExportMs: results.reduce((n, r) => n + r.ms, 0),
  slowestMs: Math.max(...results.map((r) => r.ms)),
  heapGrowthMb: Math.round(((peakHeap - baseHeap) / 1048576) * 10) / 10,
  exports: results,
};
console.log(JSON.stringify(summary));
