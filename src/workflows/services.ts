import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../domain/time.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type {
  AwardLinks,
  Background,
  CardDelivery,
  EvidenceFolders,
  EvidenceScanner,
  MeetingAttendance,
  Meetings,
} from './ports.js';

/** What every use case needs; one composition root builds it (src/app.ts). */
export interface Services {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Evidence folders (Graph). Absent: folder links and document listings are unavailable. */
  evidence?: EvidenceFolders;
  /** Reads evidence files for inspection (Graph). Absent: documents are not inspected. */
  scanner?: EvidenceScanner;
  /** Drop-in Teams meetings (Graph). Absent: bookings are not added to the calendar event. */
  meetings?: Meetings;
  /** Teams meeting attendance reports (Graph). Absent: attendance is only marked by admins. */
  attendance?: MeetingAttendance;
  /** Proactive cards. Absent: nobody is notified (the cards still show the state on refresh). */
  cards?: CardDelivery;
  /** Links people open outside Teams. */
  links?: {
    /** A signed link to a booking's .ics file. */
    icsForBooking(bookingId: string): string;
    /** Local mode only: the local meeting page instead of a Teams join link. */
    joinMeeting?(sessionId: string): string;
    /** Local mode only: the local stand-in for the organisation's SharePoint evidence folder. */
    evidenceFolder?(organisationId: string): string;
    /** Local mode only: one file of that folder on the local stand-in (instead of its SharePoint webUrl). */
    evidenceDocument?(organisationId: string, documentName: string): string;
  } & Partial<AwardLinks>;
  /** Work after the invoke reply. Absent: tasks run detached via setImmediate. */
  background?: Background;
  /**
   * The Entra tenant this deployment serves: activities and tab tokens from another tenant are
   * refused (src/workflows/identity.ts). Absent: not checked (unit tests without a tenant).
   */
  tenantId?: string;
  /** This app's running reminder service ("send now" wakes its dispatcher). Absent: reminders are not dispatched here. */
  reminders?: { wake(): void };
  /** How long claimed work stays claimed by an instance that stopped answering; default 60 s. */
  workLeaseMs?: number;
  /** This app instance's id (owner of the work it claims); default: one per process. */
  instanceId?: string;
}

/** One id per process: host, pid and a random part (several instances may share a host). */
export const PROCESS_INSTANCE_ID = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

export function instanceIdOf(svc: Services): string {
  return svc.instanceId ?? PROCESS_INSTANCE_ID;
}

export const systemClock: Clock = { now: () => new Date() };

/** Run `task` after the current request has been answered; failures are logged (ids only). */
export function afterReply(svc: Services, label: string, task: () => Promise<void>): void {
  if (svc.background) {
    svc.background.run(label, task);
    return;
  }
  setImmediate(() => {
    task().catch((err: unknown) => {
      svc.log.error(
        { task: label, err: err instanceof Error ? { type: err.name, message: err.message } : String(err) },
        'background task failed',
      );
    });
  });
}
