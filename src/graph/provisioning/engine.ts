/**
 * Bulk provisioning of private evidence folders for a cycle's organisations.
 *
 * Per organisation: `<root>/<cycle>/<org>` + one sub-folder per section, made private and shared with
 * the applicants (write) and reviewers (read) through `invite` with `sendInvitation: false` (configurable)
 * and `retainInheritedPermissions: false`, so the first share breaks inheritance without copying the
 * site's groups (documented on driveItem: invite / createLink). An organisation with nobody to invite is
 * made private by `createLink` (view, scope users) with `retainInheritedPermissions: false`. Section
 * folders keep inheriting from the organisation folder, so access follows the folder and breaking
 * inheritance never wipes a sub-folder's own permissions.
 *
 * Execution: `$batch` of up to 20. A new organisation goes out as one sequential batch — create folder
 * (conflictBehavior fail) with the sections and invites `dependsOn` it, addressed by path — because
 * Graph accepts a batch that is either fully parallel or sequential. Anything left (retries, 409
 * resolution, re-sync) goes out in parallel batches addressed by id. Entry-level 429/503/504 are
 * retried after max(Retry-After, RateLimit-Reset); 424 entries re-run without counting an attempt;
 * envelope failures (timeouts, dropped connections, 5xx after the SDK's retries) re-queue the whole
 * batch with exponential backoff. Every step is idempotent (409 → look up by path; invite returns the
 * existing permission), so a lost response cannot duplicate a folder or a grant.
 *
 * The ledger records each confirmed step at once, so an aborted run resumes where it stopped, and an
 * organisation whose desired-state fingerprint matches its last completed one needs no request; a
 * re-run of an unchanged cycle costs one GET (the cycle folder still exists).
 *
 * Re-sync: grants the ledger holds but the desired state lacks are deleted by permission id; the app
 * never deletes a permission it did not create.
 */
import { EventEmitter } from 'node:events';
import type { Client } from '@microsoft/microsoft-graph-client';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorCode, graphCall, isTransportError, type GraphMetrics, type RawResult } from '../client.js';
import {
  planOrgFolders,
  sanitiseFolderName,
  type CycleInput,
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
} from './graph-batch.js';
import type { CycleLedgerState, FolderRef, OrgLedgerState, ProvisioningLedger } from './ledger.js';
import { emptyOrg } from './ledger.js';
import { RuPacer, retryAfterMs, type PacerOptions } from './pacer.js';

