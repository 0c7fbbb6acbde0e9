/**
 * The Graph-backed implementations of the workflow ports (src/workflows/ports.ts): evidence
 * folders provisioned and listed through SharePoint, and drop-in meetings as calendar events with
 * Teams links. The same classes run against real Graph (tenant mode) and the emulator (local).
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@microsoft/microsoft-graph-client';
import { SECTIONS } from '../domain/framework.js';
import { isApplicant } from '../domain/people.js';
import type { SectionNumber } from '../domain/types.js';
import { cleanName } from '../domain/text.js';
import type { Logger } from '../log.js';
import type { PostgresProvisioningLedger } from '../store/provisioning-ledger.js';
import { withAdvisoryLock } from '../store/advisory-lock.js';
import type { Store } from '../store/store.js';
import type {
  EvidenceFolders,
  FolderDocument,
  Meetings,
  ProvisionProgress,
  ProvisionSummary,
} from '../workflows/ports.js';
import type { OrgInput } from './evidence-folders.js';
import { listEvidence } from './evidence-listing.js';
import { DropInMeetings, GraphRequestError, NoJoinLinkError } from './meetings.js';
import { Provisioner, type ProvisionReport } from './provisioning/engine.js';
import type { PacerOptions } from './provisioning/pacer.js';

/** The six section sub-folders, named "<n> <title>" so they sort in framework order. */
export const SECTION_FOLDER_NAMES: readonly string[] = SECTIONS.map((s) => `${s.number} ${s.title}`);

export function sectionFromFolderName(name: string | null): SectionNumber | null {
  const n = Number((name ?? '').split(' ')[0]);
  return SECTIONS.some((s) => s.number === n) ? (n as SectionNumber) : null;
}

export interface GraphPortsOptions {
  store: Store;
  client: Client;
  /** Graph base URL the client uses (to follow @odata.nextLink). */
  baseUrl: string;
  ledger: PostgresProvisioningLedger;
  driveId?: string;
  organiser: string;
  sendInvitation: boolean;
  /** The assessment team's Entra security group, granted on every folder. */
  assessmentGroupId?: string | undefined;
  pacer?: PacerOptions;
  log: Logger;
}

export class GraphEvidenceFolders implements EvidenceFolders {
  constructor(private readonly o: GraphPortsOptions) {}

  async provision(
    cycleId: string,
    organisationIds: readonly string[],
    onProgress?: (p: ProvisionProgress) => void,
  ): Promise<ProvisionSummary> {
    const report = await this.provisionWithReport(cycleId, organisationIds, (provisioner) => {
      if (onProgress)
        provisioner.on('progress', (p) => onProgress({ done: p.orgsDone, total: p.orgsTotal, failed: p.failed }));
    });
    return {
      total: report.orgsTotal,
      succeeded: report.orgsTotal - report.failed.length,
      failed: report.failed.map((f) => ({ organisationId: f.orgId, reason: f.reason })),
      notInvited: report.notInvited.map((n) => ({
        organisationId: n.orgId,
        recipient: n.recipient,
        reason: n.reason,
      })),
    };
  }

