/**
 * Reaching someone who never opened the app (tenant mode): install the app in their personal
 * scope through Microsoft Graph and find the 1:1 chat between them and the bot, whose id the bot
 * then sends to (bot/messenger.ts). Following
 * https://learn.microsoft.com/en-us/microsoftteams/platform/graph-api/proactive-bots-and-messages/graph-proactive-bots-and-messages :
 *
 *  1. the organisation-catalogue id of the app: configured (TEAMS_CATALOG_APP_ID), or
 *     `GET /appCatalogs/teamsApps?$filter=externalId eq '{manifest id}'`
 *     (https://learn.microsoft.com/en-us/graph/api/appcatalogs-list-teamsapps; an app published to
 *     the organisation's store gets a catalogue id of its own, which is not its manifest id). The
 *     manifest id is never used in its place: when the lookup finds nothing, or is not permitted,
 *     that is a configuration fault;
 *  2. `POST /users/{id}/teamwork/installedApps` `{"teamsApp@odata.bind": ".../appCatalogs/teamsApps/{id}"}`
 *     → 201; 409 Conflict (already installed) is success too
 *     (https://learn.microsoft.com/en-us/graph/api/userteamwork-post-installedapps);
 *  3. the installation: `GET /users/{id}/teamwork/installedApps?$expand=teamsApp&$filter=teamsApp/id eq '{id}'`
 *     (https://learn.microsoft.com/en-us/graph/api/userteamwork-list-installedapps);
 *  4. the chat: `GET /users/{id}/teamwork/installedApps/{installation-id}/chat` → `{id}`
 *     (https://learn.microsoft.com/en-us/graph/api/userscopeteamsappinstallation-get-chat).
 *
 * Who is at fault decides what happens to the message:
 * - the person (403: no Teams licence, the app blocked for them by policy; 404: no such user):
 *   unreachable, with the reason;
 * - the app itself (403 "Missing role permissions on the request …": a Graph permission the app
 *   was never granted; the app not in the organisation's catalogue): `misconfigured`. Nobody is
 *   marked unreachable for it; the message waits and is tried again, and admins are told. The
 *   fault is remembered for a few minutes, so a backlog does not ask Graph once per message;
 * - throttling and server errors: transient (the dispatcher retries the row later; the Graph
 *   SDK's RetryHandler already retried 429/503/504 honouring Retry-After).
 * Reasons never carry ids or addresses: GUIDs and e-mail addresses in Graph's messages are masked.
 *
 * Application permissions: TeamsAppInstallation.ReadWriteForUser.All and AppCatalog.Read.All
 * (the latter not needed when TEAMS_CATALOG_APP_ID is set).
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import pLimit from 'p-limit';
import { graphCall, isTransportError, type RawResult } from '../graph/client.js';
import type { Store } from '../store/store.js';
import type { PersonalChatOpener, ReachOutcome } from './messenger.js';

export interface GraphTeamsAppInstallerOptions {
  client: Client;
  /** The app's manifest id (TEAMS_APP_ID), looked up in the organisation's catalogue. */
  manifestId: string;
  /** The app's organisation-catalogue id when known (TEAMS_CATALOG_APP_ID): no lookup then. */
  catalogId?: string;
  /** Graph calls at once (installation is not cheap for Teams). Default 4. */
  concurrency?: number;
  /** How long a found chat id is remembered, ms. Default 1 hour. */
  cacheMs?: number;
  /** How long a configuration fault is remembered before Graph is asked again, ms. Default 5 minutes. */
  faultMs?: number;
}

