/**
 * Route table: maps one Graph v1.0 request (method + path relative to /v1.0) to its SharePoint
 * request class (for the RU charge, decided before anything executes, so a throttled request has
 * no effect) and the operation. Each route cites the documentation page it follows.
 */
import type { Directory, EmulatedDrive, ItemRec } from './drive.js';
import type { EmulatedCalendar } from './calendar.js';
import type { EmulatedTeamsApps } from './teams-apps.js';
import type { EmulatedOnlineMeetings } from './online-meetings.js';
import { GraphFailure, badRequest, notFound, type EmulatorResponse } from './errors.js';
import type { RequestClass } from './resource-units.js';

export interface EmulatorRequest {
  method: string;
  /** path below /v1.0, still percent-encoded, e.g. /drives/b!x/root:/A%20B:/children */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
  requestId: string;
  /** absolute origin + /v1.0 used to build @odata.nextLink */
  serviceRoot: string;
}

/** What the emulated tenant does with sharing parameters, decided per request by the server. */
export interface SharingBehaviour {
  /** This invite's `retainInheritedPermissions` is refused (400), as some tenants do. */
  refuseRetainOnInvite: () => boolean;
  /** This createLink's `retainInheritedPermissions: false` is ignored (inherited access is copied). */
  ignoreRetainOnCreateLink: () => boolean;
}

/** Everything a route may touch. */
export interface RouteContext {
  drive: EmulatedDrive;
  calendar: EmulatedCalendar;
  teams?: EmulatedTeamsApps;
  directory: Directory;
  sharing: SharingBehaviour;
  /** Online meetings and their attendance reports. */
  meetings?: EmulatedOnlineMeetings;
}

export interface Route {
  cls: RequestClass;
  /** mailbox (user id) for Outlook's per-mailbox concurrency limit */
  mailbox?: string;
  exec: () => EmulatorResponse;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): EmulatorResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

function select(obj: Record<string, unknown>, q: URLSearchParams): Record<string, unknown> {
  const sel = q.get('$select');
  if (!sel) return obj;
  const keys = new Set(
    sel
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  keys.add('id');
  return Object.fromEntries(Object.entries(obj).filter(([k]) => keys.has(k)));
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) throw badRequest('A JSON request body is required.');
  return body as Record<string, unknown>;
}

function pageParams(q: URLSearchParams, max = 1000): { top: number; skip: number } {
  const top = Math.min(max, Math.max(1, Number(q.get('$top') ?? 200) || 200));
  const tok = q.get('$skiptoken');
  const skip = tok ? Number(Buffer.from(tok, 'base64url').toString()) || 0 : 0;
  return { top, skip };
}

function nextLink(req: EmulatorRequest, params: Record<string, string>): string {
  const q = new URLSearchParams();
  for (const [k, v] of req.query) if (!(k in params)) q.set(k, v);
  for (const [k, v] of Object.entries(params)) q.set(k, v);
  return `${req.serviceRoot}${req.path}?${q.toString().replace(/%24/g, '$')}`;
}

interface ItemAddress {
  base: { root: true } | { id: string };
  pathSegs: string[] | null;
  action: string[];
}

function parseItemAddress(rest: string): ItemAddress | undefined {
  let base: ItemAddress['base'];
  let r: string;
  const mRoot = /^\/root(?=$|[:/])/.exec(rest);
  const mItem = /^\/items\/([^/:]+)/.exec(rest);
  if (mRoot) {
    base = { root: true };
    r = rest.slice(mRoot[0].length);
  } else if (mItem) {
    base = { id: decodeURIComponent(mItem[1]!) };
    r = rest.slice(mItem[0].length);
  } else return undefined;
  let pathSegs: string[] | null = null;
  if (r.startsWith(':')) {
    r = r.slice(1);
    const end = r.indexOf(':');
    const pathStr = end === -1 ? r : r.slice(0, end);
    r = end === -1 ? '' : r.slice(end + 1);
    pathSegs = pathStr
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  }
  const action = r
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  return { base, pathSegs, action };
}

