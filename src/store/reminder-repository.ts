/**
 * The reminder outbox (migration 0004_reminders). Rows are written in the caller's transaction
 * (`store.transaction(tx => tx.reminders.insert(...))`), so a message exists exactly when the change
 * that causes it committed. The unique identity (cycle, recipient, kind, due time, subject) makes
 * re-planning idempotent. The dispatcher claims due rows with `FOR UPDATE SKIP LOCKED` and a
 * lease; several instances can share one PostgreSQL server.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { NotificationKind, ReminderKind, ReminderStatus } from '../domain/reminders.js';
import type { DB, ReminderOutboxTable } from './schema.js';

export interface OutboxDraft {
  kind: NotificationKind;
  cycleId: string;
  recipientId: string;
  subjectKind: string;
  subjectId: string;
  dueAt: Date;
  sendAfter: Date;
  expiresAt: Date | null;
  /** Written by the planner (re-planning may cancel or revive it) rather than by an event. */
  planned: boolean;
  applicationId?: string | null;
  bookingId?: string | null;
  sessionId?: string | null;
  payload: Record<string, unknown>;
  /** A job this message waits for (see releaseHeld); it is not claimed until then. */
  heldFor?: string | null;
}

export interface OutboxRow {
  id: string;
  cycleId: string;
  recipientId: string;
  kind: NotificationKind;
  dueAt: Date;
  subjectKind: string;
  subjectId: string;
  applicationId: string | null;
  bookingId: string | null;
  sessionId: string | null;
  planned: boolean;
  sendAfter: Date;
  expiresAt: Date | null;
  payload: Record<string, unknown>;
  status: ReminderStatus;
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  lastError: string | null;
  activityId: string | null;
  conversationId: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
  heldFor: string | null;
}

export interface CancelFilter {
  applicationId?: string;
  bookingId?: string;
  sessionId?: string;
  cycleId?: string;
  subjectId?: string;
  recipientId?: string;
  kinds?: readonly NotificationKind[];
  /** Only planner-written rows. */
  plannedOnly?: boolean;
}

export interface PacingSlot {
  /** The first reserved slot. */
  startAt: Date;
  throttledUntil: Date;
}

export interface StatusCount {
  kind: NotificationKind;
  status: ReminderStatus;
  count: number;
}

export type TerminalStatus = 'failed' | 'unreachable' | 'cancelled' | 'dead_lettered';