  /**
   * Provision and return the full report (created / already there / failed with reason, requests,
   * RU). `attach` sees the Provisioner before it runs, e.g. to show a progress bar.
   */
  async provisionWithReport(
    cycleId: string,
    organisationIds: readonly string[],
    attach?: (p: Provisioner) => void,
  ): Promise<ProvisionReport> {
    const { store } = this.o;
    const cycle = await store.cycles.get(cycleId);
    if (!cycle) throw new Error(`cycle ${cycleId} not found`);
    const orgs: OrgInput[] = [];
    for (const id of organisationIds) {
      const org = await store.organisations.get(id);
      if (!org) continue;
      const people = await store.people.listByOrganisation(id);
      const reviewers = await this.assignedReviewerEmails(cycleId, id);
      orgs.push({
        id,
        name: org.name,
        applicants: people.filter((p) => isApplicant(p)).map((p) => ({ email: p.email })),
        reviewers: reviewers.map((email) => ({ email })),
      });
    }
    const provisioner = new Provisioner({
      client: this.o.client,
      ledger: this.o.ledger,
      ...(this.o.driveId ? { driveId: this.o.driveId } : {}),
      sendInvitation: this.o.sendInvitation,
      ...(this.o.pacer ? { pacer: this.o.pacer } : {}),
    });
    attach?.(provisioner);
    const report = await provisioner.run({
      cycle: { id: cycle.id, name: cycle.name },
      orgs,
      sections: [...SECTION_FOLDER_NAMES],
      ...(this.o.assessmentGroupId ? { assessmentGroup: { objectId: this.o.assessmentGroupId } } : {}),
    });
    this.o.log.info(
      {
        cycleId,
        orgs: report.orgsTotal,
        created: report.created,
        updated: report.updated,
        alreadyThere: report.alreadyThere,
        failed: report.failed.length,
        notInvited: report.notInvited.length,
        requests: report.requests,
      },
      'evidence folders provisioned',
    );
    return report;
  }

  async folderFor(cycleId: string, organisationId: string): Promise<{ webUrl: string } | null> {
    const f = await this.o.ledger.folderFor(cycleId, organisationId);
    return f ? { webUrl: f.webUrl } : null;
  }

  async listDocuments(cycleId: string, organisationId: string): Promise<FolderDocument[]> {
    const folder = await this.o.ledger.folderFor(cycleId, organisationId);
    if (!folder) return [];
    const state = await this.o.ledger.loadCycle(cycleId);
    const driveId = this.o.driveId ?? state.driveId;
    if (!driveId) return [];
    const listing = await listEvidence({
      client: this.o.client,
      baseUrl: this.o.baseUrl,
      driveId,
      orgFolderId: folder.folderId,
    });
    return listing.files.map((f) => ({
      name: f.name,
      section: sectionFromFolderName(f.section),
      lastModified: new Date(f.lastModified),
      webUrl: f.webUrl,
    }));
  }

