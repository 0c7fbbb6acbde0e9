/**
 * Reaching someone who never opened the app (tenant mode): install the app in their personal
 * scope through Microsoft Graph and find the 1:1 chat between them and the bot, whose id the bot
 * then sends to (bot/messenger.ts). Following
 * https://learn.microsoft.com/en-us/microsoftteams/platform/graph-api/proactive-bots-and-messages/graph-proactive-bots-and-messages :
 *
 *  1. the catalog id of the app: `GET /appCatalogs/teamsApps?$filter=externalId eq '{manifest id}'`
 *     (an app published to the organisation's store gets a catalog id of its own; a Teams Store
 *     app keeps its manifest id, so when nothing is found, or the listing is not permitted, the
 *     configured id is used as it is);
 *  2. `POST /users/{id}/teamwork/installedApps` `{"teamsApp@odata.bind": ".../appCatalogs/teamsApps/{id}"}`
 *     → 201; 409 Conflict (already installed) is success too
 *     (https://learn.microsoft.com/en-us/graph/api/userteamwork-post-installedapps);
 *  3. the installation: `GET /users/{id}/teamwork/installedApps?$expand=teamsApp&$filter=teamsApp/id eq '{id}'`
 *     (https://learn.microsoft.com/en-us/graph/api/userteamwork-list-installedapps);
 *  4. the chat: `GET /users/{id}/teamwork/installedApps/{installation-id}/chat` → `{id}`
 *     (https://learn.microsoft.com/en-us/graph/api/userscopeteamsappinstallation-get-chat).
 *
 * Where Teams refuses (403: no Teams licence, the app blocked by policy, permission not granted;
 * 404: no such user, or the app is not in the catalog) the person is unreachable with that reason.
 * Throttling and server errors are transient (the dispatcher retries the row later; the Graph
 * SDK's RetryHandler already retried 429/503/504 honouring Retry-After). Reasons never carry ids
 * or addresses: GUIDs and e-mail addresses in Graph's messages are masked.
 *
 * Application permission: TeamsAppInstallation.ReadWriteSelfForUser.All (plus AppCatalog.Read.All
 * for step 1, optional).
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import pLimit from 'p-limit';
import { graphCall, isTransportError, type RawResult } from '../graph/client.js';
import type { Store } from '../store/store.js';
import type { PersonalChatOpener, ReachOutcome } from './messenger.js';

export interface GraphTeamsAppInstallerOptions {
  client: Client;
  /** The Teams app's id: its manifest id (resolved to the catalog id) or the catalog id itself. */
  teamsAppId: string;
  /** Graph calls at once (installation is not cheap for Teams). Default 4. */
  concurrency?: number;
  /** How long a found chat id is remembered, ms. Default 1 hour. */
  cacheMs?: number;
}

/** The host Graph itself names in @odata.bind references (documented form, whatever the client's base URL). */
const GRAPH_BIND_ROOT = 'https://graph.microsoft.com/v1.0';

export class GraphTeamsAppInstaller implements PersonalChatOpener {
  private catalogId: Promise<string> | null = null;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly inFlight = new Map<string, Promise<ReachOutcome>>();
  private readonly chats = new Map<string, { chatId: string; at: number }>();
  /** Counts for tests and logs (no ids). */
  readonly counters = { installed: 0, alreadyInstalled: 0, refused: 0, transient: 0, cached: 0 };

  constructor(private readonly o: GraphTeamsAppInstallerOptions) {
    if (!o.teamsAppId) throw new Error('GraphTeamsAppInstaller needs the Teams app id');
    this.limit = pLimit(o.concurrency ?? 4);
  }

  async openChat(aadObjectId: string): Promise<ReachOutcome> {
    const cached = this.chats.get(aadObjectId);
    if (cached && Date.now() - cached.at < (this.o.cacheMs ?? 3_600_000)) {
      this.counters.cached++;
      return { status: 'ready', chatId: cached.chatId, installed: 'already' };
    }
    // One installation per person at a time (several reminders for them may be claimed together).
    let p = this.inFlight.get(aadObjectId);
    if (!p) {
      p = this.limit(() => this.open(aadObjectId)).finally(() => this.inFlight.delete(aadObjectId));
      this.inFlight.set(aadObjectId, p);
    }
    return p;
  }

