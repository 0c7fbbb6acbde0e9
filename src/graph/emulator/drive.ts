/**
 * The emulated SharePoint document library ("one site drive"): drive items, content, permissions,
 * sharing and delta. Each public method corresponds to one documented Graph v1.0 operation; the
 * route table in routes.ts cites the page for each one.
 *
 * Semantics modelled (and deliberately no more):
 *  - names are unique per folder, case-insensitively (SharePoint);
 *  - permission inheritance is live: an item without unique permissions shows its nearest
 *    ancestor-with-unique-permissions' permissions, without `inheritedFrom` (a document library
 *    does not return it); the drive root holds the site groups (Owners/Members/Visitors);
 *  - permission ids belong to the principal (user, Entra group, site group), so the same person
 *    has the same permission id on every item and a role change updates that one permission;
 *  - the first share (invite or createLink) of an inheriting item breaks inheritance; with
 *    `retainInheritedPermissions: false` nothing is copied (the item becomes private), otherwise the
 *    inherited permissions are copied as direct ones, keeping their ids;
 *  - invite is idempotent per recipient: re-inviting returns the existing permission;
 *  - createLink returns the existing link of the same type and scope (200) or a new one (201);
 *  - every change bumps a drive-wide sequence used by delta.
 */
import { createHash } from 'node:crypto';
import type { EmulatorStore } from './store.js';
import { GraphFailure, badRequest, notFound } from './errors.js';
import { guidFrom, type Random } from './prng.js';
import { quickXorHash } from '../quickxorhash.js';

export interface ItemRec {
  id: string;
  parentId: string | null;
  name: string;
  kind: 'root' | 'folder' | 'file';
  size: number;
  mimeType?: string;
  sha1?: string;
  quickXor?: string;
  createdAt: string;
  modifiedAt: string;
  version: number;
  seq: number;
  order: number;
  unique: boolean;
}

export interface PermRec {
  key: string; // `${itemId}/${id}`
  /** Per principal (user, Entra group, site group); a fresh GUID for a sharing link. */
  id: string;
  itemId: string;
  roles: string[];
  kind: 'user' | 'group' | 'siteGroup' | 'link';
  email?: string;
  displayName?: string;
  userId?: string;
  groupId?: string;
  siteGroupId?: string;
  signInRequired?: boolean;
  link?: { type: string; scope: string; webUrl: string };
  createdAt: string;
}

interface Tombstone {
  id: string;
  parentId: string | null;
  seq: number;
}

export interface DriveStats {
  foldersCreated: number;
  filesUploaded: number;
  sameNameAttempts: number;
  renamedDuplicates: number;
  permissionsCreated: number;
  permissionsUpdated: number;
  permissionsDeleted: number;
  inheritanceBroken: number;
}

/** Someone a permission can be granted to, as the tenant's directory knows them. */
export interface Principal {
  kind: 'user' | 'group';
  /** Entra object id */
  id: string;
  displayName: string;
  /** users: lower-case mail */
  email?: string;
}

export interface PrincipalError {
  email?: string;
  status: number;
  error: { code: string; message: string };
}

/** The tenant's directory as invite sees it (directory.ts). */
export interface Directory {
  byEmail(email: string): Principal | PrincipalError;
  byObjectId(id: string): Principal | PrincipalError;
}

/** SharePoint claims: the permission id of a principal is its claim, base64-encoded. */
export const userClaim = (email: string) => `i:0#.f|membership|${email.toLowerCase()}`;
export const groupClaim = (objectId: string) => `c:0t.c|tenant|${objectId.toLowerCase()}`;
const encodeClaim = (claim: string) => Buffer.from(claim).toString('base64').replace(/=+$/, '');
export const principalId = (p: Principal): string =>
  encodeClaim(p.kind === 'user' ? userClaim(p.email!) : groupClaim(p.id));

const ROLE_RANK: Record<string, number> = { read: 1, write: 2, owner: 3 };
const higherRole = (a: string, b: string) => ((ROLE_RANK[b] ?? 0) > (ROLE_RANK[a] ?? 0) ? b : a);

