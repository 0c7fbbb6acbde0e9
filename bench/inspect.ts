/**
 * bench:inspect — a full gold application's evidence (60 generated documents of 1–15 pages, PDF
 * and Word) uploaded to the Graph emulator, inspected from scratch through the scanner (Graph
 * listing, downloads, worker pool), then again after one file changes. Reports documents/s, p95
 * per document, peak memory, Graph requests and resource units. Goals: cold < 30 s, one changed
 * file < 3 s. Last line is JSON.
 */
import { createGraphClient } from '../src/graph/client.js';
import { startGraphEmulator } from '../src/graph/emulator/index.js';
import { GraphEvidenceScanner } from '../src/graph/evidence-scanner.js';
import { InspectorPool } from '../src/evidence/inspector-pool.js';
import { silentLogger } from '../src/log.js';
import type { PostgresProvisioningLedger } from '../src/store/provisioning-ledger.js';
import { benchDocument } from '../tests/support/evidence-files.js';

const DOCUMENTS = 60;
const now = new Date();
const emu = await startGraphEmulator();
const folder = emu.drive.createFolder(emu.drive.rootId, 'Bench Trust', 'fail')[1];
const docs = [];
for (let i = 0; i < DOCUMENTS; i++) docs.push(await benchDocument(i, 1 + (i % 15), now));
for (const d of docs) emu.drive.upload(folder.id, d.name, Buffer.from(d.bytes), 'replace', undefined);
const client = createGraphClient({ mode: 'local', staticToken: 'bench', baseUrl: emu.url, appVersion: 'bench' });
const ledger = {
  folderFor: async () => ({ folderId: folder.id, webUrl: 'x' }),
  loadCycle: async () => ({ driveId: emu.driveId }),
} as unknown as PostgresProvisioningLedger;
const pool = new InspectorPool();
const scanner = new GraphEvidenceScanner({ client, baseUrl: emu.url, ledger, log: silentLogger, pool });

// Warm the pool's workers as a running app would have them (loading pdf.js), outside the timing.
await Promise.all([pool.inspect(docs[0]!.bytes, now), pool.inspect(docs[1]!.bytes, now)]);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const perDoc: number[] = [];
const timedPool = pool.inspect.bind(pool);
pool.inspect = async (...args) => {
  const t = performance.now();
  try {
    return await timedPool(...args);
  } finally {
    perDoc.push(performance.now() - t);
  }
};

const ru0 = emu.stats().ruUsed;
const req0 = emu.stats().requests;
let t = performance.now();
const cold = await scanner.scan('c', 'o', null, new Map(), now);
const coldS = (performance.now() - t) / 1000;
if (!cold || cold.inspected.length !== DOCUMENTS) throw new Error(`cold run inspected ${cold?.inspected.length}`);
const known = new Map(cold.inspected.map((v) => [v.itemId, v.versionKey]));

const changed = await benchDocument(7, 8, now, 'revised');
emu.drive.upload(folder.id, docs[7]!.name, Buffer.from(changed.bytes), 'replace', undefined);
t = performance.now();
const inc = await scanner.scan('c', 'o', cold.cursor, known, now);
const incS = (performance.now() - t) / 1000;
if (!inc || inc.inspected.length !== 1) throw new Error(`incremental run inspected ${inc?.inspected.length}`);
clearInterval(sampler);
const stats = emu.stats();
await scanner.close();
await emu.close();

const sorted = [...perDoc].sort((a, b) => a - b);
const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0;
const pages = docs.reduce((n, _d, i) => n + 1 + (i % 15), 0);
console.log(
  `${DOCUMENTS} documents, ${pages} pages: cold ${coldS.toFixed(2)} s (${(DOCUMENTS / coldS).toFixed(1)} documents/s), one changed file ${incS.toFixed(2)} s`,
);
console.log(
  `p95 per document ${p95.toFixed(0)} ms; peak RSS ${Math.round(peakRss / 1024 / 1024)} MB (the process, worker threads included)`,
);
console.log(
  `Graph: ${stats.requests - req0} requests, ${stats.ruUsed - ru0} RU (cold ${cold.requests} requests, incremental ${inc.requests})`,
);
console.log(`goals: cold < 30 s ${coldS < 30 ? 'met' : 'MISSED'}, incremental < 3 s ${incS < 3 ? 'met' : 'MISSED'}`);
console.log(
  JSON.stringify({
    bench: 'inspect',
    documents: DOCUMENTS,
    cold_s: Number(coldS.toFixed(2)),
    incremental_s: Number(incS.toFixed(2)),
    p95_doc_ms: Number(p95.toFixed(0)),
    rss_mb: Math.round(peakRss / 1024 / 1024),
    graph_requests: stats.requests - req0,
    ru: stats.ruUsed - ru0,
  }),
);
