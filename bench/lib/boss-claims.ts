/**
 * The dispatcher claiming through pg-boss instead of the outbox's own claim, for the benchmark's
 * comparison (`npm run bench:reminders -- --claims pg-boss`).
 *
 * Each claim: (1) in one transaction, due outbox rows not yet queued are marked queued
 * (`FOR UPDATE SKIP LOCKED`) and one pg-boss job per row is inserted in the same transaction;
 * (2) `boss.fetch` takes a batch of jobs (pg-boss's own SKIP LOCKED claim); (3) the rows are leased
 * to this dispatcher (only rows still pending and not leased by a live owner), so markSent /
 * release / markFinal keep their ownership checks; jobs whose rows were not leased are completed.
 * When a row is settled its job is completed. A dispatcher that dies leaves active jobs (pg-boss
 * expires and retries them) and leased rows (queued again once the lease has run out): whichever
 * comes first sends it again, the row lease keeps it to one sender.
 */
import { sql } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import type { Claims } from '../../src/notifications/dispatcher.js';
import { toRow, type OutboxRow } from '../../src/store/reminder-repository.js';
import type { Store } from '../../src/store/store.js';

export const SEND_QUEUE = 'notifications.send';
const QUEUED = 'pgboss';

export async function createSendQueue(boss: PgBoss, leaseMs: number): Promise<void> {
  await boss.createQueue(SEND_QUEUE, {
    policy: 'standard',
    retryLimit: 100,
    expireInSeconds: Math.max(1, Math.ceil(leaseMs / 1000)),
  });
}

export class BossClaims implements Claims {
  private readonly jobOf = new Map<string, string>();

  constructor(
    private readonly boss: PgBoss,
    private readonly store: Store,
  ) {}

  async claim(o: { dueBy: Date; now: Date; limit: number; owner: string; leaseUntil: Date }): Promise<OutboxRow[]> {
    await this.store.transaction(async (tx) => {
      const queued = await sql<{ id: string }>`
        UPDATE reminder_outbox SET lease_owner = ${QUEUED}, lease_until = 'infinity'
         WHERE id IN (
           SELECT id FROM reminder_outbox
            WHERE status = 'pending' AND send_after <= ${o.dueBy} AND held_for IS NULL
              AND (lease_until IS NULL OR lease_until <= ${o.now})
              AND NOT EXISTS (SELECT 1 FROM reminder_mutes m WHERE m.kind = reminder_outbox.kind)
            ORDER BY send_after, id
            LIMIT ${o.limit * 4}
            FOR UPDATE SKIP LOCKED)
        RETURNING id`.execute(tx.db);
      if (queued.rows.length > 0)
        await this.boss.insert(
          SEND_QUEUE,
          queued.rows.map((r) => ({ data: { id: r.id } })),
          { db: fromKysely(tx.db) },
        );
    });
    const jobs = await this.boss.fetch<{ id: string }>(SEND_QUEUE, { batchSize: o.limit });
    if (jobs.length === 0) return [];
    const ids = jobs.map((j) => j.data.id);
    const leased = await this.store.db
      .updateTable('reminder_outbox')
      .set((eb) => ({
        lease_owner: o.owner,
        lease_until: o.leaseUntil,
        attempts: eb('attempts', '+', 1),
        updated_at: o.now,
      }))
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .where((eb) =>
        eb.or([eb('lease_owner', '=', QUEUED), eb('lease_until', 'is', null), eb('lease_until', '<=', o.now)]),
      )
      .returningAll()
      .execute();
    const got = new Set(leased.map((r) => r.id));
    const stale = jobs.filter((j) => !got.has(j.data.id)).map((j) => j.id);
    if (stale.length > 0) await this.boss.complete(SEND_QUEUE, stale);
    for (const j of jobs) if (got.has(j.data.id)) this.jobOf.set(j.data.id, j.id);
    return leased.map(toRow).sort((a, b) => a.sendAfter.getTime() - b.sendAfter.getTime() || a.id.localeCompare(b.id));
  }

  async settled(rowId: string): Promise<void> {
    const job = this.jobOf.get(rowId);
    this.jobOf.delete(rowId);
    if (job) await this.boss.complete(SEND_QUEUE, job);
  }
}
