/**
 * `npm run bench:cards`: load test of card actions. Starts the app against PostgreSQL (a
 * throwaway PostgreSQL 15 unless BENCH_DATABASE_URL / TEST_DATABASE_URL is set), with bot auth
 * disabled (local mode), seeds a realistic cycle, and posts `adaptiveCard/action` invokes to
 * /api/messages from 50 concurrent connections with autocannon (each a user clicking BENCH_RATE
 * times a second, default 1, each user starting at a different moment; BENCH_RATE=0 for no think
 * time at all, i.e. saturation): mostly reads (status, queue,
 * sessions, dashboard, application cards), some writes (save commentary, save evidence) and some
 * clicks on outdated cards (answered with the current card, never a second change).
 * `serviceUrl` points at a local sink, so nothing leaves loopback.
 *
 * BENCH_INSTANCES app processes (default 2) share the one PostgreSQL database, as behind a load
 * balancer: the 50 users are split between them.
 *
 * Server time is measured inside each app process from the request's arrival to the end of the
 * response (node:diagnostics_channel http.server.request.start / http.server.response.finish);
 * each process also reports its CPU time (process.cpuUsage) and event-loop utilisation over the
 * run, so CPU ms per invoke = CPU time / invokes answered.
 * Last line: {"bench":"cards","instances":2,"concurrency":50,"requests":N,"errors":N,"p50_ms":F,
 *   "p95_ms":F,"p99_ms":F,"cpu_ms_per_invoke":F,"elu":[F,…],"load_avg_1m":F}
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import diagnostics from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import autocannon from 'autocannon';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { criteriaForSection } from '../src/domain/framework.js';
import { DEFAULT_FRAMEWORK } from '../src/domain/framework-default.js';
import { silentLogger } from '../src/log.js';
import { openDatabase } from '../src/store/database.js';
import type { Store } from '../src/store/store.js';
import { seedDemoData, DEMO_CYCLE_ID } from '../src/local/demo-data.js';
import { docKey } from '../bot/cards/application-common.js';
import { createFreshDatabase, startThrowawayPostgres } from '../tests/support/postgres.js';
import { freePort } from '../tests/support/local-stack.js';

const CONCURRENCY = 50;
const INSTANCES = Math.max(1, Number(process.env.BENCH_INSTANCES ?? 2));
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 20);
/** Clicks per second per user (connection); 0 = as fast as the server answers (saturation). */
const RATE = Number(process.env.BENCH_RATE ?? 1);
const ORGS = Number(process.env.BENCH_ORGS ?? 300);
const REVIEWERS = 20;
const DAY = 86_400_000;

interface Fixture {
  applicants: { oid: string; applicationId: string; version: number; docs: string[] }[];
  reviewers: { oid: string; applicationId: string }[];
  admin: { oid: string };
}

