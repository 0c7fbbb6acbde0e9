/**
 * Bulk provisioning of private evidence folders for a cycle's organisations.
 *
 * Per organisation: `<root>/<cycle>/<org>` + one sub-folder per section. Privacy follows the
 * documented route and is then checked, never assumed:
 *  1. `createLink` (view, scope users) with `retainInheritedPermissions: false` breaks the folder's
 *     inheritance without copying the site's access
 *     (https://learn.microsoft.com/en-us/graph/api/driveitem-createlink; the parameter is in
 *     createLink's v1.0 metadata, while tenants have refused it on `invite`);
 *  2. `invite` (without that parameter) grants each person ONE permission with their highest role
 *     (applicants write, reviewers read) and grants the assessment team's Entra security group by
 *     object id (breaking inheritance removes the site Owners too);
 *  3. `GET …/permissions` reads the folder back: it is recorded private only when no site group
 *     (`grantedToV2.siteGroup`) and no inherited access remains. A document library does not return
 *     `inheritedFrom` (https://learn.microsoft.com/en-us/graph/api/resources/permission), so access
 *     the folder shares with its parent (same per-principal permission id) that the app did not
 *     grant counts as inherited. What is left is deleted once (it was copied onto this folder when
 *     its inheritance broke) and the folder read again; if access still remains the organisation is
 *     reported failed with the reason, and the next run repairs it.
 * Section folders keep inheriting from the organisation folder, so access follows the folder.
 *
 * Access follows people: SharePoint permission ids belong to the person
 * (https://learn.microsoft.com/en-us/graph/api/driveitem-invite), so the ledger keeps one grant per
 * person or group. A higher role re-invites (the same permission gains the role); a lower one is a
 * PATCH of that permission's roles (https://learn.microsoft.com/en-us/graph/api/permission-update);
 * someone no longer wanted has that permission deleted. The app never changes a permission it did
 * not create, except site-group or inherited access left on its own evidence folders.
 * Per recipient: a 207 from invite is read entry by entry; someone Graph cannot invite (an
 * external address that is not a guest yet: app-only access cannot invite new guests) is listed
 * with the reason while the folder is provisioned for everybody else, and retried on the next run.
 *
 * Execution: `$batch` of up to 20. A new organisation goes out as one batch with dependsOn — create
 * folder (conflictBehavior fail); the link and the sections depend on it; the invites and the
 * read-back depend on the link — addressed by path, because Graph accepts a batch that is either
 * fully parallel or sequential. Anything left (retries, 409 resolution, re-sync) goes out in parallel
 * batches addressed by id; entries of one batch may run in any order, so no batch ever holds two
 * changes of the same permission. Entry-level 429/503/504 are retried after max(Retry-After,
 * RateLimit-Reset); 424 entries re-run without counting an attempt; envelope failures (timeouts,
 * dropped connections, 5xx after the SDK's retries) re-queue the whole batch with exponential
 * backoff. Every step is idempotent (409 → look up by path; invite returns the person's existing
 * permission), so a lost response cannot duplicate a folder or a grant.
 *
 * The ledger records what each batch's answers confirmed, together, before the batch counts as
 * done (one commit per batch), so an aborted run resumes where it stopped, and an organisation
 * whose desired-state fingerprint matches its last completed one needs no request; a re-run of an
 * unchanged cycle costs one GET (the cycle folder still exists).
 */
import { EventEmitter } from 'node:events';
import type { Client } from '@microsoft/microsoft-graph-client';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorCode, graphCall, isTransportError, type GraphMetrics, type RawResult } from '../client.js';
import {
  planOrgFolders,
  sanitiseFolderName,
  type CycleInput,
  type DesiredGrant,
  type DesiredOrgFolder,
  type GrantRole,
} from '../evidence-folders.js';
import {
  MAX_BATCH,
  entryRetryDelayMs,
  isRetryableStatus,
  sendBatch,
  type BatchEntryRequest,
  type BatchEntryResponse,
  type GraphEntryBody,
  type GraphPermissionJson,
} from './graph-batch.js';
import type {
  CycleLedgerState,
  FolderRef,
  GrantRecord,
  LedgerMutation,
  OrgLedgerState,
  ProvisioningLedger,
} from './ledger.js';
import { emptyOrg, grantKey } from './ledger.js';
import { RuPacer, retryAfterMs, type PacerOptions } from './pacer.js';

export interface ProvisionOptions {
  client: Client;
  ledger: ProvisioningLedger;
  /** top folder in the library; default "WExQS Evidence" */
  rootFolderName?: string;
  /** document library; default: GET /sites/root/drive (remembered in the ledger) */
  driveId?: string;
  /** the tenant's SharePoint budget (ruPerMinute from its licence band, pacer.ts) or a shared pacer */
  pacer?: RuPacer | PacerOptions;
  /** batches in flight at once; default 4 */
  maxConcurrentBatches?: number;
  /** email people when granting access; default false */
  sendInvitation?: boolean;
  /** attempts per step before the organisation is reported failed; default 12 */
  maxAttempts?: number;
  /** base of the exponential backoff when the service gives no Retry-After; default 1000 ms */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** counters fed by the client's onResponse (counts SDK retries); else the engine counts its own calls */
  metrics?: GraphMetrics;
  signal?: AbortSignal;
  folderNameMaxLength?: number;
}

