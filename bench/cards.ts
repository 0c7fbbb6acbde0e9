/**
 * `npm run bench:cards`: load test of card actions against the app as a deployment runs it.
 * Builds dist/ (`npm run build`; BENCH_BUILD=0 reuses the last build) and starts BENCH_INSTANCES
 * compiled app processes (default 2, tests/support/compiled-tenant-instance.ts) in tenant mode with bot
 * authentication on, on one PostgreSQL database (a fresh one on BENCH_DATABASE_URL /
 * TEST_DATABASE_URL, else on a throwaway PostgreSQL 15 server), as behind a load balancer.
 * Only the outside world is local: the Bot Framework token service (a local OpenID issuer whose
 * keys the instances fetch and cache, as botbuilder does), the Bot Connector (the local emulator,
 * requiring the bot's token) and Microsoft Graph (the emulator), all on loopback.
 *
 * It seeds a realistic cycle and posts `adaptiveCard/action` invokes, each with a channel token
 * signed by the local issuer, from 50 users split between the instances (one connection each
 * with autocannon, each user clicking BENCH_RATE times a second, default 1, each starting at a
 * different moment; BENCH_RATE=0 for no think time at all, i.e. saturation): mostly reads
 * (status, queue, sessions, dashboard, application cards), some writes (save commentary, save
 * evidence) and some clicks on outdated cards (answered with the current card, never a second
 * change). Every answer is checked: an HTTP error or an error card counts as an error.
 *
 * The same load runs first, unmeasured but checked, until each instance has answered about
 * WARMUP_CLICKS invokes (BENCH_WARMUP_S seconds instead, if set; 30 s without think time): Node 22's
 * V8 optimises a function with TurboFan only once it has run 3,000 times
 * (`node --v8-options`: --invocation-count-for-turbofan=3000, and Maglev is off), so a function
 * each click runs once is still in the baseline tier, and then being compiled, for the first
 * minute of an instance at 50 clicks a second, two minutes at 25. The measured run is the steady
 * state a deployment's long-running instances are in.
 * Each instance measures itself (bench/lib/card-instance.ts, preloaded into it): server time per request, CPU time
 * (process.cpuUsage) and event-loop utilisation over the run, so CPU ms per invoke = CPU time /
 * invokes answered. That figure includes the background work every instance does whether or not
 * anyone clicks (job queue polling, the reminder dispatcher, schedules): before the run each
 * instance is measured for BENCH_IDLE_S seconds (default 10) with nobody clicking, and the JSON
 * also says how much of the CPU per invoke that background rate accounts for over the run
 * (`cpu_ms_per_invoke_background`) and the rest (`cpu_ms_per_invoke_without_background`).
 * BENCH_NODE_ARGS adds Node options to the instances (e.g. `--perf-basic-prof` for `perf`).
 * BENCH_VERBS=status,queue keeps only those kinds of click in the mix (to profile one kind).
 * BENCH_CPUPROF=DIR writes a V8 CPU profile of each instance's measured run
 * there; BENCH_PROFILE=1 times each kind of click alone on the first instance, after the warm-up (server time,
 * CPU and SQL statements per click); BENCH_SQLTRACE=1 prints the SQL statements of one click of
 * each kind (their text only, never parameters).
 * Last line: {"bench":"cards","instances":2,"users":50,"requests":N,"errors":N,"p50_ms":F,
 *   "p95_ms":F,"p99_ms":F,"cpu_ms_per_invoke":F,"cpu_ms_per_invoke_by_instance":[F,…],
 *   "cpu_ms_per_invoke_background":F,"cpu_ms_per_invoke_without_background":F,
 *   "background_cpu_ms_per_s":[F,…],"elu":[F,…],"load_avg_1m":F}
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { startConnectorEmulator } from '../src/connector-emulator/server.js';
import { criteriaForSection } from '../src/domain/framework.js';
import { DEFAULT_FRAMEWORK } from '../src/domain/framework-default.js';
import { startGraphEmulator } from '../src/graph/emulator/index.js';
import { openDatabase } from '../src/store/database.js';
import { Store } from '../src/store/store.js';
import { seedDemoData, DEMO_CYCLE_ID } from '../src/local/demo-data.js';
import { docKey } from '../bot/cards/application-common.js';
import { startBotTokenService } from '../tests/support/bot-token-service.js';
import { startCompiledTenantInstance } from '../tests/support/compiled-tenant-instance.js';
import { createFreshDatabase, startThrowawayPostgres } from '../tests/support/postgres.js';
import { ASSESSMENT_GROUP, BOT_APP_ID, ORGANISER, TENANT_ID } from '../tests/tenant/tenant-stack.js';

const CONCURRENCY = 50;
const INSTANCES = Math.max(1, Number(process.env.BENCH_INSTANCES ?? 2));
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 20);
/** Clicks per second per user (connection); 0 = as fast as the server answers (saturation). */
const RATE = Number(process.env.BENCH_RATE ?? 1);
const ORGS = Number(process.env.BENCH_ORGS ?? 300);
/** Seconds with nobody clicking, before the run, to measure the background work's CPU. */
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 10);
/**
 * Invokes each instance answers before the measured run, unmeasured: past V8's 3,000 runs of a
 * function before TurboFan optimises it for every function that runs at least once every two
 * clicks (V8's log, `--log-code`, shows the ones that run once a click being optimised from the
 * 3,000th click on).
 */