export function route(req: EmulatorRequest, ctx: RouteContext): Route {
  const { drive, calendar: cal, teams, directory, sharing, meetings } = ctx;
  let path = req.path.replace(/\/+$/, '');
  const m = req.method.toUpperCase();
  // Site drive aliases: GET /sites/root/drive (https://learn.microsoft.com/en-us/graph/api/drive-get)
  path = path.replace(/^\/sites\/(root|[^/]+)\/drive(?=$|\/)/, `/drives/${encodeURIComponent(drive.driveId)}`);

  if (teams && path === '/appCatalogs/teamsApps' && m === 'GET') {
    // List apps in the catalog, $filter=externalId eq '{manifest id}':
    // https://learn.microsoft.com/en-us/graph/api/appcatalogs-list-teamsapps
    return {
      cls: 'free',
      exec: () =>
        json(200, {
          value: teams.listCatalog(req.query.get('$filter')).map((a) => select(teams.catalogJson(a), req.query)),
        }),
    };
  }
  const mUser = /^\/users\/([^/]+)(\/.*)?$/.exec(path);
  if (mUser && teams && (mUser[2] ?? '').startsWith('/teamwork/installedApps'))
    return teamworkRoute(req, m, decodeURIComponent(mUser[1]!), mUser[2]!, teams);
  if (mUser && meetings && /^\/onlineMeetings(\/|$)/.test(mUser[2] ?? ''))
    return onlineMeetingsRoute(req, m, decodeURIComponent(mUser[1]!), mUser[2]!, meetings);
  if (mUser) return userRoute(req, m, decodeURIComponent(mUser[1]!), mUser[2] ?? '', cal);

  const mDrive = /^\/drives\/([^/]+)(\/.*)?$/.exec(path);
  if (!mDrive)
    throw new GraphFailure(400, 'BadRequest', `Resource not found for the segment '${path.split('/')[1] ?? ''}'.`);
  if (decodeURIComponent(mDrive[1]!) !== drive.driveId) throw notFound('The drive could not be found.');
  const rest = mDrive[2] ?? '';
  if (rest === '') {
    if (m !== 'GET') throw methodNotAllowed();
    // GET /drives/{drive-id}: https://learn.microsoft.com/en-us/graph/api/drive-get
    return { cls: 'get', exec: () => json(200, select(drive.driveJson(), req.query)) };
  }
  const addr = parseItemAddress(rest);
  if (!addr) throw new GraphFailure(400, 'BadRequest', 'Unsupported drive segment.');
  const baseId = 'root' in addr.base ? drive.rootId : addr.base.id;
  const action = addr.action;
  const a0 = action[0] ?? '';

  // PUT /drives/{d}/items/{parent-id}:/{filename}:/content — upload or replace a file up to 250 MB:
  // https://learn.microsoft.com/en-us/graph/api/driveitem-put-content
  if (m === 'PUT' && a0 === 'content' && addr.pathSegs && addr.pathSegs.length > 0) {
    const segs = addr.pathSegs;
    return {
      cls: 'write',
      exec: () => {
        const parent = drive.resolvePath(baseId, segs.slice(0, -1));
        if (!Buffer.isBuffer(req.body)) throw badRequest("The request body must be the file's bytes.");
        const conflict = req.query.get('@microsoft.graph.conflictBehavior') ?? 'replace';
        const [status, it] = drive.upload(
          parent.id,
          segs[segs.length - 1]!,
          req.body,
          conflict,
          req.headers['content-type'],
        );
        return json(status, drive.toJson(it));
      },
    };
  }
  const target = (): ItemRec => drive.resolvePath(baseId, addr.pathSegs ?? []);

  if (a0 === '' && m === 'GET') {
    // GET item by id or path (https://learn.microsoft.com/en-us/graph/api/driveitem-get ;
    // addressing: https://learn.microsoft.com/en-us/onedrive/developer/rest-api/concepts/addressing-driveitems)
    const expandPerms = /(^|,)\s*permissions\b/.test(req.query.get('$expand') ?? '');
    return {
      cls: expandPerms ? 'permission' : 'get',
      exec: () => {
        const it = target();
        const j = select(drive.toJson(it), req.query);
        if (expandPerms) j.permissions = drive.permissions(it.id).map((p) => drive.permJson(p.rec));
        return json(200, j);
      },
    };
  }
  if (a0 === '' && m === 'DELETE') {
    // DELETE item: https://learn.microsoft.com/en-us/graph/api/driveitem-delete
    return { cls: 'write', exec: () => (drive.deleteItem(target().id), { status: 204, headers: {} }) };
  }
  if (a0 === 'children' && m === 'GET') {
    // List children with paging: https://learn.microsoft.com/en-us/graph/api/driveitem-list-children ,
    // https://learn.microsoft.com/en-us/graph/paging ($top, @odata.nextLink, $select)
    return {
      cls: 'list',
      exec: () => {
        const it = target();
        const { top, skip } = pageParams(req.query);
        const all = drive.children(it.id);
        const page = all.slice(skip, skip + top).map((c) => select(drive.toJson(c), req.query));
        const body: Record<string, unknown> = { value: page };
        if (skip + top < all.length)
          body['@odata.nextLink'] = nextLink(req, {
            $skiptoken: Buffer.from(String(skip + top)).toString('base64url'),
            $top: String(top),
          });
        return json(200, body);
      },
    };
  }
  if (a0 === 'children' && m === 'POST') {
    // Create folder with @microsoft.graph.conflictBehavior (fail → 409 nameAlreadyExists, replace, rename):
    // https://learn.microsoft.com/en-us/graph/api/driveitem-post-children
    return {
      cls: 'write',
      exec: () => {
        const b = bodyObject(req.body);
        if (!b.folder || typeof b.folder !== 'object')
          throw badRequest('Only folders can be created this way; include a folder facet.');
        const conflict = String(
          b['@microsoft.graph.conflictBehavior'] ?? req.query.get('@microsoft.graph.conflictBehavior') ?? 'fail',
        );
        const [status, it] = drive.createFolder(target().id, drive.checkName(b.name), conflict);
        return json(status, drive.toJson(it));
      },
    };
  }
  if (a0 === 'content' && m === 'GET' && req.query.has('format')) {
    // Convert to another format (https://learn.microsoft.com/en-us/graph/api/driveitem-get-content-format):
    // format=pdf for Office documents. The emulator has no converter, so it answers as Graph does for a
    // conversion it cannot make: 406 notSupported / InputFormatNotSupported (the answer reported in
    // https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/263). Callers keep the original.
    const format = req.query.get('format');
    return {
      cls: 'get',
      exec: () => {
        const it = target();
        if (it.kind !== 'file') throw badRequest('The item is not a file.');
        if (!['pdf', 'html', 'jpg', 'glb'].includes(format ?? ''))
          throw badRequest(`The format '${format}' is not a valid conversion format.`);
        throw new GraphFailure(406, 'notSupported', it.name.split('.').pop() ?? '');
      },
    };
  }
  if (a0 === 'preview' && m === 'POST') {
    // Embeddable preview opened at a page (https://learn.microsoft.com/en-us/graph/api/driveitem-preview):
    // body {page, zoom}; answers itemPreviewInfo {getUrl, postUrl, postParameters}. The emulator's getUrl
    // serves the file itself with a #page fragment, which browsers' PDF viewers honour.
    return {
      cls: 'get',
      exec: () => {
        const it = target();
        if (it.kind !== 'file') throw badRequest('Only files can be previewed.');
        const b =
          req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body)
            ? (req.body as Record<string, unknown>)
            : {};
        if (b.page !== undefined && typeof b.page !== 'string' && typeof b.page !== 'number')
          throw badRequest('page must be a string.');
        const origin = req.serviceRoot.replace(/\/v1\.0$/, '');
        const page = b.page !== undefined ? `#page=${encodeURIComponent(String(b.page))}` : '';
        return json(200, {
          getUrl: `${origin}/_emulator/view/${encodeURIComponent(it.id)}${page}`,
          postUrl: null,
          postParameters: null,
        });
      },
    };
  }
  if (a0 === 'content' && m === 'GET') {
    // Download (https://learn.microsoft.com/en-us/graph/api/driveitem-get-content). Graph answers 302 to a
    // pre-authenticated URL; the emulator returns the bytes directly (200).
    return {
      cls: 'get',
      exec: () => ({
        status: 200,
        headers: { 'content-type': 'application/octet-stream' },
        body: drive.content(target().id),
      }),
    };
  }
  if (a0 === 'permissions' && action.length === 1 && m === 'GET') {
    // List permissions: https://learn.microsoft.com/en-us/graph/api/driveitem-list-permissions (effective
    // permissions; a document library does not say which are inherited, see drive.ts)
    return {
      cls: 'permission',
      exec: () =>
        json(200, { value: drive.permissions(target().id).map((p) => select(drive.permJson(p.rec), req.query)) }),
    };
  }
  if (a0 === 'permissions' && action.length === 2) {
    const pid = action[1]!;
    if (m === 'GET') {
      // https://learn.microsoft.com/en-us/graph/api/permission-get
      return {
        cls: 'permission',
        exec: () => {
          const p = drive.permissions(target().id).find((x) => x.rec.id === pid);
          if (!p) throw notFound('The permission could not be found.');
          return json(200, drive.permJson(p.rec));
        },
      };
    }
    if (m === 'PATCH') {
      // Update a permission's roles (the only property that can change):
      // https://learn.microsoft.com/en-us/graph/api/permission-update
      return {
        cls: 'permission',
        exec: () => json(200, drive.permJson(drive.updatePermission(target().id, pid, bodyObject(req.body)))),
      };
    }
    if (m === 'DELETE') {
      // 204; only non-inherited permissions: https://learn.microsoft.com/en-us/graph/api/permission-delete
      return {
        cls: 'permission',
        exec: () => (drive.deletePermission(target().id, pid), { status: 204, headers: {} }),
      };
    }
  }
  if (a0 === 'invite' && m === 'POST') {
    // 200 {value:[permission]}, or 207 with an error on each recipient that failed:
    // https://learn.microsoft.com/en-us/graph/api/driveitem-invite (drive.ts has the details)
    return {
      cls: 'permission',
      exec: () => {
        const r = drive.invite(target().id, bodyObject(req.body), directory, {
          refuseRetain: sharing.refuseRetainOnInvite(),
        });
        return json(r.status, {
          value: r.entries.map((e) =>
            e.perm ? drive.permJson(e.perm) : { invitation: { email: e.email }, error: e.error },
          ),
        });
      },
    };
  }
  if (a0 === 'createLink' && m === 'POST') {
    // 201 new link / 200 existing link: https://learn.microsoft.com/en-us/graph/api/driveitem-createlink
    return {
      cls: 'permission',
      exec: () => {
        const [status, p] = drive.createLink(target().id, bodyObject(req.body), {
          ignoreRetain: sharing.ignoreRetainOnCreateLink(),
        });
        return json(status, drive.permJson(p));
      },
    };
  }
  if (a0 === 'delta' && m === 'GET') {
    // https://learn.microsoft.com/en-us/graph/api/driveitem-delta — SharePoint supports delta on the root only;
    // parentReference.path is not returned in delta responses (track items by id).
    const token = req.query.get('token');
    return {
      cls: token && token !== 'latest' ? 'deltaToken' : 'list',
      exec: () => {
        if (target().id !== drive.rootId)
          throw new GraphFailure(400, 'invalidRequest', 'Delta is only supported on the root of a document library.');
        if (token === 'latest')
          return json(200, {
            value: [],
            '@odata.deltaLink': `${req.serviceRoot}${req.path}?token=${drive.currentSeq}`,
          });
        // paging state: from.until.offset
        const st = req.query.get('$skiptoken');
        let from: number, until: number, offset: number;
        if (st)
          [from, until, offset] = Buffer.from(st, 'base64url').toString().split('.').map(Number) as [
            number,
            number,
            number,
          ];
        else [from, until, offset] = [token ? Number(token) : 0, drive.currentSeq, 0];
        if (!Number.isFinite(from))
          throw new GraphFailure(410, 'resyncRequired', 'The delta token is not valid; resync.');
        const { top } = pageParams(req.query);
        const all = drive.changes(from, until, Boolean(token) || from > 0);
        const page = all.slice(offset, offset + top).map((j) => ('deleted' in j ? j : select(j, req.query)));
        const body: Record<string, unknown> = { value: page };
        if (offset + top < all.length) {
          const q = new URLSearchParams(req.query);
          q.delete('token');
          q.set('$skiptoken', Buffer.from(`${from}.${until}.${offset + top}`).toString('base64url'));
          body['@odata.nextLink'] = `${req.serviceRoot}${req.path}?${q.toString().replace(/%24/g, '$')}`;
        } else {
          body['@odata.deltaLink'] = `${req.serviceRoot}${req.path}?token=${until}`;
        }
        return json(200, body);
      },
    };
  }
  throw methodNotAllowed();
}

