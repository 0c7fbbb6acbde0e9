/**
 * Reminder benchmark: 5,000 recipients, one due reminder each, sent by the dispatcher process
 * (a separate Node process, as deployed) through the real SDK path (botbuilder CloudAdapter
 * .continueConversationAsync, auth disabled) to the local Bot Connector emulator, which enforces
 * Teams' documented limits (per conversation 7/1 s, 8/2 s, 60/30 s, 1,800/h; 50/s per app per
 * tenant) with 429 + Retry-After and counts what each recipient received.
 *
 * Parts, each on a fresh database on one PostgreSQL server:
 *   1. one dispatcher process;
 *   2. the same, with the dispatcher killed with SIGKILL at 10 random moments and restarted;
 *   3. two dispatcher processes sharing the database.
 *
 * Time scale: the emulator and the dispatcher run S× faster than real time (default S = 4): every
 * rate limit window, Retry-After and back-off is S× shorter in real time, and the dispatcher paces
 * at 47 × S sends per real second. Rates are reported in connector seconds = real seconds × S,
 * i.e. what the same run would achieve against Teams in real time. Leases (process crash
 * recovery) are real time.
 *
 * PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL (a server URL; databases are created and
 * dropped), else a throwaway PostgreSQL 15 server from Debian's package is started under /tmp
 * and stopped at the end. Last line: one JSON object.
 *
 * Options: --claims outbox|pg-boss (how the dispatcher claims rows: the outbox's own
 * `FOR UPDATE SKIP LOCKED` claim, or pg-boss jobs, see bench/lib/boss-claims.ts); --lanes and
 * --concurrency (sends in flight = lanes × concurrency); --parts solo,crash,two.
 *
 *   npm run bench:reminders [-- --recipients 5000 --time-scale 4 --kills 10 --claims outbox]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PgBoss } from 'pg-boss';
import { BossClaims, createSendQueue } from './lib/boss-claims.js';
import { createAdapter } from '../bot/adapter.js';
import { BotMessenger } from '../bot/messenger.js';
import {
  EmulatorCredentialsFactory,
  startConnectorEmulator,
  type ConnectorEmulator,
} from '../src/connector-emulator/index.js';
import { createLogger } from '../src/log.js';
import { Dispatcher } from '../src/notifications/dispatcher.js';
import type { ReminderMessage } from '../src/notifications/messenger.js';
import { openDatabase } from '../src/store/database.js';
import { createFreshDatabase, startThrowawayPostgres, type PostgresServer } from '../tests/support/postgres.js';
import { enqueueDue, seedRecipients } from '../tests/notifications/helpers.js';
import { Store } from '../src/store/store.js';
import { systemClock } from '../src/workflows/services.js';

const { values } = parseArgs({
  options: {
    worker: { type: 'boolean' },
    db: { type: 'string' },
    instance: { type: 'string' },
    recipients: { type: 'string' },
    'time-scale': { type: 'string' },
    kills: { type: 'string' },
    'lease-ms': { type: 'string' },
    claims: { type: 'string' },
    lanes: { type: 'string' },
    concurrency: { type: 'string' },
    parts: { type: 'string' },
  },
});
const SCALE = Number(values['time-scale'] ?? 4);
const LEASE_MS = Number(values['lease-ms'] ?? 3000);
const CLAIMS = values.claims === 'pg-boss' ? 'pg-boss' : 'outbox';
const LANES = Number(values.lanes ?? 3);
const CONCURRENCY = Number(values.concurrency ?? 8);
const PARTS = new Set((values.parts ?? 'solo,crash,two').split(','));
const bossFor = (url: string) =>
  new PgBoss({
    connectionString: url,
    schema: 'pgboss',
    max: 4,
    schedule: false,
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
    openTelemetry: { enabled: false },
  });
const RATE = 47;
const BOUND = 50;

// ------------------------------------------------------------------------------------ worker

async function worker(): Promise<void> {
  const log = createLogger({ level: 'error', name: 'bench-dispatcher' });
  const database = await openDatabase({ databaseUrl: values.db!, migrate: false, poolSize: 12 });
  const store = new Store(database.db);
  const adapter = createAdapter(
    { appId: '', appPassword: '', appType: 'MultiTenant', tenantId: '' },
    log,
    new EmulatorCredentialsFactory(),
  );
  const boss = CLAIMS === 'pg-boss' ? bossFor(values.db!) : null;
  if (boss) {
    boss.on('error', () => undefined);
    await boss.start();
  }
  const dispatcher = new Dispatcher({
    store,
    messenger: new BotMessenger(adapter, { appId: '', timeoutMs: 1_000 }),
    clock: systemClock,
    log,
    instanceId: values.instance ?? `w-${process.pid}`,
    timeScale: SCALE,
    ratePerSecond: RATE,
    leaseMs: LEASE_MS,
    sendTimeoutMs: 1_000,
    pollMs: 50,
    batchSize: 20,
    lanes: LANES,
    concurrency: CONCURRENCY,
    ...(boss ? { claims: new BossClaims(boss, store) } : {}),
  });
  dispatcher.start();
  process.stdout.write('ready\n');
  const stop = async () => {
    await dispatcher.stop();
    await boss?.stop({ graceful: false });
    await database.close();
    process.stdout.write(`${JSON.stringify({ counters: dispatcher.counters })}\n`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

// ------------------------------------------------------------------------------------ parent

interface PartResult {
  name: string;
  delivered: number;
  duplicates: number;
  lost: number;
  notSent: number;
  msgsPerS: number;
  realS: number;
  throttled: number;
  dedupedResends: number;
  maxPerSecond: number;
  kills?: number;
}

async function main(): Promise<void> {
  const N = Number(values.recipients ?? 5000);
  const KILLS = Number(values.kills ?? 10);
  const started = Date.now();
  const server = await postgresServer();
  const emulator = await startConnectorEmulator({ timeScale: SCALE, keepActivities: false });
  const results: PartResult[] = [];
  try {
    console.log(
      `Reminder benchmark: ${N} recipients, Bot Connector emulator at Teams' limits, time scale ×${SCALE} (dispatcher paces at ${RATE}/s of ${BOUND}/s), lease ${LEASE_MS} ms real, claims through ${CLAIMS}, ${LANES}×${CONCURRENCY} sends in flight at most`,
    );
    if (PARTS.has('solo'))
      results.push(
        await part('single dispatcher', server.url, emulator, N, async (db, done) => {
          const w = spawnWorker(db, 'solo');
          await w.ready;
          await done();
          await w.stop();
        }),
      );
    if (PARTS.has('crash'))
      results.push(
        await part(`crash ×${KILLS} (SIGKILL + restart)`, server.url, emulator, N, async (db, done, pending) => {
          let kills = 0;
          let w = spawnWorker(db, `crash-${kills}`);
          for (; kills < KILLS; kills++) {
            await w.ready;
            await sleep(randomInt(250, 1500));
            if ((await pending()) === 0) break;
            w.child.kill('SIGKILL');
            await w.exited;
            w = spawnWorker(db, `crash-${kills + 1}`);
          }
          await done();
          await w.stop();
          return kills;
        }),
      );
    if (PARTS.has('two'))
      results.push(
        await part('two dispatcher processes', server.url, emulator, N, async (db, done) => {
          const a = spawnWorker(db, 'a');
          const b = spawnWorker(db, 'b');
          await Promise.all([a.ready, b.ready]);
          await done();
          await Promise.all([a.stop(), b.stop()]);
        }),
      );
  } finally {
    await emulator.close();
    await server.stop();
  }

  const rows: string[][] = [
    [
      'part',
      'delivered',
      'dup',
      'lost',
      'not sent',
      'msgs/s (connector)',
      'real s',
      '429s',
      'max/s',
      'resends absorbed*',
    ],
  ];
  for (const r of results) {
    rows.push([
      r.name + (r.kills !== undefined ? ` [${r.kills} kills]` : ''),
      String(r.delivered),
      String(r.duplicates),
      String(r.lost),
      String(r.notSent),
      r.msgsPerS.toFixed(1),
      r.realS.toFixed(1),
      String(r.throttled),
      String(r.maxPerSecond),
      String(r.dedupedResends),
    ]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log('  ' + r.map((c, i) => c.padEnd(w[i]!)).join('  '));
  console.log(
    `  msgs/s = messages accepted ÷ connector seconds from the first to the last accepted send (real seconds × ${SCALE}); bound ${BOUND}/s per app per tenant.`,
  );
  console.log(
    '  * re-sends of a message whose first send the connector had accepted but whose "sent" mark the killed process never wrote; the emulator honours the',
  );
  console.log(
    '    idempotency key (the outbox row id) so they are not delivered twice. Real Teams has no such key: these would be the duplicates a crash can cause there.',
  );
  console.log(`  total ${((Date.now() - started) / 1000) | 0} s`);
  const solo = results.find((r) => r.name === 'single dispatcher');
  const crash = results.find((r) => r.name.startsWith('crash'));
  const two = results.find((r) => r.name === 'two dispatcher processes');
  console.log(
    JSON.stringify({
      bench: 'reminders',
      recipients: N,
      claims: CLAIMS,
      in_flight: LANES * CONCURRENCY,
      ...(solo
        ? {
            msgs_per_s: Number(solo.msgsPerS.toFixed(1)),
            bound_msgs_per_s: BOUND,
            duplicates: solo.duplicates,
            lost: solo.lost,
          }
        : {}),
      ...(crash
        ? {
            crash_runs: crash.kills ?? 0,
            crash_duplicates: crash.duplicates,
            crash_lost: crash.lost,
            // Messages the connector accepted twice across the kills (real Teams would deliver them twice).
            crash_resends: crash.dedupedResends,
            crash_msgs_per_s: Number(crash.msgsPerS.toFixed(1)),
          }
        : {}),
      ...(two
        ? {
            two_instance_duplicates: two.duplicates,
            two_instance_lost: two.lost,
            two_msgs_per_s: Number(two.msgsPerS.toFixed(1)),
          }
        : {}),
    }),
  );
}

type Runner = (dbUrl: string, done: () => Promise<void>, pending: () => Promise<number>) => Promise<number | void>;

async function part(
  name: string,
  serverUrl: string,
  emulator: ConnectorEmulator,
  n: number,
  run: Runner,
): Promise<PartResult> {
  const fresh = await createFreshDatabase(serverUrl, 'wexqs_bench');
  const dbUrl = fresh.url;
  const handle = await openDatabase({ databaseUrl: dbUrl });
  if (CLAIMS === 'pg-boss') {
    // The job queue's schema and the send queue, before any dispatcher starts.
    const boss = bossFor(dbUrl);
    await boss.start();
    await createSendQueue(boss, LEASE_MS);
    await boss.stop({ graceful: false });
  }
  const store = new Store(handle.db);
  emulator.reset();
  const ids = await seed(store, emulator, n);

  const pending = async () => {
    const r = await handle.db
      .selectFrom('reminder_outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  };
  const done = async () => {
    const deadline = Date.now() + 10 * 60_000;
    while ((await pending()) > 0) {
      if (Date.now() > deadline) throw new Error(`${name}: not finished after 10 minutes`);
      await sleep(200);
    }
  };
  const t0 = Date.now();
  const kills = await run(dbUrl, done, pending);
  const realS = (Date.now() - t0) / 1000;
  const st = emulator.stats();
  const counts = emulator.receivedCounts();
  let duplicates = 0;
  let lost = 0;
  let delivered = 0;
  for (const id of ids) {
    const c = counts.get(id) ?? 0;
    delivered += Math.min(c, 1);
    if (c === 0) lost++;
    if (c > 1) duplicates += c - 1;
  }
  const notSent = await handle.db
    .selectFrom('reminder_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '<>', 'sent')
    .executeTakeFirstOrThrow();
  const spanS =
    st.firstAcceptAt !== null && st.lastAcceptAt !== null ? ((st.lastAcceptAt - st.firstAcceptAt) / 1000) * SCALE : 0;
  await handle.close();
  await fresh.drop();
  return {
    name,
    delivered,
    duplicates,
    lost,
    notSent: Number(notSent.n),
    msgsPerS: spanS > 0 ? (st.accepted - 1) / spanS : 0,
    realS,
    throttled: st.throttled,
    dedupedResends: st.dedupedResends,
    maxPerSecond: st.maxPerSecond,
    ...(typeof kills === 'number' ? { kills } : {}),
  };
}

const MESSAGE: ReminderMessage = {
  kind: 'submission_deadline',
  title: 'Submission deadline in 7 days',
  subtitle: 'Benchmark organisation · 2025/26 cycle',
  lines: [
    'Your application must be submitted by **Fri 19 Jun 2026, 17:00** (UK time).',
    '**Still missing** (2 items):',
    '- The commentary for criterion 1.1 is empty.',
  ],
  facts: [
    ['Deadline', 'Fri 19 Jun 2026, 17:00'],
    ['Target level', 'silver'],
  ],
  actions: [{ type: 'execute', title: 'Open status card', verb: 'status' }],
  summary: 'WEx QS: submission deadline in 7 days',
};

/** People with personal conversation references on the emulator, and one due reminder each. */
async function seed(store: Store, emulator: ConnectorEmulator, n: number): Promise<string[]> {
  const ids = await seedRecipients(store, emulator, n, 'bench');
  await enqueueDue(store, ids, { message: MESSAGE, subject: 'app-bench' });
  return ids;
}

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
  stop(): Promise<void>;
}

function spawnWorker(dbUrl: string, instance: string): Worker {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      self,
      '--worker',
      '--db',
      dbUrl,
      '--instance',
      instance,
      '--time-scale',
      String(SCALE),
      '--lease-ms',
      String(LEASE_MS),
      '--claims',
      CLAIMS,
      '--lanes',
      String(LANES),
      '--concurrency',
      String(CONCURRENCY),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'error' },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('ready\n')) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`dispatcher ${instance} exited before ready (${code ?? signal})`)),
    );
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    exited,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// ------------------------------------------------------------------------------------ PostgreSQL

async function postgresServer(): Promise<PostgresServer> {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (given) return { url: given, stop: async () => undefined };
  const server = await startThrowawayPostgres();
  console.log(`(started a throwaway PostgreSQL 15 at ${server.url})`);
  return server;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// Last, so every module-level constant above is initialised.
if (values.worker) await worker();
else await main();
