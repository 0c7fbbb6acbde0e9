/**
 * Teams apps in the tenant's catalog and their installation in users' personal scope: what a bot
 * needs to reach someone who never opened it.
 *
 *  - GET /appCatalogs/teamsApps?$filter=externalId eq '{manifest id}' (the catalog id of an app
 *    published to the organisation differs from its manifest id):
 *    https://learn.microsoft.com/en-us/graph/api/appcatalogs-list-teamsapps
 *  - POST /users/{user-id}/teamwork/installedApps with
 *    `{"teamsApp@odata.bind": "https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{teamsAppId}"}`
 *    → 201 Created, no body: https://learn.microsoft.com/en-us/graph/api/userteamwork-post-installedapps ;
 *    an app already installed for the user → 409 Conflict (what Microsoft's proactive-installation
 *    sample counts as "existing": OfficeDev/Microsoft-Teams-Samples, samples/graph-proactive-installation)
 *  - GET /users/{user-id}/teamwork/installedApps?$expand=teamsApp&$filter=teamsApp/id eq '{teamsAppId}'
 *    (empty when not installed): https://learn.microsoft.com/en-us/graph/api/userteamwork-list-installedapps ,
 *    https://learn.microsoft.com/en-us/microsoftteams/platform/graph-api/proactive-bots-and-messages/graph-proactive-bots-and-messages
 *  - GET /users/{user-id}/teamwork/installedApps/{app-installation-id}/chat → the 1:1 chat between
 *    the user and the app, `{"id": "19:…@unq.gbl.spaces"}`:
 *    https://learn.microsoft.com/en-us/graph/api/userscopeteamsappinstallation-get-chat
 *
 * Failures a tenant produces, configurable per user: no Teams licence → 403 Forbidden "Failed to
 * get license information for the user. Ensure user has a valid Office365 license assigned to
 * them." (the Teams service's answer, e.g. microsoftgraph/msgraph-sdk-powershell#1666,
 * OfficeDev/microsoft-teams-apps-requestateam#355); the app blocked for the user by an app
 * permission policy → 403 Forbidden. Installation ids are opaque base64 like Graph's.
 *
 * The app's own application permissions can be withheld (`missingPermissions`): Graph then answers
 * 403 Forbidden "Missing role permissions on the request. API requires one of '…'. Roles on the
 * request '…'." (the answer Teams' Graph APIs give a token without the role; the permissions each
 * call needs are on its page: appcatalogs-list-teamsapps, userteamwork-post-installedapps).
 */
import type { EmulatorStore } from './store.js';
import { GraphFailure, badRequest, notFound } from './errors.js';
import type { EmulatedCalendar } from './calendar.js';

export interface CatalogAppRec {
  /** The catalog-generated id (what installedApps binds to). */
  id: string;
  /** The manifest id. */
  externalId: string;
  displayName: string;
  distributionMethod: 'organization' | 'store' | 'sideloaded';
  /** The bot's Entra app id (it names the 1:1 chat). */
  botId: string;
}

export interface InstallationRec {
  id: string;
  userId: string;
  teamsAppId: string;
  chatId: string;
  installedAt: string;
}

export interface TeamsAppsOptions {
  apps?: Array<Partial<CatalogAppRec> & { id: string }>;
  /** User ids (or UPNs) without a Teams licence. */
  unlicensedUsers?: Iterable<string>;
  /** User ids (or UPNs) for whom an app permission policy blocks the app. */
  blockedUsers?: Iterable<string>;
  /**
   * The calling app's application permissions. Default: the least privileged ones each call
   * needs (AppCatalog.Read.All, TeamsAppInstallation.ReadWriteForUser.All).
   */
  grantedPermissions?: Iterable<string>;
}

