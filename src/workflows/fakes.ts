/**
 * In-memory implementations of the ports (ports.ts), for unit tests, the load test and a local
 * stack without the Graph emulator. They keep what they were asked to do so tests can look.
 */
import { PostgresProvisioningLedger } from '../store/provisioning-ledger.js';
import type { Store } from '../store/store.js';
import type {
  CardDelivery,
  CardOrigin,
  EvidenceFolders,
  FolderDocument,
  JobRequest,
  Jobs,
  Meetings,
  ProvisionProgress,
  ProvisionSummary,
} from './ports.js';

/**
 * Evidence folders without Graph. Given the store, each folder it makes is recorded in the
 * provisioning ledger's evidence_folders table as the Graph-backed port does (ports.ts), so
 * application cards show its link; without, it is kept in memory only.
 */
export class InMemoryEvidenceFolders implements EvidenceFolders {
  readonly folders = new Map<string, { webUrl: string }>();
  readonly documents = new Map<string, FolderDocument[]>();
  /** Organisation ids whose provisioning should fail (tests). */
  readonly failFor = new Set<string>();
  provisionCalls = 0;
  listCalls = 0;
  private readonly baseUrl: string;
  private readonly ledger: PostgresProvisioningLedger | null;

  constructor(opts: { store?: Store; baseUrl?: string } = {}) {
    this.baseUrl = opts.baseUrl ?? 'https://contoso.sharepoint.com/sites/wexqs/Evidence';
    this.ledger = opts.store ? new PostgresProvisioningLedger(opts.store.db) : null;
  }

  private key(cycleId: string, organisationId: string): string {
    return `${cycleId}/${organisationId}`;
  }

  async provision(
    cycleId: string,
    organisationIds: readonly string[],
    onProgress?: (p: ProvisionProgress) => void,
  ): Promise<ProvisionSummary> {
    this.provisionCalls++;
    const failed: ProvisionSummary['failed'] = [];
    let done = 0;
    for (const org of organisationIds) {
      if (this.failFor.has(org)) failed.push({ organisationId: org, reason: 'simulated failure' });
      else {
        const webUrl = `${this.baseUrl}/${encodeURIComponent(cycleId)}/${encodeURIComponent(org)}`;
        this.folders.set(this.key(cycleId, org), { webUrl });
        await this.ledger?.recordOrgFolder(cycleId, org, { id: `folder-${cycleId}-${org}`, webUrl, name: org });
      }
      done++;
      onProgress?.({ done, total: organisationIds.length, failed: failed.length });
      await Promise.resolve();
    }
    return { total: organisationIds.length, succeeded: organisationIds.length - failed.length, failed };
  }

  async folderFor(cycleId: string, organisationId: string): Promise<{ webUrl: string } | null> {
    return this.folders.get(this.key(cycleId, organisationId)) ?? null;
  }

  async listDocuments(cycleId: string, organisationId: string): Promise<FolderDocument[]> {
    this.listCalls++;
    return [...(this.documents.get(this.key(cycleId, organisationId)) ?? [])];
  }

  /** Put documents in an organisation's folder (tests, demo). */
  setDocuments(cycleId: string, organisationId: string, docs: FolderDocument[]): void {
    this.documents.set(this.key(cycleId, organisationId), docs);
  }
}

export class InMemoryMeetings implements Meetings {
  readonly attendees = new Map<string, string[]>();
  /** How many times the attendee list was changed (a sync that changes nothing is no change). */
  changes = 0;

  async syncAttendees(
    sessionId: string,
    change: { booked: readonly { email: string; name: string }[]; released: readonly string[] },
  ): Promise<{ added: number; removed: number }> {
    const list = this.attendees.get(sessionId) ?? [];
    const released = new Set(change.released.map((e) => e.toLowerCase()));
    const kept = list.filter((e) => !released.has(e));
    const added = change.booked.map((a) => a.email.toLowerCase()).filter((e) => !kept.includes(e));
    const removed = list.length - kept.length;
    if (added.length + removed > 0) this.changes++;
    this.attendees.set(sessionId, [...kept, ...new Set(added)]);
    return { added: new Set(added).size, removed };
  }
}

export class RecordingCardDelivery implements CardDelivery {
  readonly updates: { origin: CardOrigin; card: object }[] = [];

  async update(origin: CardOrigin, card: object): Promise<boolean> {
    this.updates.push({ origin, card });
    return true;
  }
}

/**
 * Jobs for unit tests: remembers what was queued; `drain` runs it (as the job library would after
 * the commit) through the handler the test gives, until nothing new is queued.
 */
export class RecordingJobs implements Jobs {
  readonly queued: JobRequest[] = [];
  private next = 0;
  private ran = 0;

  async enqueue(_tx: Store, job: JobRequest): Promise<string | null> {
    this.queued.push(job);
    return `job-${++this.next}`;
  }

  /** Queued and not yet run. */
  get pending(): JobRequest[] {
    return this.queued.slice(this.ran);
  }

  async drain(run: (job: JobRequest) => Promise<unknown>): Promise<number> {
    let n = 0;
    while (this.ran < this.queued.length) {
      const job = this.queued[this.ran++]!;
      await run(job);
      n++;
    }
    return n;
  }
}
