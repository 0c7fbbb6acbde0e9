/**
 * The composition root: wires config, database, workflows and the bot into one HTTP server.
 * Tests, the local stack and a tenant deployment all start the app through `startApp`.
 */
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ConfigurationServiceClientCredentialFactory } from 'botbuilder';
import type { JWTVerifyGetKey } from 'jose';
import { createAdapter } from '../bot/adapter.js';
import { EmulatorCredentialsFactory } from './connector-emulator/bot-credentials.js';
import { AdapterCardDelivery } from '../bot/proactive-cards.js';
import { DetachedBackground } from './workflows/fakes.js';
import { ALL_COMMANDS } from '../bot/commands/index.js';
import { CommandRouter } from '../bot/router.js';
import { WexqsBot } from '../bot/teams-bot.js';
import { BotMessenger } from '../bot/messenger.js';
import { ReminderService } from './notifications/service.js';
import { tenantServiceUrl } from './notifications/teams-installer.js';
import { ConfigError, type AppConfig } from './config.js';
import type { Clock } from './domain/time.js';
import { createGraphPorts, type GraphPorts } from './graph/graph-setup.js';
import { createLogger, type Logger } from './log.js';
import { createHttpApp } from './server/app-server.js';
import { observeOutbox, traceJob } from './telemetry.js';
import { outboxBacklog } from './store/outbox-backlog.js';
import { lapseOverdueApplications } from './workflows/application-journey.js';
import { icsPath, mountIcsRoute } from './server/ics-route.js';
import { createLinkSigner } from './server/signed-links.js';
import { awardFilePath, feedbackReportPath, mountAwardFilesRoute } from './server/award-files-route.js';
import { mountVerifyRoute } from './server/verify-route.js';
import type { AwardFile } from './workflows/ports.js';
import { mountTab } from './server/tab-route.js';
import { openDatabase, type DatabaseHandle } from './store/database.js';
import { Store } from './store/store.js';
import { instanceIdOf, systemClock, type Services } from './workflows/services.js';

export interface RunningApp {
  url: string;
  svc: Services;
  graph: GraphPorts | null;
  database: DatabaseHandle;
  /** Graceful shutdown within `timeoutMs` (default: SHUTDOWN_TIMEOUT_MS); safe to call twice. */
  close(opts?: { timeoutMs?: number }): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  log?: Logger;
  /** Use this database instead of opening one from config (tests). */
  database?: DatabaseHandle;
  /** Routes only the local stack mounts (e.g. the evidence upload page); refused in tenant mode. */
  localRoutes?: (app: Express, svc: Services, graph: GraphPorts | null) => void;
  /** Local mode: people the tab's picker offers who are not registered; refused in tenant mode. */
  unregisteredVisitors?: readonly { entraObjectId: string; name: string }[];
  /** Links cards give to local pages instead of Teams and SharePoint; refused in tenant mode. */
  localLinks?: Pick<NonNullable<Services['links']>, 'joinMeeting' | 'evidenceFolder'>;
  /** Lapse overdue applications every 10 minutes; default true. */
  housekeeping?: boolean;
  /** Build the Graph-backed ports (evidence folders, meetings); default true. */
  graph?: boolean;
  /** Runs after migrations and before the server listens (e.g. seeding demo data). */
  beforeListen?: (svc: Services) => Promise<void>;
  /**
   * Reminders (issue 5): the planner and the outbox dispatcher sending through the bot adapter.
   * Default: on in local mode, off in tenant mode unless set (then every instance may run it).
   */
  reminders?: boolean | { planEveryMs?: number; pollMs?: number };
  /** Key set that signs tab SSO tokens (tests); default: the configured tenant's Entra JWKS. */
  tabJwks?: JWTVerifyGetKey;
  /** How the bot signs its own calls (tests: the local Bot Connector's token); local mode only. */
  connectorCredentials?: ConfigurationServiceClientCredentialFactory;
}