  private async open(aad: string): Promise<ReachOutcome> {
    try {
      const appId = await this.resolveCatalogId();
      const user = `/users/${encodeURIComponent(aad)}`;
      const install = await graphCall(
        this.o.client,
        'POST',
        `${user}/teamwork/installedApps`,
        { 'teamsApp@odata.bind': `${GRAPH_BIND_ROOT}/appCatalogs/teamsApps/${appId}` },
        { 'Content-Type': 'application/json' },
      );
      let installed: 'now' | 'already';
      if (install.status === 201 || install.status === 200 || install.status === 204) installed = 'now';
      else if (install.status === 409) installed = 'already';
      else return this.failure('the app could not be installed for the person', install);

      const list = await graphCall<{ value?: { id?: string }[] }>(
        this.o.client,
        'GET',
        `${user}/teamwork/installedApps?$expand=teamsApp&$filter=${encodeURIComponent(`teamsApp/id eq '${appId}'`)}`,
      );
      if (list.status !== 200) return this.failure('the app installation could not be read', list);
      const installation = list.body?.value?.[0]?.id;
      if (!installation) {
        // Just installed and not listed yet: try again later.
        this.counters.transient++;
        return {
          status: 'transient',
          httpStatus: 200,
          reason: 'the app was installed but the installation is not visible yet',
        };
      }
      const chat = await graphCall<{ id?: string }>(
        this.o.client,
        'GET',
        `${user}/teamwork/installedApps/${encodeURIComponent(installation)}/chat`,
      );
      if (chat.status !== 200) return this.failure('the chat with the app could not be read', chat);
      const chatId = chat.body?.id;
      if (!chatId) return { status: 'transient', httpStatus: 200, reason: 'Graph returned no chat id' };
      if (installed === 'now') this.counters.installed++;
      else this.counters.alreadyInstalled++;
      if (this.chats.size >= 10_000) this.chats.clear();
      this.chats.set(aad, { chatId, at: Date.now() });
      return { status: 'ready', chatId, installed };
    } catch (err) {
      this.counters.transient++;
      const code = isTransportError(err) ? (err as { code?: string }).code : err instanceof Error ? err.name : 'error';
      return { status: 'transient', httpStatus: null, reason: `Graph not reachable (${code})` };
    }
  }

  private async resolveCatalogId(): Promise<string> {
    if (!this.catalogId) {
      const configured = this.o.teamsAppId;
      this.catalogId = graphCall<{ value?: { id?: string }[] }>(
        this.o.client,
        'GET',
        `/appCatalogs/teamsApps?$filter=${encodeURIComponent(`externalId eq '${configured}'`)}`,
      )
        .then((r) => {
          if (r.status === 200) return r.body?.value?.[0]?.id ?? configured;
          if (r.status === 403 || r.status === 404) return configured; // not permitted: use the id as configured
          throw new Error(`app catalog lookup answered ${r.status}`);
        })
        .catch((err: unknown) => {
          this.catalogId = null; // try again next time
          throw err;
        });
    }
    return this.catalogId;
  }

  private failure(what: string, r: RawResult): ReachOutcome {
    const err = (r.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    const detail = `Graph ${r.status}${err?.code ? ` ${err.code}` : ''}${err?.message ? `: ${mask(err.message)}` : ''}`;
    if (r.status === 429 || r.status >= 500) {
      this.counters.transient++;
      return { status: 'transient', httpStatus: r.status, reason: `${what} (${detail})` };
    }
    this.counters.refused++;
    if (r.status === 403 && /licen[cs]e/i.test(err?.message ?? ''))
      return { status: 'unreachable', httpStatus: 403, reason: `no Teams licence (${detail})` };
    if (r.status === 403)
      return { status: 'unreachable', httpStatus: 403, reason: `${what}: blocked or not permitted (${detail})` };
    if (r.status === 404)
      return {
        status: 'unreachable',
        httpStatus: 404,
        reason: `${what}: the person or the app is not in the tenant (${detail})`,
      };
    return { status: 'unreachable', httpStatus: r.status, reason: `${what} (${detail})` };
  }
}

/** Masks GUIDs and e-mail addresses (never store or log who it was about). */
export function mask(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/[^\s@'"<>(),;]+@[^\s@'"<>(),;]+\.[^\s@'"<>(),;]+/g, '<address>')
    .slice(0, 300);
}

/** Teams' global Bot Connector endpoint (public cloud), for when no activity has been seen yet. */
export const TEAMS_GLOBAL_SERVICE_URL = 'https://smba.trafficmanager.net/teams/';

/**
 * The Bot Connector service URL for conversations the bot opens in this tenant: the one on the
 * most recently stored conversation reference (Teams says to use the serviceUrl of incoming
 * activities; it can differ by region), else Teams' global endpoint. Only https URLs are used.
 * Re-read at most every `ttlMs`.
 */
export function tenantServiceUrl(
  store: Pick<Store, 'db'>,
  opts: { fallback?: string; ttlMs?: number } = {},
): () => Promise<string> {
  const fallback = opts.fallback ?? TEAMS_GLOBAL_SERVICE_URL;
  let cached: { url: string; at: number } | null = null;
  return async () => {
    if (cached && Date.now() - cached.at < (opts.ttlMs ?? 10 * 60_000)) return cached.url;
    let url = fallback;
    try {
      const row = await store.db
        .selectFrom('conversation_refs')
        .select('reference')
        .orderBy('updated_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      const seen = (row?.reference as { serviceUrl?: unknown } | undefined)?.serviceUrl;
      if (typeof seen === 'string' && /^https:\/\//.test(seen)) url = seen;
    } catch {
      // The fallback works for the public cloud.
    }
    cached = { url, at: Date.now() };
    return url;
  };
}
