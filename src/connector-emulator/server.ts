/**
 * A local Bot Connector (the service a bot calls to send messages to Teams) for tests and
 * benchmarks, next to the Graph emulator. It implements the routes the bot uses:
 *
 * - `POST /v3/conversations` — create a 1:1 conversation `{isGroup:false, members:[{id}], tenantId}`
 * - `POST /v3/conversations/{id}/activities` — send to a conversation
 * - `POST /v3/conversations/{id}/activities/{replyToId}` — reply (what the SDK uses when the
 *   stored conversation reference carries an activity id)
 * - `PUT  /v3/conversations/{id}/activities/{activityId}` — update a message
 * - `GET  /v3/conversations/{id}/members/{userId}` — one member of the conversation, found by Teams
 *   user id or Entra object id, answered with the Teams user id (`29:…`) and `objectId`
 *   (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/get-teams-context#get-single-member-details);
 *   404 when the conversation or the member is unknown
 *
 * and enforces Teams' documented bot rate limits
 * (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit): per bot per conversation
 * 7 per 1 s, 8 per 2 s, 60 per 30 s, 1,800 per hour; about 50 per second per app per tenant
 * (sliding windows over accepted writes). Over a limit it answers 429 with Retry-After (seconds,
 * real time, possibly fractional) and a Bot Framework error body.
 *
 * Like the real service it only answers the bot: every /v3 call needs the bot's bearer token
 * (bot-credentials.ts; https://learn.microsoft.com/en-us/azure/bot-service/rest-api/bot-framework-rest-connector-authentication),
 * else 401 with the connector's body `{"message":"Authorization has been denied for this request."}`.
 * A user who blocked the bot (or uninstalled it) gets Teams' own answer: 403 with
 * `{"errorCode":209,"message":"{\"subCode\":\"MessageWritesBlocked\",…}"}` — the subCode inside
 * the JSON string of `message` (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages ,
 * "MessageWritesBlocked"; the body as Teams returns it is in PLATFORM-FACTS).
 *
 * Time scale: with timeScale S, every window and every injected latency or Retry-After is S times
 * shorter in real time, so S connector-seconds of traffic take one real second. Counts and rates
 * in stats() are reported both ways.
 *
 * Idempotency: a write whose `channelData.idempotencyKey` was already accepted in that
 * conversation is not delivered again; the first activity id is returned and the re-send counted
 * (`dedupedResends`). Real Teams has no such key; the counter shows how many re-sends a crash
 * caused, so a benchmark can report them honestly.
 *
 * Fault injection (probabilities per write): 429 / 412 / 502 / 504 answers, dropped connections
 * (optionally after the message was accepted: the client cannot know), added latency.
 *
 * With `botAuth` the bot's token is checked against a token service's published keys (RS256)
 * instead of the local key: issuer, audience https://api.botframework.com, appid (v1) or azp (v2).
 *
 * Roster: `GET /v3/conversations/{id}/members/{memberId}` answers one member's TeamsChannelAccount
 * (id, name, aadObjectId, email, userPrincipalName, tenantId), as TeamsInfo.getMember asks it
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/get-teams-context#get-single-member-details);
 * an unknown member gets 404 MemberNotFoundInConversation.
 */
import http from 'node:http';
import { seededRandom } from '../graph/emulator/prng.js';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  BOT_CONNECTOR_AUDIENCE,
  LOCAL_BOT_APP_ID,
  LOCAL_CONNECTOR_SIGNING_KEY,
  verifyConnectorToken,
} from './bot-credentials.js';
import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { assertLoopback, LOOPBACK_HOST } from '../loopback.js';

export const TEAMS_CONVERSATION_LIMITS: readonly { count: number; windowMs: number }[] = Object.freeze([
  { count: 7, windowMs: 1_000 },
  { count: 8, windowMs: 2_000 },
  { count: 60, windowMs: 30_000 },
  { count: 1_800, windowMs: 3_600_000 },
]);
export const TEAMS_APP_TENANT_RPS = 50;

