/**
 * ProvisioningLedger: the durable record that makes provisioning resumable and re-runs cheap.
 *
 * Everything is plain JSON. A ledger keeps, per cycle, the drive and cycle-folder ids and, per
 * organisation: the folder and section folder ids/web URLs, the sharing link whose creation broke the
 * folder's inheritance, whether the folder was VERIFIED private (its permissions read back with no
 * site group or inherited access left), the permissions the APP created (one per person or group:
 * SharePoint's permission ids belong to the principal; re-sync only ever deletes these), the last
 * outcome of each step, and the fingerprint of the desired state it last completed.
 *
 * Contract for implementations (the in-memory and JSON-file ones here; a PostgreSQL one later):
 *  - every `record*` call must be durable when its promise resolves; `recordAll` writes several
 *    mutations at once, in order, all or none (the engine records what one batch's answers
 *    confirmed together, so a crash loses at most the batches in flight, which re-run safely:
 *    folder creation uses conflictBehavior=fail and resolves 409 by path; invite is idempotent);
 *  - calls for one organisation arrive in order; calls for different organisations may interleave;
 *  - `loadCycle` returns a deep copy (callers may mutate it).
 * Emails are stored (they are the grant's identity) but must never be logged.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface FolderRef {
  id: string;
  webUrl: string;
  name: string;
}

/** One principal's access as the app granted it: a person by email, or an Entra group by object id. */
export interface GrantRecord {
  permissionId: string;
  /** lower-case email of a person; '' for a group */
  email: string;
  /** Entra object id of a group (the assessment team) */
  objectId?: string;
  role: 'read' | 'write';
}

/** The identity a grant belongs to: one grant per person or group. */
export function grantKey(g: { email?: string; objectId?: string }): string {
  return g.objectId ? `group:${g.objectId.toLowerCase()}` : (g.email ?? '').toLowerCase();
}

export type StepStatus = 'created' | 'existing' | 'removed' | 'failed';

export interface StepOutcome {
  /** e.g. "folder", "section:2 Pre-placement", "grant:write", "revoke", "private" */
  step: string;
  status: StepStatus;
  at: string;
  /** error code or short reason; never personal data */
  detail?: string;
}

export interface OrgLedgerState {
  orgId: string;
  folder?: FolderRef;
  sections: Record<string, FolderRef>;
  /** true only once the folder's permissions were read back with no site group or inherited access */
  private: boolean;
  /** id of the sharing link whose creation (retainInheritedPermissions: false) broke inheritance */
  privacyLinkId?: string;
  grants: GrantRecord[];
  steps: Record<string, StepOutcome>;
  completedFingerprint?: string;
  completedAt?: string;
}

export interface CycleLedgerState {
  cycleId: string;
  driveId?: string;
  rootFolder?: FolderRef;
  cycleFolder?: FolderRef;
  orgs: Record<string, OrgLedgerState>;
}

export type LedgerMutation =
  | { t: 'cycle'; cycleId: string; driveId?: string; rootFolder?: FolderRef; cycleFolder?: FolderRef | null }
  | { t: 'folder'; cycleId: string; orgId: string; folder: FolderRef | null }
  | { t: 'section'; cycleId: string; orgId: string; section: string; folder: FolderRef }
  /** The sharing link that broke inheritance was created (older journals: also "assumed private"). */
  | { t: 'private'; cycleId: string; orgId: string; privacyLinkId?: string }
  /** The folder's permissions were read back: private, or not (access left that should not be). */
  | { t: 'verified'; cycleId: string; orgId: string; private: boolean }
  | { t: 'grant'; cycleId: string; orgId: string; grant: GrantRecord }
  | { t: 'revoke'; cycleId: string; orgId: string; permissionId: string }
  | { t: 'step'; cycleId: string; orgId: string; outcome: StepOutcome }
  | { t: 'complete'; cycleId: string; orgId: string; fingerprint: string | null; at: string };

export interface ProvisioningLedger {
  loadCycle(cycleId: string): Promise<CycleLedgerState>;
  recordCycle(
    cycleId: string,
    info: { driveId?: string; rootFolder?: FolderRef; cycleFolder?: FolderRef | null },
  ): Promise<void>;
  /** `null` forgets the folder (it was found missing) together with its sections, grants and privacy. */
  recordOrgFolder(cycleId: string, orgId: string, folder: FolderRef | null): Promise<void>;
  recordSection(cycleId: string, orgId: string, section: string, folder: FolderRef): Promise<void>;
  recordPrivate(cycleId: string, orgId: string, privacyLinkId?: string): Promise<void>;
  /** The result of reading the folder's permissions back; only `true` makes it count as private. */
  recordVerified(cycleId: string, orgId: string, isPrivate: boolean): Promise<void>;
  recordGrant(cycleId: string, orgId: string, grant: GrantRecord): Promise<void>;
  recordRevoke(cycleId: string, orgId: string, permissionId: string): Promise<void>;
  recordStep(cycleId: string, orgId: string, outcome: StepOutcome): Promise<void>;
  /** `null` clears completion (the desired state changed or work is pending). */
  recordComplete(cycleId: string, orgId: string, fingerprint: string | null): Promise<void>;
  /** Several mutations, in order, durable together when the promise resolves. */
  recordAll(mutations: readonly LedgerMutation[]): Promise<void>;
}

export function emptyOrg(orgId: string): OrgLedgerState {
  return { orgId, sections: {}, private: false, grants: [], steps: {} };
}