function methodNotAllowed(): GraphFailure {
  return new GraphFailure(405, 'notAllowed', 'The operation is not supported by the emulator.');
}

function userRoute(req: EmulatorRequest, m: string, who: string, rest: string, cal: EmulatedCalendar): Route {
  const mailbox = cal.findUser(who)?.id;
  if (rest === '' && m === 'GET') {
    // GET /users/{id | userPrincipalName}: https://learn.microsoft.com/en-us/graph/api/user-get
    return { cls: 'free', exec: () => json(200, select(cal.userJson(cal.user(who)), req.query)) };
  }
  if (rest === '/calendar' && m === 'GET') {
    // The user's default calendar, with allowedOnlineMeetingProviders:
    // https://learn.microsoft.com/en-us/graph/api/calendar-get
    return { cls: 'free', mailbox, exec: () => json(200, select(cal.calendarJson(who), req.query)) };
  }
  if (rest === '/events' && m === 'POST') {
    // https://learn.microsoft.com/en-us/graph/api/user-post-events ; Teams meeting:
    // https://learn.microsoft.com/en-us/graph/outlook-calendar-online-meetings
    return {
      cls: 'free',
      mailbox,
      exec: () => {
        const [s, e] = cal.create(who, bodyObject(req.body));
        return json(s, cal.eventJson(e));
      },
    };
  }
  if (rest === '/events' && m === 'GET') {
    // https://learn.microsoft.com/en-us/graph/api/user-list-events
    return {
      cls: 'free',
      mailbox,
      exec: () => json(200, { value: cal.list(who).map((e) => select(cal.eventJson(e), req.query)) }),
    };
  }
  const mEv = /^\/events\/([^/]+)(\/cancel)?$/.exec(rest);
  if (mEv) {
    const id = decodeURIComponent(mEv[1]!);
    if (mEv[2] && m === 'POST') {
      // https://learn.microsoft.com/en-us/graph/api/event-cancel (202 Accepted)
      return { cls: 'free', mailbox, exec: () => (cal.remove(who, id), { status: 202, headers: {} }) };
    }
    if (!mEv[2] && m === 'GET')
      return { cls: 'free', mailbox, exec: () => json(200, select(cal.eventJson(cal.get(who, id)), req.query)) }; // event-get
    if (!mEv[2] && m === 'PATCH')
      return { cls: 'free', mailbox, exec: () => json(200, cal.eventJson(cal.update(who, id, bodyObject(req.body)))) }; // event-update
    if (!mEv[2] && m === 'DELETE')
      return { cls: 'free', mailbox, exec: () => (cal.remove(who, id), { status: 204, headers: {} }) }; // event-delete
  }
  throw methodNotAllowed();
}