export class ReminderRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Insert drafts; an existing row with the same identity is kept. Pending rows get the fresh
   * payload / send time; planner rows that were cancelled and are planned again (e.g. intake
   * resumed) are revived if they can still go. Returns how many rows were new and how many changed.
   */
  async insert(drafts: readonly OutboxDraft[], now: Date): Promise<{ inserted: number; updated: number }> {
    let inserted = 0;
    let updated = 0;
    for (let i = 0; i < drafts.length; i += 500) {
      const chunk = drafts.slice(i, i + 500);
      const rows = await this.db
        .insertInto('reminder_outbox')
        .values(
          chunk.map((d) => ({
            id: randomUUID(),
            cycle_id: d.cycleId,
            recipient_id: d.recipientId,
            kind: d.kind,
            due_at: d.dueAt,
            subject_kind: d.subjectKind,
            subject_id: d.subjectId,
            application_id: d.applicationId ?? null,
            booking_id: d.bookingId ?? null,
            session_id: d.sessionId ?? null,
            planned: d.planned,
            send_after: d.sendAfter,
            expires_at: d.expiresAt,
            payload: JSON.stringify(d.payload),
            held_for: d.heldFor ?? null,
            created_at: now,
            updated_at: now,
          })),
        )
        .onConflict((oc) =>
          oc
            .constraint('reminder_outbox_identity')
            .doUpdateSet({
              payload: (eb) => eb.ref('excluded.payload'),
              send_after: (eb) => eb.ref('excluded.send_after'),
              expires_at: (eb) => eb.ref('excluded.expires_at'),
              status: sql<string>`'pending'`,
              last_error: sql<
                string | null
              >`CASE WHEN reminder_outbox.status = 'cancelled' THEN NULL ELSE reminder_outbox.last_error END`,
              updated_at: (eb) => eb.ref('excluded.updated_at'),
            })
            .where((eb) =>
              eb.or([
                eb.and([
                  eb('reminder_outbox.status', '=', 'pending'),
                  eb.or([
                    sql<boolean>`reminder_outbox.payload IS DISTINCT FROM excluded.payload`,
                    sql<boolean>`reminder_outbox.send_after IS DISTINCT FROM excluded.send_after`,
                    sql<boolean>`reminder_outbox.expires_at IS DISTINCT FROM excluded.expires_at`,
                  ]),
                ]),
                eb.and([
                  eb('reminder_outbox.status', '=', 'cancelled'),
                  eb('reminder_outbox.planned', '=', true),
                  sql<boolean>`excluded.planned`,
                  sql<boolean>`excluded.send_after > excluded.updated_at`,
                  sql<boolean>`reminder_outbox.last_error IS DISTINCT FROM 'muted'`,
                ]),
              ]),
            ),
        )
        .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
        .execute();
      for (const r of rows) {
        if (r.inserted) inserted++;
        else updated++;
      }
    }
    return { inserted, updated };
  }

  /** Cancel pending rows matching the filter (at least one id filter is required). Returns how many. */
  async cancelPending(filter: CancelFilter, reason: string, now: Date): Promise<number> {
    const ids = [
      filter.applicationId,
      filter.bookingId,
      filter.sessionId,
      filter.cycleId,
      filter.subjectId,
      filter.recipientId,
    ];
    if (ids.every((x) => x === undefined) && !filter.kinds?.length) throw new Error('cancelPending needs a filter');
    let q = this.db
      .updateTable('reminder_outbox')
      .set({ status: 'cancelled', last_error: reason, updated_at: now, lease_owner: null, lease_until: null })
      .where('status', '=', 'pending');
    if (filter.applicationId !== undefined) q = q.where('application_id', '=', filter.applicationId);
    if (filter.bookingId !== undefined) q = q.where('booking_id', '=', filter.bookingId);
    if (filter.sessionId !== undefined) q = q.where('session_id', '=', filter.sessionId);
    if (filter.cycleId !== undefined) q = q.where('cycle_id', '=', filter.cycleId);
    if (filter.subjectId !== undefined) q = q.where('subject_id', '=', filter.subjectId);
    if (filter.recipientId !== undefined) q = q.where('recipient_id', '=', filter.recipientId);
    if (filter.kinds?.length) q = q.where('kind', 'in', [...filter.kinds]);
    if (filter.plannedOnly) q = q.where('planned', '=', true);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows ?? 0n);
  }

  async cancelByIds(ids: readonly string[], reason: string, now: Date): Promise<number> {
    if (ids.length === 0) return 0;
    let n = 0;
    for (let i = 0; i < ids.length; i += 1000) {
      const r = await this.db
        .updateTable('reminder_outbox')
        .set({ status: 'cancelled', last_error: reason, updated_at: now, lease_owner: null, lease_until: null })
        .where('status', '=', 'pending')
        .where('id', 'in', ids.slice(i, i + 1000))
        .executeTakeFirst();
      n += Number(r.numUpdatedRows ?? 0n);
    }
    return n;
  }

  /** Pending planner rows whose due time is after `after` (the ones re-planning may withdraw). */
  async pendingPlanned(
    after: Date,
  ): Promise<Pick<OutboxRow, 'id' | 'cycleId' | 'recipientId' | 'kind' | 'dueAt' | 'subjectId'>[]> {
    const rows = await this.db
      .selectFrom('reminder_outbox')
      .select(['id', 'cycle_id', 'recipient_id', 'kind', 'due_at', 'subject_id'])
      .where('status', '=', 'pending')
      .where('planned', '=', true)
      .where('due_at', '>', after)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      cycleId: r.cycle_id,
      recipientId: r.recipient_id,
      kind: r.kind as ReminderKind,
      dueAt: r.due_at,
      subjectId: r.subject_id,
    }));
  }

  /**
   * Claim up to `limit` due rows for this dispatcher: one short statement, `FOR UPDATE SKIP LOCKED`
   * so concurrent instances never claim the same row, and a lease so the claim of a process that
   * died is taken over once the lease has run out. Muted kinds are never claimed.
   */
  async claimDue(opts: {
    dueBy: Date;
    now: Date;
    limit: number;
    owner: string;
    leaseUntil: Date;
  }): Promise<OutboxRow[]> {
    const res = await sql<Selectable<ReminderOutboxTable>>`
      WITH due AS (
        SELECT id FROM reminder_outbox
        WHERE status = 'pending'
          AND send_after <= ${opts.dueBy}
          AND held_for IS NULL
          AND (lease_until IS NULL OR lease_until <= ${opts.now})
          AND NOT EXISTS (SELECT 1 FROM reminder_mutes m WHERE m.kind = reminder_outbox.kind)
        ORDER BY send_after, id
        LIMIT ${opts.limit}
        FOR UPDATE SKIP LOCKED
      )
      UPDATE reminder_outbox o
         SET lease_owner = ${opts.owner}, lease_until = ${opts.leaseUntil}, attempts = o.attempts + 1, updated_at = ${opts.now}
        FROM due
       WHERE o.id = due.id
      RETURNING o.*`.execute(this.db);
    return res.rows
      .map(toRow)
      .sort((a, b) => a.sendAfter.getTime() - b.sendAfter.getTime() || a.id.localeCompare(b.id));
  }

  /** The connector accepted the message. Recorded whatever happened to the row meanwhile (it was sent). */
  async markSent(
    id: string,
    r: { activityId: string | null; conversationId: string | null },
    now: Date,
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('reminder_outbox')
      .set({
        status: 'sent',
        sent_at: now,
        updated_at: now,
        activity_id: r.activityId,
        conversation_id: r.conversationId,
        lease_owner: null,
        lease_until: null,
        last_error: null,
      })
      .where('id', '=', id)
      .where('status', '<>', 'sent')
      .executeTakeFirst();
    return Number(res.numUpdatedRows ?? 0n) === 1;
  }

  /** End a pending row held by `owner` in a terminal state with a reason. */
  async markFinal(id: string, owner: string, status: TerminalStatus, reason: string, now: Date): Promise<boolean> {
    const res = await this.db
      .updateTable('reminder_outbox')
      .set({ status, last_error: reason, updated_at: now, lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(res.numUpdatedRows ?? 0n) === 1;
  }

  /**
   * Give a claimed row back: it becomes claimable again at `sendAfter`. `countAttempt: false`
   * when nothing was sent (local pacing), so the attempt does not count towards the bound.
   */
  async release(
    id: string,
    owner: string,
    sendAfter: Date,
    reason: string | null,
    now: Date,
    countAttempt: boolean,
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('reminder_outbox')
      .set((eb) => ({
        send_after: sendAfter,
        lease_owner: null,
        lease_until: null,
        updated_at: now,
        ...(reason !== null ? { last_error: reason } : {}),
        ...(countAttempt ? {} : { attempts: eb('attempts', '-', 1) }),
      }))
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(res.numUpdatedRows ?? 0n) === 1;
  }

  /** Other due rows for a recipient the connector refused (403): unreachable too. */
  async markRecipientUnreachable(recipientId: string, reason: string, now: Date): Promise<number> {
    const res = await this.db
      .updateTable('reminder_outbox')
      .set({ status: 'unreachable', last_error: reason, updated_at: now, lease_owner: null, lease_until: null })
      .where('recipient_id', '=', recipientId)
      .where('status', '=', 'pending')
      .where('send_after', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows ?? 0n);
  }

  /**
   * The job a message waited for has done its part: its messages may go now (no earlier than
   * they were due). Scoped to the applications given. Returns how many were released.
   */
  async releaseHeld(heldFor: string, applicationIds: readonly string[], now: Date): Promise<number> {
    if (applicationIds.length === 0) return 0;
    const res = await this.db
      .updateTable('reminder_outbox')
      .set({ held_for: null, updated_at: now })
      .where('held_for', '=', heldFor)
      .where('application_id', 'in', [...applicationIds])
      .executeTakeFirst();
    return Number(res.numUpdatedRows ?? 0n);
  }

  /** Pending messages, held or not (what a delivery problem keeps waiting). */
  async pendingCount(): Promise<number> {
    const r = await this.db
      .selectFrom('reminder_outbox')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    return r.n;
  }

  // --- configuration faults that stop notifications (admins see them; nobody is blamed)

  /** Records the fault; true when it is new or had cleared (so admins are told once, not per message). */
  async raiseAlert(code: string, message: string, now: Date): Promise<boolean> {
    const r = await sql<{ fresh: boolean }>`
      INSERT INTO notification_alerts AS a (code, message, first_seen_at, last_seen_at, occurrences, cleared_at)
      VALUES (${code}, ${message}, ${now}, ${now}, 1, NULL)
      ON CONFLICT (code) DO UPDATE SET
        message = excluded.message,
        last_seen_at = excluded.last_seen_at,
        occurrences = a.occurrences + 1,
        first_seen_at = CASE WHEN a.cleared_at IS NOT NULL THEN excluded.first_seen_at ELSE a.first_seen_at END,
        cleared_at = NULL
      RETURNING (xmax = 0 OR a.first_seen_at = ${now}) AS fresh`.execute(this.db);
    return r.rows[0]?.fresh ?? false;
  }

  /** The faults whose code starts with `prefix` are gone (e.g. an installation worked again). */
  async clearAlerts(prefix: string, now: Date): Promise<number> {
    const r = await this.db
      .updateTable('notification_alerts')
      .set({ cleared_at: now })
      .where('code', 'like', `${prefix.replace(/[%_\\]/g, '\\$&')}%`)
      .where('cleared_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows ?? 0n);
  }

  /** Faults not cleared, most recent first. */
  async activeAlerts(): Promise<{ code: string; message: string; firstSeenAt: Date; lastSeenAt: Date }[]> {
    const rows = await this.db
      .selectFrom('notification_alerts')
      .selectAll()
      .where('cleared_at', 'is', null)
      .orderBy('last_seen_at', 'desc')
      .execute();
    return rows.map((r) => ({
      code: r.code,
      message: r.message,
      firstSeenAt: new Date(r.first_seen_at),
      lastSeenAt: new Date(r.last_seen_at),
    }));
  }

  async get(id: string): Promise<OutboxRow | null> {
    const r = await this.db.selectFrom('reminder_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRow(r) : null;
  }

  async list(
    filter: { status?: ReminderStatus; kind?: NotificationKind; recipientId?: string; limit?: number } = {},
  ): Promise<OutboxRow[]> {
    let q = this.db.selectFrom('reminder_outbox').selectAll();
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.recipientId) q = q.where('recipient_id', '=', filter.recipientId);
    const rows = await q
      .orderBy('send_after')
      .orderBy('id')
      .limit(filter.limit ?? 1000)
      .execute();
    return rows.map(toRow);
  }

  /** Pending rows in send order, with the recipient's name for the admin preview. */
  async upcoming(limit: number): Promise<(OutboxRow & { recipientName: string | null })[]> {
    const rows = await this.db
      .selectFrom('reminder_outbox as o')
      .leftJoin('people as p', 'p.id', 'o.recipient_id')
      .selectAll('o')
      .select('p.display_name as recipient_name')
      .where('o.status', '=', 'pending')
      .orderBy('o.send_after')
      .orderBy('o.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...toRow(r), recipientName: r.recipient_name }));
  }

  async statusCounts(): Promise<StatusCount[]> {
    const rows = await this.db
      .selectFrom('reminder_outbox')
      .select(['kind', 'status', sql<number>`count(*)::int`.as('n')])
      .groupBy(['kind', 'status'])
      .orderBy('kind')
      .orderBy('status')
      .execute();
    return rows.map((r) => ({ kind: r.kind as NotificationKind, status: r.status as ReminderStatus, count: r.n }));
  }

  /** Most recent rows that ended badly, with their reasons. */
  async problems(limit: number): Promise<(OutboxRow & { recipientName: string | null })[]> {
    const rows = await this.db
      .selectFrom('reminder_outbox as o')
      .leftJoin('people as p', 'p.id', 'o.recipient_id')
      .selectAll('o')
      .select('p.display_name as recipient_name')
      .where('o.status', 'in', ['failed', 'unreachable', 'dead_lettered'])
      .orderBy('o.updated_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...toRow(r), recipientName: r.recipient_name }));
  }

  // --- mutes

  /** Mute a kind; `changed` is false (and nothing is cancelled) when it was muted already. */
  async mute(kind: ReminderKind, actorId: string, now: Date): Promise<{ changed: boolean; cancelled: number }> {
    const inserted = await this.db
      .insertInto('reminder_mutes')
      .values({ kind, muted_by: actorId, muted_at: now })
      .onConflict((oc) => oc.column('kind').doNothing())
      .returning('kind')
      .executeTakeFirst();
    if (!inserted) return { changed: false, cancelled: 0 };
    return { changed: true, cancelled: await this.cancelPending({ kinds: [kind] }, 'muted', now) };
  }

  /** Unmute a kind; false when it was not muted. */
  async unmute(kind: ReminderKind): Promise<boolean> {
    const deleted = await this.db.deleteFrom('reminder_mutes').where('kind', '=', kind).returning('kind').execute();
    if (deleted.length === 0) return false;
    // Muted rows may be planned again now.
    await this.db
      .updateTable('reminder_outbox')
      .set({ last_error: 'unmuted' })
      .where('kind', '=', kind)
      .where('status', '=', 'cancelled')
      .where('last_error', '=', 'muted')
      .execute();
    return true;
  }

  async mutedKinds(): Promise<ReminderKind[]> {
    const rows = await this.db.selectFrom('reminder_mutes').select('kind').orderBy('kind').execute();
    return rows.map((r) => r.kind as ReminderKind);
  }

  // --- per-cycle settings

  async settings(cycleId: string): Promise<Record<string, unknown> | null> {
    const r = await this.db
      .selectFrom('reminder_settings')
      .select('settings')
      .where('cycle_id', '=', cycleId)
      .executeTakeFirst();
    return r?.settings ?? null;
  }

  async saveSettings(cycleId: string, settings: Record<string, unknown>, actorId: string, now: Date): Promise<void> {
    const json = JSON.stringify(settings);
    await this.db
      .insertInto('reminder_settings')
      .values({ cycle_id: cycleId, settings: json, updated_at: now, updated_by: actorId })
      .onConflict((oc) => oc.column('cycle_id').doUpdateSet({ settings: json, updated_at: now, updated_by: actorId }))
      .execute();
  }

  // --- pacing shared by every dispatcher instance

  /**
   * Reserve `n` consecutive send slots `intervalMs` apart on the shared pacing row: the first
   * slot is at the later of now, the end of the shared back-off and the end of earlier
   * reservations. One row lock per batch keeps all instances together under the per-app rate.
   */
  async reserveSlots(pacingId: string, n: number, intervalMs: number, now: Date): Promise<PacingSlot> {
    await this.db
      .insertInto('notification_pacing')
      .values({ id: pacingId, throttled_until: now, next_slot_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const span = n * intervalMs;
    const r = await sql<{ start_at: Date; throttled_until: Date }>`
      UPDATE notification_pacing
         SET next_slot_at = GREATEST(next_slot_at, ${now}::timestamptz, throttled_until) + make_interval(secs => ${span / 1000})
       WHERE id = ${pacingId}
      RETURNING next_slot_at - make_interval(secs => ${span / 1000}) AS start_at, throttled_until`.execute(this.db);
    const row = r.rows[0]!;
    return { startAt: new Date(row.start_at), throttledUntil: new Date(row.throttled_until) };
  }

  /** Shared back-off: nobody sends before `until`. Returns the consecutive throttle count. */
  async throttle(pacingId: string, until: Date, now: Date): Promise<number> {
    await this.db
      .insertInto('notification_pacing')
      .values({ id: pacingId, throttled_until: now, next_slot_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const r = await sql<{ consecutive_throttles: number }>`
      UPDATE notification_pacing
         SET throttled_until = GREATEST(throttled_until, ${until}::timestamptz),
             consecutive_throttles = consecutive_throttles + 1
       WHERE id = ${pacingId}
      RETURNING consecutive_throttles`.execute(this.db);
    return r.rows[0]?.consecutive_throttles ?? 1;
  }

  async pacing(pacingId: string): Promise<{ throttledUntil: Date; consecutiveThrottles: number } | null> {
    const r = await this.db.selectFrom('notification_pacing').selectAll().where('id', '=', pacingId).executeTakeFirst();
    return r ? { throttledUntil: r.throttled_until, consecutiveThrottles: r.consecutive_throttles } : null;
  }

  async clearThrottle(pacingId: string): Promise<void> {
    await this.db
      .updateTable('notification_pacing')
      .set({ consecutive_throttles: 0 })
      .where('id', '=', pacingId)
      .where('consecutive_throttles', '>', 0)
      .execute();
  }

  /** Latest personal conversation reference per recipient. */
  async personalConversations(
    recipientIds: readonly string[],
  ): Promise<Map<string, { key: string; reference: Record<string, unknown>; aadObjectId: string | null }>> {
    const out = new Map<string, { key: string; reference: Record<string, unknown>; aadObjectId: string | null }>();
    const ids = [...new Set(recipientIds)];
    if (ids.length === 0) return out;
    const rows = await this.db
      .selectFrom('conversation_refs')
      .select(['key', 'person_id', 'reference', 'aad_object_id', 'updated_at'])
      .where('person_id', 'in', ids)
      .where('scope', '=', 'personal')
      .orderBy('updated_at', 'asc')
      .execute();
    for (const r of rows)
      if (r.person_id) out.set(r.person_id, { key: r.key, reference: r.reference, aadObjectId: r.aad_object_id });
    return out;
  }
}

/** A reminder_outbox row as the app reads it. */
export function toRow(r: Selectable<ReminderOutboxTable>): OutboxRow {
  const d = (v: Date | string | null) => (v === null ? null : v instanceof Date ? v : new Date(v));
  return {
    id: r.id,
    cycleId: r.cycle_id,
    recipientId: r.recipient_id,
    kind: r.kind as NotificationKind,
    dueAt: d(r.due_at)!,
    subjectKind: r.subject_kind,
    subjectId: r.subject_id,
    applicationId: r.application_id,
    bookingId: r.booking_id,
    sessionId: r.session_id,
    planned: r.planned,
    sendAfter: d(r.send_after)!,
    expiresAt: d(r.expires_at),
    payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as Record<string, unknown>) : r.payload,
    status: r.status as ReminderStatus,
    attempts: r.attempts,
    leaseOwner: r.lease_owner,
    leaseUntil: d(r.lease_until),
    lastError: r.last_error,
    activityId: r.activity_id,
    conversationId: r.conversation_id,
    createdAt: d(r.created_at)!,
    updatedAt: d(r.updated_at)!,
    sentAt: d(r.sent_at),
    heldFor: r.held_for ?? null,
  };
}