export interface ProgressEvent {
  orgsDone: number;
  orgsTotal: number;
  failed: number;
  requests: number;
  throttled: number;
  /** RU the engine sent (estimate of the service's charge; throttled entries count) */
  ruUsed: number;
}

export type OrgOutcome = 'created' | 'updated' | 'alreadyThere' | 'failed';

/** Someone Graph could not give access to; the folder is provisioned for the others. */
export interface RecipientFailure {
  /** the person's email, or the group's object id */
  recipient: string;
  reason: string;
}

export interface OrgReport {
  orgId: string;
  outcome: OrgOutcome;
  reason?: string;
  folderId?: string;
  webUrl?: string;
  /** recipients not invited (listed with the reason); the run after next tries them again */
  notInvited?: RecipientFailure[];
}

export interface ProvisionReport {
  cycleId: string;
  orgsTotal: number;
  created: number;
  updated: number;
  alreadyThere: number;
  failed: Array<{ orgId: string; reason: string }>;
  /** people (or groups) who could not be invited, per organisation */
  notInvited: Array<{ orgId: string } & RecipientFailure>;
  orgs: OrgReport[];
  requests: number;
  throttled: number;
  ruUsed: number;
  durationMs: number;
}

type StepKind =
  | 'folder'
  | 'resolveFolder'
  | 'section'
  | 'resolveSection'
  | 'breakInheritance'
  | 'grant'
  | 'changeRole'
  | 'revoke'
  | 'verify'
  | 'repair';

interface Step {
  org: OrgWork;
  kind: StepKind;
  section?: string;
  role?: GrantRole;
  /** grant: who is invited */
  recipients?: DesiredGrant[];
  /** changeRole/revoke/repair: the permission */
  permissionId?: string;
  /** changeRole: whose */
  grant?: DesiredGrant;
  /** repair: what the permission is, for the report */
  label?: string;
  attempts: number;
  notBefore: number;
  inFlight: boolean;
}

interface OrgWork {
  index: number;
  desired: DesiredOrgFolder;
  state: OrgLedgerState;
  steps: Set<Step>;
  changed: boolean;
  createdFolder: boolean;
  failed?: string;
  /** access left after breaking inheritance and already deleted once in this run */
  repaired: boolean;
  /** what the last read-back found (for the failure reason) */
  leftovers: string[];
  notInvited: RecipientFailure[];
  done: boolean;
}

/** SharePoint resource units per request (see the emulator's resource-units.ts and Microsoft's page). */
const COST: Record<StepKind, number> = {
  folder: 2,
  section: 2,
  resolveFolder: 1,
  resolveSection: 1,
  breakInheritance: 5,
  grant: 5,
  changeRole: 5,
  revoke: 5,
  verify: 5,
  repair: 5,
};

/** Steps that must wait until the folder's inheritance is broken. */
const AFTER_BREAK: ReadonlySet<StepKind> = new Set<StepKind>(['grant', 'changeRole', 'verify']);

const enc = (s: string) => encodeURIComponent(s);

/** The drive item fields asked for with `$select=id,name,webUrl`. */
interface DriveItemRef {
  id: string;
  name: string;
  webUrl: string;
}

const recipientOf = (g: DesiredGrant) => (g.objectId ? { objectId: g.objectId } : { email: g.email });
const recipientLabel = (g: DesiredGrant) => g.objectId ?? g.email;
const ROLE_RANK: Record<GrantRole, number> = { read: 1, write: 2 };

/** Graph's per-recipient and whole-request error, as a short reason (no addresses, no ids). */
const reasonOf = (status: number, error: { code?: string; message?: string } | undefined) =>
  `${status} ${error?.code ?? ''}${error?.message ? `: ${error.message}` : ''}`.trim();

