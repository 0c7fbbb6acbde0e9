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
import { createAdapter, type BotTokenService } from '../bot/adapter.js';
import { EmulatorCredentialsFactory } from './connector-emulator/bot-credentials.js';
import { provisionFolders, recheckEvidence } from '../bot/jobs.js';
import { renderNotification } from '../bot/notification-cards.js';
import { AdapterCardDelivery } from '../bot/proactive-cards.js';
import { ALL_COMMANDS } from '../bot/commands/index.js';
import { CommandRouter } from '../bot/router.js';
import { WexqsBot } from '../bot/teams-bot.js';
import { BotMessenger } from '../bot/messenger.js';
import { registerAppJobs } from './jobs/app-jobs.js';
import { createJobQueue } from './jobs/job-queue.js';
import { JobRegistry } from './jobs/registry.js';
import type { DispatcherOptions } from './notifications/dispatcher.js';
import { tenantServiceUrl } from './notifications/teams-installer.js';
import { ConfigError, type AppConfig } from './config.js';
import type { Clock } from './domain/time.js';
import { createGraphPorts, type GraphEndpoint, type GraphPorts } from './graph/graph-setup.js';
import { GraphRequestError } from './graph/meetings.js';
import { hostForUrl } from './loopback.js';
import { createLogger, type Logger } from './log.js';
import { createHttpApp, createHttpServer } from './server/app-server.js';
import { observeOutbox, traceJob } from './telemetry.js';
import { outboxBacklog } from './store/outbox-backlog.js';
import { icsPath, mountIcsRoute } from './server/ics-route.js';
import { createLinkSigner } from './server/signed-links.js';
import { awardFilePath, feedbackReportPath, mountAwardFilesRoute } from './server/award-files-route.js';
import { mountVerifyRoute } from './server/verify-route.js';
import type { AwardFile } from './workflows/ports.js';
import { mountReadiness } from './server/readiness-route.js';
import { mountTab } from './server/tab-route.js';
import { openDatabase, type DatabaseHandle } from './store/database.js';
import { followPeopleChanges, type PeopleChangeFeed } from './store/people-change-feed.js';
import { PersonCache } from './store/person-cache.js';
import { Store } from './store/store.js';
import { instanceIdOf, systemClock, type Services } from './workflows/services.js';

export interface RunningApp {
  url: string;
  svc: Services;
  graph: GraphPorts | null;
  database: DatabaseHandle;
  /** The background jobs (run one now, see their status; `drain` runs what is queued, in tests). */
  jobs: JobRegistry;
  /** Notices of changes to people and roles, which keep the instance's person cache true. */
  peopleChanges: PeopleChangeFeed;
  /** Graceful shutdown within `timeoutMs` (default: SHUTDOWN_TIMEOUT_MS); safe to call twice. */
  close(opts?: { timeoutMs?: number }): Promise<void>;
}

/**
 * What the composition root can be given besides the validated config. Local stand-ins (the
 * Graph emulator, a local bot token service) reach the app only through these, never through
 * settings tenant mode would accept.
 */
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
  localLinks?: Pick<NonNullable<Services['links']>, 'joinMeeting' | 'evidenceFolder' | 'evidenceDocument'>;
  /** Build the Graph-backed ports (evidence folders, meetings, attendance); default true. */
  graph?: boolean;
  /** Talk to this Graph endpoint with this token source instead of the configured one (tests). */
  graphEndpoint?: GraphEndpoint;
  /** Runs after migrations and before the server listens (e.g. seeding demo data). */
  beforeListen?: (svc: Services) => Promise<void>;
  /**
   * Background jobs (src/jobs): every job runs here unless its JOB_* setting is false (local and
   * tenant mode alike). `workers: false`: jobs can be queued but none runs on its own here (tests
   * drive them with `app.jobs.runNow()` and `app.jobs.drain()`). `dispatcher`: options for the
   * notification dispatcher (tests watch its lanes and events, so they wait for events, not time).
   * `register`: more jobs, registered beside the app's own before they start.
   */
  jobs?: {
    workers?: boolean;
    dispatcher?: Partial<Omit<DispatcherOptions, 'store' | 'clock' | 'log' | 'messenger'>>;
    register?: (jobs: JobRegistry, svc: Services) => void;
  };
  /** Key set that signs tab SSO tokens (tests); default: the configured tenant's Entra JWKS. */
  tabJwks?: JWTVerifyGetKey;
  /** How the bot signs its own calls (tests: the local Bot Connector's token); local mode only. */
  connectorCredentials?: ConfigurationServiceClientCredentialFactory;
  /** The service that signs the bot's tokens (tests: a local OpenID issuer); default: the Bot Framework's. */
  botTokenService?: BotTokenService;
}