/** The demo cycle plus ORGS organisations: open applications with evidence and commentary, submitted ones under review. */
async function seed(store: Store, now: Date): Promise<Fixture> {
  await seedDemoData(store, now);
  const fixture: Fixture = { applicants: [], reviewers: [], admin: { oid: '3f1c5a2e-0000-4000-8000-000000000006' } };
  const reviewerIds: string[] = [];
  await store.transaction(async (tx) => {
    for (let r = 0; r < REVIEWERS; r++) {
      const id = `bench-rev-${r}`;
      reviewerIds.push(id);
      await tx.people.upsert({
        id,
        displayName: `Bench Reviewer ${r}`,
        email: `rev${r}@bench.example`,
        entraObjectId: `oid-${id}`,
        organisationId: null,
        roles: ['reviewer'],
      });
    }
  });
  const bronze = DEFAULT_FRAMEWORK.criteria.filter((c) => c.minimumLevel === 'bronze');
  for (let i = 0; i < ORGS; i++) {
    await store.transaction(async (tx) => {
      const orgId = `bench-org-${i}`;
      const leadId = `bench-lead-${i}`;
      await tx.organisations.upsert({ id: orgId, name: `Bench NHS Trust ${i}`, code: `BN${i}` });
      await tx.people.upsert({
        id: leadId,
        displayName: `Bench Lead ${i}`,
        email: `lead${i}@bench.example`,
        entraObjectId: `oid-${leadId}`,
        organisationId: orgId,
        roles: ['applicant_lead'],
      });
      let app = await tx.applications.create({ organisationId: orgId, cycleId: DEMO_CYCLE_ID, actorId: leadId, now });
      app = await tx.applications.transition({
        applicationId: app.id,
        expectedVersion: app.version,
        from: 'requested',
        to: 'open',
        action: 'open',
        actorId: 'demo-alex',
        now,
      });
      app = await tx.applications.setTargetLevel({
        applicationId: app.id,
        expectedVersion: app.version,
        level: 'bronze',
        actorId: leadId,
        now,
      });
      const docs = Array.from({ length: 12 }, (_, d) => `Evidence ${d + 1} of trust ${i}.pdf`);
      await tx.evidence.syncListing(
        app.id,
        docs.map((name, d) => ({
          name,
          section: ((d % 6) + 1) as 1,
          lastModified: new Date(now.getTime() - 20 * DAY),
          webUrl: null,
        })),
        now,
      );
      await tx.evidence.declare(
        app.id,
        docs.map((name) => ({ name, evidenceDate: null, completed: true })),
        leadId,
        now,
      );
      await tx.applications.saveCommentary(
        app.id,
        bronze.map((c, k) => ({
          criterionId: c.id,
          text: `Commentary for ${c.id} at trust ${i}.`,
          references: [{ documentName: docs[k % docs.length]!, pages: [1, 2] }],
        })),
        leadId,
        now,
      );
      if (i % 3 === 0) {
        // Submitted and under review by two reviewers.
        app = await tx.applications.transition({
          applicationId: app.id,
          expectedVersion: app.version,
          from: 'open',
          to: 'submitted',
          action: 'submit',
          actorId: leadId,
          now,
          patch: { submittedAt: now, submittedLate: false },
        });
        const revs = [reviewerIds[i % REVIEWERS]!, reviewerIds[(i + 1) % REVIEWERS]!];
        await tx.reviews.setReviewers(app.id, revs, 'demo-alex', now);
        app = await tx.applications.transition({
          applicationId: app.id,
          expectedVersion: app.version,
          from: 'submitted',
          to: 'in_review',
          action: 'start_review',
          actorId: revs[0]!,
          now,
        });
        fixture.reviewers.push({ oid: `oid-${revs[0]}`, applicationId: app.id });
      } else {
        fixture.applicants.push({ oid: `oid-${leadId}`, applicationId: app.id, version: app.version, docs });
      }
    });
  }
  return fixture;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** The app under test, in its own process so the load generator does not share its event loop. */
async function serveApp(): Promise<void> {
  const dbUrl = process.env.BENCH_DB_URL!;
  const config = loadConfig({
    APP_MODE: 'local',
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
    DATABASE_URL: dbUrl,
    SEED_DEMO_DATA: 'false',
    GRAPH_EMULATOR: 'false',
    PLAYGROUND: 'false',
    TAB_IDENTITY_PICKER: 'false',
    DATA_DIR: path.join(tmpdir(), 'wexqs-bench-data'),
  });
  const database = await openDatabase({ databaseUrl: dbUrl, poolSize: Number(process.env.BENCH_POOL ?? 8) });
  const now = new Date();
  let fixture: Fixture | null = null;
  const app = await startApp(config, {
    log: silentLogger,
    database,
    graph: false,
    // Only card actions are measured: background jobs are queued but not run.
    jobs: { workers: false },
    beforeListen: async (svc) => {
      if (process.env.BENCH_SEED === '1') fixture = await seed(svc.store, now);
    },
  });
  // Server-side timing of every request: from its arrival to the end of its response.
  const started = new WeakMap<object, bigint>();
  let serverMs: number[] = [];
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  diagnostics.subscribe('http.server.request.start', (m) =>
    started.set((m as { response: object }).response, process.hrtime.bigint()),
  );
  diagnostics.subscribe('http.server.response.finish', (m) => {
    const t0 = started.get((m as { response: object }).response);
    if (t0 !== undefined) serverMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  });
  process.on('message', async (msg: { cmd: string }) => {
    if (msg.cmd === 'reset') {
      serverMs = [];
      elu = performance.eventLoopUtilization();
      cpu = process.cpuUsage();
      process.send!({ cmd: 'reset' });
    } else if (msg.cmd === 'timings') {
      const used = process.cpuUsage(cpu);
      process.send!({
        cmd: 'timings',
        serverMs,
        elu: performance.eventLoopUtilization(elu).utilization,
        cpuMs: (used.user + used.system) / 1000,
      });
    } else if (msg.cmd === 'stop') {
      await app.close();
      await database.close();
      process.send!({ cmd: 'stopped' });
      process.exit(0);
    }
  });
  process.send!({ cmd: 'ready', url: app.url, fixture });
}

function ask<T>(child: ChildProcess, cmd: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { cmd: string }) => {
      if (m.cmd === cmd || (cmd === 'stop' && m.cmd === 'stopped')) {
        child.off('message', on);
        resolve(m as T);
      }
    };
    child.on('message', on);
    child.send({ cmd });
  });
}