const WARMUP_CLICKS = 6000;
/** Seconds of the same load before the measured run, unmeasured (V8's compilation of the hot code). */
const WARMUP_S = process.env.BENCH_WARMUP_S
  ? Number(process.env.BENCH_WARMUP_S)
  : RATE > 0
    ? Math.ceil(WARMUP_CLICKS / ((CONCURRENCY * RATE) / INSTANCES))
    : 30;
const REVIEWERS = 20;
/** Clicks of each kind timed alone with BENCH_PROFILE. */
const PROFILE_CLICKS = 100;
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

/** What an instance measured since its last reset (bench/lib/card-instance.ts). */
interface Timings {
  serverMs: number[];
  elu: number;
  cpuMs: number;
  /** The part of cpuMs spent in the kernel (socket reads and writes, mostly). */
  systemCpuMs: number;
  wallMs: number;
  queries: number;
  /** Garbage collections: minor (scavenges) and major (mark-compact, incremental marking steps), count and pause ms. */
  gc: { minor: number; major: number; minorMs: number; majorMs: number };
  heapMb: number;
  rssMb: number;
}

function ask<T>(child: ChildProcess, cmd: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { cmd: string }) => {
      if (m.cmd === cmd) {
        child.off('message', on);
        resolve(m as T);
      }
    };
    child.on('message', on);
    child.send({ cmd });
  });
}

/**
 * Error answers besides HTTP errors: the cards for a failed turn, a domain error or a button not
 * understood (all offer "Show what I can do"), for someone the app does not know, and for another
 * tenant (bot/cards/message-cards.ts).
 */
const ERROR_CARD =
  /Something went wrong|That request was not valid|Show what I can do|have access to the WEx QS app|serves another organisation/;