export async function startApp(config: AppConfig, opts: StartOptions = {}): Promise<RunningApp> {
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const database =
    opts.database ??
    (await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') }));
  // People recently identified are kept while the change feed (below) listens.
  const personCache = new PersonCache();
  const store = new Store(database.db, false, personCache);
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
    (opts.graph ?? true)
      ? createGraphPorts(config, store, log, {
          sharedLocks: database.engine === 'postgres',
          ...(opts.graphEndpoint ? { endpoint: opts.graphEndpoint } : {}),
        })
      : null;
  if (graph && config.mode === 'tenant') {
    // A calendar that does not allow Teams meetings gives drop-ins without join links: refuse to
    // start when Graph says so. When Graph cannot be asked (no network, the token service down)
    // the instance starts anyway and says it could not check; every Graph job reports its own
    // failures in /readyz.
    try {
      await graph.meetings.assertTeamsMeetingsAllowed();
    } catch (err) {
      const answered = err instanceof GraphRequestError || /allowedOnlineMeetingProviders/.test(String(err));
      if (answered) {
        if (!opts.database) await database.close();
        throw new ConfigError(
          [{ variable: 'GRAPH_ORGANISER_UPN', reason: err instanceof Error ? err.message : String(err) }],
          config.mode,
        );
      }
      log.error(
        { err: { type: err instanceof Error ? err.name : typeof err } },
        "could not check that the organiser's calendar allows Teams meetings (Graph unreachable); starting anyway",
      );
    }
  }
  // The tenant this deployment serves: activities and tab tokens from any other are refused.
  const tenantId = config.bot.tenantId || config.graph.tenantId;
  const svc: Services = {
    store,
    clock,
    log,
    links,
    workLeaseMs: config.workLeaseMs,
    ...(tenantId ? { tenantId } : {}),
    ...(graph
      ? { evidence: graph.evidence, meetings: graph.meetings, scanner: graph.scanner, attendance: graph.attendance }
      : {}),
  };
  const router = new CommandRouter(svc, ALL_COMMANDS);
  const bot = new WexqsBot(svc, router);
  if (opts.connectorCredentials && config.mode !== 'local')
    throw new Error('local Bot Connector credentials cannot be used in tenant mode');
  const adapter = createAdapter(
    config.bot,
    log,
    opts.botTokenService ??
      opts.connectorCredentials ??
      (config.local.botConnectorToken ? new EmulatorCredentialsFactory() : undefined),
  );
  // Replacing a clicked card in place (progress); messages to people go through the outbox. The
  // Agents Playground (local mode) cannot show a card per viewer; Teams can.
  svc.cards = new AdapterCardDelivery(
    adapter,
    config.bot.appId,
    log,
    !(config.mode === 'local' && config.local.playground),
  );

  // ---------------------------------------------------------------------------------------------
  // Background jobs: every job a deployment needs, each on unless its JOB_* setting is false on
  // this instance (so one instance can be dedicated to jobs). All are safe on several instances.
  // People without a stored conversation: in tenant mode the app is installed for them through
  // Graph and the message goes to the chat that opens; locally only stored conversation
  // references are used (the Agents Playground cannot install apps).
  const reach =
    config.mode === 'tenant'
      ? { serviceUrl: tenantServiceUrl(store), ...(graph?.teamsApps ? { installer: graph.teamsApps } : {}) }
      : {};
  if (config.mode === 'tenant' && !graph?.teamsApps)
    log.warn(
      {},
      'notifications: no Graph app installer (TEAMS_APP_ID or Graph off); people who never opened the app are reported unreachable',
    );
  const jobs = new JobRegistry({
    boss: createJobQueue(database),
    store,
    log,
    clock,
    enabled: config.jobs,
    instance: instanceIdOf(svc),
    trace: traceJob,
  });
  const dispatcher = registerAppJobs(jobs, {
    svc,
    messenger: new BotMessenger(adapter, {
      appId: config.bot.appId,
      ...(tenantId ? { tenantId } : {}),
      ...reach,
      render: (message, recipientId) => renderNotification(svc, message, recipientId),
    }),
    cardJobs: {
      provision: (data) => provisionFolders(svc, data),
      recheck: (data) => recheckEvidence(svc, data),
    },
    dispatcher: {
      instanceId: instanceIdOf(svc),
      leaseMs: config.workLeaseMs,
      sendTimeoutMs: Math.min(15_000, Math.floor(config.workLeaseMs / 2)),
      // Local mode: a drop-in reminder's join button opens the local meeting page, as the booking card's does.
      ...(opts.localLinks?.joinMeeting ? { joinLink: opts.localLinks.joinMeeting } : {}),
      ...(opts.jobs?.dispatcher ?? {}),
    },
  });
  opts.jobs?.register?.(jobs, svc);
  const workers = opts.jobs?.workers ?? true;
  try {
    await jobs.start({ workers });
  } catch (err) {
    await jobs.stop().catch(() => undefined);
    if (!opts.database) await database.close();
    throw err;
  }
  svc.jobs = jobs.port();
  if (jobs.isEnabled('reminder-dispatch') && workers) svc.reminders = dispatcher;
  await opts.beforeListen?.(svc);
  const peopleChanges = await followPeopleChanges(database, personCache, log);
  // ---------------------------------------------------------------------------------------------

  const localRoutes = opts.localRoutes;
  const organiser = { name: 'NHS England WEx QS team', email: config.graph.organiserUpn || 'wexqs@localhost' };
  const http = createHttpApp({
    svc,
    routes: (app: Express) => {
      mountReadiness(app, { svc, engine: database.engine, jobs: () => jobs.status() });
      mountIcsRoute(app, { svc, signer, organiser });
      mountAwardFilesRoute(app, { svc, signer });
      mountVerifyRoute(app, { svc });
      mountTab(app, {
        config,
        svc,
        ...(opts.tabJwks ? { jwks: opts.tabJwks } : {}),
        ...(opts.unregisteredVisitors ? { unregisteredVisitors: opts.unregisteredVisitors } : {}),
      });
      localRoutes?.(app, svc, graph);
    },
  });

  const stopObserving = observeOutbox(() => outboxBacklog(store.db, clock.now()));

  const server: Server = await new Promise<Server>((resolve, reject) => {
    const s = createHttpServer({ adapter, bot, svc, app: http });
    s.once('error', reject);
    s.listen(config.port, config.host, () => {
      s.off('error', reject);
      resolve(s);
    });
  }).catch(async (err: unknown) => {
    stopObserving();
    await peopleChanges.close();
    await jobs.stop();
    if (!opts.database) await database.close();
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${hostForUrl(config.host)}:${port}`;
  log.info({ url, engine: database.engine, mode: config.mode }, 'app listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    svc,
    graph,
    database,
    jobs,
    peopleChanges,
    close(closeOpts = {}) {
      closing ??= shutDown(closeOpts.timeoutMs ?? config.shutdownTimeoutMs);
      return closing;
    },
  };

  /**
   * Graceful shutdown, bounded by `timeoutMs`: stop taking requests (in-flight ones finish), stop
   * the background jobs here (the reminder dispatcher gives back what it claimed, running jobs finish);
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
    stopObserving();
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Jobs stop: the dispatcher gives back what it claimed, running jobs finish (one that does
    // not is retried by another instance after its timeout).
    delete svc.reminders;
    const outcome = await untilDeadline(Promise.all([serverClosed, jobs.stop({ timeoutMs })]));
    server.closeAllConnections();
    // The evidence inspection workers stop (an inspection cut short runs again on the next listing).
    await graph?.scanner.close();
    if (outcome === 'timeout') {
      const released = await svc.store.provisioningRuns.releaseOwner(instanceIdOf(svc), svc.clock.now()).catch(() => 0);
      log.warn({ timeoutMs, releasedRuns: released }, 'shutdown deadline reached: unfinished work released');
    }
    await peopleChanges.close();
    if (!opts.database) await database.close();
    log.info({ timedOut: outcome === 'timeout' }, 'app stopped');
  }
}
