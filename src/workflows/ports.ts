/**
 * Ports: what the workflows need from the outside world, kept small so each face can plug in its
 * own implementation. The Graph-backed EvidenceFolders and Meetings are wired in src/app.ts;
 * src/workflows/fakes.ts has in-memory versions for unit tests.
 *
 * Rules for implementations:
 * - `provision` records each folder it makes in the provisioning ledger's evidence_folders table:
 *   cards read the folder's link from there, in the statement that reads the application's record
 *   (src/store/application-record-repository.ts), not through this port.
 * - `folderFor` (callers without a record) must not call Graph: answer from that table.
 * - `provision`, `listDocuments` and `syncAttendees` call Graph; workflows only call them from
 *   background jobs (queued with `Jobs.enqueue` in the transaction of the change, run after it).
 * - Errors are thrown as ordinary Errors; the caller logs them with ids only (never names or
 *   email addresses).
 */
import type { AttendanceRecord } from '../domain/attendance.js';
import type { SectionNumber } from '../domain/types.js';
import type { StoredInspection } from '../store/evidence-inspection-repository.js';
import type { Store } from '../store/store.js';

/** The private SharePoint evidence folders of a cycle's organisations. */
export interface EvidenceFolders {
  /**
   * Create (or bring up to date) the private folder of each organisation in the cycle, shared
   * with its applicants (write) and reviewers (read). Safe to re-run. `onProgress` is called as
   * organisations complete.
   */
  provision(
    cycleId: string,
    organisationIds: readonly string[],
    onProgress?: (p: ProvisionProgress) => void,
  ): Promise<ProvisionSummary>;
  /** The organisation's folder for the cycle, or null when not provisioned. No Graph call. */
  folderFor(cycleId: string, organisationId: string): Promise<{ webUrl: string } | null>;
  /** Every file in the organisation's folder (all section sub-folders). */
  listDocuments(cycleId: string, organisationId: string): Promise<FolderDocument[]>;
}

export interface ProvisionProgress {
  done: number;
  total: number;
  failed: number;
}

export interface ProvisionSummary {
  total: number;
  succeeded: number;
  failed: { organisationId: string; reason: string }[];
  /** People (email) or groups (object id) Graph could not give access to; the folder works for the others. */
  notInvited?: { organisationId: string; recipient: string; reason: string }[];
}

export interface FolderDocument {
  name: string;
  /** The framework section of the sub-folder it sits in (1-6), null when directly in the org folder. */
  section: SectionNumber | null;
  lastModified: Date;
  webUrl: string | null;
}

/** One inspected file version, as the scanner hands it to the workflow. */
export interface ScannedVersion {
  itemId: string;
  versionKey: string;
  name: string;
  result: StoredInspection;
}

/**
 * Reads an organisation's evidence files for inspection (Graph): only files that are new or whose
 * content changed since `known` (item id → version key) are downloaded. Background work only.
 */
export interface EvidenceScanner {
  scan(
    cycleId: string,
    organisationId: string,
    cursor: Record<string, unknown> | null,
    known: ReadonlyMap<string, string>,
    now: Date,
  ): Promise<{
    cursor: Record<string, unknown>;
    present: { itemId: string; name: string }[];
    inspected: ScannedVersion[];
    requests: number;
  } | null>;
  /** A link opening the document at a page (reviewers), or null when the file is gone. */
  previewUrl(cycleId: string, organisationId: string, documentName: string, page: number): Promise<string | null>;
}

/** The Teams meetings behind drop-in sessions (calendar events; Graph sends the invitation). */
export interface Meetings {
  /**
   * Bring the session's meeting attendees in line with its bookings in one change: `booked` are
   * added if missing, `released` (people whose booking ended) removed if present; anyone else on
   * the invitation is left alone. Idempotent: running it twice changes nothing the second time.
   */
  syncAttendees(
    sessionId: string,
    change: { booked: readonly { email: string; name: string }[]; released: readonly string[] },
  ): Promise<{ added: number; removed: number }>;
}

/** Where the user clicked: enough to replace that card later (proactive update). */
export interface CardOrigin {
  /** The Bot Framework conversation reference of the invoke. */
  reference: Record<string, unknown>;
  /** The id of the message that holds the card (the invoke's replyToId). */
  activityId: string;
}

/**
 * Replacing a card the user clicked, in place (a progress card, a folder re-check). Messages to
 * people go through the notification outbox instead (src/notifications/outbox.ts).
 */
export interface CardDelivery {
  /** Replaces the card at `origin`; resolves false when Teams refused (the card keeps its old state). */
  update(origin: CardOrigin, card: object): Promise<boolean>;
  /**
   * False where the client cannot show a card per viewer (refresh with userIds): the Agents
   * Playground says so under every such card. Teams can; default true.
   */
  readonly userSpecificViews?: boolean;
}

/**
 * Background work, queued in the transaction of the change that causes it (so it exists exactly
 * when the change commits) and run after it by the job library (src/jobs): durable, retried with
 * back-off, dead-lettered when it keeps failing, serialised where it says so.
 */
export type JobRequest =
  /** Make the session's meeting attendees match its bookings (serialised per session). */
  | { name: 'meeting-attendees'; data: { sessionId: string } }
  /** Create or bring up to date one organisation's evidence folder, list it, then release the messages waiting for it. */
  | { name: 'evidence-folders'; data: { cycleId: string; organisationId: string } }
  /** A provisioning run (provisioning_runs) for an admin: every folder of a cycle, updating their progress card. */
  | {
      name: 'provisioning';
      data: { runId: string; cycleId: string; organisationIds: string[]; actorId: string; origin?: CardOrigin };
    }
  /** Re-list (and inspect) an application's evidence folder; update the card the applicant clicked, if any. */
  | { name: 'evidence-recheck'; data: { applicationId: string; actorId?: string; origin?: CardOrigin } };

export type QueuedJobName = JobRequest['name'];

export interface Jobs {
  /** Queue work in the caller's transaction (`tx`). Returns the job id, or null when an identical one is already waiting. */
  enqueue(tx: Store, job: JobRequest): Promise<string | null>;
}

/** The award files people download (certificate, badge, feedback report). */
export type AwardFile = 'certificate.pdf' | 'badge.png' | 'badge.svg';
export const AWARD_FILES: readonly AwardFile[] = ['certificate.pdf', 'badge.png', 'badge.svg'];

/**
 * Links to an award's files and its public verification. File links are signed (src/server/
 * signed-links.ts) and expire; the verification link is public and never expires.
 */
export interface AwardLinks {
  awardFile(awardId: string, file: AwardFile): string;
  feedbackReport(applicationId: string): string;
  verify(verificationCode: string): string;
}

/**
 * The attendance reports of drop-in sessions' Teams meetings (Graph). Errors are thrown as
 * AttendanceReadError with a reason code that names no person.
 */
export interface MeetingAttendance {
  /** The meeting behind a join link and its attendance reports so far; null when there is no such meeting. */
  reports(joinUrl: string): Promise<{ meetingId: string; reports: { id: string }[] } | null>;
  /** Every record of one report. */
  records(meetingId: string, reportId: string): Promise<AttendanceRecord[]>;
}

export class AttendanceReadError extends Error {
  constructor(
    /** e.g. "no_access_policy", "throttled", "http_500", "transport" */
    readonly reason: string,
  ) {
    super(`reading the attendance report failed: ${reason}`);
    this.name = 'AttendanceReadError';
  }
}