/** The app's own set-up is wrong (missing consent, not in the catalogue): nobody's fault but ours. */
export class ConfigurationFault extends Error {
  override readonly name = 'ConfigurationFault';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Graph's answer when the app lacks an application permission ("Missing role permissions on the request. API requires one of '…'. Roles on the request '…'."). */
export function isMissingConsent(status: number, error: { code?: string; message?: string } | undefined): boolean {
  if (status !== 403) return false;
  return (
    /missing role permissions|roles on the request|insufficient privileges/i.test(error?.message ?? '') ||
    error?.code === 'Authorization_RequestDenied'
  );
}

/** The host Graph itself names in @odata.bind references (documented form, whatever the client's base URL). */
const GRAPH_BIND_ROOT = 'https://graph.microsoft.com/v1.0';

export class GraphTeamsAppInstaller implements PersonalChatOpener {
  private catalogId: Promise<string> | null = null;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly inFlight = new Map<string, Promise<ReachOutcome>>();
  private readonly chats = new Map<string, { chatId: string; at: number }>();
  private fault: { error: ConfigurationFault; at: number } | null = null;
  /** Counts for tests and logs (no ids). */
  readonly counters = { installed: 0, alreadyInstalled: 0, refused: 0, transient: 0, cached: 0, misconfigured: 0 };

  constructor(private readonly o: GraphTeamsAppInstallerOptions) {
    if (!o.manifestId && !o.catalogId) throw new Error('GraphTeamsAppInstaller needs the Teams app id');
    this.limit = pLimit(o.concurrency ?? 4);
  }

  async openChat(aadObjectId: string): Promise<ReachOutcome> {
    if (this.fault && Date.now() - this.fault.at < (this.o.faultMs ?? 5 * 60_000)) {
      this.counters.misconfigured++;
      return { status: 'misconfigured', code: this.fault.error.code, reason: this.fault.error.message };
    }
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
      const outcome = await this.install(aad);
      if (outcome.status === 'ready') this.fault = null;
      return outcome;
    } catch (err) {
      if (err instanceof ConfigurationFault) {
        this.fault = { error: err, at: Date.now() };
        this.counters.misconfigured++;
        return { status: 'misconfigured', code: err.code, reason: err.message };
      }
      this.counters.transient++;
      const code = isTransportError(err) ? (err as { code?: string }).code : err instanceof Error ? err.name : 'error';
      return { status: 'transient', httpStatus: null, reason: `Graph not reachable (${code})` };
    }
  }

  private async install(aad: string): Promise<ReachOutcome> {
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
    else if (isMissingConsent(install.status, errorOf(install)))
      throw new ConfigurationFault(
        'teams-app-install-consent',
        'The app may not install itself for people: grant it the TeamsAppInstallation.ReadWriteForUser.All application permission (admin consent).',
      );
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
  }

  /** The organisation-catalogue id of the app (configured, or looked up once by manifest id). */
  private async resolveCatalogId(): Promise<string> {
    if (this.o.catalogId) return this.o.catalogId;
    if (!this.catalogId) {
      const manifestId = this.o.manifestId;
      this.catalogId = graphCall<{ value?: { id?: string }[]; error?: { code?: string; message?: string } }>(
        this.o.client,
        'GET',
        `/appCatalogs/teamsApps?$filter=${encodeURIComponent(`externalId eq '${manifestId}'`)}`,
      )
        .then((r) => {
          const found = r.status === 200 ? r.body?.value?.[0]?.id : undefined;
          if (found) return found;
          if (r.status === 200)
            throw new ConfigurationFault(
              'teams-app-not-in-catalogue',
              `The app (manifest id ${manifestId}) is not in the organisation's app catalogue, so it cannot be installed for people who have not opened it: publish it to the organisation, or set TEAMS_CATALOG_APP_ID.`,
            );
          if (r.status === 403)
            throw new ConfigurationFault(
              'teams-app-catalogue-consent',
              "The app may not read the organisation's app catalogue: grant it the AppCatalog.Read.All application permission (admin consent), or set TEAMS_CATALOG_APP_ID.",
            );
          throw new Error(`app catalogue lookup answered ${r.status}`);
        })
        .catch((err: unknown) => {
          this.catalogId = null; // asked again next time
          throw err;
        });
    }
    return this.catalogId;
  }

  private failure(what: string, r: RawResult): ReachOutcome {
    const err = errorOf(r);
    if (isMissingConsent(r.status, err))
      throw new ConfigurationFault(
        'teams-app-install-consent',
        'The app may not read its installations for people: grant it the TeamsAppInstallation.ReadWriteForUser.All application permission (admin consent).',
      );
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

function errorOf(r: RawResult): { code?: string; message?: string } | undefined {
  return (r.body as { error?: { code?: string; message?: string } } | undefined)?.error;
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
