/**
 * Loopback HTTP server for the Graph emulator: bearer-token check, Graph's v1.0 contract (every
 * path segment, body property, action parameter and $select/$expand name must be in the published
 * metadata, metadata.ts), fault injection, SharePoint resource-unit accounting, simulated latency,
 * JSON batching, admin endpoints and stats.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmulatorStore } from './store.js';
import { EmulatedDrive } from './drive.js';
import { EmulatedCalendar } from './calendar.js';
import { EmulatedTeamsApps, type TeamsAppsOptions } from './teams-apps.js';
import { EmulatedOnlineMeetings, type OnlineMeetingsOptions } from './online-meetings.js';
import { GraphFailure, graphError, type EmulatorResponse } from './errors.js';
import { RU_COST, RuBudget, type RequestClass } from './resource-units.js';
import { route, type EmulatorRequest, type SharingBehaviour } from './routes.js';
import { EmulatedDirectory, type DirectoryOptions } from './directory.js';
import { ContractViolation, graphMetadata, validateRequest } from './metadata.js';
import { guidFrom, seededRandom, type Random } from './prng.js';
import { assertLoopback, LOOPBACK_HOST } from '../../loopback.js';

export interface FaultConfig {
  /** Probabilities per request (and per batch entry for the status faults), 0..1. */
  rate429?: number;
  rate503?: number;
  rate504?: number;
  /** The server never answers; the client has to give up (use a client-side timeout). */
  rateTimeout?: number;
  /** The connection is destroyed without a response (socket.destroy()). */
  rateDrop?: number;
  /** Probability that a timed-out/dropped request was executed before its answer was lost. Default 0.5. */
  executedBeforeLoss?: number;
  /** Retry-After on injected 429/503, in scaled seconds. Default 1. */
  retryAfterSeconds?: number;
  /** Also inject 429/503/504 into individual $batch entries. Default true. */
  perBatchEntry?: boolean;
  /**
   * Deterministic refusals for tests: a request (or batch entry) whose method matches and whose
   * path contains `pathIncludes` is answered with this status and error code.
   */
  rules?: Array<{ method?: string; pathIncludes: string; status: number; code: string; message?: string }>;
}

/** How the emulated tenant treats sharing parameters (probabilities per request, 0..1). */
export interface SharingOptions {
  /** `invite` with `retainInheritedPermissions` answered 400 invalidRequest (microsoft-graph-docs#22261). */
  refuseRetainOnInviteRate?: number;
  /** `createLink` with `retainInheritedPermissions: false` copying the inherited access anyway. */
  ignoreRetainOnCreateLinkRate?: number;
}

export interface GraphEmulatorOptions {
  port?: number;
  host?: string;
  /** Persist under this directory (state.json + journal.jsonl + content/). Omit for in-memory. */
  dataDir?: string;
  /** Token the emulator accepts; default: any non-empty bearer token. */
  acceptedToken?: string | ((token: string) => boolean);
  /**
   * Parse Graph's v1.0 metadata (the contract every request is checked against; about half a
   * second of CPU) on the first request instead of at start: for a stack whose first Graph
   * request comes after something more urgent (`npm start`, where the bot answers first).
   */
  contractOnFirstRequest?: boolean;
  /** SharePoint RU budget per (scaled) minute. Default 1250 (smallest tenant). */
  ruPerMinute?: number;
  /** RU budget per (scaled) day. Default 1,200,000. */
  ruPerDay?: number;
  /** One budget minute passes in 60/timeScale real seconds. Default 1. */
  timeScale?: number;
  /** Simulated service time per request in real-world ms (divided by timeScale). Default 0. */
  latencyMs?: number;
  faults?: FaultConfig;
  seed?: number;
  siteUrl?: string;
  tenantId?: string;
  /** Directory users: members, or guests (`userType: 'Guest'`, external people already invited to the tenant). */
  users?: Array<{
    mail: string;
    displayName?: string;
    id?: string;
    userPrincipalName?: string;
    userType?: 'Member' | 'Guest';
  }>;
  /** Domains the tenant owns (every address there is a member) and its security groups (directory.ts). */
  directory?: DirectoryOptions;
  sharing?: SharingOptions;
  /** Mailboxes whose calendar does not allow Teams meetings (calendar.allowedOnlineMeetingProviders). */
  calendarsWithoutTeams?: string[];
  /** Outlook: concurrent requests per mailbox. Default 4. */
  mailboxConcurrency?: number;
  /** Small upload limit. Default 250 MB. */
  maxUploadBytes?: number;
  /** Answer batch entries in a shuffled order (allowed by the docs). Default true. */
  shuffleBatchResponses?: boolean;
  /** Teams apps in the catalog, and users without a Teams licence or with the app blocked (teams-apps.ts). */
  teams?: TeamsAppsOptions;
  /** Online meetings' attendance reports: the clock and the application access policy (online-meetings.ts). */
  onlineMeetings?: OnlineMeetingsOptions;
}

