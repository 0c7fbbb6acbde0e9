import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { ATTENDANCE_AUDIT_SOURCE, type AttendanceSource } from '../domain/attendance.js';
import { assertBookable } from '../domain/dropins.js';
import { DomainError } from '../domain/errors.js';
import type { Attendance, Booking, DropInSession } from '../domain/types.js';
import type { AuditRepository } from './audit-repository.js';
import { prepare } from './prepared.js';
import type { DB, DropinBookingsTable, DropinSessionsTable } from './schema.js';

export interface SessionWithSeats extends DropInSession {
  booked: number;
  waitlisted: number;
}

export interface BookRequest {
  sessionId: string;
  personId: string;
  organisationId: string;
  actorId: string;
  now: Date;
  /** When the session is full, join its waitlist instead of failing with DROPIN_FULL. */
  waitlistIfFull?: boolean;
}

/**
 * Drop-in sessions and bookings. Capacity is enforced by locking the session row
 * (`SELECT … FOR UPDATE`) and counting inside the same transaction as the insert, so concurrent
 * bookings queue on the lock and can never oversell a session. Call inside `store.transaction`.
 */
export class DropInRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
  ) {}

  async createSession(s: DropInSession): Promise<void> {
    await this.db
      .insertInto('dropin_sessions')
      .values({
        id: s.id,
        title: s.title,
        starts_at: s.startsAt,
        ends_at: s.endsAt,
        capacity: s.capacity,
        cancelled: s.cancelled,
        join_url: s.joinUrl,
      })
      .execute();
  }

  async getSession(id: string): Promise<DropInSession | null> {
    const r = await this.db.selectFrom('dropin_sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toSession(r) : null;
  }

  /** The calendar event carrying the session's Teams meeting, once created. */
  async meetingOf(sessionId: string): Promise<{ eventId: string; joinUrl: string | null } | null> {
    const r = await this.db
      .selectFrom('dropin_sessions')
      .select(['graph_event_id', 'join_url'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    return r?.graph_event_id ? { eventId: r.graph_event_id, joinUrl: r.join_url } : null;
  }

  /** Records the session's calendar event; its transactionId is spent, so it is cleared. */
  async setMeeting(sessionId: string, eventId: string, joinUrl: string | null): Promise<void> {
    await this.db
      .updateTable('dropin_sessions')
      .set({ graph_event_id: eventId, join_url: joinUrl, graph_transaction_id: null })
      .where('id', '=', sessionId)
      .execute();
  }

  /**
   * The transactionId for creating the session's calendar event: the one already chosen for an
   * attempt whose answer was lost (so the retry returns that event), or `fresh` (kept for retries).
   */
  async meetingTransactionId(sessionId: string, fresh: string): Promise<string> {
    const r = await this.db
      .updateTable('dropin_sessions')
      .set({ graph_transaction_id: sql<string>`coalesce(graph_transaction_id, ${fresh})` })
      .where('id', '=', sessionId)
      .returning('graph_transaction_id')
      .executeTakeFirst();
    if (!r?.graph_transaction_id) throw new Error(`drop-in session ${sessionId} not found`);
    return r.graph_transaction_id;
  }

  /** Forgets a transactionId Graph has used (the event it made is gone): the next attempt gets a new one. */
  async clearMeetingTransactionId(sessionId: string): Promise<void> {
    await this.db
      .updateTable('dropin_sessions')
      .set({ graph_transaction_id: null })
      .where('id', '=', sessionId)
      .execute();
  }

  /** Sessions without a calendar event yet (to create their Teams meetings). */
  async sessionsWithoutMeeting(now: Date): Promise<DropInSession[]> {
    const rows = await this.db
      .selectFrom('dropin_sessions')
      .selectAll()
      .where('graph_event_id', 'is', null)
      .where('cancelled', '=', false)
      .where('starts_at', '>', now)
      .orderBy('starts_at')
      .execute();
    return rows.map(toSession);
  }

  /** Sessions that have not started yet, with seats booked and waitlisted. */
  async listUpcoming(now: Date): Promise<SessionWithSeats[]> {
    const rows = await upcoming(this.db, now).execute();
    return rows.map((r) => ({ ...toSession(r), booked: r.booked, waitlisted: r.waitlisted }));
  }

  /** `listUpcoming` and `bookingsForPerson` in one statement (the sessions card shows both). */
  async upcomingAndBookingsOf(
    personId: string,
    now: Date,
  ): Promise<{ sessions: SessionWithSeats[]; bookings: Booking[] }> {
    const r = await UPCOMING_AND_BOOKINGS.one(this.db, personId, now);
    // Aggregated to JSON: timestamps come back as strings.
    const at = (v: Date | string) => new Date(v);
    return {
      sessions: r.sessions.map((x) => ({
        ...toSession({ ...x, starts_at: at(x.starts_at), ends_at: at(x.ends_at) }),
        booked: x.booked,
        waitlisted: x.waitlisted,
      })),
      bookings: r.bookings.map((b) => toBooking({ ...b, created_at: at(b.created_at) })),
    };
  }

  async book(req: BookRequest): Promise<Booking> {
    const session = await this.db
      .selectFrom('dropin_sessions')
      .selectAll()
      .where('id', '=', req.sessionId)
      .forUpdate()
      .executeTakeFirst();
    if (!session)
      throw new DomainError('NOT_FOUND', 'That drop-in session does not exist.', { sessionId: req.sessionId });

    const live = await this.db
      .selectFrom('dropin_bookings')
      .select('id')
      .where('session_id', '=', req.sessionId)
      .where('person_id', '=', req.personId)
      .where('status', '<>', 'cancelled')
      .executeTakeFirst();
    if (live) throw new DomainError('ALREADY_BOOKED', undefined, { sessionId: req.sessionId });

    const { booked } = await this.db
      .selectFrom('dropin_bookings')
      .select(sql<number>`count(*)::int`.as('booked'))
      .where('session_id', '=', req.sessionId)
      .where('status', '=', 'booked')
      .executeTakeFirstOrThrow();

    let status: Booking['status'] = 'booked';
    try {
      assertBookable(toSession(session), booked, req.now);
    } catch (e) {
      if (!(req.waitlistIfFull && e instanceof DomainError && e.code === 'DROPIN_FULL')) throw e;
      status = 'waitlisted';
    }

    const booking: Booking = {
      id: randomUUID(),
      sessionId: req.sessionId,
      personId: req.personId,
      organisationId: req.organisationId,
      status,
      attended: false,
      createdAt: req.now,
    };
    await this.db
      .insertInto('dropin_bookings')
      .values({
        id: booking.id,
        session_id: booking.sessionId,
        person_id: booking.personId,
        organisation_id: booking.organisationId,
        status,
        created_at: req.now,
        updated_at: req.now,
      })
      .execute();
    await this.audit.append({
      at: req.now,
      actorId: req.actorId,
      action: status === 'booked' ? 'book_dropin' : 'join_waitlist',
      entityKind: 'dropin_booking',
      entityId: booking.id,
      fromState: null,
      toState: status,
      details: { sessionId: req.sessionId },
    });
    return booking;
  }

  /**
   * Cancel a booking; when it held a seat, the longest-waiting waitlisted booking takes it in the
   * same transaction. Returns the promoted booking, if any.
   */
  async cancel(
    bookingId: string,
    actorId: string,
    now: Date,
  ): Promise<{ cancelled: Booking; promoted: Booking | null }> {
    const current = await this.db
      .selectFrom('dropin_bookings')
      .selectAll()
      .where('id', '=', bookingId)
      .executeTakeFirst();
    if (!current) throw new DomainError('NOT_FOUND', 'That booking does not exist.', { bookingId });
    // Lock the session first (same order as book) so cancel and book cannot deadlock.
    await this.db.selectFrom('dropin_sessions').select('id').where('id', '=', current.session_id).forUpdate().execute();
    const row = await this.db
      .updateTable('dropin_bookings')
      .set({ status: 'cancelled', updated_at: now })
      .where('id', '=', bookingId)
      .where('status', '<>', 'cancelled')
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new DomainError('STALE', 'That booking was already cancelled.', { bookingId });
    await this.audit.append({
      at: now,
      actorId,
      action: 'cancel_dropin',
      entityKind: 'dropin_booking',
      entityId: bookingId,
      fromState: current.status,
      toState: 'cancelled',
    });
    let promoted: Booking | null = null;
    if (current.status === 'booked') {
      const next = await this.db
        .selectFrom('dropin_bookings')
        .selectAll()
        .where('session_id', '=', current.session_id)
        .where('status', '=', 'waitlisted')
        .orderBy('created_at')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (next) {
        const up = await this.db
          .updateTable('dropin_bookings')
          .set({ status: 'booked', updated_at: now })
          .where('id', '=', next.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.append({
          at: now,
          actorId: 'system',
          action: 'promote_from_waitlist',
          entityKind: 'dropin_booking',
          entityId: next.id,
          fromState: 'waitlisted',
          toState: 'booked',
        });
        promoted = toBooking(up);
      }
    }
    return { cancelled: toBooking(row), promoted };
  }

  /**
   * Mark a confirmed booking attended (or not), saying where that came from; audited with the
   * source. Marking what is already so changes nothing and writes no audit entry.
   */
  async markAttended(
    bookingId: string,
    attended: boolean,
    actorId: string,
    now: Date,
    source: AttendanceSource = 'admin',
    details: Record<string, unknown> = {},
  ): Promise<'changed' | 'unchanged'> {
    const current = await this.db
      .selectFrom('dropin_bookings')
      .select(['attended', 'status'])
      .where('id', '=', bookingId)
      .forUpdate()
      .executeTakeFirst();
    if (!current || current.status !== 'booked')
      throw new DomainError('NOT_FOUND', 'No confirmed booking with that id.', { bookingId });
    if (current.attended === attended) return 'unchanged';
    await this.db
      .updateTable('dropin_bookings')
      .set({
        attended,
        attended_source: attended ? source : null,
        attended_marked_at: attended ? now : null,
        updated_at: now,
      })
      .where('id', '=', bookingId)
      .execute();
    await this.audit.append({
      at: now,
      actorId,
      action: attended ? 'mark_attended' : 'unmark_attended',
      entityKind: 'dropin_booking',
      entityId: bookingId,
      fromState: null,
      toState: null,
      details: { source: ATTENDANCE_AUDIT_SOURCE[source], ...details },
    });
    return 'changed';
  }

  /**
   * Record that a person attended a session that has ended: their booking is marked attended; a
   * waitlisted booking becomes a confirmed, attended one; without a booking an attended booking is
   * created. Audited with the source. Call inside a transaction.
   */
  async recordAttendance(req: {
    sessionId: string;
    personId: string;
    organisationId: string;
    source: AttendanceSource;
    actorId: string;
    now: Date;
    details?: Record<string, unknown>;
  }): Promise<'marked' | 'already' | 'from_waitlist' | 'created'> {
    // Lock the session first (same order as book and cancel).
    await this.db.selectFrom('dropin_sessions').select('id').where('id', '=', req.sessionId).forUpdate().execute();
    const live = await this.db
      .selectFrom('dropin_bookings')
      .selectAll()
      .where('session_id', '=', req.sessionId)
      .where('person_id', '=', req.personId)
      .where('status', '<>', 'cancelled')
      .executeTakeFirst();
    const details = { source: ATTENDANCE_AUDIT_SOURCE[req.source], sessionId: req.sessionId, ...(req.details ?? {}) };
    const attendedSet = {
      attended: true,
      attended_source: req.source,
      attended_marked_at: req.now,
      updated_at: req.now,
    } as const;
    if (live?.status === 'booked') {
      if (live.attended) return 'already';
      await this.db.updateTable('dropin_bookings').set(attendedSet).where('id', '=', live.id).execute();
      await this.audit.append({
        at: req.now,
        actorId: req.actorId,
        action: 'mark_attended',
        entityKind: 'dropin_booking',
        entityId: live.id,
        fromState: null,
        toState: null,
        details,
      });
      return 'marked';
    }
    if (live?.status === 'waitlisted') {
      // The session is over: a seat no longer matters, the attendance does.
      await this.db
        .updateTable('dropin_bookings')
        .set({ ...attendedSet, status: 'booked' })
        .where('id', '=', live.id)
        .execute();
      await this.audit.append({
        at: req.now,
        actorId: req.actorId,
        action: 'mark_attended',
        entityKind: 'dropin_booking',
        entityId: live.id,
        fromState: 'waitlisted',
        toState: 'booked',
        details,
      });
      return 'from_waitlist';
    }
    const id = randomUUID();
    await this.db
      .insertInto('dropin_bookings')
      .values({
        id,
        session_id: req.sessionId,
        person_id: req.personId,
        organisation_id: req.organisationId,
        status: 'booked',
        created_at: req.now,
        ...attendedSet,
      })
      .execute();
    await this.audit.append({
      at: req.now,
      actorId: req.actorId,
      action: 'record_attendance',
      entityKind: 'dropin_booking',
      entityId: id,
      fromState: null,
      toState: 'booked',
      details: { ...details, joinedWithoutBooking: true },
    });
    return 'created';
  }

  /** Sessions whose Teams attendance is due to be read (ended, with a meeting, not given up). */
  async sessionsDueForAttendance(now: Date, firstCheckAfterEndMs: number, limit = 20): Promise<DropInSession[]> {
    const rows = await this.db
      .selectFrom('dropin_sessions')
      .selectAll()
      .where('attendance_status', '=', 'pending')
      .where('cancelled', '=', false)
      .where('join_url', 'is not', null)
      .where('ends_at', '<=', new Date(now.getTime() - firstCheckAfterEndMs))
      .where((eb) => eb.or([eb('attendance_next_check_at', 'is', null), eb('attendance_next_check_at', '<=', now)]))
      .orderBy('ends_at')
      .limit(limit)
      .execute();
    return rows.map(toSession);
  }

  /** After a look at a session's attendance: what state it is in and when to look next. */
  async setAttendanceCheck(
    sessionId: string,
    check: { status: 'pending' | 'collected' | 'no_report'; nextCheckAt: Date | null; error: string | null },
  ): Promise<void> {
    await this.db
      .updateTable('dropin_sessions')
      .set((eb) => ({
        attendance_status: check.status,
        attendance_next_check_at: check.nextCheckAt,
        attendance_last_error: check.error,
        attendance_checks: eb('attendance_checks', '+', 1),
      }))
      .where('id', '=', sessionId)
      .execute();
  }

  /**
   * Claim one attendance report of a session for applying: true the first time (this
   * transaction applies it), false when it was applied already (by an earlier run or another
   * instance, whose transaction this one waits for).
   */
  async claimAttendanceReport(sessionId: string, reportId: string, now: Date): Promise<boolean> {
    const r = await this.db
      .insertInto('dropin_attendance_reports')
      .values({ session_id: sessionId, report_id: reportId, collected_at: now, records: 0, matched: 0 })
      .onConflict((oc) => oc.columns(['session_id', 'report_id']).doNothing())
      .returning('report_id')
      .executeTakeFirst();
    return r !== undefined;
  }

  async finishAttendanceReport(sessionId: string, reportId: string, counts: { records: number; matched: number }) {
    await this.db
      .updateTable('dropin_attendance_reports')
      .set(counts)
      .where('session_id', '=', sessionId)
      .where('report_id', '=', reportId)
      .execute();
  }

  /** Ids of the attendance reports of a session already applied. */
  async appliedAttendanceReports(sessionId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('dropin_attendance_reports')
      .select('report_id')
      .where('session_id', '=', sessionId)
      .execute();
    return rows.map((r) => r.report_id);
  }

  /** Where a session's attendance collection stands (for the roster card). */
  async attendanceCheckOf(
    sessionId: string,
  ): Promise<{ status: 'pending' | 'collected' | 'no_report'; reports: number; checkedAt: Date | null } | null> {
    const s = await this.db
      .selectFrom('dropin_sessions')
      .select(['attendance_status', 'attendance_checks'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (!s) return null;
    const r = await this.db
      .selectFrom('dropin_attendance_reports')
      .select([sql<number>`count(*)::int`.as('n'), sql<Date | null>`max(collected_at)`.as('at')])
      .where('session_id', '=', sessionId)
      .executeTakeFirstOrThrow();
    return { status: s.attendance_status, reports: r.n, checkedAt: r.at ? new Date(r.at) : null };
  }

  /** Sessions that have started, most recent first (an admin's attendance list). */
  async listRecent(now: Date, since: Date): Promise<SessionWithSeats[]> {
    const rows = await withSeats(this.db)
      .where('s.starts_at', '<=', now)
      .where('s.starts_at', '>=', since)
      .where('s.cancelled', '=', false)
      .orderBy('s.starts_at', 'desc')
      .execute();
    return rows.map((r) => ({ ...toSession(r), booked: r.booked, waitlisted: r.waitlisted }));
  }

  /**
   * Change a session's time, title or join link, or cancel it (the row is locked first, as in
   * book/cancel). Returns the session before and after, or null when it does not exist.
   */
  async updateSession(
    id: string,
    patch: Partial<Pick<DropInSession, 'title' | 'startsAt' | 'endsAt' | 'joinUrl' | 'cancelled'>>,
  ): Promise<{ before: DropInSession; after: DropInSession } | null> {
    const current = await this.db
      .selectFrom('dropin_sessions')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!current) return null;
    if (Object.values(patch).every((v) => v === undefined))
      return { before: toSession(current), after: toSession(current) };
    const row = await this.db
      .updateTable('dropin_sessions')
      .set({
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.startsAt !== undefined ? { starts_at: patch.startsAt } : {}),
        ...(patch.endsAt !== undefined ? { ends_at: patch.endsAt } : {}),
        ...(patch.joinUrl !== undefined ? { join_url: patch.joinUrl } : {}),
        ...(patch.cancelled !== undefined ? { cancelled: patch.cancelled } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { before: toSession(current), after: toSession(row) };
  }

  async getBooking(id: string): Promise<Booking | null> {
    const r = await this.db.selectFrom('dropin_bookings').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toBooking(r) : null;
  }

  async bookingsForPerson(personId: string): Promise<Booking[]> {
    const rows = await bookingsOf(this.db, personId).execute();
    return rows.map(toBooking);
  }

  async bookingsForSession(sessionId: string): Promise<Booking[]> {
    const rows = await this.db
      .selectFrom('dropin_bookings')
      .selectAll()
      .where('session_id', '=', sessionId)
      .orderBy('created_at')
      .execute();
    return rows.map(toBooking);
  }

  /** Sessions an organisation's people attended: the input of the eligibility rule. */
  async attendancesForOrganisation(organisationId: string): Promise<Attendance[]> {
    const rows = await this.db
      .selectFrom('dropin_bookings as b')
      .innerJoin('dropin_sessions as s', 's.id', 'b.session_id')
      .select(['b.session_id', 'b.organisation_id', 's.starts_at', 'b.attended_source'])
      .where('b.organisation_id', '=', organisationId)
      .where('b.attended', '=', true)
      .where('b.status', '=', 'booked')
      .orderBy('s.starts_at', 'desc')
      .execute();
    return rows.map((r) => ({
      sessionId: r.session_id,
      organisationId: r.organisation_id,
      attendedAt: r.starts_at,
      source: r.attended_source,
    }));
  }
}

function toSession(
  r: Pick<
    Selectable<DropinSessionsTable>,
    'id' | 'title' | 'starts_at' | 'ends_at' | 'capacity' | 'cancelled' | 'join_url'
  >,
): DropInSession {
  return {
    id: r.id,
    title: r.title,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    capacity: r.capacity,
    cancelled: r.cancelled,
    joinUrl: r.join_url,
  };
}

function toBooking(
  r: Pick<
    Selectable<DropinBookingsTable>,
    'id' | 'session_id' | 'person_id' | 'organisation_id' | 'status' | 'attended' | 'created_at' | 'attended_source'
  >,
): Booking {
  return {
    id: r.id,
    sessionId: r.session_id,
    personId: r.person_id,
    organisationId: r.organisation_id,
    status: r.status,
    attended: r.attended,
    createdAt: r.created_at,
    attendedSource: r.attended_source,
  };
}

/** Sessions with the number of seats booked and waitlisted on each. */
function withSeats(db: Kysely<DB>) {
  return db
    .selectFrom('dropin_sessions as s')
    .selectAll('s')
    .select([
      sql<number>`(SELECT count(*)::int FROM dropin_bookings b WHERE b.session_id = s.id AND b.status = 'booked')`.as(
        'booked',
      ),
      sql<number>`(SELECT count(*)::int FROM dropin_bookings b WHERE b.session_id = s.id AND b.status = 'waitlisted')`.as(
        'waitlisted',
      ),
    ]);
}

function upcoming(db: Kysely<DB>, now: Date) {
  return withSeats(db).where('s.starts_at', '>', now).where('s.cancelled', '=', false).orderBy('s.starts_at');
}

function bookingsOf(db: Kysely<DB>, personId: string) {
  return db.selectFrom('dropin_bookings').selectAll().where('person_id', '=', personId).orderBy('created_at', 'desc');
}

/** The sessions card's statement (upcomingAndBookingsOf), compiled once (prepared.ts). */
const UPCOMING_AND_BOOKINGS = prepare(2, (db, personId: string, now: Date) =>
  db.selectNoFrom([
    jsonArrayFrom(upcoming(db, now)).as('sessions'),
    jsonArrayFrom(bookingsOf(db, personId)).as('bookings'),
  ]),
);
