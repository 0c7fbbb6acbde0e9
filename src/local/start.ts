/**
 * `npm start`: the whole product locally, no Microsoft 365 tenant needed. Starts a Teams client
 * (Agents Playground) per demo person, the Graph emulator and the app (migrating and seeding the
 * embedded database once), and prints one link per person. Ctrl-C says what it stops; a second
 * Ctrl-C quits at once. The data stays in .data/ for the next start.
 *
 * Start-up order is chosen for the time to the first answer: the first person's client is a
 * separate process, so it loads on the other core while this one opens the database; the other
 * clients start once the app and that client answer (at lower priority, so a person's first
 * "help" is not kept waiting by them); Graph provisioning waits until they are all up.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startApp, type RunningApp } from '../app.js';
import { describeConfig, loadConfig, loadEnvFiles, type AppConfig } from '../config.js';
import { describeStartupError } from '../startup-errors.js';
import { busyPorts } from './ports.js';
import { formatLondon } from '../domain/time.js';
import { createLogger } from '../log.js';
import { startGraphEmulator, type GraphEmulator } from '../graph/emulator/index.js';
import { LOCAL_EMULATOR_TOKEN, LOCAL_TENANT_DIRECTORY } from '../graph/graph-setup.js';
import { DEMO_PEOPLE, type DemoPerson } from './demo-people.js';
import { seedDemoData } from './demo-data.js';
import { mountDropInJoinPage } from './dropin-join-page.js';
import { mountEvidencePage } from './evidence-page.js';
import { localClockFromEnv, LOCAL_CLOCK_OFFSET_VARIABLE, type LocalClock } from './local-clock.js';
import { provisionLocalGraph } from './local-graph.js';
import {
  clientPort,
  conversationReference,
  personalChatId,
  startDemoClients,
  stopDemoClients,
  type DemoClient,
} from './playground-clients.js';

const started = performance.now();
/**
 * Per start-up step: milliseconds since this script began, and this process's CPU milliseconds
 * (loading TypeScript and modules, before the script ran, included); logged as one line.
 */