function teamworkRoute(req: EmulatorRequest, m: string, who: string, rest: string, teams: EmulatedTeamsApps): Route {
  if (rest === '/teamwork/installedApps' && m === 'POST') {
    // Install app for user: 201 Created, no body (409 Conflict when it is already installed):
    // https://learn.microsoft.com/en-us/graph/api/userteamwork-post-installedapps
    return { cls: 'free', exec: () => ({ status: teams.install(who, bodyObject(req.body)).status, headers: {} }) };
  }
  if (rest === '/teamwork/installedApps' && m === 'GET') {
    // List apps installed for user ($expand=teamsApp, $filter=teamsApp/id eq '…'):
    // https://learn.microsoft.com/en-us/graph/api/userteamwork-list-installedapps
    return {
      cls: 'free',
      exec: () => json(200, { value: teams.list(who, req.query.get('$filter'), req.query.get('$expand')) }),
    };
  }
  const mChat = /^\/teamwork\/installedApps\/([^/]+)\/chat$/.exec(rest);
  if (mChat && m === 'GET') {
    // The 1:1 chat between the user and the app: https://learn.microsoft.com/en-us/graph/api/userscopeteamsappinstallation-get-chat
    const installation = decodeURIComponent(mChat[1]!);
    return { cls: 'free', exec: () => json(200, select(teams.chat(who, installation), req.query)) };
  }
  throw methodNotAllowed();
}

