/**
 * The composition root: wires config, database, workflows and the bot into one HTTP server.
 * Tests, the local stack and a tenant deployment all start the app through `startApp`.
 */
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createAdapter } from '../bot/adapter.js';
import { ALL_COMMANDS } from '../bot/commands/index.js';
import { CommandRouter } from '../bot/router.js';
import { WexqsBot } from '../bot/teams-bot.js';
import type { AppConfig } from './config.js';
import type { Clock } from './domain/time.js';
import { createGraphPorts, type GraphPorts } from './graph/graph-setup.js';
import { createLogger, type Logger } from './log.js';
import { createHttpApp } from './server/app-server.js';
import { openDatabase, type DatabaseHandle } from './store/database.js';
import { Store } from './store/store.js';
import { systemClock, type Services } from './workflows/services.js';

export interface RunningApp {
  url: string;
  svc: Services;
  graph: GraphPorts | null;
  database: DatabaseHandle;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  log?: Logger;
  /** Use this database instead of opening one from config (tests). */
  database?: DatabaseHandle;
  /** Routes only the local stack mounts (e.g. the evidence upload page); refused in tenant mode. */
  localRoutes?: (app: Express, svc: Services, graph: GraphPorts | null) => void;
  /** Build the Graph-backed ports (evidence folders, meetings); default true. */
  graph?: boolean;
  /** Runs after migrations and before the server listens (e.g. seeding demo data). */
  beforeListen?: (svc: Services) => Promise<void>;
}

export async function startApp(config: AppConfig, opts: StartOptions = {}): Promise<RunningApp> {
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const database =
    opts.database ??
    (await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') }));
  const store = new Store(database.db);
  const graph = (opts.graph ?? true) ? createGraphPorts(config, store, log) : null;
  const svc: Services = {
    store,
    clock: opts.clock ?? systemClock,
    log,
    ...(graph ? { evidence: graph.evidence, meetings: graph.meetings } : {}),
  };
  await opts.beforeListen?.(svc);

  const router = new CommandRouter(svc, ALL_COMMANDS);
  const bot = new WexqsBot(svc, router);
  const adapter = createAdapter(config.bot, log);
  if (opts.localRoutes && config.mode !== 'local') throw new Error('local-only routes cannot be mounted in tenant mode');
  const localRoutes = opts.localRoutes;
  const http = createHttpApp({ adapter, bot, svc, ...(localRoutes ? { extraRoutes: (app: Express) => localRoutes(app, svc, graph) } : {}) });

  const server: Server = await new Promise((resolve, reject) => {
    // Express 5 passes a listen error (e.g. EADDRINUSE) to the callback.
    const s = http.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  log.info({ url, engine: database.engine, mode: config.mode }, 'app listening');

  return {
    url,
    svc,
    graph,
    database,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      if (!opts.database) await database.close();
    },
  };
}