/** The application permissions each call accepts (least privileged first), from its page. */
const NEEDS: { catalog: readonly string[]; install: readonly string[]; read: readonly string[] } = {
  catalog: ['AppCatalog.Read.All', 'AppCatalog.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  install: [
    'TeamsAppInstallation.ReadWriteForUser.All',
    'TeamsAppInstallation.ReadWriteSelfForUser.All',
    'TeamsAppInstallation.ReadWriteAndConsentForUser.All',
  ],
  read: [
    'TeamsAppInstallation.ReadForUser.All',
    'TeamsAppInstallation.ReadWriteForUser.All',
    'TeamsAppInstallation.ReadWriteSelfForUser.All',
    'TeamsAppInstallation.ReadWriteAndConsentForUser.All',
  ],
};

export const NO_LICENCE_MESSAGE =
  'Failed to get license information for the user. Ensure user has a valid Office365 license assigned to them.';

export class EmulatedTeamsApps {
  private readonly unlicensed = new Set<string>();
  private readonly blocked = new Set<string>();
  private readonly granted: Set<string>;

  constructor(
    private readonly store: EmulatorStore,
    private readonly users: EmulatedCalendar,
    opts: TeamsAppsOptions = {},
  ) {
    for (const a of opts.apps ?? []) this.addApp(a);
    for (const u of opts.unlicensedUsers ?? []) this.unlicensed.add(u.toLowerCase());
    for (const u of opts.blockedUsers ?? []) this.blocked.add(u.toLowerCase());
    this.granted = new Set(
      opts.grantedPermissions ?? ['AppCatalog.Read.All', 'TeamsAppInstallation.ReadWriteForUser.All'],
    );
  }

  /** Tests: grant (true) or withdraw (false) one of the app's application permissions. */
  setPermission(permission: string, granted: boolean): void {
    if (granted) this.granted.add(permission);
    else this.granted.delete(permission);
  }

  private requireRole(accepted: readonly string[]): void {
    if (accepted.some((p) => this.granted.has(p))) return;
    throw new GraphFailure(
      403,
      'Forbidden',
      `Missing role permissions on the request. API requires one of '${accepted.join(', ')}'. Roles on the request '${[...this.granted].join(', ')}'.`,
    );
  }

  addApp(a: Partial<CatalogAppRec> & { id: string }): CatalogAppRec {
    const rec: CatalogAppRec = {
      id: a.id,
      externalId: a.externalId ?? a.id,
      displayName: a.displayName ?? 'WEx QS',
      distributionMethod: a.distributionMethod ?? 'organization',
      botId: a.botId ?? a.externalId ?? a.id,
    };
    this.store.put('teamsApps', rec.id, rec);
    return rec;
  }

  /** Tests: a user without a Teams licence (true) or with one again (false). */
  setUnlicensed(user: string, on = true): void {
    if (on) this.unlicensed.add(user.toLowerCase());
    else this.unlicensed.delete(user.toLowerCase());
  }

  /** Tests: an app permission policy blocks the app for this user (true) or not (false). */
  setBlocked(user: string, on = true): void {
    if (on) this.blocked.add(user.toLowerCase());
    else this.blocked.delete(user.toLowerCase());
  }

  catalogJson(a: CatalogAppRec): Record<string, unknown> {
    return { id: a.id, externalId: a.externalId, displayName: a.displayName, distributionMethod: a.distributionMethod };
  }