export interface EmulatorStats {
  requests: number;
  batchEnvelopes: number;
  batchEntries: number;
  byStatus: Record<string, number>;
  byClass: Record<string, number>;
  /** Requests refused because they name something that is not in Graph's v1.0 metadata. */
  contractRefusals: number;
  ruUsed: number;
  ruThrottled: number;
  throttled: number;
  mailboxThrottled: number;
  faults: { '429': number; '503': number; '504': number; timeout: number; drop: number };
  drive: EmulatedDrive['stats'];
  startedAt: number;
}

export interface GraphEmulator {
  /** Base URL, e.g. http://127.0.0.1:4321 (append /v1.0). */
  url: string;
  driveId: string;
  close(): Promise<void>;
  stats(): EmulatorStats;
  /** Replace the fault configuration at run time. */
  setFaults(f: FaultConfig): void;
  /** Wipe all data and stats (the drive is recreated). */
  reset(): void;
  /** Direct access for tests and seeding (no HTTP, no RU). */
  readonly drive: EmulatedDrive;
  readonly calendar: EmulatedCalendar;
  readonly teams: EmulatedTeamsApps;
  readonly directory: EmulatedDirectory;
  /** Replace the sharing behaviour at run time. */
  setSharing(s: SharingOptions): void;
  readonly onlineMeetings: EmulatedOnlineMeetings;
}

const DEFAULT_USERS = [
  { mail: 'organiser@wexqs.example', displayName: 'Drop-in Organiser' },
  { mail: 'admin@wexqs.example', displayName: 'WExQS Admin' },
];

function emptyStats(drive: EmulatedDrive): EmulatorStats {
  return {
    requests: 0,
    batchEnvelopes: 0,
    batchEntries: 0,
    byStatus: {},
    byClass: {},
    contractRefusals: 0,
    ruUsed: 0,
    ruThrottled: 0,
    throttled: 0,
    mailboxThrottled: 0,
    faults: { '429': 0, '503': 0, '504': 0, timeout: 0, drop: 0 },
    drive: drive.stats,
    startedAt: Date.now(),
  };
}

