import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../domain/time.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type {
  AwardLinks,
  CardDelivery,
  EvidenceFolders,
  EvidenceScanner,
  Jobs,
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
  /** Replacing a clicked card in place (progress). Absent: the card shows the state when refreshed. */
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
  /**
   * Background jobs (src/jobs), queued in the transaction of the change. Absent (unit tests, the
   * admin CLI): the Graph work is not done and nothing waits for it.
   */
  jobs?: Jobs;
  /**
   * The Entra tenant this deployment serves: activities and tab tokens from another tenant are
   * refused (src/workflows/identity.ts). Absent: not checked (unit tests without a tenant).
   */
  tenantId?: string;
  /** This app's running notification dispatcher ("send now" wakes it). Absent: notifications are not dispatched here. */
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
