/**
 * The composition root: wires config, database, workflows and the bot into one HTTP server.
 * Tests, the local stack and a tenant deployment all start the app through `startApp`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createAdapter } from '../bot/adapter.js';
import { ALL_COMMANDS } from '../bot/commands/index.js';
import { CommandRouter } from '../bot/router.js';
import { WexqsBot } from '../bot/teams-bot.js';
import type { AppConfig } from './config.js';
import type { Clock } from './domain/time.js';
import { createLogger, type Logger } from './log.js';
import { createHttpApp } from './server/app-server.js';
import { openDatabase, type DatabaseHandle } from './store/database.js';
import { Store } from './store/store.js';
import { systemClock, type Services } from './workflows/services.js';

export interface RunningApp {
  url: string;
  svc: Services;
  database: DatabaseHandle;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  log?: Logger;
  /** Use this database instead of opening one from config (tests). */
  database?: DatabaseHandle;
  /** Runs after migrations and before the server listens (e.g. seeding demo data). */
  beforeListen?: (svc: Services) => Promise<void>;
}

export async function startApp(config: AppConfig, opts: StartOptions = {}): Promise<RunningApp> {
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const database =
    opts.database ??
    (await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') }));
  const svc: Services = { store: new Store(database.db), clock: opts.clock ?? systemClock, log };
  await opts.beforeListen?.(svc);

  const router = new CommandRouter(svc, ALL_COMMANDS);
  const bot = new WexqsBot(svc, router);
  const adapter = createAdapter(config.bot, log);
  const http = createHttpApp({ adapter, bot, svc });

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
    database,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      if (!opts.database) await database.close();
    },
  };
}