export class Provisioner extends EventEmitter<{ progress: [ProgressEvent]; org: [OrgReport] }> {
  private readonly pacer: RuPacer;
  private ownRequests = 0;
  private entryThrottled = 0;
  private ruUsed = 0;
  private driveId = '';
  private cycleId = '';
  private cycleFolder?: FolderRef;
  /** permission ids on the cycle folder: what an organisation folder would inherit */
  private parentPermissionIds = new Set<string>();
  private orgs: OrgWork[] = [];
  /** Organisations finished and recorded in the ledger. */
  private durablyDone = 0;
  /** Organisations finished since the last ledger write, announced after it. */
  private finishedReports: OrgReport[] = [];
  private failedCount = 0;
  /** Ledger mutations not written yet, in the order they happened; `flush` writes them. */
  private pending: LedgerMutation[] = [];
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly o: ProvisionOptions) {
    super();
    this.pacer = o.pacer instanceof RuPacer ? o.pacer : new RuPacer(o.pacer ?? { ruPerMinute: 1250 });
  }

  private get requests(): number {
    return this.o.metrics ? this.o.metrics.requests : this.ownRequests;
  }
  private get throttled(): number {
    return (this.o.metrics?.throttled ?? 0) + this.entryThrottled;
  }

  progress(): ProgressEvent {
    return {
      orgsDone: this.durablyDone,
      orgsTotal: this.orgs.length,
      failed: this.failedCount,
      requests: this.requests,
      throttled: this.throttled,
      ruUsed: this.ruUsed,
    };
  }

  private note(m: LedgerMutation): void {
    this.pending.push(m);
  }

  /**
   * Writes what is pending in one go; writes happen one after another, in order. Organisations
   * finished since the last write are announced ('org', 'progress') only once their completion
   * is in the ledger, so progress never reports what a crash would forget.
   */
  private flush(): Promise<void> {
    const ms = this.pending.splice(0);
    const finished = this.finishedReports.splice(0);
    if (ms.length > 0 || finished.length > 0) {
      this.flushing = this.flushing.then(async () => {
        if (ms.length > 0) await this.o.ledger.recordAll(ms);
        this.durablyDone += finished.length;
        for (const report of finished) this.emit('org', report);
        if (finished.length > 0) this.emitProgress();
      });
    }
    return this.flushing;
  }

  private emitProgress(): void {
    this.emit('progress', this.progress());
  }

  private backoff(attempts: number): number {
    const base = this.o.backoffBaseMs ?? 1000;
    const max = this.o.backoffMaxMs ?? 60_000;
    return Math.min(max, base * 2 ** Math.max(0, attempts - 1)) * (0.5 + Math.random() / 2);
  }

  /** One request outside a batch, paced, with retries of 429/503/504 and transport errors. */
  private async single<T = DriveItemRef>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    ru: number,
    accept: (r: RawResult<T>) => boolean,
  ): Promise<RawResult<T>> {
    const max = this.o.maxAttempts ?? 12;
    for (let attempt = 1; ; attempt++) {
      this.o.signal?.throwIfAborted();
      await this.pacer.acquire(ru, this.o.signal);
      this.ruUsed += ru;
      this.ownRequests++;
      try {
        const r = await graphCall<T>(this.o.client, method, path, body);
        this.pacer.observe(r.status, r.headers);
        if (accept(r) || !isRetryableStatus(r.status) || attempt >= max) return r;
        await sleep(retryAfterMs(r.headers) ?? this.backoff(attempt), undefined, { signal: this.o.signal });
      } catch (e) {
        if (!isTransportError(e) || attempt >= max) throw e;
        await sleep(this.backoff(attempt), undefined, { signal: this.o.signal });
      }
    }
  }

  /** Ensures a folder under `parentId` (create with fail, 409 → get by path). */
  private async ensureFolder(parentId: string, name: string): Promise<FolderRef> {
    const c = await this.single(
      'POST',
      `/drives/${enc(this.driveId)}/items/${enc(parentId)}/children`,
      { name, folder: {}, '@microsoft.graph.conflictBehavior': 'fail' },
      2,
      (r) => r.status === 201 || r.status === 409,
    );
    if (c.status === 201) return { id: c.body.id, webUrl: c.body.webUrl, name: c.body.name };
    if (c.status !== 409) throw new Error(`folder ensure failed: ${c.status} ${errorCode(c) ?? ''}`);
    const g = await this.single(
      'GET',
      `/drives/${enc(this.driveId)}/items/${enc(parentId)}:/${enc(name)}?$select=id,name,webUrl`,
      undefined,
      1,
      (r) => r.status === 200,
    );
    if (g.status !== 200) throw new Error(`folder lookup failed: ${g.status} ${errorCode(g) ?? ''}`);
    return { id: g.body.id, webUrl: g.body.webUrl, name: g.body.name };
  }

  async run(input: CycleInput): Promise<ProvisionReport> {
    const started = Date.now();
    const { ledger } = this.o;
    this.cycleId = input.cycle.id;
    let ls: CycleLedgerState = await ledger.loadCycle(this.cycleId);

    // 1. drive
    this.driveId = this.o.driveId ?? ls.driveId ?? '';
    if (!this.driveId) {
      const d = await this.single('GET', '/sites/root/drive?$select=id', undefined, 1, (r) => r.status === 200);
      if (d.status !== 200) throw new Error(`cannot read the site drive: ${d.status} ${errorCode(d) ?? ''}`);
      this.driveId = d.body.id;
    }
    if (ls.driveId !== this.driveId) await ledger.recordCycle(this.cycleId, { driveId: this.driveId });

    // 2. root and cycle folders; a remembered cycle folder costs one cheap GET to confirm
    if (ls.cycleFolder) {
      const g = await this.single(
        'GET',
        `/drives/${enc(this.driveId)}/items/${enc(ls.cycleFolder.id)}?$select=id`,
        undefined,
        1,
        (r) => r.status === 200 || r.status === 404,
      );
      if (g.status === 404) {
        await ledger.recordCycle(this.cycleId, { cycleFolder: null });
        ls = await ledger.loadCycle(this.cycleId);
      } else if (g.status !== 200) throw new Error(`cannot read the cycle folder: ${g.status} ${errorCode(g) ?? ''}`);
    }
    if (!ls.cycleFolder) {
      const root = await this.ensureFolder(
        await this.rootId(),
        sanitiseFolderName(this.o.rootFolderName ?? 'WExQS Evidence'),
      );
      const cycle = await this.ensureFolder(
        root.id,
        sanitiseFolderName(input.cycle.name, { maxLength: this.o.folderNameMaxLength }),
      );
      await ledger.recordCycle(this.cycleId, { rootFolder: root, cycleFolder: cycle });
      ls = await ledger.loadCycle(this.cycleId);
    }
    this.cycleFolder = ls.cycleFolder!;

    // 3. plan per organisation
    const existingNames = new Map<string, string>();
    for (const [id, o] of Object.entries(ls.orgs)) if (o.folder) existingNames.set(id, o.folder.name);
    const plans = planOrgFolders(input, existingNames, { maxLength: this.o.folderNameMaxLength });
    const reports: OrgReport[] = [];
    this.orgs = plans.map((desired, index) => ({
      index,
      desired,
      state: ls.orgs[desired.orgId] ?? emptyOrg(desired.orgId),
      steps: new Set<Step>(),
      changed: false,
      createdFolder: false,
      repaired: false,
      leftovers: [],
      notInvited: [],
      done: false,
    }));
    for (const w of this.orgs) {
      if (w.state.completedFingerprint === w.desired.fingerprint && w.state.folder && w.state.private) {
        w.done = true;
        this.durablyDone++;
        reports[w.index] = {
          orgId: w.desired.orgId,
          outcome: 'alreadyThere',
          folderId: w.state.folder.id,
          webUrl: w.state.folder.webUrl,
        };
        continue;
      }
      if (w.state.completedFingerprint)
        this.note({
          t: 'complete',
          cycleId: this.cycleId,
          orgId: w.desired.orgId,
          fingerprint: null,
          at: new Date().toISOString(),
        });
      this.planSteps(w);
    }
    await this.flush();
    // What an organisation folder would inherit: read once when any folder is to be checked.
    if (this.orgs.some((w) => [...w.steps].some((s) => s.kind === 'verify'))) await this.readParentPermissions();
    this.emitProgress();

    // 4. schedule batches
    const maxConc = this.o.maxConcurrentBatches ?? 4;
    const inflight = new Set<Promise<void>>();
    const finishOrg = async (w: OrgWork) => {
      if (w.done) return;
      w.done = true;
      let report: OrgReport;
      const notInvited = w.notInvited.length ? { notInvited: w.notInvited } : {};
      const complete = (fingerprint: string | null) =>
        this.note({
          t: 'complete',
          cycleId: this.cycleId,
          orgId: w.desired.orgId,
          fingerprint,
          at: new Date().toISOString(),
        });
      if (w.failed) {
        this.failedCount++;
        complete(null);
        report = {
          orgId: w.desired.orgId,
          outcome: 'failed',
          reason: w.failed,
          folderId: w.state.folder?.id,
          webUrl: w.state.folder?.webUrl,
          ...notInvited,
        };
      } else {
        // Someone not invited yet: not complete, so the next run tries them again.
        complete(w.notInvited.length ? null : w.desired.fingerprint);
        report = {
          orgId: w.desired.orgId,
          outcome: w.createdFolder ? 'created' : w.changed ? 'updated' : 'alreadyThere',
          folderId: w.state.folder?.id,
          webUrl: w.state.folder?.webUrl,
          ...notInvited,
        };
      }
      reports[w.index] = report;
      this.finishedReports.push(report);
    };
    for (const w of this.orgs) if (!w.done && w.steps.size === 0) await finishOrg(w);
    await this.flush();

    try {
      for (;;) {
        this.o.signal?.throwIfAborted();
        if (this.orgs.every((w) => w.done) && inflight.size === 0) break;
        if (inflight.size < maxConc) {
          const batch = this.nextBatch();
          if (batch) {
            for (const s of batch) s.inFlight = true;
            const p: Promise<void> = this.runBatch(batch, finishOrg).finally(() => inflight.delete(p));
            inflight.add(p);
            continue;
          }
        }
        const waits: Array<Promise<unknown>> = [...inflight];
        const wake = this.nextWake();
        if (Number.isFinite(wake))
          waits.push(sleep(Math.max(1, wake - Date.now()), undefined, { signal: this.o.signal }));
        if (waits.length === 0) throw new Error('provisioning scheduler stalled');
        await Promise.race(waits);
      }
    } catch (err) {
      // Stopped (aborted) or failed: let the batches already sent finish and record what they did,
      // so nothing of this run is still writing when the caller sees it end.
      await Promise.allSettled([...inflight]);
      throw err;
    }
    await this.flush();
    this.emitProgress();
    const count = (k: OrgOutcome) => reports.filter((r) => r.outcome === k).length;
    return {
      cycleId: this.cycleId,
      orgsTotal: this.orgs.length,
      created: count('created'),
      updated: count('updated'),
      alreadyThere: count('alreadyThere'),
      failed: reports
        .filter((r) => r.outcome === 'failed')
        .map((r) => ({ orgId: r.orgId, reason: r.reason ?? 'unknown' })),
      notInvited: reports.flatMap((r) => (r.notInvited ?? []).map((n) => ({ orgId: r.orgId, ...n }))),
      orgs: reports,
      requests: this.requests,
      throttled: this.throttled,
      ruUsed: this.ruUsed,
      durationMs: Date.now() - started,
    };
  }

  private rootIdCache?: string;
  private async rootId(): Promise<string> {
    if (this.rootIdCache) return this.rootIdCache;
    const r = await this.single(
      'GET',
      `/drives/${enc(this.driveId)}/root?$select=id`,
      undefined,
      1,
      (x) => x.status === 200,
    );
    if (r.status !== 200) throw new Error(`cannot read the library root: ${r.status}`);
    return (this.rootIdCache = r.body.id);
  }

  private async readParentPermissions(): Promise<void> {
    const r = await this.single<{ value?: GraphPermissionJson[] }>(
      'GET',
      `/drives/${enc(this.driveId)}/items/${enc(this.cycleFolder!.id)}/permissions`,
      undefined,
      5,
      (x) => x.status === 200,
    );
    if (r.status !== 200)
      throw new Error(`cannot read the cycle folder's permissions: ${r.status} ${errorCode(r) ?? ''}`);
    this.parentPermissionIds = new Set((r.body.value ?? []).map((p) => String(p.id)));
  }

  private addStep(w: OrgWork, s: Omit<Step, 'org' | 'attempts' | 'notBefore' | 'inFlight'>): void {
    w.steps.add({ org: w, attempts: 0, notBefore: 0, inFlight: false, ...s });
  }

  /** Derives the steps an organisation still needs from its desired state and ledger state. */
  private planSteps(w: OrgWork): void {
    const st = w.state;
    if (!st.folder) this.addStep(w, { kind: 'folder' });
    for (const s of w.desired.sections) if (!st.sections[s]) this.addStep(w, { kind: 'section', section: s });
    if (!st.privacyLinkId) this.addStep(w, { kind: 'breakInheritance' });
    const have = new Map(st.grants.map((g) => [grantKey(g), g]));
    const want = new Set(w.desired.grants.map((g) => grantKey(g)));
    const invite: Record<GrantRole, DesiredGrant[]> = { read: [], write: [] };
    for (const g of w.desired.grants) {
      const current = have.get(grantKey(g));
      if (!current) invite[g.role].push(g);
      else if (ROLE_RANK[g.role] > ROLE_RANK[current.role])
        invite[g.role].push(g); // invite adds the higher role
      else if (g.role !== current.role)
        this.addStep(w, { kind: 'changeRole', grant: g, role: g.role, permissionId: current.permissionId });
    }
    for (const role of ['write', 'read'] as const)
      if (invite[role].length) this.addStep(w, { kind: 'grant', role, recipients: invite[role] });
    for (const g of st.grants)
      if (!want.has(grantKey(g))) this.addStep(w, { kind: 'revoke', permissionId: g.permissionId });
    if (!st.private) this.addStep(w, { kind: 'verify' });
  }

  private nextWake(): number {
    let t = Infinity;
    for (const w of this.orgs) for (const s of w.steps) if (!s.inFlight) t = Math.min(t, s.notBefore);
    return t;
  }

  private waitsForBreak(s: Step): boolean {
    if (!AFTER_BREAK.has(s.kind)) return false;
    for (const x of s.org.steps) if (x.kind === 'breakInheritance') return true;
    return false;
  }

  private nextBatch(): Step[] | undefined {
    const now = Date.now();
    const ready: Step[] = [];
    let star: Step | undefined;
    for (const w of this.orgs) {
      if (w.done) continue;
      for (const s of w.steps) {
        if (s.inFlight || s.notBefore > now) continue;
        if (s.kind === 'folder') {
          if (!star) star = s;
        } else if (s.kind === 'resolveFolder' || (w.state.folder && !this.waitsForBreak(s))) {
          if (ready.length < MAX_BATCH) ready.push(s);
        }
      }
      if (ready.length >= MAX_BATCH) break;
    }
    if (ready.length > 0) return ready;
    if (!star) return undefined;
    const w = star.org;
    // A new organisation: one batch with dependsOn, dependants addressed by path below the cycle folder.
    const deps = [...w.steps].filter(
      (s) =>
        s !== star &&
        !s.inFlight &&
        s.notBefore <= now &&
        (s.kind === 'section' || s.kind === 'breakInheritance' || s.kind === 'grant' || s.kind === 'verify'),
    );
    const order: StepKind[] = ['breakInheritance', 'section', 'grant', 'verify'];
    deps.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
    // Grants and the privacy check only go with the break of inheritance they depend on: when the
    // break is still waiting out a back-off, a check in this batch would read the inherited site
    // groups and try to delete permissions that are not the folder's own (400 invalidRequest).
    const breakWaits =
      [...w.steps].some((s) => s.kind === 'breakInheritance') && !deps.some((s) => s.kind === 'breakInheritance');
    const withStar = breakWaits ? deps.filter((s) => !AFTER_BREAK.has(s.kind)) : deps;
    return [star, ...withStar.slice(0, MAX_BATCH - 1)];
  }

  private request(s: Step, id: string, star: boolean, dependsOn?: string[]): BatchEntryRequest {
    const w = s.org;
    const d = `/drives/${enc(this.driveId)}`;
    const orgAddr = star
      ? `${d}/items/${enc(this.cycleFolder!.id)}:/${enc(w.desired.folderName)}:`
      : `${d}/items/${enc(w.state.folder?.id ?? '')}`;
    const base = { id, ...(dependsOn ? { dependsOn } : {}) };
    switch (s.kind) {
      case 'folder':
        return {
          ...base,
          method: 'POST',
          url: `${d}/items/${enc(this.cycleFolder!.id)}/children`,
          body: { name: w.desired.folderName, folder: {}, '@microsoft.graph.conflictBehavior': 'fail' },
        };
      case 'resolveFolder':
        return {
          ...base,
          method: 'GET',
          url: `${d}/items/${enc(this.cycleFolder!.id)}:/${enc(w.desired.folderName)}?$select=id,name,webUrl`,
        };
      case 'section':
        return {
          ...base,
          method: 'POST',
          url: `${orgAddr}/children`,
          body: { name: s.section, folder: {}, '@microsoft.graph.conflictBehavior': 'fail' },
        };
      case 'resolveSection':
        return {
          ...base,
          method: 'GET',
          url: `${d}/items/${enc(w.state.folder!.id)}:/${enc(s.section!)}?$select=id,name,webUrl`,
        };
      case 'breakInheritance':
        return {
          ...base,
          method: 'POST',
          url: `${orgAddr}/createLink`,
          body: { type: 'view', scope: 'users', retainInheritedPermissions: false },
        };
      case 'grant':
        return {
          ...base,
          method: 'POST',
          url: `${orgAddr}/invite`,
          body: {
            recipients: s.recipients!.map(recipientOf),
            roles: [s.role],
            requireSignIn: true,
            sendInvitation: this.o.sendInvitation ?? false,
          },
        };
      case 'changeRole':
        return {
          ...base,
          method: 'PATCH',
          url: `${d}/items/${enc(w.state.folder!.id)}/permissions/${enc(s.permissionId!)}`,
          body: { roles: [s.role] },
        };
      case 'revoke':
      case 'repair':
        return {
          ...base,
          method: 'DELETE',
          url: `${d}/items/${enc(w.state.folder!.id)}/permissions/${enc(s.permissionId!)}`,
        };
      case 'verify':
        return { ...base, method: 'GET', url: `${orgAddr}/permissions` };
    }
  }

  private async runBatch(steps: Step[], finishOrg: (w: OrgWork) => Promise<void>): Promise<void> {
    const star = steps[0]!.kind === 'folder';
    const breakId = star ? steps.findIndex((s) => s.kind === 'breakInheritance') : -1;
    const reqs = steps.map((s, i) => {
      if (!star || i === 0) return this.request(s, String(i + 1), star);
      const afterBreak = AFTER_BREAK.has(s.kind) && breakId > 0 ? [String(breakId + 1)] : ['1'];
      return this.request(s, String(i + 1), star, afterBreak);
    });
    const ru = steps.reduce((a, s) => a + COST[s.kind], 0);
    const touched = new Set<OrgWork>(steps.map((s) => s.org));
    try {
      await this.pacer.acquire(ru, this.o.signal);
      this.ruUsed += ru;
      this.ownRequests++;
      let res;
      try {
        res = await sendBatch(this.o.client, reqs);
      } catch (e) {
        if (!isTransportError(e)) throw e;
        for (const s of steps) this.retryLater(s, undefined, 'transport');
        return;
      }
      this.pacer.observe(res.status, res.envelopeHeaders);
      if (res.status !== 200) {
        for (const s of steps)
          this.retryLater(
            s,
            isRetryableStatus(res.status) ? retryAfterMs(res.envelopeHeaders) : undefined,
            `envelope ${res.status}`,
            !isRetryableStatus(res.status) && res.status < 500,
          );
        return;
      }
      for (const [i, s] of steps.entries()) {
        const e = res.entries.get(String(i + 1));
        if (!e) {
          this.retryLater(s, undefined, 'missing entry');
          continue;
        }
        if (e.status === 424) {
          this.ruUsed -= COST[s.kind];
          this.pacer.refund(COST[s.kind]);
          s.inFlight = false; // the dependency's own outcome decides; no attempt counted
          continue;
        }
        if (isRetryableStatus(e.status)) {
          if (e.status === 429) this.entryThrottled++;
          this.pacer.observe(e.status, e.headers);
          this.retryLater(s, entryRetryDelayMs(e.headers), `${e.status} ${e.body?.error?.code ?? ''}`.trim());
          continue;
        }
        this.pacer.observe(e.status, e.headers);
        if (s.org.failed) continue; // already reported; its remaining answers change nothing
        await this.handleEntry(s, e);
      }
    } finally {
      for (const s of steps) s.inFlight = false;
      for (const w of touched) if (!w.done && (w.failed || w.steps.size === 0)) await finishOrg(w);
      await this.flush();
      this.emitProgress();
    }
  }

  private retryLater(s: Step, delayMs: number | undefined, reason: string, permanent = false): void {
    s.inFlight = false;
    s.attempts++;
    if (permanent || s.attempts >= (this.o.maxAttempts ?? 12)) return this.fail(s, reason);
    s.notBefore = Date.now() + (delayMs ?? this.backoff(s.attempts));
  }

  private fail(s: Step, reason: string): void {
    const w = s.org;
    w.failed = `${s.kind}${s.section ? ` (${s.section})` : ''}: ${reason}`;
    w.steps.clear();
    this.note({
      t: 'step',
      cycleId: this.cycleId,
      orgId: w.desired.orgId,
      outcome: { step: stepName(s), status: 'failed', at: new Date().toISOString(), detail: reason },
    });
  }

  /** Access on the folder that makes it not private: site groups, and anything it shares with its parent that the app did not grant. */
  private leftovers(w: OrgWork, perms: GraphPermissionJson[]): Array<{ id: string; label: string }> {
    const own = new Set(w.state.grants.map((g) => g.permissionId));
    if (w.state.privacyLinkId) own.add(w.state.privacyLinkId);
    const out: Array<{ id: string; label: string }> = [];
    for (const p of perms) {
      const group = p.grantedToV2?.siteGroup;
      if (group) out.push({ id: p.id, label: `site group '${group.displayName ?? group.id ?? p.id}'` });
      else if (p.inheritedFrom) out.push({ id: p.id, label: 'inherited access' });
      else if (this.parentPermissionIds.has(p.id) && !own.has(p.id))
        out.push({ id: p.id, label: 'access inherited from the cycle folder' });
    }
    return out;
  }

  private async recordGrant(w: OrgWork, g: GrantRecord): Promise<void> {
    const key = grantKey(g);
    w.state.grants = w.state.grants.filter((x) => grantKey(x) !== key && x.permissionId !== g.permissionId);
    w.state.grants.push(g);
    this.note({ t: 'grant', cycleId: this.cycleId, orgId: w.desired.orgId, grant: g });
  }

  private async handleEntry(s: Step, e: BatchEntryResponse): Promise<void> {
    const w = s.org;
    const cid = this.cycleId;
    const oid = w.desired.orgId;
    const at = () => new Date().toISOString();
    const ref = (b: GraphEntryBody | undefined): FolderRef => ({
      id: String(b?.id),
      webUrl: String(b?.webUrl),
      name: String(b?.name),
    });
    // A confirmed step is in the ledger through its own record (folder, section, grant, …);
    // step outcomes are kept for what those do not say (failures, repairs, people not invited).
    const done = (): void => {
      w.steps.delete(s);
    };
    const code = e.body?.error?.code;
    switch (s.kind) {
      case 'folder':
      case 'section': {
        if (e.status === 201) {
          if (s.kind === 'folder') {
            w.state.folder = ref(e.body);
            w.createdFolder = true;
            this.note({ t: 'folder', cycleId: cid, orgId: oid, folder: w.state.folder });
          } else {
            w.state.sections[s.section!] = ref(e.body);
            this.note({
              t: 'section',
              cycleId: cid,
              orgId: oid,
              section: s.section!,
              folder: w.state.sections[s.section!]!,
            });
          }
          w.changed = true;
          return done();
        }
        if (e.status === 409 && code === 'nameAlreadyExists') {
          // it exists (an earlier attempt whose answer was lost, or made by someone else): look it up
          w.steps.delete(s);
          this.addStep(
            w,
            s.kind === 'folder' ? { kind: 'resolveFolder' } : { kind: 'resolveSection', section: s.section },
          );
          return;
        }
        return this.fail(s, `${e.status} ${code ?? ''}`.trim());
      }
      case 'resolveFolder':
      case 'resolveSection': {
        if (e.status === 200) {
          if (s.kind === 'resolveFolder') {
            w.state.folder = ref(e.body);
            this.note({ t: 'folder', cycleId: cid, orgId: oid, folder: w.state.folder });
          } else {
            w.state.sections[s.section!] = ref(e.body);
            this.note({
              t: 'section',
              cycleId: cid,
              orgId: oid,
              section: s.section!,
              folder: w.state.sections[s.section!]!,
            });
          }
          return done();
        }
        if (e.status === 404) {
          // gone again between 409 and the lookup: create it
          w.steps.delete(s);
          this.addStep(w, s.kind === 'resolveFolder' ? { kind: 'folder' } : { kind: 'section', section: s.section });
          return;
        }
        return this.fail(s, `${e.status} ${code ?? ''}`.trim());
      }
      case 'breakInheritance': {
        if (e.status === 200 || e.status === 201) {
          w.state.privacyLinkId = e.body?.id;
          this.note({ t: 'private', cycleId: cid, orgId: oid, ...(e.body?.id ? { privacyLinkId: e.body.id } : {}) });
          w.changed = true;
          return done();
        }
        return this.fail(s, `${e.status} ${code ?? ''}`.trim());
      }
      case 'grant':
        return this.handleInvite(s, e);
      case 'changeRole': {
        if (e.status === 200) {
          await this.recordGrant(w, {
            permissionId: s.permissionId!,
            email: s.grant!.email,
            ...(s.grant!.objectId ? { objectId: s.grant!.objectId } : {}),
            role: s.role!,
          });
          w.changed = true;
          return done();
        }
        if (e.status === 404) {
          // the permission is gone (removed by hand): invite again with the role wanted
          w.steps.delete(s);
          this.addStep(w, { kind: 'grant', role: s.role, recipients: [s.grant!] });
          return;
        }
        return this.fail(s, `${e.status} ${code ?? ''}`.trim());
      }
      case 'revoke': {
        if (e.status === 204 || e.status === 404) {
          w.state.grants = w.state.grants.filter((g) => g.permissionId !== s.permissionId);
          this.note({ t: 'revoke', cycleId: cid, orgId: oid, permissionId: s.permissionId! });
          w.changed = true;
          return done();
        }
        return this.fail(s, `${e.status} ${code ?? ''}`.trim());
      }
      case 'verify': {
        if (e.status !== 200 || !Array.isArray(e.body?.value)) return this.fail(s, `${e.status} ${code ?? ''}`.trim());
        const left = this.leftovers(w, e.body.value);
        if (left.length === 0) {
          w.state.private = true;
          this.note({ t: 'verified', cycleId: cid, orgId: oid, private: true });
          w.changed = true;
          return done();
        }
        w.leftovers = left.map((l) => l.label);
        if (w.repaired) return this.fail(s, `not private: ${w.leftovers.join(', ')} still has access`);
        // Copied onto this folder when its inheritance broke: remove it once, then read again.
        w.repaired = true;
        w.steps.delete(s);
        for (const l of left) this.addStep(w, { kind: 'repair', permissionId: l.id, label: l.label });
        return;
      }
      case 'repair': {
        if (e.status === 204 || e.status === 404) {
          w.steps.delete(s);
          this.note({
            t: 'step',
            cycleId: cid,
            orgId: oid,
            outcome: { step: stepName(s), status: 'removed', at: at(), ...(s.label ? { detail: s.label } : {}) },
          });
          if (![...w.steps].some((x) => x.kind === 'repair')) this.addStep(w, { kind: 'verify' });
          return;
        }
        return this.fail(
          s,
          `not private: ${s.label} still has access (delete refused: ${e.status} ${code ?? ''})`.trim(),
        );
      }
    }
  }

  /** An invite's answer, recipient by recipient (200, or 207 with an error on each recipient that failed). */
  private async handleInvite(s: Step, e: BatchEntryResponse): Promise<void> {
    const w = s.org;
    const recipients = s.recipients!;
    const code = e.body?.error?.code;
    if (e.status >= 400) {
      // The whole invite was refused. With several recipients, find out who: one invite each.
      if (recipients.length > 1) {
        w.steps.delete(s);
        for (const r of recipients) this.addStep(w, { kind: 'grant', role: s.role, recipients: [r] });
        return;
      }
      w.notInvited.push({ recipient: recipientLabel(recipients[0]!), reason: reasonOf(e.status, e.body?.error) });
      w.steps.delete(s);
      this.note({
        t: 'step',
        cycleId: this.cycleId,
        orgId: w.desired.orgId,
        outcome: {
          step: stepName(s),
          status: 'failed',
          at: new Date().toISOString(),
          detail: `${e.status} ${code ?? ''}`.trim(),
        },
      });
      return;
    }
    if ((e.status !== 200 && e.status !== 207) || !Array.isArray(e.body?.value))
      return this.fail(s, `${e.status} ${code ?? ''}`.trim());
    const confirmed = new Set<string>();
    const refused = new Map<string, string>();
    for (const p of e.body.value as Array<GraphPermissionJson & { error?: { code?: string; message?: string } }>) {
      const email = String(
        p.grantedToV2?.user?.email ?? p.grantedTo?.user?.email ?? p.invitation?.email ?? '',
      ).toLowerCase();
      const groupId = String(p.grantedToV2?.group?.id ?? '').toLowerCase();
      const r = recipients.find((x) => (x.objectId ? x.objectId === groupId : email !== '' && x.email === email));
      if (!r) continue;
      const key = grantKey(r);
      if (p.error) {
        refused.set(key, reasonOf(207, p.error).replace(/^207 /, ''));
        continue;
      }
      confirmed.add(key);
      await this.recordGrant(w, {
        permissionId: String(p.id),
        email: r.email,
        ...(r.objectId ? { objectId: r.objectId } : {}),
        role: s.role!,
      });
    }
    w.changed = true;
    for (const r of recipients)
      if (refused.has(grantKey(r)))
        w.notInvited.push({ recipient: recipientLabel(r), reason: refused.get(grantKey(r))! });
    const missing = recipients.filter((r) => !confirmed.has(grantKey(r)) && !refused.has(grantKey(r)));
    if (missing.length) {
      s.recipients = missing; // keep the step for the recipients not confirmed
      return this.retryLater(s, undefined, 'recipients missing from invite response');
    }
    w.steps.delete(s);
    if (refused.size)
      this.note({
        t: 'step',
        cycleId: this.cycleId,
        orgId: w.desired.orgId,
        outcome: {
          step: stepName(s),
          status: 'failed',
          at: new Date().toISOString(),
          detail: `${refused.size} recipient(s) not invited`,
        },
      });
  }
}

function stepName(s: Step): string {
  switch (s.kind) {
    case 'section':
    case 'resolveSection':
      return `section:${s.section}`;
    case 'grant':
      return `grant:${s.role}`;
    case 'changeRole':
      return `role:${s.permissionId}`;
    case 'revoke':
      return `revoke:${s.permissionId}`;
    case 'repair':
      return `repair:${s.permissionId}`;
    case 'folder':
    case 'resolveFolder':
      return 'folder';
    case 'breakInheritance':
      return 'private';
    case 'verify':
      return 'verify';
  }
}

/** Convenience: run one provisioning pass. */
export function provisionCycle(
  input: CycleInput,
  opts: ProvisionOptions,
  onProgress?: (e: ProgressEvent) => void,
): Promise<ProvisionReport> {
  const p = new Provisioner(opts);
  if (onProgress) p.on('progress', onProgress);
  return p.run(input);
}