const profile: Record<string, { ms: number; cpuMs: number }> = {};
const mark = (step: string) => {
  const cpu = process.cpuUsage();
  profile[step] = { ms: Math.round(performance.now() - started), cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
};
mark('modules loaded');
const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** Start-up failed: one line naming what to fix (src/startup-errors.ts), no stack trace. */
function exitWith(err: unknown): never {
  const { message, exitCode } = describeStartupError(err);
  console.error(message);
  process.exit(exitCode);
}
let config: AppConfig;
try {
  loadEnvFiles(process.env.APP_ENV ?? 'local');
  config = loadConfig();
} catch (err) {
  exitWith(err);
}
if (config.mode !== 'local') {
  console.error('npm start runs the local stack; APP_MODE is not "local". Use `npm run serve` for tenant mode.');
  process.exit(2);
}
const logFile = path.join(config.dataDir, 'logs', 'app.log');
// Local only (this script refuses tenant mode above): run the app as if it were N days later.
let local: LocalClock;
try {
  local = localClockFromEnv(process.env[LOCAL_CLOCK_OFFSET_VARIABLE]);
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const unknownClients = config.local.playgroundClients.filter((k) => !DEMO_PEOPLE.some((p) => p.key === k));
if (unknownClients.length > 0) {
  console.error(
    `PLAYGROUND_CLIENTS names no demo person: ${unknownClients.join(', ')} (choose from ${DEMO_PEOPLE.map((p) => p.key).join(', ')}).`,
  );
  process.exit(2);
}
const people: readonly DemoPerson[] = !config.local.playground
  ? []
  : config.local.playgroundClients.length === 0
    ? DEMO_PEOPLE
    : DEMO_PEOPLE.filter((p) => config.local.playgroundClients.includes(p.key));
// Every port is checked before anything starts: a Playground would otherwise quietly move to a
// random port (and a second stack would talk to the first one's).
const busy = await busyPorts([
  ['PORT', config.port],
  ...(config.local.graphEmulator ? ([['GRAPH_EMULATOR_PORT', config.local.graphEmulatorPort]] as const) : []),
  ...people.map(
    (p) => [`PLAYGROUND_PORT (${p.displayName}'s Teams client)`, clientPort(config.local.playgroundPort, p)] as const,
  ),
]);
if (busy.length > 0) {
  console.error(
    busy
      .map(
        ([name, port]) =>
          `Port ${port} (${name}) is already in use: is WEx QS already running? Stop it, or set ${name.split(' ')[0]} to a free port.`,
      )
      .join('\n'),
  );
  process.exit(2);
}
mark('ports checked');
// The log file opens only now: an early exit above must not race its asynchronous opening.
const log = createLogger({ level: config.logLevel, name: 'wexqs-local', file: logFile });
log.info({ config: describeConfig(config) }, 'starting local stack');

const appUrl = `http://${config.host}:${config.port}`;
const clients: DemoClient[] = [];
let stopping = false;
const startClients = (who: readonly DemoPerson[], niceness = 0) => {
  const started = startDemoClients({
    people: who,
    basePort: config.local.playgroundPort,
    botEndpoint: `${appUrl}/api/messages`,
    dir: path.join(config.dataDir, 'playground'),
    niceness,
  });
  for (const c of started) {
    c.playground.child.once('exit', (code) => {
      if (stopping) return;
      log.error({ code, client: c.person.key }, 'Agents Playground stopped unexpectedly; stopping');
      console.error(
        `${c.person.displayName}'s Teams client stopped (see ${path.join(config.dataDir, 'playground', c.person.key, 'playground.log')}); stopping WEx QS.`,
      );
      void shutdown('playground-exit');
    });
  }
  clients.push(...started);
};
// The first person's client now; the others once the app answers (below).
startClients(people.slice(0, 1));

let graphEmulator: GraphEmulator | null = null;
let app: RunningApp | null = null;
/** After Ctrl-C the start-up steps still running go no further. */
const unlessStopping = async <T>(work: Promise<T>): Promise<T> => {
  const result = await work;
  if (stopping) await new Promise<never>(() => undefined);
  return result;
};

// Ctrl-C: say what is being stopped. A second Ctrl-C quits at once: the first one hands SIGINT
// back to Node's default (end the process), which works even while this thread is busy. However
// this process ends, the clients end with it (in a terminal they get the Ctrl-C themselves too).
process.once('SIGINT', () => {
  process.stdout.write('\n');
  void shutdown('SIGINT');
});
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('exit', () => {
  for (const c of clients) if (c.playground.child.exitCode === null) c.playground.child.kill('SIGKILL');
});

if (config.local.graphEmulator) {
  graphEmulator = await unlessStopping(
    startGraphEmulator({
      port: config.local.graphEmulatorPort,
      host: '127.0.0.1',
      dataDir: path.join(config.dataDir, 'graph'),
      acceptedToken: LOCAL_EMULATOR_TOKEN,
      // Its first request is provisioning, after the bot has answered.
      contractOnFirstRequest: true,
      directory: LOCAL_TENANT_DIRECTORY,
      // Attendance reports follow the app's clock (LOCAL_CLOCK_OFFSET_DAYS moves both).
      onlineMeetings: { now: () => local.clock.now() },
      users: [
        { mail: config.graph.organiserUpn, displayName: 'WEx QS team' },
        ...DEMO_PEOPLE.map((p) => ({ mail: p.email, displayName: p.displayName })),
      ],
    }),
  );
  mark('graph emulator');
}

app = await unlessStopping(
  startApp(config, {
    log,
    clock: local.clock,
    graph: config.local.graphEmulator,
    localRoutes: (routes, svc, graph) => {
      mountEvidencePage(routes, svc, graph);
      if (graphEmulator) mountDropInJoinPage(routes, svc, graphEmulator);
    },
    // The tab's picker offers every demo person, the unregistered one included.
    unregisteredVisitors: DEMO_PEOPLE.filter((p) => !p.personId).map((p) => ({
      entraObjectId: p.entraObjectId,
      name: p.displayName,
    })),
    // Cards link to the local pages: the meeting page (a visit is recorded as attendance in the
    // Graph emulator's meeting) and the local stand-in for the organisation's SharePoint folder
    // and its files.
    localLinks: {
      joinMeeting: (sessionId) => `${appUrl}/local/dropins?session=${encodeURIComponent(sessionId)}`,
      evidenceFolder: (organisationId) => `${appUrl}/local/evidence/${encodeURIComponent(organisationId)}`,
      evidenceDocument: (organisationId, documentName) =>
        `${appUrl}/local/evidence/${encodeURIComponent(organisationId)}/files/${encodeURIComponent(documentName)}`,
    },
    beforeListen: async (svc) => {
      mark('database open');
      if (config.local.seedDemoData && (await seedDemoData(svc.store, svc.clock.now()))) {
        log.info('demo data seeded');
      }
      // Each registered person's personal chat in their own client, so the bot can reach them
      // before they type anything (in Teams, the app installed for them does this).
      const now = svc.clock.now();
      for (const p of people) {
        if (!p.personId) continue;
        await svc.store.conversations.upsert({
          key: `personal:${personalChatId(p)}`,
          personId: p.personId,
          aadObjectId: p.entraObjectId,
          scope: 'personal',
          reference: conversationReference(p, clientPort(config.local.playgroundPort, p)),
          updatedAt: now,
        });
      }
      mark('seeded');
    },
  }).catch(async (err: unknown) => {
    // The clients end with this process; the Graph emulator is closed first.
    await graphEmulator?.close();
    return exitWith(err);
  }),
);
mark('app listening');
const [first] = clients;
if (first) {
  try {
    await unlessStopping(first.playground.ready);
  } catch (err) {
    console.error(`${first.person.displayName}'s Teams client did not start: ${(err as Error).message}`);
    await shutdown('playground-failed');
  }
}
mark('first client');
if (!stopping) startClients(people.slice(1), 10);

const pad = Math.max(0, ...people.map((p) => p.displayName.length));
process.stdout.write(
  [
    '',
    `WEx QS is running (ready in ${seconds(performance.now() - started)} s).`,
    ...(clients.length > 0
      ? [
          `Open each person's Teams client (Agents Playground) and type "help":`,
          ...clients.map((c) => `  ${c.person.displayName.padEnd(pad)}  ${c.playground.url}  ${c.person.summary}`),
          '  Messages for a person (folder link, assignment, questions, decisions) arrive in their own client.',
        ]
      : []),
    `  Personal tab (pick who you are): ${appUrl}/tab`,
    graphEmulator ? `  Evidence folders (local SharePoint stand-in): ${appUrl}/local/evidence` : '',
    graphEmulator ? `  Drop-in meetings (local Teams meeting stand-in): ${appUrl}/local/dropins` : '',
    `  Bot endpoint: ${appUrl}/api/messages    Health: ${appUrl}/healthz${graphEmulator ? `    Graph emulator: ${graphEmulator.url}` : ''}`,
    local.offsetDays !== 0
      ? `  The app's clock is shifted by ${local.offsetDays} days (${LOCAL_CLOCK_OFFSET_VARIABLE}): for the app it is now ${formatLondon(local.clock.now())} UK time.`
      : '',
    `  Press Ctrl-C to stop. Data is kept in ${config.dataDir}/; logs in ${logFile}.`,
    '',
  ]
    .filter((l) => l !== '')
    .join('\n') + '\n',
);

const all = await unlessStopping(Promise.allSettled(clients.map((c) => c.playground.ready)));
mark('all clients');
const failed = clients.flatMap((c, i) => {
  const r = all[i]!;
  return r.status === 'rejected' ? [{ c, why: r.reason instanceof Error ? r.reason.message : String(r.reason) }] : [];
});
if (clients.length > 1 && failed.length === 0)
  process.stdout.write(`All ${clients.length} Teams clients are ready (${seconds(profile['all clients']!.ms)} s).\n`);
for (const { c, why } of failed)
  process.stdout.write(
    `${c.person.displayName}'s Teams client did not start (${why}): see ${path.join(config.dataDir, 'playground', c.person.key, 'playground.log')}.\n`,
  );
log.info({ profileMs: profile }, 'startup profile');

// Folders and meetings are Graph work: done once the clients are up, without delaying the bot.
if (app.graph) {
  void provisionLocalGraph(app.svc, app.graph)
    .then((r) => {
      if (!stopping)
        process.stdout.write(
          `Evidence folders ready for ${r.succeeded} of ${r.total} organisations; ${r.meetings} drop-in meeting${r.meetings === 1 ? '' : 's'} in the calendar.\n`,
        );
    })
    .catch((err: unknown) => {
      if (!stopping)
        log.error(
          { err: { message: err instanceof Error ? err.message : String(err) } },
          'local Graph provisioning failed',
        );
    });
}

async function shutdown(reason: string): Promise<never> {
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  log.info({ reason }, 'stopping local stack');
  // From now on a Ctrl-C ends the process at once (Node's default for SIGINT).
  process.removeAllListeners('SIGINT');
  const step = async (what: string, fn: () => Promise<void>) => {
    process.stdout.write(`  ${what}…`);
    const t = performance.now();
    try {
      await fn();
      process.stdout.write(` done (${seconds(performance.now() - t)} s)\n`);
    } catch (err) {
      process.stdout.write(` failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  };
  process.stdout.write('Stopping WEx QS (press Ctrl-C again to quit at once):\n');
  if (clients.length > 0)
    await step(`${clients.length} Teams client${clients.length === 1 ? '' : 's'}`, () => stopDemoClients(clients));
  if (app) await step('the app (finishing work in progress) and its database', () => app!.close());
  if (graphEmulator) await step('the Graph emulator', () => graphEmulator!.close());
  process.stdout.write(`Stopped. Your data is kept in ${config.dataDir}/.\n`);
  process.exit(0);
}