export interface ConnectorFaults {
  rate429?: number;
  rate412?: number;
  rate502?: number;
  rate504?: number;
  /** The connection is destroyed without an answer. */
  rateDrop?: number;
  /** Probability a dropped request had been accepted (delivered) before the answer was lost. Default 0.5. */
  dropAfterAccept?: number;
  /** Retry-After on injected 429s, connector seconds. Default 1. */
  retryAfterSeconds?: number;
}

export interface ConnectorEmulatorOptions {
  port?: number;
  host?: string;
  /** Connector seconds per real second. Default 1. */
  timeScale?: number;
  perConversation?: readonly { count: number; windowMs: number }[];
  /** Writes per (connector) second per app per tenant. Default 50. */
  tenantPerSecond?: number;
  /** User ids (Teams ids or Entra object ids) for whom writes are blocked (403 MessageWritesBlocked). */
  blockedUsers?: Iterable<string>;
  faults?: ConnectorFaults;
  /** Simulated service time per write, connector ms. Default 0. */
  latencyMs?: number;
  seed?: number;
  tenantId?: string;
  /** Keep every accepted activity (default true; the bench keeps only counts). */
  keepActivities?: boolean;
  /** Real-time clock in ms (default Date.now); tests pass a manual one so windows are exact. */
  now?: () => number;
  /** The bot whose token is accepted; default LOCAL_BOT_APP_ID. */
  botAppId?: string;
  /** Key the bot's tokens are signed with; default LOCAL_CONNECTOR_SIGNING_KEY. */
  signingKey?: string;
  /**
   * Check the bot's token against a token service's published keys (RS256) instead of the local
   * key: the tenant suite's stand-in for Entra.
   */
  botAuth?: ConnectorBotAuth;
  /** Members the roster route knows (Teams user ids such as 29:…, or Entra object ids). */
  members?: readonly ConnectorMember[];
}

export interface ConnectorBotAuth {
  /** Keys of the token service that issues the bot's tokens. */
  jwks: JWTVerifyGetKey;
  /** Accepted issuers (e.g. https://login.microsoftonline.com/{tenant}/v2.0). */
  issuers: string[];
  /** The bot app ids allowed to send. */
  appIds: string[];
}

/** A Teams user as the connector's roster answers them (TeamsChannelAccount). */
export interface ConnectorMember {
  id: string;
  name: string;
  aadObjectId: string;
  email: string;
  userPrincipalName: string;
  tenantId?: string;
}

export { BOT_CONNECTOR_AUDIENCE };

export interface ReceivedActivity {
  id: string;
  conversationId: string;
  recipientId: string;
  receivedAt: number;
  activity: Record<string, unknown>;
}

export interface ConnectorStats {
  requests: number;
  /** Calls refused for want of the bot's token. */
  unauthorised: number;
  accepted: number;
  updates: number;
  conversationsCreated: number;
  throttled: number;
  throttledConversation: number;
  throttledTenant: number;
  blocked: number;
  dedupedResends: number;
  faults: { '429': number; '412': number; '502': number; '504': number; drop: number; dropAccepted: number };
  byStatus: Record<string, number>;
  /** Real ms timestamps (Date.now()) of the first and last accepted send. */
  firstAcceptAt: number | null;
  lastAcceptAt: number | null;
  /** Highest number of accepted writes in any one connector-second window (sampled at each accept). */
  maxPerSecond: number;
  /** Most accepted writes seen in one conversation's 1-second window. */
  maxPerConversationSecond: number;
}

