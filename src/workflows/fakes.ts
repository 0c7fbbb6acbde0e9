/**
 * In-memory implementations of the ports (ports.ts), for unit tests, the load test and a local
 * stack without the Graph emulator. They keep what they were asked to do so tests can look.
 */
import type { Logger } from '../log.js';
import type {
  Background,
  CardDelivery,
  CardOrigin,
  EvidenceFolders,
  FolderDocument,
  Meetings,
  ProvisionProgress,
  ProvisionSummary,
} from './ports.js';

export class InMemoryEvidenceFolders implements EvidenceFolders {
  readonly folders = new Map<string, { webUrl: string }>();
  readonly documents = new Map<string, FolderDocument[]>();
  /** Organisation ids whose provisioning should fail (tests). */
  readonly failFor = new Set<string>();
  provisionCalls = 0;
  listCalls = 0;

  constructor(private readonly baseUrl = 'https://contoso.sharepoint.com/sites/wexqs/Evidence') {}

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
      else
        this.folders.set(this.key(cycleId, org), {
          webUrl: `${this.baseUrl}/${encodeURIComponent(cycleId)}/${encodeURIComponent(org)}`,
        });
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

  async addAttendee(sessionId: string, attendee: { email: string; name: string }): Promise<void> {
    const list = this.attendees.get(sessionId) ?? [];
    if (!list.includes(attendee.email.toLowerCase())) list.push(attendee.email.toLowerCase());
    this.attendees.set(sessionId, list);
  }

  async removeAttendee(sessionId: string, email: string): Promise<void> {
    this.attendees.set(
      sessionId,
      (this.attendees.get(sessionId) ?? []).filter((e) => e !== email.toLowerCase()),
    );
  }
}

export class RecordingCardDelivery implements CardDelivery {
  readonly sent: { personId: string; card: object }[] = [];
  readonly updates: { origin: CardOrigin; card: object }[] = [];
  readonly unreachable = new Set<string>();

  async toPeople(personIds: readonly string[], card: object) {
    const delivered: string[] = [];
    const unreachable: string[] = [];
    for (const p of personIds) {
      if (this.unreachable.has(p)) unreachable.push(p);
      else {
        delivered.push(p);
        this.sent.push({ personId: p, card });
      }
    }
    return { delivered, unreachable };
  }

  async update(origin: CardOrigin, card: object): Promise<void> {
    this.updates.push({ origin, card });
  }

  to(personId: string): object[] {
    return this.sent.filter((s) => s.personId === personId).map((s) => s.card);
  }
}

/** Runs tasks when `drain()` is called (tests decide when "after the reply" is). */
export class ManualBackground implements Background {
  private queue: { label: string; task: () => Promise<void> }[] = [];
  readonly errors: { label: string; error: unknown }[] = [];

  run(label: string, task: () => Promise<void>): void {
    this.queue.push({ label, task });
  }

  get pending(): string[] {
    return this.queue.map((q) => q.label);
  }

  async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      for (const { label, task } of batch) {
        try {
          await task();
        } catch (error) {
          this.errors.push({ label, error });
        }
      }
    }
  }
}

/** Production background: starts the task on the next turn of the event loop; failures are logged (ids only). */
export class DetachedBackground implements Background {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  run(label: string, task: () => Promise<void>): void {
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch((err: unknown) => {
        this.log.error(
          { task: label, err: err instanceof Error ? { type: err.name, message: err.message } : String(err) },
          'background task failed',
        );
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Wait for tasks in flight (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