  /** $filter=externalId eq '…' or id eq '…' (the forms the docs use); no filter lists all. */
  listCatalog(filter: string | null): CatalogAppRec[] {
    this.requireRole(NEEDS.catalog);
    const all = this.store.values<CatalogAppRec>('teamsApps');
    if (!filter) return all;
    const m = /^\s*(externalId|id)\s+eq\s+'([^']*)'\s*$/i.exec(filter);
    if (!m) throw badRequest(`Unsupported $filter: ${filter}`);
    const field = m[1]!.toLowerCase() === 'id' ? 'id' : 'externalId';
    return all.filter((a) => a[field].toLowerCase() === m[2]!.toLowerCase());
  }

  /** The user, or 404 as Graph answers for an unknown user; 403 for one Teams refuses. */
  private teamsUser(who: string): string {
    const u = this.users.user(who);
    const keys = [u.id, u.userPrincipalName, u.mail].map((k) => k.toLowerCase());
    if (keys.some((k) => this.unlicensed.has(k))) throw new GraphFailure(403, 'Forbidden', NO_LICENCE_MESSAGE);
    return u.id;
  }

  private blockedFor(userId: string): boolean {
    const u = this.users.user(userId);
    return [u.id, u.userPrincipalName, u.mail].some((k) => this.blocked.has(k.toLowerCase()));
  }

  install(who: string, body: Record<string, unknown>): { status: number } {
    this.requireRole(NEEDS.install);
    const userId = this.teamsUser(who);
    const bind = body['teamsApp@odata.bind'];
    if (typeof bind !== 'string') throw badRequest('teamsApp@odata.bind is required.');
    const m = /\/appCatalogs\/teamsApps\/([^/?#]+)$/.exec(bind);
    if (!m) throw badRequest('teamsApp@odata.bind must reference /appCatalogs/teamsApps/{id}.');
    const app = this.store.get<CatalogAppRec>('teamsApps', decodeURIComponent(m[1]!));
    if (!app) throw notFound('The Teams app could not be found in the app catalog.');
    if (this.blockedFor(userId))
      throw new GraphFailure(
        403,
        'Forbidden',
        "The app is blocked for the user by the organisation's app permission policy.",
      );
    const id = installationId(userId, app.id);
    if (this.store.get<InstallationRec>('installedApps', id))
      throw new GraphFailure(409, 'Conflict', 'The app is already installed for the user.');
    const rec: InstallationRec = {
      id,
      userId,
      teamsAppId: app.id,
      chatId: `19:${app.botId}_${userId}@unq.gbl.spaces`,
      installedAt: new Date().toISOString(),
    };
    this.store.put('installedApps', id, rec);
    return { status: 201 };
  }

  /** Installations of the user, optionally `teamsApp/id eq '…'` or `teamsApp/externalId eq '…'`. */
  list(who: string, filter: string | null, expand: string | null): Record<string, unknown>[] {
    this.requireRole(NEEDS.read);
    const userId = this.teamsUser(who);
    let recs = this.store.values<InstallationRec>('installedApps').filter((r) => r.userId === userId);
    if (filter) {
      const m = /^\s*teamsApp\/(id|externalId)\s+eq\s+'([^']*)'\s*$/i.exec(filter);
      if (!m) throw badRequest(`Unsupported $filter: ${filter}`);
      const byExternal = m[1]!.toLowerCase() === 'externalid';
      const want = m[2]!.toLowerCase();
      recs = recs.filter((r) => {
        const app = this.store.get<CatalogAppRec>('teamsApps', r.teamsAppId);
        return (byExternal ? app?.externalId : r.teamsAppId)?.toLowerCase() === want;
      });
    }
    const expanded = new Set(
      (expand ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    return recs.map((r) => {
      const app = this.store.get<CatalogAppRec>('teamsApps', r.teamsAppId);
      return { id: r.id, ...(expanded.has('teamsApp') && app ? { teamsApp: this.catalogJson(app) } : {}) };
    });
  }

  chat(who: string, installation: string): Record<string, unknown> {
    this.requireRole(NEEDS.read);
    const userId = this.teamsUser(who);
    const rec = this.store.get<InstallationRec>('installedApps', installation);
    if (!rec || rec.userId !== userId)
      throw new GraphFailure(404, 'NotFound', 'The app installation could not be found.');
    return { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#chats/$entity', id: rec.chatId };
  }

  /** Direct access for tests. */
  installations(who?: string): InstallationRec[] {
    const all = this.store.values<InstallationRec>('installedApps');
    if (!who) return all;
    const u = this.users.findUser(who);
    return u ? all.filter((r) => r.userId === u.id) : [];
  }
}

function installationId(userId: string, teamsAppId: string): string {
  return Buffer.from(`${userId}##${teamsAppId}`).toString('base64');
}
