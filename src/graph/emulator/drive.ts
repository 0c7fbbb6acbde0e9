/**
 * The emulated SharePoint document library ("one site drive"): drive items, content, permissions,
 * sharing and delta. Each public method corresponds to one documented Graph v1.0 operation; the
 * route table in routes.ts cites the page for each one.
 *
 * Semantics modelled (and deliberately no more):
 *  - names are unique per folder, case-insensitively (SharePoint);
 *  - permission inheritance is live: an item without unique permissions shows its nearest
 *    ancestor-with-unique-permissions' permissions with `inheritedFrom` pointing at that ancestor;
 *    the drive root holds the site groups (Owners/Members/Visitors) and is always unique;
 *  - the first share (invite or createLink) of an inheriting item breaks inheritance; with
 *    `retainInheritedPermissions: false` nothing is copied (the item becomes private), otherwise the
 *    inherited permissions are copied as direct ones;
 *  - invite is idempotent per (recipient, role): re-inviting returns the existing permission;
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
  id: string;
  itemId: string;
  roles: string[];
  kind: 'user' | 'siteGroup' | 'link';
  email?: string;
  displayName?: string;
  userId?: string;
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
  permissionsDeleted: number;
  inheritanceBroken: number;
}

/** Characters SharePoint refuses in file and folder names. */
const INVALID_NAME = /["*:<>?/\\|]/;

export class EmulatedDrive {
  readonly driveId: string;
  readonly siteId: string;
  readonly siteUrl: string;
  private readonly byParent = new Map<string, Map<string, string>>();
  private seq = 0;
  private order = 0;
  readonly stats: DriveStats = {
    foldersCreated: 0,
    filesUploaded: 0,
    sameNameAttempts: 0,
    renamedDuplicates: 0,
    permissionsCreated: 0,
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
    for (const [name, role] of [
      ['Owners', 'owner'],
      ['Members', 'write'],
      ['Visitors', 'read'],
    ] as const) {
      this.putPerm({
        id: guidFrom(this.random).toLowerCase(),
        itemId: rootId,
        roles: [role],
        kind: 'siteGroup',
        displayName: `WExQS ${name}`,
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
    for (const p of this.ownPerms(itemId)) this.store.delete('permissions', p.key);
    this.byParent.get(it.parentId!)?.delete(it.name.toLowerCase());
    this.byParent.delete(itemId);
    this.store.delete('items', itemId);
    this.store.deleteContent(itemId);
    const t: Tombstone = { id: itemId, parentId: it.parentId, seq: ++this.seq };
    this.store.put('tombstones', itemId, t);
  }

  // ---- permissions -------------------------------------------------------------------------

  private putPerm(p: Omit<PermRec, 'key'>): PermRec {
    const rec: PermRec = { ...p, key: `${p.itemId}/${p.id}` };
    this.store.put('permissions', rec.key, rec);
    return rec;
  }

  private ownPerms(itemId: string): PermRec[] {
    return this.store.values<PermRec>('permissions').filter((p) => p.itemId === itemId);
  }

  private holder(item: ItemRec): ItemRec {
    let cur = item;
    while (!cur.unique && cur.parentId) cur = this.item(cur.parentId);
    return cur;
  }

  /** Effective permissions with inheritedFrom (https://learn.microsoft.com/en-us/graph/api/driveitem-list-permissions). */
  permissions(itemId: string): Array<{ rec: PermRec; inheritedFrom: ItemRec | null }> {
    const item = this.item(itemId);
    const h = this.holder(item);
    return this.ownPerms(h.id)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map((rec) => ({ rec, inheritedFrom: h.id === item.id ? null : h }));
  }

  permJson(rec: PermRec, inheritedFrom: ItemRec | null): Record<string, unknown> {
    const j: Record<string, unknown> = {
      id: rec.id,
      roles: rec.roles,
      shareId: rec.kind === 'link' ? 's!' + rec.id : undefined,
    };
    if (rec.kind === 'user') {
      const user = { email: rec.email, id: rec.userId, displayName: rec.displayName };
      j.grantedTo = { user };
      j.grantedToV2 = {
        user,
        siteUser: { email: rec.email, displayName: rec.displayName, loginName: `i:0#.f|membership|${rec.email}` },
      };
      j.invitation = { email: rec.email, signInRequired: rec.signInRequired ?? true };
    } else if (rec.kind === 'siteGroup') {
      j.grantedToV2 = { siteGroup: { displayName: rec.displayName, id: rec.id, loginName: rec.displayName } };
    } else if (rec.link) {
      j.link = { type: rec.link.type, scope: rec.link.scope, webUrl: rec.link.webUrl, preventsDownload: false };
      j.hasPassword = false;
      j.grantedToIdentitiesV2 = [];
    }
    if (inheritedFrom) {
      j.inheritedFrom = {
        driveId: this.driveId,
        id: inheritedFrom.id,
        path: `/drives/${this.driveId}/root:${inheritedFrom.kind === 'root' ? '' : '/' + this.pathOf(inheritedFrom).join('/')}`,
      };
    }
    if (j.shareId === undefined) delete j.shareId;
    return j;
  }

  private firstShare(item: ItemRec, retainInherited: boolean): void {
    if (item.unique) return;
    const h = this.holder(item);
    if (retainInherited) {
      for (const p of this.ownPerms(h.id)) this.putPerm({ ...p, itemId: item.id });
    }
    item.unique = true;
    this.touch(item);
    this.stats.inheritanceBroken++;
  }

  /** POST .../invite (https://learn.microsoft.com/en-us/graph/api/driveitem-invite). */
  invite(
    itemId: string,
    body: Record<string, unknown>,
    lookupUser: (email: string) => { id: string; displayName: string } | undefined,
  ): PermRec[] {
    const item = this.item(itemId);
    const recipients = body.recipients;
    const roles = body.roles;
    if (!Array.isArray(recipients) || recipients.length === 0) throw badRequest('recipients is required.');
    if (!Array.isArray(roles) || roles.length !== 1 || !['read', 'write'].includes(String(roles[0])))
      throw badRequest('roles must be ["read"] or ["write"].');
    if (body.requireSignIn === false && body.sendInvitation === false) {
      // Documented: requireSignIn false with sendInvitation false would create an anonymous link; not modelled.
      throw badRequest('requireSignIn must be true when sendInvitation is false.');
    }
    const emails = recipients.map((r) => {
      const email = (r as { email?: unknown }).email;
      if (typeof email !== 'string' || !email.includes('@')) throw badRequest('Each recipient needs an email.');
      return email.toLowerCase();
    });
    this.firstShare(item, body.retainInheritedPermissions !== false);
    const role = String(roles[0]);
    const own = this.ownPerms(item.id);
    return emails.map((email) => {
      const existing = own.find((p) => p.kind === 'user' && p.email === email && p.roles.includes(role));
      if (existing) return existing;
      const user = lookupUser(email);
      this.stats.permissionsCreated++;
      return this.putPerm({
        id: guidFrom(this.random).toLowerCase(),
        itemId: item.id,
        roles: [role],
        kind: 'user',
        email,
        userId: user?.id,
        displayName: user?.displayName ?? email,
        signInRequired: body.requireSignIn !== false,
        createdAt: new Date().toISOString(),
      });
    });
  }

  /** POST .../createLink (https://learn.microsoft.com/en-us/graph/api/driveitem-createlink). */
  createLink(itemId: string, body: Record<string, unknown>): [number, PermRec] {
    const item = this.item(itemId);
    const type = String(body.type ?? '');
    const scope = String(body.scope ?? 'organization');
    if (!['view', 'edit'].includes(type)) throw badRequest('type must be view or edit.');
    if (!['anonymous', 'organization', 'users'].includes(scope)) throw badRequest('Invalid scope.');
    this.firstShare(item, body.retainInheritedPermissions !== false);
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

  /** DELETE .../permissions/{id} (https://learn.microsoft.com/en-us/graph/api/permission-delete). */
  deletePermission(itemId: string, permId: string): void {
    const eff = this.permissions(itemId).find((p) => p.rec.id === permId);
    if (!eff) throw notFound('The permission could not be found.');
    if (eff.inheritedFrom) {
      throw new GraphFailure(
        400,
        'invalidRequest',
        'Only permissions that are not inherited can be deleted; inheritedFrom must be null.',
      );
    }
    this.store.delete('permissions', eff.rec.key);
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