/** Applies a mutation to plain state; shared by the in-memory and file ledgers. */
export function applyMutation(cycles: Record<string, CycleLedgerState>, m: LedgerMutation): void {
  const c = (cycles[m.cycleId] ??= { cycleId: m.cycleId, orgs: {} });
  if (m.t === 'cycle') {
    if (m.driveId !== undefined) c.driveId = m.driveId;
    if (m.rootFolder !== undefined) c.rootFolder = m.rootFolder;
    if (m.cycleFolder === null) {
      delete c.cycleFolder;
      c.orgs = {};
    } else if (m.cycleFolder !== undefined) c.cycleFolder = m.cycleFolder;
    return;
  }
  const o = (c.orgs[m.orgId] ??= emptyOrg(m.orgId));
  switch (m.t) {
    case 'folder':
      if (m.folder) o.folder = m.folder;
      else c.orgs[m.orgId] = emptyOrg(m.orgId);
      break;
    case 'section':
      o.sections[m.section] = m.folder;
      break;
    case 'private':
      // Creating the link breaks inheritance; it does not prove the folder private (see 'verified').
      if (m.privacyLinkId) o.privacyLinkId = m.privacyLinkId;
      break;
    case 'verified':
      o.private = m.private;
      break;
    case 'grant': {
      // One grant per principal: a role change replaces the earlier record.
      const key = grantKey(m.grant);
      o.grants = o.grants.filter((g) => grantKey(g) !== key && g.permissionId !== m.grant.permissionId);
      o.grants.push(m.grant);
      break;
    }
    case 'revoke':
      o.grants = o.grants.filter((g) => g.permissionId !== m.permissionId);
      break;
    case 'step':
      o.steps[m.outcome.step] = m.outcome;
      break;
    case 'complete':
      if (m.fingerprint) {
        o.completedFingerprint = m.fingerprint;
        o.completedAt = m.at;
      } else {
        delete o.completedFingerprint;
        delete o.completedAt;
      }
      break;
  }
}

abstract class StateLedger implements ProvisioningLedger {
  protected cycles: Record<string, CycleLedgerState> = {};
  protected abstract persist(m: LedgerMutation): Promise<void>;

  private async apply(m: LedgerMutation): Promise<void> {
    applyMutation(this.cycles, m);
    await this.persist(m);
  }
  async loadCycle(cycleId: string): Promise<CycleLedgerState> {
    return structuredClone(this.cycles[cycleId] ?? { cycleId, orgs: {} });
  }
  recordCycle(cycleId: string, info: { driveId?: string; rootFolder?: FolderRef; cycleFolder?: FolderRef | null }) {
    return this.apply({ t: 'cycle', cycleId, ...info });
  }
  recordOrgFolder(cycleId: string, orgId: string, folder: FolderRef | null) {
    return this.apply({ t: 'folder', cycleId, orgId, folder });
  }
  recordSection(cycleId: string, orgId: string, section: string, folder: FolderRef) {
    return this.apply({ t: 'section', cycleId, orgId, section, folder });
  }
  recordPrivate(cycleId: string, orgId: string, privacyLinkId?: string) {
    return this.apply({ t: 'private', cycleId, orgId, privacyLinkId });
  }
  recordVerified(cycleId: string, orgId: string, isPrivate: boolean) {
    return this.apply({ t: 'verified', cycleId, orgId, private: isPrivate });
  }
  recordGrant(cycleId: string, orgId: string, grant: GrantRecord) {
    return this.apply({ t: 'grant', cycleId, orgId, grant });
  }
  recordRevoke(cycleId: string, orgId: string, permissionId: string) {
    return this.apply({ t: 'revoke', cycleId, orgId, permissionId });
  }
  recordStep(cycleId: string, orgId: string, outcome: StepOutcome) {
    return this.apply({ t: 'step', cycleId, orgId, outcome });
  }
  recordComplete(cycleId: string, orgId: string, fingerprint: string | null) {
    return this.apply({ t: 'complete', cycleId, orgId, fingerprint, at: new Date().toISOString() });
  }
  async recordAll(mutations: readonly LedgerMutation[]): Promise<void> {
    for (const m of mutations) await this.apply(m);
  }
}

export class InMemoryLedger extends StateLedger {
  protected async persist(): Promise<void> {}
}

/**
 * JSON-file ledger: `<file>` holds a snapshot, `<file>.journal` one JSON mutation per line appended
 * synchronously (durable against a process crash); the journal is folded into the snapshot on open
 * and every `compactEvery` mutations. A torn last journal line (crash mid-write) is ignored.
 */
export class JsonFileLedger extends StateLedger {
  private fd: number;
  private lines = 0;
  constructor(
    private readonly file: string,
    private readonly compactEvery = 5000,
  ) {
    super();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fs.existsSync(file))
      this.cycles = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, CycleLedgerState>;
    const j = `${file}.journal`;
    if (fs.existsSync(j)) {
      for (const line of fs.readFileSync(j, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          applyMutation(this.cycles, JSON.parse(line) as LedgerMutation);
        } catch {
          break;
        }
      }
    }
    this.fd = this.compact();
  }
  private compact(): number {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.cycles));
    fs.renameSync(tmp, this.file);
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = fs.openSync(`${this.file}.journal`, 'w');
    this.lines = 0;
    return this.fd;
  }
  protected async persist(m: LedgerMutation): Promise<void> {
    fs.writeSync(this.fd, JSON.stringify(m) + '\n');
    if (++this.lines >= this.compactEvery) this.compact();
  }
  close(): void {
    this.compact();
    fs.closeSync(this.fd);
  }
}
