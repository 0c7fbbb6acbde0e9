/**
 * Drop-in attendance: read from each session's Teams meeting after it ends, or marked by an admin
 * on the session's roster (for people who joined by phone or from a shared room device).
 *
 * `collectAttendance(svc, now)` is a background job: idempotent (a report already applied is
 * skipped, an attendance already recorded is left alone), resumable (each report is applied in its
 * own transaction and recorded as applied in it, so a crash redoes at most the report it was in)
 * and safe on several instances at once (applying a report starts by claiming it in the
 * database). A report that is not there yet is looked for again later (src/domain/attendance.ts).
 */
import {
  attendeeFor,
  FIRST_CHECK_AFTER_END_MS,
  nextAttendanceCheck,
  type AttendanceRecord,
} from '../domain/attendance.js';
import { authorise } from '../domain/authorisation.js';
import { DomainError } from '../domain/errors.js';
import { isApplicant } from '../domain/people.js';
import { SYSTEM_ACTOR, type Actor, type Booking, type DropInSession, type Person } from '../domain/types.js';
import { AttendanceReadError } from './ports.js';
import type { Services } from './services.js';

export interface AttendanceRunSummary {
  /** Sessions looked at. */
  sessions: number;
  /** Reports applied in this run. */
  reports: number;
  /** Attendances recorded (bookings marked, waitlisted confirmed, or created). */
  recorded: number;
  /** Records that matched nobody registered (guests, phone numbers, people not in WEx QS). */
  unmatched: number;
  /** Sessions whose report is not there yet (looked for again later). */
  waiting: number;
  /** Sessions whose look failed (reason codes in the log; looked for again later). */
  failed: number;
}

/** Looks at every session whose attendance is due and records what the Teams reports say. */
export async function collectAttendance(
  svc: Services,
  now: Date,
  opts: { limit?: number } = {},
): Promise<AttendanceRunSummary> {
  const summary: AttendanceRunSummary = { sessions: 0, reports: 0, recorded: 0, unmatched: 0, waiting: 0, failed: 0 };
  const reader = svc.attendance;
  if (!reader) return summary;
  for (const session of await svc.store.dropIns.sessionsDueForAttendance(now, FIRST_CHECK_AFTER_END_MS, opts.limit)) {
    summary.sessions++;
    try {
      // sessionsDueForAttendance returns only sessions with a join link.
      const found = await reader.reports(session.joinUrl!);
      const reports = found?.reports ?? [];
      const applied = new Set(await svc.store.dropIns.appliedAttendanceReports(session.id));
      for (const report of reports) {
        if (applied.has(report.id)) continue;
        const records = await reader.records(found!.meetingId, report.id);
        const r = await applyReport(svc, session, report.id, records, now);
        if (r) {
          summary.reports++;
          summary.recorded += r.recorded;
          summary.unmatched += r.unmatched;
        }
      }
      const next = nextAttendanceCheck({ endsAt: session.endsAt, now, reportsSoFar: reports.length });
      if (reports.length === 0) summary.waiting++;
      await svc.store.dropIns.setAttendanceCheck(session.id, {
        status: next.state,
        nextCheckAt: next.state === 'pending' ? next.nextCheckAt : null,
        error: found === null ? 'meeting_not_found' : null,
      });
      if (next.state === 'no_report')
        svc.log.warn({ sessionId: session.id }, 'no Teams attendance report came for a drop-in; admins can mark it');
    } catch (err) {
      summary.failed++;
      const reason = err instanceof AttendanceReadError ? err.reason : 'unexpected';
      svc.log.error(
        { sessionId: session.id, reason, ...(reason === 'unexpected' ? { err: errInfo(err) } : {}) },
        reason === 'no_access_policy'
          ? 'reading Teams attendance refused: grant the app a Teams application access policy for the organiser'
          : 'reading Teams attendance failed',
      );
      const next = nextAttendanceCheck({ endsAt: session.endsAt, now, reportsSoFar: 0 });
      await svc.store.dropIns.setAttendanceCheck(session.id, {
        status: 'pending',
        nextCheckAt: next.state === 'pending' ? next.nextCheckAt : new Date(now.getTime() + 60 * 60_000),
        error: reason,
      });
    }
  }
  if (summary.recorded > 0 || summary.failed > 0)
    svc.log.info({ ...summary }, 'drop-in attendance collected from Teams');
  return summary;
}

