/**
 * Start-up benchmark: `npm start` as a person runs it, timed from the command to the help card in
 * the first demo person's Teams client, cold (a fresh data directory: the database unpacked,
 * migrated and seeded) and warm (the same data, started again). Also: when every person's client
 * answers, the memory of the whole stack (the app and every client), how long Ctrl-C takes, and
 * where the app's start-up time went (its own profile, from the log). The machine's load is
 * printed beside it: other work on the machine makes every figure slower. Last line: one JSON object.
 *
 *   npm run bench:startup
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEMO_PEOPLE, demoPerson } from '../src/local/demo-people.js';
import { clientPort, personalChatId } from '../src/local/playground-clients.js';
import { freePort, freePortRange } from '../tests/support/local-stack.js';
import { cardText, PlaygroundClient } from '../tests/e2e/playground-client.js';

const BOUND_MS = 5_000;

interface Run {
  helpMs: number;
  readyMs: number;
  allClientsMs: number;
  rssMb: number;
  stopMs: number;
  profile: Record<string, { ms: number; cpuMs: number }>;
}

/** Resident memory of a process and all its descendants, in MB (Linux /proc). */
function treeRssMb(root: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended meanwhile
    }
  }
  let kb = 0;
  const walk = (pid: number) => {
    try {
      kb += Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return;
    }
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return Math.round(kb / 1024);
}

async function startToHelp(dataDir: string): Promise<Run> {
  const [port, playgroundPort, graphPort] = [
    await freePort(),
    await freePortRange(DEMO_PEOPLE.length),
    await freePort(),
  ];
  const t0 = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    env: {
      ...process.env,
      PORT: String(port),
      PLAYGROUND_PORT: String(playgroundPort),
      GRAPH_EMULATOR_PORT: String(graphPort),
      DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waitFor = (pattern: RegExp) =>
    new Promise<number>((resolve, reject) => {
      const check = () => {
        if (pattern.test(out)) {
          child.stdout.off('data', check);
          resolve(performance.now() - t0);
        }
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
      check();
    });
  child.stdout.on('data', (d) => (out += d.toString()));
  child.stderr.on('data', (d) => (out += d.toString()));

  const readyMs = await waitFor(/WEx QS is running/);
  const priya = demoPerson('priya');
  const pg = new PlaygroundClient(`http://127.0.0.1:${clientPort(playgroundPort, priya)}`);
  await pg.connect();
  const reply = await pg.say(personalChatId(priya), priya.playgroundUserId, 'help');
  const helpMs = performance.now() - t0;
  if (!cardText(reply.card).includes('Priya')) throw new Error('the help card did not greet Priya');
  pg.close();
  const allClientsMs = await waitFor(/All \d+ Teams clients are ready/);
  const rssMb = treeRssMb(child.pid!);

  const stopped = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGINT');
  });
  const stopMs = performance.now() - stopped;
  if (code !== 0) throw new Error(`npm start exited with ${code} on Ctrl-C:\n${out}`);
  const line = readFileSync(path.join(dataDir, 'logs', 'app.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"startup profile"'))
    .at(-1);
  const profile = line ? (JSON.parse(line) as { profileMs: Run['profile'] }).profileMs : {};
  return { helpMs, readyMs, allClientsMs, rssMb, stopMs, profile };
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wexqs-bench-startup-'));
const load = () => os.loadavg()[0]!.toFixed(1);
const loadBefore = load();
const cold = await startToHelp(dataDir);
const loadBetween = load();
const warm = await startToHelp(dataDir);
rmSync(dataDir, { recursive: true, force: true });

const ms = (n: number) => String(Math.round(n));
const rows = [
  ['run', 'help card', 'banner', 'all clients', 'stack RSS', 'Ctrl-C', 'load (1 min)'],
  [
    'cold (fresh data)',
    ms(cold.helpMs),
    ms(cold.readyMs),
    ms(cold.allClientsMs),
    `${cold.rssMb} MB`,
    ms(cold.stopMs),
    loadBefore,
  ],
  [
    'warm (data kept)',
    ms(warm.helpMs),
    ms(warm.readyMs),
    ms(warm.allClientsMs),
    `${warm.rssMb} MB`,
    ms(warm.stopMs),
    loadBetween,
  ],
];
for (const r of rows) console.log(r.map((c, i) => c.padEnd(i === 0 ? 20 : 14)).join(''));
console.log('\nWhere the app process spent its start-up (ms since the script began; CPU ms of the app process):');
for (const [step, v] of Object.entries(cold.profile))
  console.log(
    `  ${step.padEnd(18)} cold ${String(v.ms).padStart(6)} (CPU ${String(v.cpuMs).padStart(5)})   warm ${String(warm.profile[step]?.ms ?? '-').padStart(6)} (CPU ${String(warm.profile[step]?.cpuMs ?? '-').padStart(5)})`,
  );
console.log(
  `\nBound: the help card within ${BOUND_MS} ms of npm start, cold: ${cold.helpMs <= BOUND_MS ? 'met' : 'not met'} at a load average of ${loadBefore} on ${os.cpus().length} cores.`,
);
console.log(
  JSON.stringify({
    bench: 'startup',
    cold_ms: Math.round(cold.helpMs),
    warm_ms: Math.round(warm.helpMs),
    clients: DEMO_PEOPLE.length,
    rss_mb: Math.max(cold.rssMb, warm.rssMb),
  }),
);