async function main(): Promise<void> {
  if (process.env.BENCH_BUILD !== '0') execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'ignore' });
  const external = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const server = external ? null : await startThrowawayPostgres();
  const adminUrl = external ?? server!.url;
  const db = await createFreshDatabase(adminUrl, 'wexqs_bench');
  // Migrate and seed before the instances start (they migrate too: nothing left to do).
  const handle = await openDatabase({ databaseUrl: db.url, poolSize: 4 });
  const f = await seed(new Store(handle.db), new Date());
  await handle.close();

  // The outside world, on loopback: token service, Bot Connector, Graph.
  const tokens = await startBotTokenService({ tenantId: TENANT_ID });
  const connector = await startConnectorEmulator({
    tenantId: TENANT_ID,
    keepActivities: false,
    botAuth: { jwks: tokens.jwks, issuers: [tokens.botTokenIssuer], appIds: [BOT_APP_ID] },
  });
  const graphToken = `graph-${randomBytes(8).toString('hex')}`;
  const graph = await startGraphEmulator({
    acceptedToken: graphToken,
    tenantId: TENANT_ID,
    users: [{ mail: ORGANISER.mail, id: ORGANISER.id, displayName: 'WEx QS drop-ins' }],
    directory: { tenantDomains: ['example.nhs.uk'], groups: [ASSESSMENT_GROUP] },
  });
  const serviceUrl = `${connector.url}/`;
  // What Teams' channel sends with each activity (it reuses a token until it nears expiry).
  const channelToken = await tokens.channelToken({ audience: BOT_APP_ID, serviceUrl });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${channelToken}` };

  if (process.env.BENCH_CPUPROF) mkdirSync(process.env.BENCH_CPUPROF, { recursive: true });
  const startInstance = (i: number) =>
    startCompiledTenantInstance({
      name: `bench-${i + 1}`,
      databaseUrl: db.url,
      tokens,
      graph: { url: graph.url, token: graphToken, driveId: graph.driveId },
      env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' },
      // Each instance measures itself (bench/lib/card-instance.ts, loaded before the app).
      execArgv: [
        ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
        '--import',
        pathToFileURL(path.resolve('bench/lib/card-instance.ts')).href,
      ],
      // The app's log lines go nowhere, as to a log collector that costs nothing here.
      output: 'stderr',
    });
  const apps = await Promise.all(Array.from({ length: INSTANCES }, (_, i) => startInstance(i)));
  const first = apps[0]!;
  // Each instance runs its periodic jobs once at start (reminder planning reads every
  // application): measure the card actions after those first runs, not during them.
  for (const x of apps)
    for (;;) {
      const ready = (await (await fetch(`${x.url}/readyz`)).json()) as {
        jobs: { kind: string; enabled: boolean; lastRun?: unknown }[];
      };
      if (ready.jobs.every((j) => j.kind !== 'periodic' || !j.enabled || j.lastRun)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  // A periodic job runs once across the instances, so another instance's start-up run may still
  // be waiting in the queue, and runs queue further work (evidence checks per application): wait
  // until no job is due or running, so that the background work measured is the steady one.
  const queue = new pg.Client({ connectionString: db.url });
  await queue.connect();
  const jobsSettled = async () => {
    for (;;) {
      const { rows } = await queue.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE state IN ('created', 'retry', 'active') AND start_after <= now()`,
      );
      if (rows[0]!.n === 0) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  await jobsSettled();

  // The mix: mostly reads, some writes, some outdated-card clicks.
  const activity = (oid: string, verb: string, data: Record<string, unknown>, n: number) =>
    JSON.stringify({
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: `bench-${n}`,
      channelId: 'msteams',
      serviceUrl,
      from: { id: `29:${oid}`, aadObjectId: oid },
      recipient: { id: `28:${BOT_APP_ID}`, name: 'WEx QS' },
      conversation: { id: `a:${oid}`, conversationType: 'personal', tenantId: TENANT_ID },
      channelData: { tenant: { id: TENANT_ID } },
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

  const onlyVerbs = process.env.BENCH_VERBS?.split(',').map((v) => v.trim());
  if (onlyVerbs) {
    const kept = bodies.filter((b) => onlyVerbs.includes(JSON.parse(b).value.action.verb));
    if (kept.length === 0) throw new Error(`BENCH_VERBS: none of ${onlyVerbs.join(', ')} is in the mix`);
    bodies.splice(0, bodies.length, ...kept);
  }

  // Warm up and check every kind of request answers with a card that is not an error.
  let errors = 0;
  const kinds = new Map<string, string>();
  for (const b of bodies.slice(0, 40)) kinds.set(JSON.parse(b).value.action.verb, b);
  const post = (url: string, body: string) => fetch(`${url}/api/messages`, { method: 'POST', headers, body });
  for (const [verb, body] of kinds)
    for (const x of apps) {
      const res = await post(x.url, body);
      const text = await res.text();
      if (res.status !== 200 || ERROR_CARD.test(text)) {
        errors++;
        process.stderr.write(`warm-up ${verb}: HTTP ${res.status} ${text.slice(0, 300)}\n`);
      }
    }
  if (process.env.BENCH_SQLTRACE) {
    for (const [verb, body] of kinds) {
      process.stderr.write(`=== ${verb}\n`);
      await ask(first.child, 'trace');
      await post(first.url, body).then((r) => r.arrayBuffer());
      await ask(first.child, 'trace');
    }
  }
  let next = 0;
  let errorCards = 0;
  const request = {
    method: 'POST' as const,
    path: '/api/messages',
    headers,
    setupRequest: (req: autocannon.Request) => ({ ...req, body: bodies[next++ % bodies.length]! }),
    onResponse: (status: number, body: string) => {
      if (status === 200 && ERROR_CARD.test(body)) errorCards++;
    },
  };
  // With think time, each user is one connection with its own pace, started at a different
  // moment of the second (people do not click in lockstep). Without, 50 connections at full speed.
  const load = (seconds: number) =>
    RATE > 0
      ? Promise.all(
          Array.from({ length: CONCURRENCY }, (_, i) =>
            new Promise((r) => setTimeout(r, Math.round((i * 1000) / CONCURRENCY))).then(() =>
              autocannon({
                url: `${apps[i % apps.length]!.url}/api/messages`,
                connections: 1,
                duration: seconds,
                connectionRate: RATE,
                requests: [request],
              }),
            ),
          ),
        )
      : Promise.all(
          apps.map((x, i) =>
            autocannon({
              url: `${x.url}/api/messages`,
              connections: Math.floor(CONCURRENCY / apps.length) + (i < CONCURRENCY % apps.length ? 1 : 0),
              duration: seconds,
              requests: [request],
            }),
          ),
        );
  const failures = (runs: autocannon.Result[]) => runs.reduce((n, r) => n + r.errors + r.timeouts + r.non2xx, 0);

  // The same load first, unmeasured (its failures still count): V8 optimises the code each click
  // runs once it has run 3,000 times (WARMUP_CLICKS); a deployment's instances run for days, so
  // the measured run is the steady state.
  if (WARMUP_S > 0) {
    process.stderr.write(`warm-up: ${WARMUP_S} s\n`);
    await Promise.all(apps.map((x) => ask(x.child, 'reset-unprofiled')));
    errors += failures(await load(WARMUP_S));
    const warm = await Promise.all(apps.map((x) => ask<Timings>(x.child, 'timings')));
    for (const [i, t] of warm.entries())
      process.stderr.write(
        `warm-up, instance ${i + 1}: ${t.serverMs.length} invokes, ${(t.cpuMs / Math.max(1, t.serverMs.length)).toFixed(2)} ms CPU per invoke\n`,
      );
    await jobsSettled();
  }
  // Each kind of click alone, after the warm-up (the steady state the measured run is in).
  if (process.env.BENCH_PROFILE) {
    for (const [verb, body] of kinds) {
      await ask(first.child, 'reset');
      for (let i = 0; i < PROFILE_CLICKS; i++) await post(first.url, body).then((r) => r.arrayBuffer());
      const verbTimings = await ask<Timings>(first.child, 'timings');
      const sortedVerb = [...verbTimings.serverMs].sort((x, y) => x - y);
      process.stderr.write(
        `${verb}: p50 ${percentile(sortedVerb, 50).toFixed(2)} ms, max ${percentile(sortedVerb, 100).toFixed(2)} ms, CPU ${(verbTimings.cpuMs / PROFILE_CLICKS).toFixed(2)} ms and ${(verbTimings.queries / PROFILE_CLICKS).toFixed(1)} SQL statements per invoke (sequential)\n`,
      );
    }
  }
  await queue.end();

  // The background work (job queue polling, the reminder dispatcher, schedules) costs CPU whether
  // or not anyone clicks: measure it with nobody clicking, to say how much of the CPU per invoke
  // is that work spread over the invokes rather than the invokes themselves.
  await Promise.all(apps.map((x) => ask(x.child, 'reset-unprofiled')));
  await new Promise((r) => setTimeout(r, IDLE_S * 1000));
  const idle = await Promise.all(apps.map((x) => ask<Timings>(x.child, 'timings')));
  const backgroundCpuMsPerS = idle.map((t) => t.cpuMs / (t.wallMs / 1000));
  await Promise.all(apps.map((x) => ask(x.child, 'reset')));
  process.stderr.write(`measured run: ${DURATION_S} s\n`);
  const runs = await load(DURATION_S);
  const result = {
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
  const timings = await Promise.all(apps.map((x) => ask<Timings>(x.child, 'timings')));
  const serverMs = timings.flatMap((t) => t.serverMs);
  const invokes = serverMs.length;
  const cpuMsPerInvoke = timings.reduce((sum, t) => sum + t.cpuMs, 0) / Math.max(1, invokes);
  // The share of that CPU the background work would have used over the run had nobody clicked.
  const backgroundMs = timings.reduce((sum, t, i) => sum + backgroundCpuMsPerS[i]! * (t.wallMs / 1000), 0);
  const backgroundMsPerInvoke = backgroundMs / Math.max(1, invokes);
  for (const [i, t] of timings.entries())
    process.stderr.write(
      `instance ${i + 1}: ${t.serverMs.length} invokes, event loop ${(t.elu * 100).toFixed(0)}% busy, ${(t.cpuMs / Math.max(1, t.serverMs.length)).toFixed(2)} ms CPU (${((t.systemCpuMs / Math.max(1, t.cpuMs)) * 100).toFixed(0)}% of it in the kernel) and ${(t.queries / Math.max(1, t.serverMs.length)).toFixed(1)} SQL statements per invoke; ${t.gc.minor} minor GCs (${t.gc.minorMs.toFixed(0)} ms) and ${t.gc.major} major GC steps (${t.gc.majorMs.toFixed(0)} ms), heap ${t.heapMb} MB of ${t.rssMb} MB; with nobody clicking ${backgroundCpuMsPerS[i]!.toFixed(2)} ms CPU a second (${(idle[i]!.queries / (idle[i]!.wallMs / 1000)).toFixed(1)} SQL statements a second)\n`,
    );

  errors += failures(runs) + errorCards;
  if (errorCards > 0) process.stderr.write(`${errorCards} answers were error cards\n`);
  const sorted = [...serverMs].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  process.stderr.write(
    `${CONCURRENCY} users at ${RATE > 0 ? `${RATE} clicks/s each` : 'full speed (no think time)'}; client latency ms (worst connection): p50 ${result.latency.p50} p97.5 ${result.latency.p97_5} p99 ${result.latency.p99}; ${Math.round(result.requests.average)} req/s; ${f.applicants.length} applicants, ${f.reviewers.length} review cards, ${ORGS} organisations\n`,
  );

  await Promise.all(apps.map((x) => x.stop()));
  await graph.close();
  await connector.close();
  await tokens.close();
  await db.drop();
  await server?.stop();
  console.log(
    JSON.stringify({
      bench: 'cards',
      instances: apps.length,
      users: CONCURRENCY,
      clicks_per_s: RATE,
      requests: result.requests.total,
      errors,
      p50_ms: round(percentile(sorted, 50)),
      p95_ms: round(percentile(sorted, 95)),
      p99_ms: round(percentile(sorted, 99)),
      cpu_ms_per_invoke: round(cpuMsPerInvoke),
      cpu_ms_per_invoke_by_instance: timings.map((t) => round(t.cpuMs / Math.max(1, t.serverMs.length))),
      cpu_ms_per_invoke_background: round(backgroundMsPerInvoke),
      cpu_ms_per_invoke_without_background: round(cpuMsPerInvoke - backgroundMsPerInvoke),
      background_cpu_ms_per_s: backgroundCpuMsPerS.map(round),
      elu: timings.map((t) => round(t.elu)),
      load_avg_1m: round(loadavg()[0]!),
    }),
  );
}

await main();