/** Online meetings and their attendance reports (see online-meetings.ts for the pages each follows). */
function onlineMeetingsRoute(
  req: EmulatorRequest,
  m: string,
  who: string,
  rest: string,
  meetings: EmulatedOnlineMeetings,
): Route {
  if (m !== 'GET') throw methodNotAllowed();
  if (rest === '/onlineMeetings')
    return { cls: 'free', exec: () => json(200, { value: meetings.findByJoinUrl(who, req.query.get('$filter')) }) };
  const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  const [, meetingId, reports, reportId, records] = parts;
  if (!meetingId || reports !== 'attendanceReports' || parts.length > 5) throw methodNotAllowed();
  if (!reportId) return { cls: 'free', exec: () => json(200, { value: meetings.listReports(who, meetingId) }) };
  if (!records) {
    const expand = /(^|,)\s*attendanceRecords\b/i.test(req.query.get('$expand') ?? '');
    return { cls: 'free', exec: () => json(200, meetings.getReport(who, meetingId, reportId, expand)) };
  }
  if (records !== 'attendanceRecords') throw methodNotAllowed();
  return {
    cls: 'free',
    exec: () => {
      const { skip } = pageParams(req.query);
      const page = meetings.listRecords(who, meetingId, reportId, skip);
      const body: Record<string, unknown> = { value: page.value };
      if (page.more)
        body['@odata.nextLink'] = nextLink(req, {
          $skiptoken: Buffer.from(String(skip + page.value.length)).toString('base64url'),
        });
      return json(200, body);
    },
  };
}