/** Characters SharePoint refuses in file and folder names. */
const INVALID_NAME = /["*:<>?/\\|]/;

export class EmulatedDrive {
  readonly driveId: string;
  readonly siteId: string;
  readonly siteUrl: string;
  private readonly byParent = new Map<string, Map<string, string>>();
  /** item id → keys of the permissions it holds itself */
  private readonly permsByItem = new Map<string, Set<string>>();
  private seq = 0;
  private order = 0;
  readonly stats: DriveStats = {
    foldersCreated: 0,
    filesUploaded: 0,
    sameNameAttempts: 0,
    renamedDuplicates: 0,
    permissionsCreated: 0,
    permissionsUpdated: 0,
    permissionsDeleted: 0,
    inheritanceBroken: 0,
  };

  constructor(
    private readonly store: EmulatorStore,
    private readonly random: Random,
    opts: { siteUrl: string; driveId?: string },
  ) {
    const meta = store.get<{ driveId: string; siteId: string; siteUrl: string; rootId: string }>('meta', 'drive');
    if (meta) {
      this.driveId = meta.driveId;
      this.siteId = meta.siteId;
      this.siteUrl = meta.siteUrl;
    } else {
      this.driveId = opts.driveId ?? 'b!' + guidFrom(random).replace(/-/g, '').toLowerCase();
      this.siteId = guidFrom(random).toLowerCase();
      this.siteUrl = opts.siteUrl;
    }
    for (const it of store.values<ItemRec>('items')) {
      this.seq = Math.max(this.seq, it.seq);
      this.order = Math.max(this.order, it.order);
      if (it.parentId) this.index(it.parentId).set(it.name.toLowerCase(), it.id);
    }
    for (const t of store.values<Tombstone>('tombstones')) this.seq = Math.max(this.seq, t.seq);
    for (const p of store.values<PermRec>('permissions')) this.permIndex(p.itemId).add(p.key);
    if (!meta) this.init();
  }

  private init(): void {
    const now = new Date().toISOString();
    const rootId = '01' + guidFrom(this.random).replace(/-/g, '').slice(0, 32);
    this.store.put('meta', 'drive', { driveId: this.driveId, siteId: this.siteId, siteUrl: this.siteUrl, rootId });
    const root: ItemRec = {
      id: rootId,
      parentId: null,
      name: 'root',
      kind: 'root',
      size: 0,
      createdAt: now,
      modifiedAt: now,
      version: 1,
      seq: ++this.seq,
      order: ++this.order,
      unique: true,
    };
    this.store.put('items', root.id, root);
    // The library root holds the site's groups (Owners, Members, Visitors), as a team site has.
    let siteGroupNumber = 3;
    for (const [name, role] of [
      ['Owners', 'owner'],
      ['Members', 'write'],
      ['Visitors', 'read'],
    ] as const) {
      const displayName = `WExQS ${name}`;
      this.putPerm({
        id: encodeClaim(`c:0(.s|true|${displayName}`),
        itemId: rootId,
        roles: [role],
        kind: 'siteGroup',
        displayName,
        siteGroupId: String(siteGroupNumber++),
        createdAt: now,
      });
    }
  }

  get rootId(): string {
    return this.store.get<{ rootId: string }>('meta', 'drive')!.rootId;
  }

  private index(parentId: string): Map<string, string> {
    let m = this.byParent.get(parentId);
    if (!m) this.byParent.set(parentId, (m = new Map()));
    return m;
  }

  private newItemId(): string {
    return '01' + guidFrom(this.random).replace(/-/g, '').slice(0, 32);
  }

  item(id: string): ItemRec {
    const it = this.store.get<ItemRec>('items', id);
    if (!it) throw notFound();
    return it;
  }

  /** Resolves `root:/a/b` or `items/{id}:/a/b` style relative paths (segments already decoded). */
  resolvePath(baseId: string, segments: string[]): ItemRec {
    let cur = this.item(baseId);
    for (const seg of segments) {
      if (seg === '') continue;
      const id = this.byParent.get(cur.id)?.get(seg.toLowerCase());
      if (!id) throw notFound();
      cur = this.item(id);
    }
    return cur;
  }

  pathOf(item: ItemRec): string[] {
    const parts: string[] = [];
    let cur: ItemRec | undefined = item;
    while (cur && cur.kind !== 'root') {
      parts.unshift(cur.name);
      cur = cur.parentId ? this.store.get<ItemRec>('items', cur.parentId) : undefined;
    }
    return parts;
  }

  webUrl(item: ItemRec): string {
    const p = this.pathOf(item).map(encodeURIComponent).join('/');
    return `${this.siteUrl}/Shared%20Documents${p ? '/' + p : ''}`;
  }

  children(parentId: string): ItemRec[] {
    const m = this.byParent.get(parentId);
    if (!m) return [];
    return [...m.values()].map((id) => this.item(id)).sort((a, b) => a.order - b.order);
  }

  /** driveItem JSON (https://learn.microsoft.com/en-us/graph/api/resources/driveitem). */
  toJson(item: ItemRec, opts: { forDelta?: boolean } = {}): Record<string, unknown> {
    const parent = item.parentId ? this.store.get<ItemRec>('items', item.parentId) : undefined;
    const app = { application: { id: 'wexqs-emulator', displayName: 'WExQS' } };
    const j: Record<string, unknown> = {
      id: item.id,
      name: item.name,
      eTag: `"{${item.id}},${item.version}"`,
      createdDateTime: item.createdAt,
      lastModifiedDateTime: item.modifiedAt,
      webUrl: this.webUrl(item),
      size: item.size,
      createdBy: app,
      lastModifiedBy: app,
      // The file's own dates (https://learn.microsoft.com/en-us/graph/api/resources/filesysteminfo);
      // an upload without them takes the upload time.
      fileSystemInfo: { createdDateTime: item.createdAt, lastModifiedDateTime: item.modifiedAt },
      parentReference: parent
        ? {
            driveType: 'documentLibrary',
            driveId: this.driveId,
            id: parent.id,
            ...(opts.forDelta
              ? {}
              : {
                  path: `/drives/${this.driveId}/root:${parent.kind === 'root' ? '' : '/' + this.pathOf(parent).join('/')}`,
                }),
            siteId: this.siteId,
          }
        : { driveType: 'documentLibrary', driveId: this.driveId },
    };
    if (item.kind === 'root') {
      j.root = {};
      j.folder = { childCount: this.byParent.get(item.id)?.size ?? 0 };
    } else if (item.kind === 'folder') {
      j.folder = { childCount: this.byParent.get(item.id)?.size ?? 0 };
    } else {
      j.cTag = `"c:{${item.id}},${item.version}"`;
      // SharePoint returns quickXorHash (https://learn.microsoft.com/en-us/graph/api/resources/hashes).
      j.file = {
        mimeType: item.mimeType ?? 'application/octet-stream',
        hashes: { sha1Hash: item.sha1, ...(item.quickXor ? { quickXorHash: item.quickXor } : {}) },
      };
    }
    return j;
  }

  private touch(item: ItemRec): void {
    item.seq = ++this.seq;
    item.version += 1;
    item.modifiedAt = new Date().toISOString();
    this.store.put('items', item.id, item);
  }

  checkName(name: unknown): string {
    if (typeof name !== 'string' || name.trim() === '') throw badRequest('The name is missing.');
    if (INVALID_NAME.test(name) || name !== name.trim() || name.endsWith('.') || name.length > 255) {
      throw badRequest(`The provided name is not valid: ${JSON.stringify(name)}`);
    }
    return name;
  }

  /** POST .../children with a folder facet. Returns [status, item]. */
  createFolder(parentId: string, name: string, conflict: string): [number, ItemRec] {
    const parent = this.item(parentId);
    if (parent.kind === 'file') throw badRequest('The parent is not a folder.');
    this.checkName(name);
    let finalName = name;
    const existingId = this.byParent.get(parentId)?.get(name.toLowerCase());
    if (existingId) {
      this.stats.sameNameAttempts++;
      if (conflict === 'fail') {
        throw new GraphFailure(409, 'nameAlreadyExists', 'The specified item name already exists. Name: ' + name);
      } else if (conflict === 'replace') {
        this.deleteItem(existingId);
      } else if (conflict === 'rename') {
        this.stats.renamedDuplicates++;
        for (let n = 1; ; n++) {
          const candidate = `${name} ${n}`;
          if (!this.byParent.get(parentId)?.has(candidate.toLowerCase())) {
            finalName = candidate;
            break;
          }
        }
      } else {
        throw badRequest(`Unknown conflictBehavior ${conflict}`);
      }
    }
    const now = new Date().toISOString();
    const it: ItemRec = {
      id: this.newItemId(),
      parentId,
      name: finalName,
      kind: 'folder',
      size: 0,
      createdAt: now,
      modifiedAt: now,
      version: 1,
      seq: ++this.seq,
      order: ++this.order,
      unique: false,
    };
    this.store.put('items', it.id, it);
    this.index(parentId).set(finalName.toLowerCase(), it.id);
    this.stats.foldersCreated++;
    return [201, it];
  }

  /** PUT .../{parent}:/{name}:/content — create or replace a small file. */
  upload(
    parentId: string,
    name: string,
    bytes: Buffer,
    conflict: string,
    mimeType: string | undefined,
  ): [number, ItemRec] {
    const parent = this.item(parentId);
    if (parent.kind === 'file') throw badRequest('The parent is not a folder.');
    this.checkName(name);
    const existingId = this.byParent.get(parentId)?.get(name.toLowerCase());
    const sha1 = createHash('sha1').update(bytes).digest('hex').toUpperCase();
    const quickXor = quickXorHash(bytes);
    if (existingId) {
      const existing = this.item(existingId);
      if (conflict === 'fail')
        throw new GraphFailure(409, 'nameAlreadyExists', 'The specified item name already exists. Name: ' + name);
      if (existing.kind === 'file' && conflict !== 'rename') {
        this.store.writeContent(existing.id, bytes);
        existing.size = bytes.length;
        existing.sha1 = sha1;
        existing.quickXor = quickXor;
        if (mimeType) existing.mimeType = mimeType;
        this.touch(existing);
        this.stats.filesUploaded++;
        return [200, existing];
      }
      if (conflict !== 'rename')
        throw new GraphFailure(409, 'nameAlreadyExists', 'A folder with that name exists. Name: ' + name);
      const dot = name.lastIndexOf('.');
      for (let n = 1; ; n++) {
        const candidate = dot > 0 ? `${name.slice(0, dot)} ${n}${name.slice(dot)}` : `${name} ${n}`;
        if (!this.byParent.get(parentId)?.has(candidate.toLowerCase())) {
          name = candidate;
          break;
        }
      }
    }
    const now = new Date().toISOString();
    const it: ItemRec = {
      id: this.newItemId(),
      parentId,
      name,
      kind: 'file',
      size: bytes.length,
      mimeType: mimeType ?? 'application/octet-stream',
      sha1,
      quickXor,
      createdAt: now,
      modifiedAt: now,
      version: 1,
      seq: ++this.seq,
      order: ++this.order,
      unique: false,
    };
    this.store.writeContent(it.id, bytes);
    this.store.put('items', it.id, it);
    this.index(parentId).set(name.toLowerCase(), it.id);
    this.stats.filesUploaded++;
    return [201, it];
  }

  content(itemId: string): Buffer {
    const it = this.item(itemId);
    if (it.kind !== 'file') throw badRequest('The item is not a file.');
    return this.store.readContent(itemId) ?? Buffer.alloc(0);
  }

  /** DELETE an item: it and its subtree leave the drive (recycle bin), leaving delta tombstones. */
  deleteItem(itemId: string): void {
    const it = this.item(itemId);
    if (it.kind === 'root') throw new GraphFailure(403, 'accessDenied', 'The root cannot be deleted.');
    for (const child of this.children(itemId)) this.deleteItem(child.id);
    for (const p of this.ownPerms(itemId)) this.dropPerm(p);
    this.byParent.get(it.parentId!)?.delete(it.name.toLowerCase());
    this.byParent.delete(itemId);
    this.store.delete('items', itemId);
    this.store.deleteContent(itemId);
    const t: Tombstone = { id: itemId, parentId: it.parentId, seq: ++this.seq };
    this.store.put('tombstones', itemId, t);
  }

  // ---- permissions -------------------------------------------------------------------------

  private permIndex(itemId: string): Set<string> {
    let keys = this.permsByItem.get(itemId);
    if (!keys) this.permsByItem.set(itemId, (keys = new Set()));
    return keys;
  }

  private putPerm(p: Omit<PermRec, 'key'>): PermRec {
    const rec: PermRec = { ...p, key: `${p.itemId}/${p.id}` };
    this.store.put('permissions', rec.key, rec);
    this.permIndex(rec.itemId).add(rec.key);
    return rec;
  }

  private dropPerm(rec: PermRec): void {
    this.store.delete('permissions', rec.key);
    this.permsByItem.get(rec.itemId)?.delete(rec.key);
  }

  private ownPerms(itemId: string): PermRec[] {
    const keys = this.permsByItem.get(itemId);
    if (!keys) return [];
    return [...keys].map((k) => this.store.get<PermRec>('permissions', k)).filter((p): p is PermRec => !!p);
  }

  private holder(item: ItemRec): ItemRec {
    let cur = item;
    while (!cur.unique && cur.parentId) cur = this.item(cur.parentId);
    return cur;
  }

  /**
   * Effective permissions of an item and, for the emulator's own bookkeeping and tests, where each
   * one is held. Graph does not say: in a document library `inheritedFrom` is not returned
   * (https://learn.microsoft.com/en-us/graph/api/resources/permission , inheritedFrom), so an
   * inheriting item lists its ancestor's permissions under the same ids.
   */
  permissions(itemId: string): Array<{ rec: PermRec; inheritedFrom: ItemRec | null }> {
    const item = this.item(itemId);
    const h = this.holder(item);
    return this.ownPerms(h.id)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map((rec) => ({ rec, inheritedFrom: h.id === item.id ? null : h }));
  }

  /** permission JSON (https://learn.microsoft.com/en-us/graph/api/resources/permission); never inheritedFrom. */
  permJson(rec: PermRec): Record<string, unknown> {
    const j: Record<string, unknown> = { id: rec.id, roles: rec.roles };
    if (rec.kind === 'user') {
      const user = { email: rec.email, id: rec.userId, displayName: rec.displayName };
      j.grantedTo = { user };
      j.grantedToV2 = {
        user,
        siteUser: { email: rec.email, displayName: rec.displayName, loginName: userClaim(rec.email!) },
      };
      j.invitation = { email: rec.email, signInRequired: rec.signInRequired ?? true };
    } else if (rec.kind === 'group') {
      j.grantedToV2 = {
        group: { id: rec.groupId, displayName: rec.displayName },
        siteUser: { displayName: rec.displayName, loginName: groupClaim(rec.groupId!) },
      };
    } else if (rec.kind === 'siteGroup') {
      j.grantedToV2 = { siteGroup: { displayName: rec.displayName, id: rec.siteGroupId, loginName: rec.displayName } };
    } else if (rec.link) {
      j.shareId = 's!' + rec.id;
      j.link = { type: rec.link.type, scope: rec.link.scope, webUrl: rec.link.webUrl, preventsDownload: false };
      j.hasPassword = false;
      j.grantedToIdentitiesV2 = [];
    }
    return j;
  }

  /**
   * Breaks inheritance on the first share of an inheriting item. `retain` copies the permissions it
   * inherited as its own, under the same (per-principal) ids; without it only the new grant remains.
   */
  private firstShare(item: ItemRec, retain: boolean): void {
    if (item.unique) return;
    const h = this.holder(item);
    if (retain) {
      for (const p of this.ownPerms(h.id)) this.putPerm({ ...p, itemId: item.id });
    }
    item.unique = true;
    this.touch(item);
    this.stats.inheritanceBroken++;
  }

  /**
   * POST .../invite (https://learn.microsoft.com/en-us/graph/api/driveitem-invite).
   *  - Recipients by `email` or `objectId` (driveRecipient: exactly one of email, alias, objectId:
   *    https://learn.microsoft.com/en-us/graph/api/resources/driverecipient).
   *  - Permission ids belong to the principal: inviting someone who already holds a permission on
   *    the item updates that permission (the higher of the two roles) instead of adding another
   *    (the id encodes the claim, e.g. `i:0#.f|membership|user@…`: the example on
   *    https://learn.microsoft.com/en-us/graph/api/driveitem-invite and .../permission-grant).
   *  - App-only requests cannot invite people who are not guests of the tenant yet ("New guests
   *    can't be invited using app-only access": driveitem-invite); each such recipient fails alone.
   *    Some recipients failing gives 207 Multi-Status with an `error` on each failed entry (the
   *    page's partial success response); all failing gives that error for the whole request.
   *  - `retainInheritedPermissions` is in the v1.0 metadata but not on the v1.0 page; tenants have
   *    answered it with 400 invalidRequest (microsoftgraph/microsoft-graph-docs#22261), which
   *    `refuseRetain` reproduces.
   */
  invite(
    itemId: string,
    body: Record<string, unknown>,
    directory: Directory,
    tenant: { refuseRetain: boolean },
  ): {
    status: 200 | 207;
    entries: Array<{ perm?: PermRec; email?: string; error?: { code: string; message: string } }>;
  } {
    const item = this.item(itemId);
    const recipients = body.recipients;
    const roles = body.roles;
    if (!Array.isArray(recipients) || recipients.length === 0) throw badRequest('recipients is required.');
    if (!Array.isArray(roles) || roles.length !== 1 || !['read', 'write'].includes(String(roles[0])))
      throw badRequest('roles must be ["read"] or ["write"].');
    if (body.requireSignIn === false && body.sendInvitation === false) {
      // requireSignIn false with sendInvitation false would create an anonymous link; not modelled.
      throw badRequest('requireSignIn must be true when sendInvitation is false.');
    }
    if (body.retainInheritedPermissions !== undefined && tenant.refuseRetain)
      throw new GraphFailure(400, 'invalidRequest', 'Invalid request');
    const role = String(roles[0]);
    const resolved = recipients.map((r) => {
      const rec = r as { email?: unknown; objectId?: unknown; alias?: unknown };
      const given = [rec.email, rec.objectId, rec.alias].filter((x) => x !== undefined);
      if (given.length !== 1) throw badRequest('Each recipient needs exactly one of email, alias or objectId.');
      if (rec.alias !== undefined) throw badRequest('Recipients by alias are not supported by the emulator.');
      if (typeof rec.objectId === 'string') return directory.byObjectId(rec.objectId);
      if (typeof rec.email !== 'string' || !rec.email.includes('@')) throw badRequest('Each recipient needs an email.');
      return directory.byEmail(rec.email);
    });
    const ok = resolved.filter((r): r is Principal => !('error' in r));
    if (ok.length === 0) {
      const first = resolved[0] as PrincipalError;
      throw new GraphFailure(first.status, first.error.code, first.error.message);
    }
    this.firstShare(item, body.retainInheritedPermissions !== false);
    const now = new Date().toISOString();
    const entries = resolved.map((r) => {
      if ('error' in r) return { email: r.email, error: r.error };
      const id = principalId(r);
      const existing = this.ownPerms(item.id).find((p) => p.id === id);
      if (existing) {
        const next = higherRole(existing.roles[0] ?? 'read', role);
        if (next !== existing.roles[0]) {
          existing.roles = [next];
          this.store.put('permissions', existing.key, existing);
          this.stats.permissionsUpdated++;
        }
        return { perm: existing };
      }
      this.stats.permissionsCreated++;
      return {
        perm: this.putPerm({
          id,
          itemId: item.id,
          roles: [role],
          kind: r.kind,
          ...(r.kind === 'user'
            ? { email: r.email, userId: r.id, signInRequired: body.requireSignIn !== false }
            : { groupId: r.id }),
          displayName: r.displayName,
          createdAt: now,
        }),
      };
    });
    this.touch(item);
    return { status: entries.some((e) => e.error) ? 207 : 200, entries };
  }

  /**
   * POST .../createLink (https://learn.microsoft.com/en-us/graph/api/driveitem-createlink): the
   * existing link of the same type and scope (200) or a new one (201). `retainInheritedPermissions:
   * false` breaks inheritance without copying, unless the tenant ignores it (`ignoreRetain`, as
   * public reports describe: microsoft-graph-docs-contrib#156), which copies what was inherited.
   */
  createLink(itemId: string, body: Record<string, unknown>, tenant: { ignoreRetain: boolean }): [number, PermRec] {
    const item = this.item(itemId);
    const type = String(body.type ?? '');
    const scope = String(body.scope ?? 'organization');
    if (!['view', 'edit'].includes(type)) throw badRequest('type must be view or edit.');
    if (!['anonymous', 'organization', 'users'].includes(scope)) throw badRequest('Invalid scope.');
    this.firstShare(item, body.retainInheritedPermissions !== false || tenant.ignoreRetain);
    const existing = this.ownPerms(item.id).find(
      (p) => p.kind === 'link' && p.link?.type === type && p.link.scope === scope,
    );
    if (existing) return [200, existing];
    const id = guidFrom(this.random).toLowerCase();
    this.stats.permissionsCreated++;
    const rec = this.putPerm({
      id,
      itemId: item.id,
      roles: [type === 'edit' ? 'write' : 'read'],
      kind: 'link',
      link: { type, scope, webUrl: `${this.siteUrl.replace(/\/sites\/.*/, '')}/:f:/s/wexqs/${id.replace(/-/g, '')}` },
      createdAt: new Date().toISOString(),
    });
    return [201, rec];
  }

  /** The item's own (not inherited) permission, or a refusal as permission-delete/-update describe. */
  private directPermission(itemId: string, permId: string): PermRec {
    const eff = this.permissions(itemId).find((p) => p.rec.id === permId);
    if (!eff) throw notFound('The permission could not be found.');
    if (eff.inheritedFrom)
      throw new GraphFailure(
        400,
        'invalidRequest',
        'Only permissions that are not inherited can be changed or deleted.',
      );
    return eff.rec;
  }

  /** PATCH .../permissions/{id} with `roles` (https://learn.microsoft.com/en-us/graph/api/permission-update). */
  updatePermission(itemId: string, permId: string, body: Record<string, unknown>): PermRec {
    const rec = this.directPermission(itemId, permId);
    const keys = Object.keys(body).filter((k) => !k.startsWith('@'));
    if (keys.some((k) => k !== 'roles')) throw badRequest('Only the roles property of a permission can be updated.');
    const roles = body.roles;
    if (!Array.isArray(roles) || roles.length !== 1 || !['read', 'write'].includes(String(roles[0])))
      throw badRequest('roles must be ["read"] or ["write"].');
    rec.roles = [String(roles[0])];
    this.store.put('permissions', rec.key, rec);
    this.stats.permissionsUpdated++;
    return rec;
  }

  /** DELETE .../permissions/{id} (https://learn.microsoft.com/en-us/graph/api/permission-delete). */
  deletePermission(itemId: string, permId: string): void {
    const rec = this.directPermission(itemId, permId);
    this.dropPerm(rec);
    this.stats.permissionsDeleted++;
  }

  // ---- delta -------------------------------------------------------------------------------

  get currentSeq(): number {
    return this.seq;
  }

  /** Changes with fromSeq < seq <= untilSeq, ordered by seq (https://learn.microsoft.com/en-us/graph/api/driveitem-delta). */
  changes(fromSeq: number, untilSeq: number, includeDeleted: boolean): Array<Record<string, unknown>> {
    const live = this.store.values<ItemRec>('items').filter((i) => i.seq > fromSeq && i.seq <= untilSeq);
    const out: Array<{ seq: number; j: Record<string, unknown> }> = live.map((i) => ({
      seq: i.seq,
      j: this.toJson(i, { forDelta: true }),
    }));
    if (includeDeleted) {
      for (const t of this.store.values<Tombstone>('tombstones')) {
        if (t.seq > fromSeq && t.seq <= untilSeq)
          out.push({
            seq: t.seq,
            j: { id: t.id, deleted: { state: 'deleted' }, parentReference: { driveId: this.driveId, id: t.parentId } },
          });
      }
    }
    return out.sort((a, b) => a.seq - b.seq).map((x) => x.j);
  }

  driveJson(): Record<string, unknown> {
    return {
      id: this.driveId,
      driveType: 'documentLibrary',
      name: 'Documents',
      webUrl: `${this.siteUrl}/Shared%20Documents`,
      createdDateTime: this.item(this.rootId).createdAt,
      owner: { group: { displayName: 'WExQS', id: this.siteId } },
    };
  }
}
