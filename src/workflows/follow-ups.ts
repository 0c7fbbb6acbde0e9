/**
 * The work that follows a change and talks to Microsoft Graph, run as background jobs (queued in
 * the change's transaction, see ports.ts `Jobs`). Each is safe to run again: a retry after a
 * crash or a failed attempt changes nothing that is already right.
 */
import { TERMINAL_STATES } from '../domain/application-state.js';
import { HELD_FOR_FOLDER } from '../notifications/outbox.js';
import { refreshEvidence } from './application-journey.js';
import type { Services } from './services.js';

/**
 * Make the session's Teams meeting attendees match its bookings: everyone booked is invited,
 * anyone whose booking ended (cancelled, moved, back on the waitlist) and who is not booked again
 * is removed. The job queue runs one of these per session at a time, on any instance.
 */
export async function syncSessionAttendees(
  svc: Services,
  sessionId: string,
): Promise<{ added: number; removed: number; booked: number }> {
  const bookings = await svc.store.dropIns.bookingsForSession(sessionId);
  const bookedIds = new Set(bookings.filter((b) => b.status === 'booked').map((b) => b.personId));
  const releasedIds = new Set(bookings.filter((b) => !bookedIds.has(b.personId)).map((b) => b.personId));
  if (!svc.meetings) return { added: 0, removed: 0, booked: bookedIds.size };
  const booked = (await svc.store.people.contacts(bookedIds)).map((p) => ({ email: p.email, name: p.name }));
  const released = (await svc.store.people.contacts(releasedIds)).map((p) => p.email);
  const r = await svc.meetings.syncAttendees(sessionId, { booked, released });
  return { ...r, booked: booked.length };
}

/** The organisation's live applications in the cycle. */
async function liveApplications(svc: Services, cycleId: string, organisationId: string) {
  return (await svc.store.applications.listByCycle(cycleId)).filter(
    (a) => a.organisationId === organisationId && !TERMINAL_STATES.includes(a.state),
  );
}

/**
 * Create (or bring up to date: new contacts, assigned reviewers) the organisation's evidence
 * folder, list it for the readiness check, then let the messages that wait for it go (the
 * application-opened card carries the folder link). A folder that cannot be provisioned throws:
 * the job is retried, and when it gives up `releaseFolderNotices` sends the messages without it.
 */
export async function prepareEvidenceFolder(
  svc: Services,
  input: { cycleId: string; organisationId: string },
): Promise<{ documents: number; released: number }> {
  let documents = 0;
  const { evidence } = svc;
  if (evidence) {
    const summary = await evidence.provision(input.cycleId, [input.organisationId]);
    const failed = summary.failed[0];
    if (failed) throw new Error(`the evidence folder could not be provisioned: ${failed.reason}`);
    for (const app of await liveApplications(svc, input.cycleId, input.organisationId))
      documents += Number(await refreshEvidence(svc, app.id));
  }
  return { documents, released: await releaseFolderNotices(svc, input) };
}

/** Send the messages that waited for the organisation's folder (after it is ready, or when the job gave up). */
export async function releaseFolderNotices(
  svc: Services,
  input: { cycleId: string; organisationId: string },
): Promise<number> {
  const apps = (await svc.store.applications.listByCycle(input.cycleId)).filter(
    (a) => a.organisationId === input.organisationId,
  );
  return svc.store.reminders.releaseHeld(
    HELD_FOR_FOLDER,
    apps.map((a) => a.id),
    svc.clock.now(),
  );
}