export async function startGraphEmulator(opts: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const timeScale = opts.timeScale ?? 1;
  const random: Random = seededRandom(opts.seed ?? 1);
  const faultRandom: Random = seededRandom((opts.seed ?? 1) ^ 0x5eed);
  const store = new EmulatorStore(opts.dataDir);
  const siteUrl = opts.siteUrl ?? 'https://contoso.sharepoint.com/sites/WExQS';
  const tenantId = opts.tenantId ?? '00000000-0000-0000-0000-00000000e3e3';
  let drive = new EmulatedDrive(store, random, { siteUrl });
  let calendar = new EmulatedCalendar(store, random, tenantId, opts.calendarsWithoutTeams);
  calendar.seedUsers(opts.users ?? DEFAULT_USERS);
  let teams = new EmulatedTeamsApps(store, calendar, opts.teams);
  let directory = new EmulatedDirectory(calendar, opts.directory);
  let sharingOpts: SharingOptions = { ...(opts.sharing ?? {}) };
  const sharingRandom: Random = seededRandom((opts.seed ?? 1) ^ 0x5a4e);
  if (!opts.contractOnFirstRequest) graphMetadata();
  const sharing: SharingBehaviour = {
    refuseRetainOnInvite: () => sharingRandom() < (sharingOpts.refuseRetainOnInviteRate ?? 0),
    ignoreRetainOnCreateLink: () => sharingRandom() < (sharingOpts.ignoreRetainOnCreateLinkRate ?? 0),
  };
  let onlineMeetings = new EmulatedOnlineMeetings(store, calendar, opts.onlineMeetings);
  let budget = new RuBudget(opts.ruPerMinute ?? 1250, timeScale, opts.ruPerDay ?? 1_200_000);
  let faults: FaultConfig = { ...(opts.faults ?? {}) };
  let stats = emptyStats(drive);
  const mailboxInFlight = new Map<string, number>();
  const hanging = new Set<Socket>();
  const mailboxLimit = opts.mailboxConcurrency ?? 4;
  const maxUpload = opts.maxUploadBytes ?? 250 * 1024 * 1024;
  const latency = (opts.latencyMs ?? 0) / timeScale;
  const faultRetryAfter = () => budget.formatSeconds(((faults.retryAfterSeconds ?? 1) * 1000) / timeScale);

  const tokenOk = (t: string): boolean => {
    if (!t) return false;
    if (opts.acceptedToken === undefined) return true;
    return typeof opts.acceptedToken === 'function' ? opts.acceptedToken(t) : opts.acceptedToken === t;
  };

  const count = (status: number) => {
    stats.byStatus[String(status)] = (stats.byStatus[String(status)] ?? 0) + 1;
  };

  /** Injected status fault for one request/entry, or undefined. */
  const statusFault = (requestId: string): EmulatorResponse | undefined => {
    const r = faultRandom();
    const p429 = faults.rate429 ?? 0;
    const p503 = faults.rate503 ?? 0;
    const p504 = faults.rate504 ?? 0;
    if (r < p429) {
      stats.faults['429']++;
      stats.throttled++;
      const ra = faultRetryAfter();
      return graphError(429, 'activityLimitReached', 'The request has been throttled.', requestId, {
        'retry-after': ra,
        'retry-after-ms': String(Math.ceil(Number(ra) * 1000)),
      });
    }
    if (r < p429 + p503) {
      stats.faults['503']++;
      const ra = faultRetryAfter();
      return graphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable.', requestId, {
        'retry-after': ra,
        'retry-after-ms': String(Math.ceil(Number(ra) * 1000)),
      });
    }
    if (r < p429 + p503 + p504) {
      stats.faults['504']++;
      return graphError(504, 'gatewayTimeout', 'The gateway timed out.', requestId);
    }
    return undefined;
  };

  /** One Graph operation (top-level or a batch entry). */
  const processOne = async (req: EmulatorRequest, inBatch: boolean): Promise<EmulatorResponse> => {
    if (inBatch && (faults.perBatchEntry ?? true)) {
      const f = statusFault(req.requestId);
      if (f) return f;
    }
    // Graph's contract first: a name that is not in the v1.0 metadata does not exist (parsed once
    // per process: at start, or on the first request with contractOnFirstRequest).
    try {
      validateRequest(graphMetadata(), req);
    } catch (e) {
      if (!(e instanceof ContractViolation)) throw e;
      stats.contractRefusals++;
      return graphError(400, 'BadRequest', e.message, req.requestId);
    }
    const rule = faults.rules?.find(
      (x) => (!x.method || x.method.toUpperCase() === req.method) && req.path.includes(x.pathIncludes),
    );
    if (rule) return graphError(rule.status, rule.code, rule.message ?? 'Refused by a test rule.', req.requestId);
    let r;
    try {
      r = route(req, { drive, calendar, teams, directory, sharing, meetings: onlineMeetings });
    } catch (e) {
      if (e instanceof GraphFailure) return graphError(e.status, e.code, e.message, req.requestId, e.headers);
      throw e;
    }
    stats.byClass[r.cls] = (stats.byClass[r.cls] ?? 0) + 1;
    const cost = RU_COST[r.cls as RequestClass];
    let rlHeaders: Record<string, string> = {};
    if (cost > 0) {
      const d = budget.charge(cost);
      stats.ruUsed += cost;
      rlHeaders = budget.headers(d, !d.allowed);
      if (!d.allowed) {
        stats.ruThrottled += cost;
        stats.throttled++;
        return graphError(
          429,
          'activityLimitReached',
          "The request has been throttled: the application's resource-unit budget is used up.",
          req.requestId,
          rlHeaders,
        );
      }
    }
    if (r.mailbox) {
      const n = mailboxInFlight.get(r.mailbox) ?? 0;
      if (n >= mailboxLimit) {
        stats.mailboxThrottled++;
        stats.throttled++;
        const ra = budget.formatSeconds(1000 / timeScale);
        return graphError(
          429,
          'ApplicationThrottled',
          'Application is over its MailboxConcurrency limit.',
          req.requestId,
          { 'retry-after': ra, 'retry-after-ms': String(Math.ceil(1000 / timeScale)) },
        );
      }
      mailboxInFlight.set(r.mailbox, n + 1);
    }
    try {
      if (!inBatch && latency > 0) await sleep(latency);
      const res = r.exec();
      res.headers = { ...rlHeaders, ...res.headers };
      return res;
    } catch (e) {
      if (e instanceof GraphFailure)
        return graphError(e.status, e.code, e.message, req.requestId, { ...rlHeaders, ...e.headers });
      throw e;
    } finally {
      if (r.mailbox) mailboxInFlight.set(r.mailbox, (mailboxInFlight.get(r.mailbox) ?? 1) - 1);
    }
  };

  /**
   * POST /$batch — https://learn.microsoft.com/en-us/graph/json-batching
   * At most 20 requests, unique ids, a body needs a Content-Type header, dependsOn must name earlier
   * requests (https://github.com/microsoftgraph/msgraph-sdk-java-core/issues/71) and a batch is either
   * fully parallel (no dependsOn) or sequential (every request after the first has dependsOn), as
   * Microsoft answered in https://learn.microsoft.com/en-us/answers/questions/1532547/regarding-batching-response-order .
   * Entries are charged and throttled individually (a 429 entry carries its own Retry-After); a failed
   * dependency gives 424; the envelope is 200.
   */
  const processBatch = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    stats.batchEnvelopes++;
    const body = req.body as { requests?: unknown } | undefined;
    const list = body && Array.isArray(body.requests) ? (body.requests as Array<Record<string, unknown>>) : undefined;
    if (!list || list.length === 0)
      return graphError(400, 'BadRequest', 'Invalid batch payload format.', req.requestId);
    if (list.length > 20)
      return graphError(400, 'BadRequest', 'Number of batch request steps exceeds the maximum of 20.', req.requestId);
    const seen = new Set<string>();
    for (const [i, e] of list.entries()) {
      const id = e.id;
      if (typeof id !== 'string' || !id)
        return graphError(400, 'BadRequest', 'Each request needs an id.', req.requestId);
      if (seen.has(id))
        return graphError(400, 'BadRequest', `Batch request contains duplicate id '${id}'.`, req.requestId);
      if (typeof e.method !== 'string' || typeof e.url !== 'string')
        return graphError(400, 'BadRequest', `Request '${id}' needs method and url.`, req.requestId);
      const deps = e.dependsOn;
      if (deps !== undefined) {
        if (!Array.isArray(deps)) return graphError(400, 'BadRequest', 'dependsOn must be an array.', req.requestId);
        for (const d of deps)
          if (!seen.has(String(d)))
            return graphError(
              400,
              'BadRequest',
              `The dependsOn id '${String(d)}' in request '${id}' does not match an earlier request.`,
              req.requestId,
            );
      }
      if (i > 0 && list.some((x) => x.dependsOn !== undefined) && deps === undefined) {
        return graphError(
          400,
          'BadRequest',
          'Batch should be either fully sequential or fully parallel.',
          req.requestId,
        );
      }
      seen.add(id);
    }
    // Entries run as Graph runs them: an entry waits only for the entries it names in dependsOn;
    // entries without dependsOn run in parallel, in no particular order ("individual requests can
    // be executed in any order", https://learn.microsoft.com/en-us/graph/json-batching), so two
    // entries that touch the same thing race here as they do in a tenant.
    const running = new Map<string, Promise<EmulatorResponse>>();
    let depth = 1;
    const depthOf = new Map<string, number>();
    const runEntry = async (e: Record<string, unknown>, deps: string[]): Promise<EmulatorResponse> => {
      const entryId = guidFrom(random).toLowerCase();
      const before = await Promise.all(deps.map((d) => running.get(d)!));
      if (before.some((r) => r.status >= 400))
        return graphError(424, 'FailedDependency', 'The request depends on a request that failed.', entryId);
      // A random number of turns of the event loop: parallel entries start in a random order and
      // interleave with other batches in flight.
      for (let n = Math.floor(random() * 4); n > 0; n--) await new Promise<void>((r) => setImmediate(r));
      const headers = Object.fromEntries(
        Object.entries((e.headers as Record<string, string> | undefined) ?? {}).map(([k, v]) => [
          k.toLowerCase(),
          String(v),
        ]),
      );
      if (e.body !== undefined && !headers['content-type'])
        return graphError(400, 'BadRequest', 'Content-Type header is required when a body is specified.', entryId);
      let url = String(e.url).replace(/^https?:\/\/[^/]+/, '');
      if (!url.startsWith('/')) url = '/' + url;
      url = url.replace(/^\/v1\.0(?=\/)/, '');
      const qi = url.indexOf('?');
      const sub: EmulatorRequest = {
        method: String(e.method).toUpperCase(),
        path: qi === -1 ? url : url.slice(0, qi),
        query: new URLSearchParams(qi === -1 ? '' : url.slice(qi + 1)),
        headers,
        body: e.body,
        requestId: entryId,
        serviceRoot: req.serviceRoot,
      };
      return processOne(sub, true);
    };
    for (const e of list) {
      const id = e.id as string;
      const deps = ((e.dependsOn as unknown[] | undefined) ?? []).map(String);
      depthOf.set(id, 1 + Math.max(0, ...deps.map((d) => depthOf.get(d) ?? 0)));
      depth = Math.max(depth, depthOf.get(id)!);
      stats.batchEntries++;
      running.set(id, runEntry(e, deps));
    }
    const results = new Map<string, EmulatorResponse>();
    for (const [id, p] of running) results.set(id, await p);
    if (latency > 0) await sleep(latency * depth);
    let responses = list.map((e) => {
      const r = results.get(e.id as string)!;
      count(r.status);
      return {
        id: e.id,
        status: r.status,
        headers: r.headers,
        ...(r.body !== undefined ? { body: Buffer.isBuffer(r.body) ? r.body.toString('base64') : r.body } : {}),
      };
    });
    if (opts.shuffleBatchResponses ?? true) {
      responses = responses
        .map((r) => ({ r, k: random() }))
        .sort((a, b) => a.k - b.k)
        .map((x) => x.r);
    }
    const d = budget.charge(0);
    return {
      status: 200,
      headers: { 'content-type': 'application/json', ...budget.headers(d, false) },
      body: { responses },
    };
  };

  const admin = (method: string, p: string, body: unknown): EmulatorResponse | undefined => {
    if (p === '/_emulator/stats' && method === 'GET')
      return { status: 200, headers: { 'content-type': 'application/json' }, body: stats };
    if (p === '/_emulator/health')
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: { ok: true, driveId: drive.driveId },
      };
    if (p === '/_emulator/faults' && method === 'GET')
      return { status: 200, headers: { 'content-type': 'application/json' }, body: faults };
    if (p === '/_emulator/faults' && (method === 'POST' || method === 'PUT')) {
      faults = { ...((body as FaultConfig | undefined) ?? {}) };
      return { status: 200, headers: { 'content-type': 'application/json' }, body: faults };
    }
    const view = /^\/_emulator\/view\/([^/]+)$/.exec(p);
    if (view && method === 'GET') {
      // Where the emulated preview link (POST …/preview) points: the file, shown inline.
      try {
        const it = drive.item(decodeURIComponent(view[1]!));
        const type = /\.pdf$/i.test(it.name) ? 'application/pdf' : (it.mimeType ?? 'application/octet-stream');
        return {
          status: 200,
          headers: { 'content-type': type, 'content-disposition': 'inline' },
          body: drive.content(it.id),
        };
      } catch {
        return graphError(404, 'itemNotFound', 'The item could not be found.', 'view');
      }
    }
    if (p === '/_emulator/reset' && method === 'POST') {
      api.reset();
      return { status: 204, headers: {} };
    }
    return undefined;
  };

  const readBody = (req: http.IncomingMessage): Promise<Buffer | 'tooLarge'> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxUpload + 1024 * 1024) tooLarge = true;
        else chunks.push(c);
      });
      req.on('end', () => resolve(tooLarge ? 'tooLarge' : Buffer.concat(chunks)));
      req.on('error', reject);
    });

  const send = (res: http.ServerResponse, r: EmulatorResponse, requestId: string) => {
    const headers: Record<string, string> = { 'request-id': requestId, 'client-request-id': requestId, ...r.headers };
    let payload: Buffer | undefined;
    if (Buffer.isBuffer(r.body)) payload = r.body;
    else if (r.body !== undefined) payload = Buffer.from(JSON.stringify(r.body));
    if (payload) headers['content-length'] = String(payload.length);
    res.writeHead(r.status, headers);
    res.end(payload);
  };

  const server = http.createServer(async (hreq, hres) => {
    const requestId = guidFrom(random).toLowerCase();
    try {
      const u = new URL(hreq.url ?? '/', 'http://emulator');
      const raw = await readBody(hreq);
      const method = (hreq.method ?? 'GET').toUpperCase();
      if (u.pathname.startsWith('/_emulator/')) {
        // Admin routes change what the emulator answers (faults, reset): the same bearer token as
        // the Graph routes, so a web page in a browser on this machine cannot POST to them. The
        // one exception is the preview link a person opens in a browser (GET /_emulator/view/…),
        // the stand-in for the pre-authenticated URL that POST …/preview answers.
        const bearer = /^Bearer\s+(.+)$/i.exec(hreq.headers.authorization ?? '');
        const previewLink = method === 'GET' && u.pathname.startsWith('/_emulator/view/');
        if (!previewLink && (!bearer || !tokenOk(bearer[1]!.trim()))) {
          return send(
            hres,
            graphError(401, 'InvalidAuthenticationToken', 'The emulator admin routes need its token.', requestId, {
              'www-authenticate': 'Bearer realm="graph-emulator"',
            }),
            requestId,
          );
        }
        const a = admin(
          method,
          u.pathname,
          raw !== 'tooLarge' && raw.length ? JSON.parse(raw.toString('utf8')) : undefined,
        );
        return send(hres, a ?? graphError(404, 'itemNotFound', 'Unknown admin endpoint.', requestId), requestId);
      }
      stats.requests++;
      if (!u.pathname.startsWith('/v1.0/')) {
        count(400);
        return send(
          hres,
          graphError(400, 'BadRequest', 'Invalid version: only v1.0 is emulated.', requestId),
          requestId,
        );
      }
      const auth = hreq.headers.authorization ?? '';
      const m = /^Bearer\s+(.+)$/i.exec(auth);
      if (!m || !tokenOk(m[1]!.trim())) {
        count(401);
        return send(
          hres,
          graphError(
            401,
            'InvalidAuthenticationToken',
            m ? 'Access token validation failure.' : 'Access token is empty.',
            requestId,
            { 'www-authenticate': 'Bearer realm="", error="invalid_token"' },
          ),
          requestId,
        );
      }
      if (raw === 'tooLarge') {
        count(413);
        return send(
          hres,
          graphError(413, 'requestTooLarge', 'Use an upload session for files larger than 250 MB.', requestId),
          requestId,
        );
      }
      // transport faults: the request may or may not have been executed before the answer is lost
      const r = faultRandom();
      const pDrop = faults.rateDrop ?? 0;
      const pTimeout = faults.rateTimeout ?? 0;
      const lose: 'drop' | 'timeout' | undefined = r < pDrop ? 'drop' : r < pDrop + pTimeout ? 'timeout' : undefined;
      const executeAnyway = lose ? faultRandom() < (faults.executedBeforeLoss ?? 0.5) : true;
      if (!lose) {
        const f = statusFault(requestId);
        if (f) {
          count(f.status);
          return send(hres, f, requestId);
        }
      }
      const ctype = String(hreq.headers['content-type'] ?? '');
      const path = u.pathname.slice('/v1.0'.length);
      let body: unknown = undefined;
      if (raw.length > 0) {
        if (ctype.includes('json')) {
          try {
            body = JSON.parse(raw.toString('utf8'));
          } catch {
            count(400);
            return send(
              hres,
              graphError(400, 'BadRequest', 'Unable to read JSON request payload.', requestId),
              requestId,
            );
          }
        } else body = raw;
      } else if (method === 'PUT') body = Buffer.alloc(0);
      const headers = Object.fromEntries(
        Object.entries(hreq.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v ?? '')]),
      );
      const ereq: EmulatorRequest = {
        method,
        path,
        query: u.searchParams,
        headers,
        body,
        requestId,
        serviceRoot: `http://${hreq.headers.host}/v1.0`,
      };
      let result: EmulatorResponse | undefined;
      if (executeAnyway) {
        if (path === '/$batch' && method === 'POST') result = await processBatch(ereq);
        else {
          result = await processOne(ereq, false);
          count(result.status);
        }
      }
      if (lose === 'drop') {
        stats.faults.drop++;
        hreq.socket.destroy();
        return;
      }
      if (lose === 'timeout') {
        stats.faults.timeout++;
        hanging.add(hreq.socket);
        hreq.socket.once('close', () => hanging.delete(hreq.socket));
        return; // never answer
      }
      send(hres, result!, requestId);
    } catch (e) {
      count(500);
      send(hres, graphError(500, 'generalException', e instanceof Error ? e.message : 'error', requestId), requestId);
    }
  });
  server.keepAliveTimeout = 30_000;
  // A stand-in for Microsoft Graph with a fixed token: never reachable from another machine.
  const host = opts.host ?? LOOPBACK_HOST;
  assertLoopback(host, 'The Graph emulator host');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, resolve);
  });
  const addr = server.address() as AddressInfo;

  const api: GraphEmulator = {
    url: `http://${addr.address}:${addr.port}`,
    get driveId() {
      return drive.driveId;
    },
    get drive() {
      return drive;
    },
    get calendar() {
      return calendar;
    },
    get teams() {
      return teams;
    },
    get onlineMeetings() {
      return onlineMeetings;
    },
    get directory() {
      return directory;
    },
    setSharing: (x) => {
      sharingOpts = { ...x };
    },
    stats: () => structuredClone(stats),
    setFaults: (f) => {
      faults = { ...f };
    },
    reset: () => {
      store.clear();
      drive = new EmulatedDrive(store, random, { siteUrl });
      calendar = new EmulatedCalendar(store, random, tenantId, opts.calendarsWithoutTeams);
      calendar.seedUsers(opts.users ?? DEFAULT_USERS);
      teams = new EmulatedTeamsApps(store, calendar, opts.teams);
      directory = new EmulatedDirectory(calendar, opts.directory);
      onlineMeetings = new EmulatedOnlineMeetings(store, calendar, opts.onlineMeetings);
      budget = new RuBudget(opts.ruPerMinute ?? 1250, timeScale, opts.ruPerDay ?? 1_200_000);
      stats = emptyStats(drive);
    },
    close: async () => {
      for (const s of hanging) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
  return api;
}
