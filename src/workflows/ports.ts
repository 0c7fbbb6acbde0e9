/**
 * Ports: what the workflows need from the outside world, kept small so each face can plug in its
 * own implementation. The Graph-backed EvidenceFolders and Meetings are wired in src/app.ts;
 * src/workflows/fakes.ts has in-memory versions for unit tests.
 *
 * Rules for implementations:
 * - `folderFor` is called on the invoke path and must not call Graph: answer from the database
 *   (the provisioning ledger's evidence_folders table) or memory.
 * - `provision`, `listDocuments`, `addAttendee` and `removeAttendee` call Graph; workflows only
 *   call them from background work (after the invoke has been answered).
 * - Errors are thrown as ordinary Errors; the caller logs them with ids only (never names or
 *   email addresses).
 */
import type { AttendanceRecord } from '../domain/attendance.js';
import type { SectionNumber } from '../domain/types.js';
import type { StoredInspection } from '../store/evidence-inspection-repository.js';

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
  addAttendee(sessionId: string, attendee: { email: string; name: string }): Promise<void>;
  removeAttendee(sessionId: string, email: string): Promise<void>;
}

/** Where the user clicked: enough to replace that card later (proactive update). */
export interface CardOrigin {
  /** The Bot Framework conversation reference of the invoke. */
  reference: Record<string, unknown>;
  /** The id of the message that holds the card (the invoke's replyToId). */
  activityId: string;
}

/** Proactive cards: sent to people's personal chats with the bot, or replacing a card in place. */
export interface CardDelivery {
  /** Sends the card to each person's personal chat; people the bot cannot reach are returned, not thrown. */
  toPeople(personIds: readonly string[], card: object): Promise<{ delivered: string[]; unreachable: string[] }>;
  /** Replaces the card at `origin` (e.g. a progress card). */
  update(origin: CardOrigin, card: object): Promise<void>;
  /**
   * False where the client cannot show a card per viewer (refresh with userIds): the Agents
   * Playground says so under every such card. Teams can; default true.
   */
  readonly userSpecificViews?: boolean;
}

/** Work that must not delay the invoke reply (Graph, proactive messages). */
export interface Background {
  run(label: string, task: () => Promise<void>): void;
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
