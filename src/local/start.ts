/**
 * `npm start`: the whole product locally, no Microsoft 365 tenant needed. Migrates and seeds the
 * embedded database once, starts the app (bot at /api/messages) and the Agents Playground, and
 * prints what to open. Ctrl-C stops everything; the data stays in .data/ for the next start.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startApp } from '../app.js';
import { ConfigError, describeConfig, loadConfig, loadEnvFiles, type AppConfig } from '../config.js';
import { busyPorts } from './ports.js';
import { formatLondon } from '../domain/time.js';
import { createLogger } from '../log.js';
import { startGraphEmulator, type GraphEmulator } from '../graph/emulator/index.js';
import { LOCAL_EMULATOR_TOKEN, LOCAL_TENANT_DIRECTORY } from '../graph/graph-setup.js';
import { DEMO_PEOPLE } from './demo-people.js';
import { seedDemoData } from './demo-data.js';
import { mountDropInJoinPage } from './dropin-join-page.js';
import { mountEvidencePage } from './evidence-page.js';
import { localClockFromEnv, LOCAL_CLOCK_OFFSET_VARIABLE, type LocalClock } from './local-clock.js';
import { provisionLocalGraph } from './local-graph.js';
import { startPlayground, type RunningPlayground } from './playground.js';

const started = performance.now();
loadEnvFiles(process.env.APP_ENV ?? 'local');
let config: AppConfig;
try {
  config = loadConfig();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : String(err));
  process.exit(2);
}
if (config.mode !== 'local') {
  console.error('npm start runs the local stack; APP_MODE is not "local". Use `npm run serve` for tenant mode.');
  process.exit(2);
}
const logFile = path.join(config.dataDir, 'logs', 'app.log');
const log = createLogger({ level: config.logLevel, name: 'wexqs-local', file: logFile });
// Local only (this script refuses tenant mode above): run the app as if it were N days later.
let local: LocalClock;
try {
  local = localClockFromEnv(process.env[LOCAL_CLOCK_OFFSET_VARIABLE]);
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
log.info({ config: describeConfig(config) }, 'starting local stack');

// Every port is checked before anything starts: the Playground would otherwise quietly move to a
// random port (and a second stack would talk to the first one's).
const busy = await busyPorts([
  ['PORT', config.port],
  ...(config.local.graphEmulator ? ([['GRAPH_EMULATOR_PORT', config.local.graphEmulatorPort]] as const) : []),
  ...(config.local.playground ? ([['PLAYGROUND_PORT', config.local.playgroundPort]] as const) : []),
]);
if (busy.length > 0) {
  console.error(
    busy
      .map(
        ([name, port]) =>
          `Port ${port} (${name}) is already in use: is WEx QS already running? Stop it, or set ${name} to a free port.`,
      )
      .join('\n'),
  );
  process.exit(2);
}

let graphEmulator: GraphEmulator | null = null;
if (config.local.graphEmulator) {
  graphEmulator = await startGraphEmulator({
    port: config.local.graphEmulatorPort,
    host: '127.0.0.1',
    dataDir: path.join(config.dataDir, 'graph'),
    acceptedToken: LOCAL_EMULATOR_TOKEN,
    directory: LOCAL_TENANT_DIRECTORY,
    // Attendance reports follow the app's clock (LOCAL_CLOCK_OFFSET_DAYS moves both).
    onlineMeetings: { now: () => local.clock.now() },
    users: [
      { mail: config.graph.organiserUpn, displayName: 'WEx QS team' },
      ...DEMO_PEOPLE.map((p) => ({ mail: p.email, displayName: p.displayName })),
    ],
  });
}

const app = await startApp(config, {
  log,
  clock: local.clock,
  graph: config.local.graphEmulator,
  localRoutes: (routes, svc, graph) => {
    mountEvidencePage(routes, svc, graph);
    if (graphEmulator) mountDropInJoinPage(routes, svc, graphEmulator);
  },
  beforeListen: async (svc) => {
    if (config.local.seedDemoData && (await seedDemoData(svc.store, svc.clock.now()))) {
      log.info('demo data seeded');
    }
  },
});

let playground: RunningPlayground | null = null;
if (config.local.playground) {
  playground = await startPlayground({
    botEndpoint: `${app.url}/api/messages`,
    port: config.local.playgroundPort,
    configPath: path.resolve('.m365agentsplayground.yml'),
    logFile: path.join(config.dataDir, 'logs', 'playground.log'),
  });
}

const seconds = ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(
  [
    '',
    `WEx QS is running (ready in ${seconds} s).`,
    playground ? `  Open the Teams client (Agents Playground): ${playground.url}` : '',
    `  Bot endpoint: ${app.url}/api/messages    Health: ${app.url}/healthz`,
    graphEmulator
      ? `  Evidence folders (local SharePoint stand-in): ${app.url}/local/evidence    Graph emulator: ${graphEmulator.url}`
      : '',
    config.local.identityPicker ? `  Personal tab (pick who you are): ${app.url}/tab` : '',
    local.offsetDays !== 0
      ? `  The app's clock is shifted by ${local.offsetDays} days (${LOCAL_CLOCK_OFFSET_VARIABLE}): for the app it is now ${formatLondon(local.clock.now())} UK time.`
      : '',
    '  You are chatting as Priya Shah, applicant lead at Northshire Hospitals NHS Foundation Trust.',
    '  Type "help" to see what you can do. Other demo users are in .m365agentsplayground.yml.',
    `  Press Ctrl-C to stop. Data is kept in ${config.dataDir}/; logs in ${logFile}.`,
    '',
  ]
    .filter((l) => l !== '')
    .join('\n') + '\n',
);

// Folders and meetings are Graph work: done after start-up, without delaying the bot.
if (app.graph) {
  void provisionLocalGraph(app.svc, app.graph)
    .then((r) =>
      process.stdout.write(
        `Evidence folders ready for ${r.succeeded} of ${r.total} organisations; ${r.meetings} drop-in meetings in the calendar.\n`,
      ),
    )
    .catch((err) => log.error({ err: { message: (err as Error).message } }, 'local Graph provisioning failed'));
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'stopping local stack');
  await playground?.stop();
  await app.close();
  await graphEmulator?.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
playground?.child.once('exit', (code) => {
  if (!stopping) {
    log.error({ code }, 'Agents Playground stopped unexpectedly; stopping');
    void shutdown('playground-exit');
  }
});