export interface ProvisionOptions {
  client: Client;
  ledger: ProvisioningLedger;
  /** top folder in the library; default "WExQS Evidence" */
  rootFolderName?: string;
  /** document library; default: GET /sites/root/drive (remembered in the ledger) */
  driveId?: string;
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

export interface OrgReport {
  orgId: string;
  outcome: OrgOutcome;
  reason?: string;
  folderId?: string;
  webUrl?: string;
}

export interface ProvisionReport {
  cycleId: string;
  orgsTotal: number;
  created: number;
  updated: number;
  alreadyThere: number;
  failed: Array<{ orgId: string; reason: string }>;
  orgs: OrgReport[];
  requests: number;
  throttled: number;
  ruUsed: number;
  durationMs: number;
}

type StepKind = 'folder' | 'resolveFolder' | 'section' | 'resolveSection' | 'grant' | 'revoke' | 'privacyLink';

interface Step {
  org: OrgWork;
  kind: StepKind;
  section?: string;
  role?: GrantRole;
  emails?: string[];
  permissionId?: string;
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
  done: boolean;
}

const COST: Record<StepKind, number> = {
  folder: 2,
  section: 2,
  resolveFolder: 1,
  resolveSection: 1,
  grant: 5,
  revoke: 5,
  privacyLink: 5,
};

const enc = (s: string) => encodeURIComponent(s);

/** The drive item fields asked for with `$select=id,name,webUrl`. */
interface DriveItemRef {
  id: string;
  name: string;
  webUrl: string;
}

export class Provisioner extends EventEmitter<{ progress: [ProgressEvent]; org: [OrgReport] }> {
  private readonly pacer: RuPacer;
  private ownRequests = 0;
  private entryThrottled = 0;
  private ruUsed = 0;
  private driveId = '';
  private cycleId = '';
  private cycleFolder?: FolderRef;
  private orgs: OrgWork[] = [];
  private done = 0;
  private failedCount = 0;

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
      orgsDone: this.done,
      orgsTotal: this.orgs.length,
      failed: this.failedCount,
      requests: this.requests,
      throttled: this.throttled,
      ruUsed: this.ruUsed,
    };
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
      done: false,
    }));
    for (const w of this.orgs) {
      if (w.state.completedFingerprint === w.desired.fingerprint && w.state.folder) {
        w.done = true;
        this.done++;
        reports[w.index] = {
          orgId: w.desired.orgId,
          outcome: 'alreadyThere',
          folderId: w.state.folder.id,
          webUrl: w.state.folder.webUrl,
        };
        continue;
      }
      if (w.state.completedFingerprint) await ledger.recordComplete(this.cycleId, w.desired.orgId, null);
      this.planSteps(w);
    }
    this.emitProgress();

    // 4. schedule batches
    const maxConc = this.o.maxConcurrentBatches ?? 4;
    const inflight = new Set<Promise<void>>();
    const finishOrg = async (w: OrgWork) => {
      if (w.done) return;
      w.done = true;
      this.done++;
      let report: OrgReport;
      if (w.failed) {
        this.failedCount++;
        await ledger.recordComplete(this.cycleId, w.desired.orgId, null);
        report = {
          orgId: w.desired.orgId,
          outcome: 'failed',
          reason: w.failed,
          folderId: w.state.folder?.id,
          webUrl: w.state.folder?.webUrl,
        };
      } else {
        await ledger.recordComplete(this.cycleId, w.desired.orgId, w.desired.fingerprint);
        report = {
          orgId: w.desired.orgId,
          outcome: w.createdFolder ? 'created' : w.changed ? 'updated' : 'alreadyThere',
          folderId: w.state.folder?.id,
          webUrl: w.state.folder?.webUrl,
        };
      }
      reports[w.index] = report;
      this.emit('org', report);
      this.emitProgress();
    };
    for (const w of this.orgs) if (!w.done && w.steps.size === 0) await finishOrg(w);

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

  private addStep(w: OrgWork, s: Omit<Step, 'org' | 'attempts' | 'notBefore' | 'inFlight'>): void {
    w.steps.add({ org: w, attempts: 0, notBefore: 0, inFlight: false, ...s });
  }

  /** Derives the steps an organisation still needs from its desired state and ledger state. */
  private planSteps(w: OrgWork): void {
    const st = w.state;
    if (!st.folder) this.addStep(w, { kind: 'folder' });
    for (const s of w.desired.sections) if (!st.sections[s]) this.addStep(w, { kind: 'section', section: s });
    const have = new Set(st.grants.map((g) => `${g.role}|${g.email}`));
    const want = new Set(w.desired.grants.map((g) => `${g.role}|${g.email}`));
    for (const role of ['write', 'read'] as const) {
      const emails = w.desired.grants
        .filter((g) => g.role === role && !have.has(`${role}|${g.email}`))
        .map((g) => g.email);
      if (emails.length) this.addStep(w, { kind: 'grant', role, emails });
    }
    const revoked = new Set<string>();
    for (const g of st.grants) {
      if (!want.has(`${g.role}|${g.email}`) && !revoked.has(g.permissionId)) {
        revoked.add(g.permissionId);
        this.addStep(w, { kind: 'revoke', permissionId: g.permissionId });
      }
    }
    const grantsPending = [...w.steps].some((s) => s.kind === 'grant');
    if (!st.private && !grantsPending) this.addStep(w, { kind: 'privacyLink' });
  }

  private nextWake(): number {
    let t = Infinity;
    for (const w of this.orgs) for (const s of w.steps) if (!s.inFlight) t = Math.min(t, s.notBefore);
    return t;
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
        } else if (s.kind === 'resolveFolder' || w.state.folder) {
          if (ready.length < MAX_BATCH) ready.push(s);
        }
      }
      if (ready.length >= MAX_BATCH) break;
    }
    if (ready.length > 0) return ready;
    if (!star) return undefined;
    const w = star.org;
    // a new organisation: sequential batch, dependants addressed by path below the cycle folder
    const deps = [...w.steps].filter(
      (s) =>
        s !== star &&
        !s.inFlight &&
        s.notBefore <= now &&
        (s.kind === 'section' || s.kind === 'grant' || s.kind === 'privacyLink'),
    );
    return [star, ...deps.slice(0, MAX_BATCH - 1)];
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
      case 'grant':
        return {
          ...base,
          method: 'POST',
          url: `${orgAddr}/invite`,
          body: {
            recipients: s.emails!.map((email) => ({ email })),
            roles: [s.role],
            requireSignIn: true,
            sendInvitation: this.o.sendInvitation ?? false,
            retainInheritedPermissions: false,
          },
        };
      case 'revoke':
        return {
          ...base,
          method: 'DELETE',
          url: `${d}/items/${enc(w.state.folder!.id)}/permissions/${enc(s.permissionId!)}`,
        };
      case 'privacyLink':
        return {
          ...base,
          method: 'POST',
          url: `${orgAddr}/createLink`,
          body: { type: 'view', scope: 'users', retainInheritedPermissions: false },
        };
    }
  }

  private async runBatch(steps: Step[], finishOrg: (w: OrgWork) => Promise<void>): Promise<void> {
    const star = steps[0]!.kind === 'folder';
    const reqs = steps.map((s, i) => this.request(s, String(i + 1), star, star && i > 0 ? ['1'] : undefined));
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
        await this.handleEntry(s, e);
      }
    } finally {
      for (const s of steps) s.inFlight = false;
      for (const w of touched) if (!w.done && (w.failed || w.steps.size === 0)) await finishOrg(w);
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
    void this.o.ledger.recordStep(this.cycleId, w.desired.orgId, {
      step: stepName(s),
      status: 'failed',
      at: new Date().toISOString(),
      detail: reason,
    });
  }

  private async handleEntry(s: Step, e: BatchEntryResponse): Promise<void> {
    const w = s.org;
    const { ledger } = this.o;
    const cid = this.cycleId;
    const oid = w.desired.orgId;
    const at = () => new Date().toISOString();
    const ref = (b: GraphEntryBody | undefined): FolderRef => ({
      id: String(b?.id),
      webUrl: String(b?.webUrl),
      name: String(b?.name),
    });
    const done = async (status: 'created' | 'existing' | 'removed', detail?: string) => {
      w.steps.delete(s);
      await ledger.recordStep(cid, oid, { step: stepName(s), status, at: at(), ...(detail ? { detail } : {}) });
    };
    const code = e.body?.error?.code;
    switch (s.kind) {
      case 'folder':
      case 'section': {
        if (e.status === 201) {
          if (s.kind === 'folder') {
            w.state.folder = ref(e.body);
            w.createdFolder = true;
            await ledger.recordOrgFolder(cid, oid, w.state.folder);
          } else {
            w.state.sections[s.section!] = ref(e.body);
            await ledger.recordSection(cid, oid, s.section!, w.state.sections[s.section!]!);
          }
          w.changed = true;
          return done('created');
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
            await ledger.recordOrgFolder(cid, oid, w.state.folder);
          } else {
            w.state.sections[s.section!] = ref(e.body);
            await ledger.recordSection(cid, oid, s.section!, w.state.sections[s.section!]!);
          }
          return done('existing');
        }
        if (e.status === 404) {
          // gone again between 409 and the lookup: create it
          w.steps.delete(s);
          this.addStep(w, s.kind === 'resolveFolder' ? { kind: 'folder' } : { kind: 'section', section: s.section });
          return;
        }
        return this.fail(s, `${e.status} ${code ?? ''}`.trim());
      }
      case 'grant': {
        if (e.status !== 200 || !Array.isArray(e.body?.value)) return this.fail(s, `${e.status} ${code ?? ''}`.trim());
        const granted = new Set<string>();
        for (const p of e.body.value) {
          const email = String(
            p.grantedToV2?.user?.email ?? p.grantedTo?.user?.email ?? p.invitation?.email ?? '',
          ).toLowerCase();
          if (!email || !s.emails!.includes(email)) continue;
          granted.add(email);
          if (!w.state.grants.some((g) => g.permissionId === p.id && g.role === s.role)) {
            const g = { permissionId: String(p.id), email, role: s.role! };
            w.state.grants.push(g);
            await ledger.recordGrant(cid, oid, g);
          }
        }
        if (!w.state.private) {
          w.state.private = true;
          await ledger.recordPrivate(cid, oid);
        }
        w.changed = true;
        const missing = s.emails!.filter((x) => !granted.has(x));
        if (missing.length) {
          s.emails = missing; // keep the step for the recipients not confirmed
          return this.retryLater(s, undefined, 'recipients missing from invite response');
        }
        return done('created');
      }
      case 'revoke': {
        if (e.status === 204 || e.status === 404) {
          w.state.grants = w.state.grants.filter((g) => g.permissionId !== s.permissionId);
          await ledger.recordRevoke(cid, oid, s.permissionId!);
          w.changed = true;
          return done('removed', e.status === 404 ? 'already gone' : undefined);
        }
        return this.fail(s, `${e.status} ${code ?? ''}`.trim());
      }
      case 'privacyLink': {
        if (e.status === 200 || e.status === 201) {
          w.state.private = true;
          w.state.privacyLinkId = e.body?.id;
          await ledger.recordPrivate(cid, oid, e.body?.id);
          w.changed = true;
          return done(e.status === 201 ? 'created' : 'existing');
        }
        return this.fail(s, `${e.status} ${code ?? ''}`.trim());
      }
    }
  }
}

function stepName(s: Step): string {
  switch (s.kind) {
    case 'section':
    case 'resolveSection':
      return `section:${s.section}`;
    case 'grant':
      return `grant:${s.role}`;
    case 'revoke':
      return `revoke:${s.permissionId}`;
    case 'folder':
    case 'resolveFolder':
      return 'folder';
    case 'privacyLink':
      return 'private';
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