/** Applies one report in one transaction; null when another run applied it first. */
async function applyReport(
  svc: Services,
  session: DropInSession,
  reportId: string,
  records: readonly AttendanceRecord[],
  now: Date,
): Promise<{ recorded: number; unmatched: number } | null> {
  return svc.store.transaction(async (tx) => {
    if (!(await tx.dropIns.claimAttendanceReport(session.id, reportId, now))) return null;
    let recorded = 0;
    let unmatched = 0;
    const seen = new Set<string>();
    for (const record of records) {
      const candidates = [
        record.entraObjectId ? await tx.people.findByEntraObjectId(record.entraObjectId) : null,
        record.emailAddress ? await tx.people.findByEmail(record.emailAddress) : null,
      ].filter((p): p is Person => p !== null);
      const person = attendeeFor(record, candidates);
      if (!person) {
        if (record.role !== 'Organizer') unmatched++;
        continue;
      }
      if (seen.has(person.id)) continue;
      seen.add(person.id);
      const r = await tx.dropIns.recordAttendance({
        sessionId: session.id,
        personId: person.id,
        organisationId: person.organisationId!,
        source: 'teams_report',
        actorId: SYSTEM_ACTOR.personId,
        now,
        details: { reportId },
      });
      if (r !== 'already') recorded++;
    }
    await tx.dropIns.finishAttendanceReport(session.id, reportId, { records: records.length, matched: seen.size });
    return { recorded, unmatched };
  });
}

function errInfo(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { type: err.name, message: err.message } : { value: String(err) };
}

// ---------------------------------------------------------------------------------------------
// The roster: admins see and mark attendance

export interface RosterEntry {
  booking: Booking;
  person: Pick<Person, 'id' | 'displayName'>;
  organisationName: string;
}

export interface SessionRoster {
  session: DropInSession;
  entries: RosterEntry[];
  collection: { status: 'pending' | 'collected' | 'no_report'; reports: number; checkedAt: Date | null };
}

/** Admin: sessions that have started in the last `weeks` weeks, most recent first. */
export async function recentSessions(svc: Services, actor: Actor, weeks = 8) {
  authorise(actor, 'manage_dropins', { kind: 'dropin' });
  const now = svc.clock.now();
  return svc.store.dropIns.listRecent(now, new Date(now.getTime() - weeks * 7 * 86_400_000));
}

/** Admin: who booked (or was recorded at) a session, and whether they attended, from where. */
export async function sessionRoster(svc: Services, actor: Actor, sessionId: string): Promise<SessionRoster> {
  authorise(actor, 'manage_dropins', { kind: 'dropin' });
  const session = await svc.store.dropIns.getSession(sessionId);
  if (!session) throw new DomainError('NOT_FOUND', 'That drop-in session does not exist.', { sessionId });
  const bookings = (await svc.store.dropIns.bookingsForSession(sessionId)).filter((b) => b.status === 'booked');
  const entries: RosterEntry[] = [];
  for (const booking of bookings) {
    // Bookings reference their person and organisation (foreign keys): both exist.
    const person = (await svc.store.people.get(booking.personId))!;
    const org = (await svc.store.organisations.get(booking.organisationId))!;
    entries.push({
      booking,
      person: { id: person.id, displayName: person.displayName },
      organisationName: org.name,
    });
  }
  const collection = (await svc.store.dropIns.attendanceCheckOf(sessionId))!;
  return { session, entries, collection };
}

/**
 * Admin: mark that someone attended a session (joined by phone, from a room device, or the report
 * missed them), or that a booked person did not. The person is given by id (a roster line) or by
 * email (someone who did not book). Audited with the admin as actor and the roster as source.
 */
export async function markAttendance(
  svc: Services,
  actor: Actor,
  input: { sessionId: string; personId?: string; email?: string; attended: boolean },
): Promise<{ person: Person; changed: boolean }> {
  authorise(actor, 'manage_dropins', { kind: 'dropin' });
  const now = svc.clock.now();
  const session = await svc.store.dropIns.getSession(input.sessionId);
  if (!session)
    throw new DomainError('NOT_FOUND', 'That drop-in session does not exist.', { sessionId: input.sessionId });
  if (session.cancelled)
    throw new DomainError('STALE', 'That drop-in session was cancelled, so nobody attended it.', {
      sessionId: session.id,
    });
  if (now.getTime() < session.startsAt.getTime())
    throw new DomainError('VALIDATION', 'Attendance can be marked once the session has started.', {
      sessionId: session.id,
    });
  const person = input.personId
    ? await svc.store.people.get(input.personId)
    : input.email?.trim()
      ? await svc.store.people.findByEmail(input.email)
      : null;
  if (!person)
    throw new DomainError(
      'NOT_FOUND',
      input.email
        ? 'Nobody registered in WEx QS has that email address. Add them to their organisation first (import-orgs).'
        : 'We could not find that person.',
      { field: input.email ? 'email' : 'personId' },
    );
  if (!person.organisationId || !isApplicant(person))
    throw new DomainError(
      'VALIDATION',
      `${person.displayName} is not an applicant of an organisation, so their attendance does not count for eligibility.`,
      { personId: person.id },
    );
  const changed = await svc.store.transaction(async (tx) => {
    if (input.attended) {
      const r = await tx.dropIns.recordAttendance({
        sessionId: session.id,
        personId: person.id,
        organisationId: person.organisationId!,
        source: 'admin',
        actorId: actor.personId,
        now,
      });
      return r !== 'already';
    }
    const booking = (await tx.dropIns.bookingsForSession(session.id)).find(
      (b) => b.personId === person.id && b.status === 'booked',
    );
    if (!booking) return false;
    return (await tx.dropIns.markAttended(booking.id, false, actor.personId, now, 'admin')) === 'changed';
  });
  return { person, changed };
}