export interface ConnectorEmulator {
  url: string;
  readonly timeScale: number;
  stats(): ConnectorStats;
  /** Accepted messages (sends and replies, not updates) per recipient id. */
  receivedCounts(): Map<string, number>;
  receivedBy(recipientId: string): number;
  activities(conversationId?: string): ReceivedActivity[];
  /** Map a conversation id to its user (for references the emulator did not create). */
  registerConversation(conversationId: string, userId: string, tenantId?: string): void;
  /** Add someone to the roster the members route answers from. */
  addMember(member: ConnectorMember): void;
  block(userId: string): void;
  unblock(userId: string): void;
  setFaults(f: ConnectorFaults): void;
  setLatency(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

/** Timestamps of accepted writes in a sliding window; answers "allowed now?" and "free when?". */
class WindowLog {
  private readonly times: number[] = [];
  private head = 0;
  constructor(private readonly limits: readonly { count: number; windowMs: number }[]) {}
  private prune(now: number): void {
    const longest = Math.max(...this.limits.map((l) => l.windowMs));
    while (this.head < this.times.length && this.times[this.head]! <= now - longest) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
  }
  countIn(now: number, windowMs: number): number {
    let n = 0;
    for (let i = this.times.length - 1; i >= this.head && this.times[i]! > now - windowMs; i--) n++;
    return n;
  }
  /** 0 when allowed now; else ms until a slot frees. */
  waitMs(now: number): number {
    this.prune(now);
    let wait = 0;
    for (const l of this.limits) {
      const n = this.countIn(now, l.windowMs);
      if (n >= l.count) {
        // The (n - count + 1)-th oldest inside the window must leave it.
        const inWindowStart = this.times.length - n;
        const t = this.times[inWindowStart + (n - l.count)]!;
        wait = Math.max(wait, t + l.windowMs - now);
      }
    }
    return wait;
  }
  add(now: number): void {
    this.times.push(now);
  }
}

interface Conversation {
  id: string;
  userId: string;
  /** The member's Entra object id, when known (from the recipient of a send or the created chat). */
  aadObjectId: string;
  tenantId: string;
  log: WindowLog;
  /** idempotencyKey → activity id */
  keys: Map<string, string>;
}

function botError(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return { status, body: { error: { code, message, ...extra } } };
}

/** What Teams answers for a user who blocked or uninstalled the bot. */
function blockedByUser() {
  return {
    status: 403,
    body: {
      errorCode: 209,
      message: JSON.stringify({ subCode: 'MessageWritesBlocked', details: 'Thread is blocked for bot messages.' }),
    },
  };
}

export async function startConnectorEmulator(opts: ConnectorEmulatorOptions = {}): Promise<ConnectorEmulator> {
  const clock = opts.now ?? Date.now;
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error('timeScale must be > 0');
  const convLimits = (opts.perConversation ?? TEAMS_CONVERSATION_LIMITS).map((l) => ({
    count: l.count,
    windowMs: l.windowMs / timeScale,
  }));
  const tenantLimit = [{ count: opts.tenantPerSecond ?? TEAMS_APP_TENANT_RPS, windowMs: 1000 / timeScale }];
  const defaultTenant = opts.tenantId ?? '00000000-0000-0000-0000-0000000c0a7e';
  const keep = opts.keepActivities ?? true;
  let rng = seededRandom(opts.seed ?? 7);
  let faults: ConnectorFaults = { ...(opts.faults ?? {}) };
  let latency = opts.latencyMs ?? 0;
  const blocked = new Set(opts.blockedUsers ?? []);
  let conversations = new Map<string, Conversation>();
  let tenants = new Map<string, WindowLog>();
  let received = new Map<string, number>();
  let activities: ReceivedActivity[] = [];
  let stats: ConnectorStats = emptyStats();
  const sockets = new Set<Socket>();
  const members = new Map<string, ConnectorMember>();
  for (const m of opts.members ?? []) members.set(m.id, m);

  function emptyStats(): ConnectorStats {
    return {
      requests: 0,
      unauthorised: 0,
      accepted: 0,
      updates: 0,
      conversationsCreated: 0,
      throttled: 0,
      throttledConversation: 0,
      throttledTenant: 0,
      blocked: 0,
      dedupedResends: 0,
      faults: { '429': 0, '412': 0, '502': 0, '504': 0, drop: 0, dropAccepted: 0 },
      byStatus: {},
      firstAcceptAt: null,
      lastAcceptAt: null,
      maxPerSecond: 0,
      maxPerConversationSecond: 0,
    };
  }

  const tenantLog = (tenantId: string) => {
    let l = tenants.get(tenantId);
    if (!l) tenants.set(tenantId, (l = new WindowLog(tenantLimit)));
    return l;
  };
  const conversation = (id: string, userId = '', tenantId = defaultTenant): Conversation => {
    let c = conversations.get(id);
    if (!c)
      conversations.set(
        id,
        (c = { id, userId, aadObjectId: '', tenantId, log: new WindowLog(convLimits), keys: new Map() }),
      );
    return c;
  };
  const retryAfter = (realMs: number) => {
    const s = Math.max(realMs, 1) / 1000;
    return { 'retry-after': s.toFixed(3), 'retry-after-ms': String(Math.ceil(Math.max(realMs, 1))) };
  };

  type Result = { status: number; body?: unknown; headers?: Record<string, string>; drop?: boolean };

  /** Injected fault before processing, or null. */
  function injected(): Result | null {
    const r = rng();
    let acc = 0;
    const table: [keyof ConnectorFaults, number, string][] = [
      ['rate429', 429, 'TooManyRequests'],
      ['rate412', 412, 'PreconditionFailed'],
      ['rate502', 502, 'BadGateway'],
      ['rate504', 504, 'GatewayTimeout'],
    ];
    for (const [k, status, code] of table) {
      acc += (faults[k] as number | undefined) ?? 0;
      if (r < acc) {
        stats.faults[String(status) as '429'] += 1;
        const e = botError(status, code, 'Injected fault.');
        return status === 429 ? { ...e, headers: retryAfter(((faults.retryAfterSeconds ?? 1) * 1000) / timeScale) } : e;
      }
    }
    return null;
  }

  /** Rate limits for one write in `conv`. null: allowed (and counted). */
  function admit(conv: Conversation | null, tenantId: string, now: number): Result | null {
    const tl = tenantLog(tenantId);
    const tWait = tl.waitMs(now);
    const cWait = conv ? conv.log.waitMs(now) : 0;
    if (tWait > 0 || cWait > 0) {
      stats.throttled++;
      if (cWait > 0) stats.throttledConversation++;
      else stats.throttledTenant++;
      return {
        ...botError(429, 'TooManyRequests', 'The bot sent too many messages. Retry after the time in Retry-After.'),
        headers: retryAfter(Math.max(tWait, cWait)),
      };
    }
    tl.add(now);
    stats.maxPerSecond = Math.max(stats.maxPerSecond, tl.countIn(now, 1000 / timeScale));
    if (conv) {
      conv.log.add(now);
      stats.maxPerConversationSecond = Math.max(
        stats.maxPerConversationSecond,
        conv.log.countIn(now, 1000 / timeScale),
      );
    }
    return null;
  }

  function deliver(conv: Conversation, activity: Record<string, unknown>, now: number): string {
    const id = `1:${randomUUID()}`;
    const recipient = conv.userId || String((activity.recipient as { id?: string } | undefined)?.id ?? '');
    received.set(recipient, (received.get(recipient) ?? 0) + 1);
    if (keep) activities.push({ id, conversationId: conv.id, recipientId: recipient, receivedAt: now, activity });
    stats.accepted++;
    stats.firstAcceptAt ??= now;
    stats.lastAcceptAt = now;
    return id;
  }

  function handleSend(convId: string, activity: Record<string, unknown>, now: number): Result {
    const conv = conversation(
      convId,
      String((activity.recipient as { id?: string } | undefined)?.id ?? ''),
      tenantOf(activity),
    );
    const aad = (activity.recipient as { aadObjectId?: unknown } | undefined)?.aadObjectId;
    if (typeof aad === 'string' && aad) conv.aadObjectId = aad;
    if (
      blocked.has(conv.userId) ||
      blocked.has(String((activity.recipient as { aadObjectId?: string } | undefined)?.aadObjectId ?? ''))
    ) {
      stats.blocked++;
      return blockedByUser();
    }
    const key = idempotencyKey(activity);
    if (key) {
      const prior = conv.keys.get(key);
      if (prior) {
        stats.dedupedResends++;
        return { status: 201, body: { id: prior } };
      }
    }
    const refused = admit(conv, conv.tenantId, now);
    if (refused) return refused;
    const id = deliver(conv, activity, now);
    if (key) conv.keys.set(key, id);
    return { status: 201, body: { id } };
  }

  function handleCreate(body: Record<string, unknown>, now: number): Result {
    const members = (body.members as { id?: string }[] | undefined) ?? [];
    const userId = members[0]?.id;
    if (body.isGroup || members.length !== 1 || !userId)
      return botError(400, 'BadArgument', 'Only 1:1 conversations with exactly one member can be created.');
    const tenantId = String(
      body.tenantId ?? (body.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? defaultTenant,
    );
    if (blocked.has(userId)) {
      stats.blocked++;
      return blockedByUser();
    }
    const refused = admit(null, tenantId, now);
    if (refused) return refused;
    const id = `a:${Buffer.from(`${tenantId}|${userId}`).toString('base64url')}`;
    const created = conversation(id, userId, tenantId);
    if (!userId.startsWith('29:')) created.aadObjectId = userId;
    stats.conversationsCreated++;
    const result: Record<string, unknown> = { id };
    const act = body.activity as Record<string, unknown> | undefined;
    if (act) {
      const r = handleSend(id, act, now);
      if (r.status >= 300) return r;
      result.activityId = (r.body as { id: string }).id;
    }
    return { status: 201, body: result };
  }

  function handleUpdate(convId: string, activityId: string, activity: Record<string, unknown>, now: number): Result {
    const conv = conversations.get(convId);
    if (!conv) return botError(404, 'ConversationNotFound', 'Conversation not found.');
    if (blocked.has(conv.userId)) {
      stats.blocked++;
      return blockedByUser();
    }
    const existing = keep ? activities.find((a) => a.id === activityId && a.conversationId === convId) : undefined;
    if (keep && !existing) return botError(404, 'ActivityNotFound', 'Activity not found.');
    const refused = admit(conv, conv.tenantId, now);
    if (refused) return refused;
    if (existing) existing.activity = { ...activity, id: activityId };
    stats.updates++;
    return { status: 200, body: { id: activityId } };
  }

  /**
   * One member of a conversation by Teams user id or Entra object id (get-teams-context, "Get
   * single member details"): a registered member as TeamsInfo.getMember reads it, else the
   * conversation's own user with the Teams user id (29:…) and their Entra object id.
   */
  function handleMember(convId: string, who: string): Result {
    const key = who.toLowerCase();
    const m =
      members.get(who) ??
      [...members.values()].find((x) => x.id.toLowerCase() === key || x.aadObjectId.toLowerCase() === key);
    if (m)
      return {
        status: 200,
        body: {
          id: m.id,
          name: m.name,
          aadObjectId: m.aadObjectId,
          email: m.email,
          userPrincipalName: m.userPrincipalName,
          tenantId: m.tenantId ?? defaultTenant,
          userRole: 'user',
        },
      };
    const conv = conversations.get(convId);
    if (!conv) return botError(404, 'MemberNotFoundInConversation', 'The member is not in this conversation.');
    const aad = conv.aadObjectId || (conv.userId.startsWith('29:') ? '' : conv.userId);
    const teamsId = conv.userId.startsWith('29:') ? conv.userId : aad ? teamsUserId(aad) : '';
    if (!teamsId || (key !== teamsId.toLowerCase() && key !== aad.toLowerCase()))
      return botError(404, 'MemberNotFoundInConversation', 'The member is not in this conversation.');
    return {
      status: 200,
      body: {
        id: teamsId,
        ...(aad ? { objectId: aad } : {}),
        tenantId: conv.tenantId,
        userRole: 'user',
      },
    };
  }

  const botAppId = opts.botAppId ?? LOCAL_BOT_APP_ID;
  const signingKey = opts.signingKey ?? LOCAL_CONNECTOR_SIGNING_KEY;
  const goodTokens = new Set<string>();
  async function authorised(header: string | undefined): Promise<boolean> {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m) return false;
    if (goodTokens.has(m[1]!)) return true;
    const ok = opts.botAuth
      ? await verifiedByTokenService(m[1]!, opts.botAuth)
      : await verifyConnectorToken(m[1]!, botAppId, signingKey);
    if (ok && goodTokens.size < 1000) goodTokens.add(m[1]!);
    return ok;
  }

  async function route(
    method: string,
    path: string,
    body: Record<string, unknown>,
    arrivedAt: number,
    authorization?: string,
  ): Promise<Result> {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    // Admin: /_emulator/...
    if (parts[0] === '_emulator') {
      if (method === 'GET' && parts[1] === 'stats') return { status: 200, body: emulator.stats() };
      if (method === 'GET' && parts[1] === 'received') return { status: 200, body: Object.fromEntries(received) };
      if (method === 'GET' && parts[1] === 'activities') return { status: 200, body: emulator.activities(parts[2]) };
      if (method === 'POST' && parts[1] === 'faults') {
        emulator.setFaults(body as ConnectorFaults);
        return { status: 204 };
      }
      if (method === 'POST' && parts[1] === 'block' && typeof body.userId === 'string') {
        emulator.block(body.userId);
        return { status: 204 };
      }
      if (method === 'POST' && parts[1] === 'reset') {
        emulator.reset();
        return { status: 204 };
      }
      return botError(404, 'NotFound', 'Unknown emulator route.');
    }
    if (parts[0] !== 'v3' || parts[1] !== 'conversations')
      return botError(404, 'NotFound', `No route ${method} ${path}`);
    if (!(await authorised(authorization))) {
      stats.unauthorised++;
      return { status: 401, body: { message: 'Authorization has been denied for this request.' } };
    }
    if (method === 'GET' && parts[3] === 'members' && parts[2] && parts[4]) return handleMember(parts[2], parts[4]);
    const isWrite = method === 'POST' || method === 'PUT';
    if (isWrite) {
      const f = injected();
      if (f) return f;
      if (latency > 0) await new Promise((r) => setTimeout(r, latency / timeScale));
    }
    // Windows count arrival times (when the request reached the server), not when this event loop
    // got round to it, so the emulator's own load does not turn into bursts.
    const now = latency > 0 ? clock() : arrivedAt;
    if (method === 'POST' && parts.length === 2) return handleCreate(body, now);
    if (method === 'POST' && parts[3] === 'activities' && parts.length >= 4 && parts[2])
      return handleSend(parts[2], body, now);
    if (method === 'PUT' && parts[3] === 'activities' && parts[2] && parts[4])
      return handleUpdate(parts[2], parts[4], body, now);
    return botError(405, 'MethodNotAllowed', `${method} ${path} is not implemented by the emulator.`);
  }

  const server = http.createServer((req, res) => {
    const arrivedAt = clock();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      stats.requests++;
      let body: Record<string, unknown> = {};
      if (chunks.length > 0) {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          return send(res, { ...botError(400, 'BadSyntax', 'The body is not JSON.') });
        }
      }
      const path = (req.url ?? '/').split('?')[0]!;
      const isWrite = (req.method === 'POST' || req.method === 'PUT') && path.startsWith('/v3/');
      // Dropped connection, possibly after the write was accepted.
      if (isWrite && (faults.rateDrop ?? 0) > 0 && rng() < (faults.rateDrop ?? 0)) {
        stats.faults.drop++;
        const accepted = rng() < (faults.dropAfterAccept ?? 0.5);
        const finish = async () => {
          if (accepted) {
            const r = await route(req.method ?? 'GET', path, body, arrivedAt, req.headers.authorization);
            if (r.status < 300) stats.faults.dropAccepted++;
          }
          req.socket.destroy();
        };
        void finish();
        return;
      }
      route(req.method ?? 'GET', path, body, arrivedAt, req.headers.authorization).then(
        (r) => send(res, r),
        (err: unknown) => send(res, botError(500, 'InternalError', err instanceof Error ? err.message : String(err))),
      );
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function send(res: http.ServerResponse, r: Result): void {
    stats.byStatus[String(r.status)] = (stats.byStatus[String(r.status)] ?? 0) + 1;
    const payload = r.body === undefined ? '' : JSON.stringify(r.body);
    res.writeHead(r.status, {
      ...(payload ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      ...(r.headers ?? {}),
    });
    res.end(payload);
  }

  assertLoopback(opts.host ?? LOOPBACK_HOST, 'The Bot Connector emulator host');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? LOOPBACK_HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const emulator: ConnectorEmulator = {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    timeScale,
    stats: () => structuredClone(stats),
    receivedCounts: () => new Map(received),
    receivedBy: (id) => received.get(id) ?? 0,
    activities: (conversationId) =>
      conversationId ? activities.filter((a) => a.conversationId === conversationId) : [...activities],
    registerConversation(conversationId, userId, tenantId) {
      const c = conversation(conversationId, userId, tenantId ?? defaultTenant);
      c.userId = userId;
    },
    addMember(member) {
      members.set(member.id, member);
    },
    block: (id) => void blocked.add(id),
    unblock: (id) => void blocked.delete(id),
    setFaults(f) {
      faults = { ...f };
    },
    setLatency(ms) {
      latency = ms;
    },
    reset() {
      const users = new Map([...conversations].map(([id, c]) => [id, c] as const));
      conversations = new Map();
      for (const [id, c] of users) conversation(id, c.userId, c.tenantId);
      tenants = new Map();
      received = new Map();
      activities = [];
      stats = emptyStats();
      rng = seededRandom(opts.seed ?? 7);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return emulator;
}

/** A stable Teams user id (`29:…`) for an Entra object id, as the emulator's tenant assigns them. */
export function teamsUserId(aadObjectId: string): string {
  return `29:1${Buffer.from(aadObjectId.toLowerCase()).toString('base64url')}`;
}

function idempotencyKey(activity: Record<string, unknown>): string | null {
  const cd = activity.channelData as { idempotencyKey?: unknown } | undefined;
  return typeof cd?.idempotencyKey === 'string' && cd.idempotencyKey !== '' ? cd.idempotencyKey : null;
}

function tenantOf(activity: Record<string, unknown>): string | undefined {
  const conv = activity.conversation as { tenantId?: string } | undefined;
  const cd = activity.channelData as { tenant?: { id?: string } } | undefined;
  return conv?.tenantId ?? cd?.tenant?.id ?? undefined;
}

/** A bot token signed by the token service's keys, for the Bot Connector, for one of the bot ids. */
async function verifiedByTokenService(token: string, auth: ConnectorBotAuth): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(token, auth.jwks, {
      issuer: auth.issuers,
      audience: BOT_CONNECTOR_AUDIENCE,
      algorithms: ['RS256'],
      requiredClaims: ['exp'],
    });
    const appId = typeof payload.appid === 'string' ? payload.appid : payload.azp;
    return typeof appId === 'string' && auth.appIds.includes(appId);
  } catch {
    return false;
  }
}