  /**
   * Upload a small file (up to 250 MB) into a section sub-folder of the organisation's folder.
   * https://learn.microsoft.com/graph/api/driveitem-put-content
   */
  async uploadDocument(
    cycleId: string,
    organisationId: string,
    section: SectionNumber,
    fileName: string,
    content: Buffer,
  ): Promise<void> {
    const state = await this.o.ledger.loadCycle(cycleId);
    const org = state.orgs[organisationId];
    const driveId = this.o.driveId ?? state.driveId;
    const folderName = SECTION_FOLDER_NAMES[section - 1]!;
    const folder = org?.sections[folderName];
    if (!driveId || !folder) throw new Error('the evidence folder is not provisioned yet');
    const name = cleanName(fileName)
      .replace(/[\\/:*?"<>|#%]/g, '_')
      .trim();
    if (!name) throw new Error('a file name is needed');
    await this.o.client
      .api(
        `/drives/${encodeURIComponent(driveId)}/items/${encodeURIComponent(folder.id)}:/${encodeURIComponent(name)}:/content`,
      )
      .header('Content-Type', 'application/octet-stream')
      .put(content);
  }

  private async assignedReviewerEmails(cycleId: string, organisationId: string): Promise<string[]> {
    const rows = await this.o.store.db
      .selectFrom('reviewer_assignments as ra')
      .innerJoin('applications as a', 'a.id', 'ra.application_id')
      .innerJoin('people as p', 'p.id', 'ra.reviewer_id')
      .select('p.email')
      .where('a.cycle_id', '=', cycleId)
      .where('a.organisation_id', '=', organisationId)
      .execute();
    return rows.map((r) => r.email);
  }
}

/** Drop-in sessions as Teams meetings in the organiser's calendar. */
export class GraphMeetings implements Meetings {
  private readonly meetings: DropInMeetings;

  constructor(
    private readonly o: {
      store: Store;
      client: Client;
      organiser: string;
      log: Logger;
      /**
       * Serialise each event's attendee changes across app instances with a PostgreSQL advisory
       * lock (the attendee list is replaced whole, so two instances changing it at once would lose
       * one change). Within one process they are serialised anyway.
       */
      sharedLocks?: boolean;
    },
  ) {
    this.meetings = new DropInMeetings(o.client, o.organiser);
  }

  private acrossInstances<T>(eventId: string, fn: () => Promise<T>): Promise<T> {
    return this.o.sharedLocks ? withAdvisoryLock(this.o.store.db, `dropin-event:${eventId}`, fn) : fn();
  }

  /**
   * Create the session's calendar event (once) and keep its Teams join link. The transactionId is
   * chosen once per event and kept until Graph confirms it, so a retry after a lost answer finds
   * the same event, and a later event for the session (after this one is gone) gets a new id.
   */
  async ensureMeeting(sessionId: string): Promise<{ eventId: string; joinUrl: string | null }> {
    const session = await this.o.store.dropIns.getSession(sessionId);
    if (!session) throw new Error(`drop-in session ${sessionId} not found`);
    const existing = await this.o.store.dropIns.meetingOf(sessionId);
    if (existing) return existing;
    const transactionId = await this.o.store.dropIns.meetingTransactionId(sessionId, randomUUID());
    let ref;
    try {
      ref = await this.meetings.create(
        {
          subject: session.title,
          body: '<p>NHS England Work Experience Quality Standard drop-in session.</p>',
          startUtc: session.startsAt.toISOString(),
          endUtc: session.endsAt.toISOString(),
        },
        transactionId,
      );
    } catch (err) {
      // Graph used the id (an event without a join link, since removed; or it refuses the id):
      // the next attempt must not reuse it.
      if (
        err instanceof NoJoinLinkError ||
        (err instanceof GraphRequestError && err.code === 'ErrorDuplicateTransactionId')
      )
        await this.o.store.dropIns.clearMeetingTransactionId(sessionId);
      throw err;
    }
    await this.o.store.dropIns.setMeeting(sessionId, ref.eventId, ref.joinUrl);
    return { eventId: ref.eventId, joinUrl: ref.joinUrl };
  }

  /** Start-up check (tenant mode): the organiser's calendar must allow Teams meetings. */
  assertTeamsMeetingsAllowed(): Promise<void> {
    return this.meetings.assertTeamsMeetingsAllowed();
  }

  /**
   * Bring the calendar event in line with the session after an admin changed it: new subject or
   * times are PATCHed (Outlook sends the attendees an update); a cancelled session cancels the
   * event (attendees get the cancellation).
   */
  async syncMeeting(sessionId: string): Promise<'updated' | 'cancelled' | 'none'> {
    const session = await this.o.store.dropIns.getSession(sessionId);
    const meeting = await this.o.store.dropIns.meetingOf(sessionId);
    if (!session || !meeting) return 'none';
    if (session.cancelled) {
      await this.meetings.cancel(meeting.eventId);
      return 'cancelled';
    }
    await this.meetings.update(meeting.eventId, {
      subject: session.title,
      startUtc: session.startsAt.toISOString(),
      endUtc: session.endsAt.toISOString(),
    });
    return 'updated';
  }

  /** Invite the booked, remove the released, in one change (none when the invitation is already right). */
  async syncAttendees(
    sessionId: string,
    change: { booked: readonly { email: string; name: string }[]; released: readonly string[] },
  ): Promise<{ added: number; removed: number }> {
    if (change.booked.length === 0 && !(await this.o.store.dropIns.meetingOf(sessionId)))
      return { added: 0, removed: 0 };
    const { eventId } = await this.ensureMeeting(sessionId);
    // The job queue runs one sync per session at a time; the lock also keeps out other writers of
    // the event (a session change from the admin CLI) on any instance.
    return this.acrossInstances(eventId, () =>
      this.meetings.changeAttendees(eventId, [...change.booked], [...change.released]),
    );
  }
}