async function main(): Promise<void> {
  const external = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const server = external ? null : await startThrowawayPostgres();
  const adminUrl = external ?? server!.url;
  const db = await createFreshDatabase(adminUrl, 'wexqs_bench');
  const sink = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"sink"}');
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`;

  const startInstance = async (i: number) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, BENCH_ROLE: 'server', BENCH_DB_URL: db.url, BENCH_SEED: i === 0 ? '1' : '0' },
      execArgv: [
        '--import',
        'tsx',
        ...(process.env.BENCH_CPUPROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/wexqs-prof'] : []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<{ url: string; fixture: Fixture | null }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { url: string; fixture: Fixture | null }));
      child.once('exit', (code) => reject(new Error(`app process exited with ${code}`)));
    });
    return { child, url: ready.url, fixture: ready.fixture };
  };
  // The first instance migrates and seeds; the others start on the same database after it.
  const first = await startInstance(0);
  const apps = [first, ...(await Promise.all(Array.from({ length: INSTANCES - 1 }, (_, i) => startInstance(i + 1))))];
  const app = { url: first.url };
  const f = first.fixture!;

  // The mix: mostly reads, some writes, some outdated-card clicks.
  const activity = (oid: string, verb: string, data: Record<string, unknown>, n: number) =>
    JSON.stringify({
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: `bench-${n}`,
      channelId: 'msteams',
      serviceUrl: sinkUrl,
      from: { id: `29:${oid}`, aadObjectId: oid },
      recipient: { id: '28:bot', name: 'WEx QS' },
      conversation: { id: `a:${oid}`, conversationType: 'personal', tenantId: 'bench' },
      replyToId: `msg-${n}`,
      value: { action: { type: 'Action.Execute', verb, data: { verb, ...data } }, trigger: 'manual' },
    });
  const bodies: string[] = [];
  for (let n = 0; n < 2000; n++) {
    const a = f.applicants[n % f.applicants.length]!;
    const r = f.reviewers[n % f.reviewers.length]!;
    const k = n % 20;
    if (k < 5) bodies.push(activity(a.oid, 'status', {}, n));
    else if (k < 7) bodies.push(activity(a.oid, 'sessions', {}, n));
    else if (k < 10) bodies.push(activity(r.oid, 'queue', {}, n));
    else if (k < 12) bodies.push(activity(r.oid, 'app_view', { applicationId: r.applicationId, as: 'reviewer' }, n));
    else if (k < 14) bodies.push(activity(f.admin.oid, 'dashboard', {}, n));
    else if (k < 15)
      bodies.push(activity(a.oid, 'commentary', { applicationId: a.applicationId, section: 1 + (n % 6) }, n));
    else if (k < 17) {
      const section = (1 + (n % 6)) as 1;
      const inputs: Record<string, unknown> = {};
      for (const c of criteriaForSection(DEFAULT_FRAMEWORK, section, 'bronze')) {
        inputs[`text_${c.id}`] = `Updated commentary ${n} for ${c.id}.`;
        inputs[`doc_${c.id}_0`] = docKey(a.docs[n % a.docs.length]!);
        inputs[`pages_${c.id}_0`] = '1-3';
      }
      bodies.push(
        activity(
          a.oid,
          'save_commentary',
          { applicationId: a.applicationId, version: a.version, section, ...inputs },
          n,
        ),
      );
    } else if (k < 18) {
      const keys = a.docs.slice(0, 4).map(docKey);
      bodies.push(
        activity(
          a.oid,
          'save_evidence',
          {
            applicationId: a.applicationId,
            version: a.version,
            page: 0,
            keys: keys.join(','),
            ...Object.fromEntries(keys.map((key) => [`done_${key}`, n % 2 === 0 ? 'true' : 'false'])),
          },
          n,
        ),
      );
    } else
      bodies.push(
        activity(a.oid, 'choose_level', { applicationId: a.applicationId, version: a.version - 1, level: 'silver' }, n),
      );
  }

  // Warm up and check every kind of request answers with a card that is not an error.
  let errors = 0;
  const kinds = new Map<string, string>();
  for (const b of bodies.slice(0, 40)) kinds.set(JSON.parse(b).value.action.verb, b);
  for (const [verb, body] of kinds) {
    const res = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const json = (await res.json().catch(() => null)) as { value?: { fallbackText?: string } } | null;
    const text = JSON.stringify(json?.value ?? {});
    if (res.status !== 200 || /Something went wrong|That request was not valid|Show what I can do/.test(text)) {
      errors++;
      process.stderr.write(`warm-up ${verb}: HTTP ${res.status} ${text.slice(0, 300)}\n`);
    }
  }
  if (process.env.BENCH_PROFILE) {
    for (const [verb, body] of kinds) {
      await ask(first.child, 'reset');
      for (let i = 0; i < 30; i++)
        await fetch(`${app.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }).then((r) => r.arrayBuffer());
      const verbTimings = await ask<{ serverMs: number[]; cpuMs: number }>(first.child, 'timings');
      const sortedVerb = [...verbTimings.serverMs].sort((x, y) => x - y);
      process.stderr.write(
        `${verb}: p50 ${percentile(sortedVerb, 50).toFixed(2)} ms, max ${percentile(sortedVerb, 100).toFixed(2)} ms, CPU ${(verbTimings.cpuMs / 30).toFixed(2)} ms per invoke (sequential)\n`,
      );
    }
  }
  await Promise.all(apps.map((x) => ask(x.child, 'reset')));

  let next = 0;
  const request = {
    method: 'POST' as const,
    path: '/api/messages',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req: autocannon.Request) => ({ ...req, body: bodies[next++ % bodies.length]! }),
  };
  // With think time, each user is one connection with its own pace, started at a different
  // moment of the second (people do not click in lockstep). Without, 50 connections at full speed.
  const runs =
    RATE > 0
      ? await Promise.all(
          Array.from({ length: CONCURRENCY }, (_, i) =>
            new Promise((r) => setTimeout(r, Math.round((i * 1000) / CONCURRENCY))).then(() =>
              autocannon({
                url: `${apps[i % apps.length]!.url}/api/messages`,
                connections: 1,
                duration: DURATION_S,
                connectionRate: RATE,
                requests: [request],
              }),
            ),
          ),
        )
      : await Promise.all(
          apps.map((x, i) =>
            autocannon({
              url: `${x.url}/api/messages`,
              connections: Math.floor(CONCURRENCY / apps.length) + (i < CONCURRENCY % apps.length ? 1 : 0),
              duration: DURATION_S,
              requests: [request],
            }),
          ),
        );
  const result = {
    errors: runs.reduce((n, r) => n + r.errors, 0),
    timeouts: runs.reduce((n, r) => n + r.timeouts, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    requests: {
      total: runs.reduce((n, r) => n + r.requests.total, 0),
      average: runs.reduce((n, r) => n + r.requests.average, 0),
    },
    latency: {
      p50: Math.max(...runs.map((r) => r.latency.p50)),
      p97_5: Math.max(...runs.map((r) => r.latency.p97_5)),
      p99: Math.max(...runs.map((r) => r.latency.p99)),
    },
  };
  const timings = await Promise.all(
    apps.map((x) => ask<{ serverMs: number[]; elu: number; cpuMs: number }>(x.child, 'timings')),
  );
  const serverMs = timings.flatMap((t) => t.serverMs);
  const invokes = serverMs.length;
  const cpuMsPerInvoke = timings.reduce((sum, t) => sum + t.cpuMs, 0) / Math.max(1, invokes);
  for (const [i, t] of timings.entries())
    process.stderr.write(
      `instance ${i + 1}: ${t.serverMs.length} invokes, event loop ${(t.elu * 100).toFixed(0)}% busy, ${(t.cpuMs / Math.max(1, t.serverMs.length)).toFixed(2)} ms CPU per invoke\n`,
    );

  errors += result.errors + result.timeouts + result.non2xx;
  const sorted = [...serverMs].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  process.stderr.write(
    `${CONCURRENCY} users at ${RATE > 0 ? `${RATE} clicks/s each` : 'full speed (no think time)'}; client latency ms (worst connection): p50 ${result.latency.p50} p97.5 ${result.latency.p97_5} p99 ${result.latency.p99}; ${Math.round(result.requests.average)} req/s; ${f.applicants.length} applicants, ${f.reviewers.length} review cards, ${ORGS} organisations\n`,
  );

  await Promise.all(apps.map((x) => ask(x.child, 'stop')));
  await new Promise<void>((r) => sink.close(() => r()));
  await db.drop();
  await server?.stop();
  console.log(
    JSON.stringify({
      bench: 'cards',
      instances: apps.length,
      concurrency: CONCURRENCY,
      requests: result.requests.total,
      errors,
      p50_ms: round(percentile(sorted, 50)),
      p95_ms: round(percentile(sorted, 95)),
      p99_ms: round(percentile(sorted, 99)),
      cpu_ms_per_invoke: round(cpuMsPerInvoke),
      elu: timings.map((t) => round(t.elu)),
      load_avg_1m: round(loadavg()[0]!),
    }),
  );
}

if (process.env.BENCH_ROLE === 'server') await serveApp();
else await main();
