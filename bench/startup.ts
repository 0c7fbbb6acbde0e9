/**
 * Start-up benchmark: `npm start` as a person runs it, timed from the command to the help card in
 * the first demo person's Teams client, cold (as on a fresh clone after `npm ci`: a fresh data
 * directory, so the database is created, migrated and seeded) and warm (the same data, started
 * again). Also: when every person's client answers, the peak memory of the
 * whole stack (npm, the app and every client), how long Ctrl-C takes, and where the app's start-up
 * time went (its own profile, from the log). The machine's load is printed beside it: other work on
 * the machine makes every figure slower. Last line: one JSON object.
 *
 * Ctrl-C is sent as a terminal sends it: SIGINT to the whole foreground process group (npm, the
 * shell npm runs the script in, the app and the clients), so the bench runs `npm start` in a
 * process group of its own. Signalling npm alone stops nothing: npm forwards SIGINT to its shell,
 * and the shell (dash) waits for the app without passing it on. Every wait is bounded: a step
 * that does not happen in time ends the bench with a message naming it and the stack's output.
 *
 *   npm run bench:startup
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEMO_PEOPLE, demoPerson } from '../src/local/demo-people.js';
import { clientPort, personalChatId } from '../src/local/playground-clients.js';
import { freePort, freePortRange } from '../tests/support/local-stack.js';
import { cardText, PlaygroundClient } from '../tests/e2e/playground-client.js';

const BOUND_MS = 5_000;
/** Patience per step (a bound against hanging, not a speed check: a loaded machine is slow). */
const PATIENCE_MS = { banner: 90_000, help: 60_000, allClients: 90_000, stop: 20_000 };

interface Run {
  helpMs: number;
  readyMs: number;
  allClientsMs: number;
  rssMb: number;
  stopMs: number;
  profile: Record<string, { ms: number; cpuMs: number }>;
}

/** The processes of a process group (Linux /proc): what a terminal's Ctrl-C reaches. */
/** Each process as "pid state command" (for a stop that does not end). */
function describeProcesses(pids: number[]): string {
  return pids
    .map((pid) => {
      try {
        const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ')[0];
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 160);
        return `\n  ${pid} ${state} ${cmd}`;
      } catch {
        return `\n  ${pid} (ended)`;
      }
    })
    .join('');
}

function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Fields after the command (which may hold spaces) start after its closing parenthesis.
      const fields = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
      if (Number(fields[2]) === pgid) out.push(Number(name));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** Peak resident memory (VmHWM) of every live process of the group, summed, in MB. */
function groupPeakRssMb(pgid: number): number {
  let kb = 0;
  for (const pid of groupMembers(pgid)) {
    try {
      kb += Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the process ended meanwhile
    }
  }
  return Math.round(kb / 1024);
}

/** `work`, or an error naming `what` once `ms` have passed. */
async function within<T>(ms: number, what: string, output: () => string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not happen within ${ms / 1000} s. Output of npm start:\n${output()}`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** How `child` ended, once it has (at once if it already has). */
const exited = (child: ChildProcess) =>
  new Promise<string>((resolve) => {
    const how = () => (child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode}`);
    if (child.exitCode !== null || child.signalCode !== null) resolve(how());
    else child.once('exit', () => resolve(how()));
  });

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
    // Its own process group, as a command in a terminal: Ctrl-C goes to the group.
    detached: true,
  });
  const pgid = child.pid!;
  let out = '';
  const output = () => out;
  child.stdout.on('data', (d) => (out += d.toString()));
  child.stderr.on('data', (d) => (out += d.toString()));
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

  try {
    const readyMs = await within(
      PATIENCE_MS.banner,
      'The "WEx QS is running" banner',
      output,
      waitFor(/WEx QS is running/),
    );
    const priya = demoPerson('priya');
    const pg = new PlaygroundClient(`http://127.0.0.1:${clientPort(playgroundPort, priya)}`);
    let helpMs: number;
    try {
      const reply = await within(
        PATIENCE_MS.help,
        "The help card in Priya's Teams client",
        output,
        pg.connect().then(() => pg.say(personalChatId(priya), priya.playgroundUserId, 'help')),
      );
      helpMs = performance.now() - t0;
      if (!cardText(reply.card).includes('Priya')) throw new Error('the help card did not greet Priya');
    } finally {
      pg.close();
    }
    const allClientsMs = await within(
      PATIENCE_MS.allClients,
      `"All ${DEMO_PEOPLE.length} Teams clients are ready"`,
      output,
      waitFor(/All \d+ Teams clients are ready|Teams client did not start/),
    );
    if (/Teams client did not start/.test(out)) throw new Error(`A Teams client did not start:\n${out}`);
    const rssMb = groupPeakRssMb(pgid);

    // Ctrl-C in a terminal: SIGINT to every process of the foreground group.
    const stopped = performance.now();
    process.kill(-pgid, 'SIGINT');
    const how = await within(
      PATIENCE_MS.stop,
      'Stopping after Ctrl-C',
      () => `${out}\nstill running: ${describeProcesses(groupMembers(pgid))}`,
      exited(child),
    );
    // Nothing of the stack may outlive npm (a client left behind keeps its port).
    await within(
      PATIENCE_MS.stop,
      'Every process of npm start ending after Ctrl-C',
      () => `${out}\nstill running: ${describeProcesses(groupMembers(pgid))}`,
      (async () => {
        while (groupMembers(pgid).length > 0) await new Promise((r) => setTimeout(r, 20));
      })(),
    );
    const stopMs = performance.now() - stopped;
    // npm passes the Ctrl-C on and then ends by it itself (status 130 in a shell), as for any script.
    if (how !== 'code 0' && how !== 'signal SIGINT') throw new Error(`npm start ended with ${how} on Ctrl-C:\n${out}`);
    if (!/Stopped\. Your data is kept/.test(out)) throw new Error(`npm start did not say it stopped:\n${out}`);
    const line = readFileSync(path.join(dataDir, 'logs', 'app.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"startup profile"'))
      .at(-1);
    const profile = line ? (JSON.parse(line) as { profileMs: Run['profile'] }).profileMs : {};
    return { helpMs, readyMs, allClientsMs, rssMb, stopMs, profile };
  } finally {
    // Whatever happened, nothing started here is left running.
    if (groupMembers(pgid).length > 0) process.kill(-pgid, 'SIGKILL');
  }
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wexqs-bench-startup-'));
const load = () => os.loadavg()[0]!.toFixed(1);
const loadBefore = load();
// Cold: as on a fresh clone after `npm ci`: no data; what `npm ci`'s prepare step leaves in
// node_modules/.cache (the empty-database image and the start bundle, rebuilt if a source changed).
execFileSync(process.execPath, [path.resolve(import.meta.dirname, '..', 'scripts', 'prepare.mjs')], {
  stdio: 'inherit',
});
let cold: Run, warm: Run, loadBetween: string;
try {
  cold = await startToHelp(dataDir);
  loadBetween = load();
  warm = await startToHelp(dataDir);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

const ms = (n: number) => String(Math.round(n));
const rows = [
  ['run', 'help card', 'banner', 'all clients', 'peak RSS', 'Ctrl-C', 'load (1 min)'],
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
