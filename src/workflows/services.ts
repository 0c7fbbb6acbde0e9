import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../domain/time.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { CardDelivery, EvidenceFolders, EvidenceScanner, Jobs, Meetings } from './ports.js';

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
  /** Replacing a clicked card in place (progress). Absent: the card shows the state when refreshed. */
  cards?: CardDelivery;
  /** Signed links people open outside Teams. Absent: cards offer no .ics download. */
  links?: { icsForBooking(bookingId: string): string };
  /**
   * Background jobs (src/jobs), queued in the transaction of the change. Absent (unit tests, the
   * admin CLI): the Graph work is not done and nothing waits for it.
   */
  jobs?: Jobs;
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