export async function startApp(config: AppConfig, opts: StartOptions = {}): Promise<RunningApp> {
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const database =
    opts.database ??
    (await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') }));
  const store = new Store(database.db);
  const signer = createLinkSigner({ publicBaseUrl: config.links.publicBaseUrl, secret: config.links.signingSecret });
  const clock = opts.clock ?? systemClock;
  // .ics links stay valid for 60 days: long enough to add a session to a calendar in good time.
  // Award downloads stay valid for 30 days; cards and the tab hand out fresh ones each time.
  const inDays = (days: number) => new Date(clock.now().getTime() + days * 86_400_000);
  if ((opts.localRoutes || opts.localLinks || opts.unregisteredVisitors) && config.mode !== 'local')
    throw new Error('local-only routes and links cannot be used in tenant mode');
  const links = {
    icsForBooking: (bookingId: string) => signer.sign(icsPath(bookingId), inDays(60)),
    awardFile: (awardId: string, file: AwardFile) => signer.sign(awardFilePath(awardId, file), inDays(30)),
    feedbackReport: (applicationId: string) => signer.sign(feedbackReportPath(applicationId), inDays(30)),
    verify: (code: string) => `${config.links.publicBaseUrl}/verify/${code}`,
    ...opts.localLinks,
  };
  // On a PostgreSQL server several instances may run: locks shared through the database.
  const graph =
    (opts.graph ?? true) ? createGraphPorts(config, store, log, { sharedLocks: database.engine === 'postgres' }) : null;
  if (graph && config.mode === 'tenant') {
    // A calendar that does not allow Teams meetings gives drop-ins without join links: refuse to start.
    try {
      await graph.meetings.assertTeamsMeetingsAllowed();
    } catch (err) {
      if (!opts.database) await database.close();
      throw new ConfigError(
        [{ variable: 'GRAPH_ORGANISER_UPN', reason: err instanceof Error ? err.message : String(err) }],
        config.mode,
      );
    }
  }
  const svc: Services = {
    store,
    clock,
    log,
    links,
    workLeaseMs: config.workLeaseMs,
    ...(graph ? { evidence: graph.evidence, meetings: graph.meetings, scanner: graph.scanner } : {}),
  };
  await opts.beforeListen?.(svc);

  const router = new CommandRouter(svc, ALL_COMMANDS);
  const bot = new WexqsBot(svc, router);
  if (opts.connectorCredentials && config.mode !== 'local')
    throw new Error('local Bot Connector credentials cannot be used in tenant mode');
  const adapter = createAdapter(
    config.bot,
    log,
    opts.connectorCredentials ?? (config.local.botConnectorToken ? new EmulatorCredentialsFactory() : undefined),
  );
  // Proactive cards and work after the invoke reply (issue 4 workflows).
  const background = new DetachedBackground(log);
  svc.background = { run: (label, task) => background.run(label, () => traceJob(label, task)) };
  // The Agents Playground (local mode) cannot show a card per viewer; Teams can.
  svc.cards = new AdapterCardDelivery(
    adapter,
    config.bot.appId,
    store,
    log,
    !(config.mode === 'local' && config.local.playground),
  );
  const localRoutes = opts.localRoutes;
  const organiser = { name: 'NHS England WEx QS team', email: config.graph.organiserUpn || 'wexqs@localhost' };
  const http = createHttpApp({
    adapter,
    bot,
    svc,
    routes: (app: Express) => {
      mountIcsRoute(app, { svc, signer, organiser });
  // Award downloads stay valid for 30 days; cards and the tab hand out fresh ones each time.
  const inDays = (days: number) => new Date(clock.now().getTime() + days * 86_400_000);
  if ((opts.localRoutes || opts.localLinks || opts.unregisteredVisitors) && config.mode !== 'local')
      localRoutes?.(app, svc, graph);
    },
  });

  const stopObserving = observeOutbox(() => outboxBacklog(store.db, clock.now()));

  const server: Server = await new Promise((resolve, reject) => {
    // Express 5 passes a listen error (e.g. EADDRINUSE) to the callback.
    const s = http.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  log.info({ url, engine: database.engine, mode: config.mode }, 'app listening');

  const remindersOpt = opts.reminders ?? config.mode === 'local';
  let reminders: ReminderService | null = null;
  if (remindersOpt) {
    const ro = typeof remindersOpt === 'object' ? remindersOpt : {};
    // People without a stored conversation: in tenant mode the app is installed for them through
    // Graph and the message goes to the chat that opens; locally only stored conversation
    // references are used (the Agents Playground cannot install apps).
    const tenantId = config.bot.tenantId || config.graph.tenantId;
    const reach =
      config.mode === 'tenant'
        ? { serviceUrl: tenantServiceUrl(store), ...(graph?.teamsApps ? { installer: graph.teamsApps } : {}) }
        : {};
    if (config.mode === 'tenant' && !graph?.teamsApps)
      log.warn(
        {},
        'reminders: no Graph app installer (TEAMS_APP_ID or Graph off); people who never opened the app are reported unreachable',
      );
    reminders = new ReminderService({
      store,
      clock: svc.clock,
      log,
      messenger: new BotMessenger(adapter, { appId: config.bot.appId, ...(tenantId ? { tenantId } : {}), ...reach }),
      ...(ro.planEveryMs ? { planEveryMs: ro.planEveryMs } : {}),
      dispatcher: {
        instanceId: instanceIdOf(svc),
        leaseMs: config.workLeaseMs,
        sendTimeoutMs: Math.min(15_000, Math.floor(config.workLeaseMs / 2)),
        ...(ro.pollMs ? { pollMs: ro.pollMs } : {}),
      },
    });
    reminders.start();
    svc.reminders = reminders;
  }

  // Housekeeping: applications never submitted lapse once the deadline and grace have passed.
  let lapsing: Promise<void> | null = null;
  const lapse = () => {
    lapsing ??= lapseOverdueApplications(svc)
      .then((n) => void (n > 0 && log.info({ lapsed: n }, 'overdue applications lapsed')))
      .catch((err: unknown) =>
        log.error(
          { err: { message: err instanceof Error ? err.message : String(err) } },
          'lapsing overdue applications failed',
        ),
      )
      .finally(() => {
        lapsing = null;
      });
  };
  const housekeeping = (opts.housekeeping ?? true) ? setInterval(lapse, 10 * 60_000) : null;
  housekeeping?.unref();
  if (housekeeping) lapse();

  let closing: Promise<void> | null = null;
  return {
    url,
    svc,
    graph,
    database,
    close(closeOpts = {}) {
      closing ??= shutDown(closeOpts.timeoutMs ?? config.shutdownTimeoutMs);
      return closing;
    },
  };

  /**
   * Graceful shutdown, bounded by `timeoutMs`: stop taking requests (in-flight ones finish), stop
   * timers and the reminder dispatcher (it gives back what it claimed), let background work finish;
   * what has not finished by the deadline is released (provisioning runs marked interrupted, so
   * any instance may start them again), then the pool closes.
   */
  async function shutDown(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const untilDeadline = <T>(p: Promise<T>): Promise<T | 'timeout'> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
      });
      return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
    };
    if (housekeeping) clearInterval(housekeeping);
    stopObserving();
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (reminders) delete svc.reminders;
    const stopReminders = reminders ? reminders.stop() : Promise.resolve();
    const outcome = await untilDeadline(
      Promise.all([serverClosed, lapsing ?? Promise.resolve(), stopReminders, background.idle()]),
    );
    server.closeAllConnections();
    // The evidence inspection workers stop (an inspection cut short runs again on the next listing).
    await graph?.scanner.close();
    if (outcome === 'timeout') {
      const released = await svc.store.provisioningRuns.releaseOwner(instanceIdOf(svc), svc.clock.now()).catch(() => 0);
      log.warn({ timeoutMs, releasedRuns: released }, 'shutdown deadline reached: unfinished work released');
    }
    if (!opts.database) await database.close();
    log.info({ timedOut: outcome === 'timeout' }, 'app stopped');
  }
}
