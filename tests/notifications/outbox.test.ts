/**
 * The outbox and the schedule on both engines: idempotent planning, cancellation in the same
 * transaction as the change, revival, mutes, "send now", and claiming with SKIP LOCKED + leases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { addDaysLondon } from '../../src/domain/time.js';
import { cancelFor, enqueue, onApplicationChanged, onSessionChanged } from '../../src/notifications/outbox.js';
import { planReminders, sendNow } from '../../src/notifications/schedule.js';
import type { ReminderMessage } from '../../src/notifications/messenger.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { engines } from '../support/databases.js';
import { seedBasics, T0 } from '../support/fixtures.js';

const msg: ReminderMessage = { kind: 'dropin_changed', title: 'T', lines: ['l'], facts: [], actions: [], summary: 's' };
// T0 = Mon 2 Mar 2026 10:00Z; deadline T0 + 30 days (1 Apr, 11:00 BST).

for (const engine of engines()) {
  describe(`reminder outbox on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let store: Store;
    let appId: string;

    beforeAll(async () => {
      handle = await engine.open();
      store = new Store(handle.db);
      await seedBasics(store);
      await store.people.upsert({
        id: 'contrib-a',
        displayName: 'Carl Contributor',
        email: 'carl@alpha.example',
        entraObjectId: 'oid-contrib-a',
        organisationId: 'org-a',
        roles: ['applicant_contributor'],
      });
      const app = await store.transaction((tx) =>
        tx.applications.create({ organisationId: 'org-a', cycleId: 'cycle-1', actorId: 'lead-a', now: T0 }),
      );
      const opened = await store.transaction((tx) =>
        tx.applications.transition({
          applicationId: app.id,
          expectedVersion: app.version,
          from: 'requested',
          to: 'open',
          action: 'open',
          actorId: 'admin-1',
          now: T0,
        }),
      );
      await store.applications.setTargetLevel({
        applicationId: opened.id,
        expectedVersion: opened.version,
        level: 'bronze',
        actorId: 'lead-a',
        now: T0,
      });
      appId = app.id;
    });
    afterAll(async () => {
      await handle?.close();
    });

    const deadlineRows = () => store.reminders.list({ kind: 'submission_deadline', limit: 100 });

    it('computing the schedule twice inserts nothing the second time', async () => {
      const first = await planReminders(store, T0);
      const rows = await deadlineRows();
      // 28/14/7/2/1 days before, for the lead and the contributor; the reviewer and admin get their own kinds.
      expect(rows.filter((r) => r.status === 'pending')).toHaveLength(10);
      expect(new Set(rows.map((r) => r.recipientId))).toEqual(new Set(['lead-a', 'contrib-a']));
      expect(first.inserted).toBeGreaterThanOrEqual(10);
      const second = await planReminders(store, T0);
      expect(second).toEqual({ planned: first.planned, inserted: 0, updated: 0, cancelled: 0 });
      const total = await sql<{ n: number }>`SELECT count(*)::int AS n FROM reminder_outbox`.execute(handle.db);
      expect(total.rows[0]!.n).toBe(first.inserted);
      // The text carries the readiness result and the status-card button.
      const p = rows[0]!.payload as unknown as ReminderMessage;
      expect(p.lines.join('\n')).toMatch(/Still missing/);
      expect(p.actions).toContainEqual({ type: 'execute', title: 'Open status card', verb: 'status' });
    });

    it('the unique identity holds under concurrent planning', async () => {
      const results = await Promise.all([planReminders(store, T0), planReminders(store, T0), planReminders(store, T0)]);
      expect(results.map((r) => r.inserted)).toEqual([0, 0, 0]);
      const dup = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM reminder_outbox GROUP BY cycle_id, recipient_id, kind, due_at, subject_id HAVING count(*) > 1) d`.execute(
        handle.db,
      );
      expect(dup.rows[0]!.n).toBe(0);
    });

    it('a rolled-back change leaves no message behind', async () => {
      await expect(
        store.transaction(async (tx) => {
          await enqueue(
            tx,
            {
              kind: 'dropin_changed',
              recipientId: 'lead-a',
              dueAt: T0,
              subject: { kind: 'session', id: 'rollback' },
              message: msg,
            },
            T0,
          );
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(
        (await store.reminders.list({ kind: 'dropin_changed' })).filter((r) => r.subjectId === 'rollback'),
      ).toHaveLength(0);
    });

    it('enqueue is idempotent on its identity', async () => {
      const item = {
        kind: 'dropin_changed' as const,
        recipientId: 'lead-a',
        dueAt: T0,
        subject: { kind: 'session' as const, id: 'twice' },
        message: msg,
      };
      const a = await store.transaction((tx) => enqueue(tx, item, T0));
      const b = await store.transaction((tx) => enqueue(tx, item, T0));
      expect([a.inserted, b.inserted]).toEqual([1, 0]);
      expect(
        (await store.reminders.list({ kind: 'dropin_changed' })).filter((r) => r.subjectId === 'twice'),
      ).toHaveLength(1);
      await store.reminders.cancelPending({ subjectId: 'twice' }, 'test done', T0);
    });

    it('pausing intake cancels, resuming revives the same rows', async () => {
      await store.transaction(async (tx) => {
        await tx.cycles.setIntakePaused('cycle-1', true);
        expect(await cancelFor(tx, { type: 'intake_paused', cycleId: 'cycle-1' }, T0)).toBe(10);
      });
      expect((await deadlineRows()).every((r) => r.status === 'cancelled' && r.lastError === 'intake paused')).toBe(
        true,
      );
      expect((await planReminders(store, T0)).inserted).toBe(0);
      await store.cycles.setIntakePaused('cycle-1', false);
      const r = await planReminders(store, T0);
      expect(r.inserted).toBe(0);
      expect(r.updated).toBe(10);
      expect((await deadlineRows()).filter((x) => x.status === 'pending')).toHaveLength(10);
    });

    it('a submission cancels pending deadline reminders in the same transaction', async () => {
      const later = addDaysLondon(T0, 20); // after the 28- and 14-day reminders fell due
      // The 28-day one was sent already (history stays).
      const due = (await deadlineRows()).filter((r) => r.dueAt.getTime() <= later.getTime());
      expect(due.length).toBe(4);
      for (const r of due.slice(0, 2))
        await store.reminders.markSent(r.id, { activityId: 'x', conversationId: 'c' }, later);
      const app = (await store.applications.get(appId))!;
      await store.transaction(async (tx) => {
        const moved = await tx.applications.transition({
          applicationId: appId,
          expectedVersion: app.version,
          from: 'open',
          to: 'submitted',
          action: 'submit',
          actorId: 'lead-a',
          now: later,
          patch: { submittedAt: later },
        });
        expect(await onApplicationChanged(tx, moved, later)).toBe(8);
      });
      const rows = await deadlineRows();
      expect(rows.filter((r) => r.status === 'pending')).toHaveLength(0);
      expect(rows.filter((r) => r.status === 'sent')).toHaveLength(2);
      expect(rows.filter((r) => r.status === 'cancelled' && r.lastError === 'application submitted')).toHaveLength(8);
      // Re-planning does not bring them back.
      const again = await planReminders(store, later);
      expect(again.inserted).toBe(0);
      // (Only the admins' decision reminders change: their counts now include the submission.)
      expect(again.updated).toBe(2);
      expect((await store.reminders.list({ kind: 'decision_opening' }))[0]!.payload.lines).toContain(
        '0 applications are recommended and waiting for a decision; 1 still in review; 0 decided.',
      );
      expect((await deadlineRows()).filter((r) => r.status === 'pending')).toHaveLength(0);
    });

    it('re-planning withdraws what the rules no longer produce (safety net)', async () => {
      // A drop-in booking: reminders planned; the booking is cancelled without telling the outbox.
      await store.dropIns.createSession({
        id: 'sess-1',
        title: 'Drop-in',
        startsAt: addDaysLondon(T0, 3),
        endsAt: addDaysLondon(T0, 3.1),
        capacity: 5,
        cancelled: false,
        joinUrl: 'https://teams.example/join/1',
      });
      const b = await store.transaction((tx) =>
        tx.dropIns.book({
          sessionId: 'sess-1',
          personId: 'lead-a',
          organisationId: 'org-a',
          actorId: 'lead-a',
          now: T0,
        }),
      );
      await planReminders(store, T0);
      const planned = (await store.reminders.list({ kind: 'dropin_upcoming' })).filter((r) => r.bookingId === b.id);
      expect(planned.map((r) => r.status)).toEqual(['pending', 'pending']);
      expect((planned[0]!.payload as unknown as ReminderMessage).actions[0]).toEqual({
        type: 'url',
        title: 'Join the drop-in',
        url: 'https://teams.example/join/1',
      });
      await store.transaction((tx) => tx.dropIns.cancel(b.id, 'lead-a', T0));
      const r = await planReminders(store, T0);
      expect(r.cancelled).toBe(2);
      expect(
        (await store.reminders.list({ kind: 'dropin_upcoming' }))
          .filter((x) => x.bookingId === b.id)
          .map((x) => x.lastError),
      ).toEqual(['no longer due', 'no longer due']);
    });

    it('a session change sends one update and re-plans the timed reminders', async () => {
      const b = await store.transaction((tx) =>
        tx.dropIns.book({
          sessionId: 'sess-1',
          personId: 'contrib-a',
          organisationId: 'org-a',
          actorId: 'contrib-a',
          now: T0,
        }),
      );
      await planReminders(store, T0);
      const r1 = await store.transaction((tx) => onSessionChanged(tx, 'sess-1', T0));
      expect(r1.updates).toBe(1);
      expect(r1.cancelled).toBe(2);
      // Same start time: the timed reminders come back (revived), and a second change in the same minute adds nothing.
      const r2 = await store.transaction((tx) => onSessionChanged(tx, 'sess-1', T0));
      expect(r2.updates).toBe(0);
      const rows = (await store.reminders.list({ recipientId: 'contrib-a' })).filter((x) => x.sessionId === 'sess-1');
      expect(rows.filter((x) => x.kind === 'dropin_changed')).toHaveLength(1);
      expect(
        rows.filter((x) => x.kind === 'dropin_upcoming' && x.status === 'pending' && x.bookingId === b.id),
      ).toHaveLength(2);
    });

    it('muting cancels what is waiting and keeps it from being planned or claimed', async () => {
      const n = await store.transaction((tx) => tx.reminders.mute('dropin_upcoming', 'admin-1', T0));
      expect(n).toEqual({ changed: true, cancelled: 2 });
      expect((await planReminders(store, T0)).inserted).toBe(0);
      expect(await store.reminders.list({ kind: 'dropin_upcoming', status: 'pending' })).toHaveLength(0);
      await store.transaction((tx) =>
        enqueue(
          tx,
          {
            kind: 'dropin_upcoming',
            recipientId: 'lead-a',
            dueAt: T0,
            subject: { kind: 'session', id: 'muted' },
            message: msg,
          },
          T0,
        ),
      );
      expect(await store.reminders.list({ kind: 'dropin_upcoming', status: 'pending' })).toHaveLength(0);
      await store.reminders.unmute('dropin_upcoming');
      await planReminders(store, T0);
      expect(await store.reminders.list({ kind: 'dropin_upcoming', status: 'pending' })).toHaveLength(2);
    });

    it('"send now" queues one reminder per person and kind, once per minute', async () => {
      const at = new Date('2026-03-03T11:00:20Z'); // Tue 11:00 London, not quiet
      const first = await sendNow(store, at);
      expect(first.queued).toBeGreaterThan(0);
      expect(first.sendAt.toISOString()).toBe('2026-03-03T11:00:00.000Z');
      const again = await sendNow(store, new Date(at.getTime() + 20_000));
      expect(again.queued).toBe(0);
      const nowRows = (await store.reminders.list({ status: 'pending' })).filter(
        (r) => r.dueAt.getTime() === first.sendAt.getTime(),
      );
      const perKey = new Set(nowRows.map((r) => `${r.recipientId}|${r.kind}|${r.subjectId}`));
      expect(perKey.size).toBe(nowRows.length);
      expect(nowRows.some((r) => r.kind === 'dropin_upcoming' && r.recipientId === 'contrib-a')).toBe(true);
      expect((nowRows.find((r) => r.kind === 'dropin_upcoming')!.payload as unknown as ReminderMessage).title).toMatch(
        /Your drop-in session is/,
      );
      // At night it waits for the morning.
      const night = await sendNow(store, new Date('2026-03-03T22:30:00Z'));
      expect(night.sendAt.toISOString()).toBe('2026-03-04T08:00:00.000Z');
    });

    it('claims never overlap, and a lease keeps others off until it runs out', async () => {
      for (let i = 0; i < 30; i++) {
        await store.transaction((tx) =>
          enqueue(
            tx,
            {
              kind: 'dropin_changed',
              recipientId: 'lead-a',
              dueAt: new Date(T0.getTime() - i * 60_000),
              subject: { kind: 'session', id: `claim-${i}` },
              message: msg,
            },
            T0,
            { quietHours: null },
          ),
        );
      }
      const real = new Date();
      const lease = new Date(real.getTime() + 60_000);
      const claims = await Promise.all(
        ['a', 'b', 'c'].map((owner) =>
          store.reminders.claimDue({ dueBy: T0, now: real, limit: 12, owner, leaseUntil: lease }),
        ),
      );
      const ids = claims.flat().map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(claims.flat().every((r) => r.attempts === 1 && r.leaseOwner !== null)).toBe(true);
      const claimedNow = claims.flat().filter((r) => r.subjectId.startsWith('claim-')).length;
      expect(claimedNow).toBeGreaterThanOrEqual(30);
      // Leased: nobody else gets them.
      expect(
        (await store.reminders.claimDue({ dueBy: T0, now: real, limit: 100, owner: 'd', leaseUntil: lease })).filter(
          (r) => r.subjectId.startsWith('claim-'),
        ),
      ).toHaveLength(0);
      // After the lease ran out (e.g. the holder was killed), they are taken over.
      const later = new Date(lease.getTime() + 1);
      const taken = (
        await store.reminders.claimDue({
          dueBy: T0,
          now: later,
          limit: 100,
          owner: 'd',
          leaseUntil: new Date(later.getTime() + 60_000),
        })
      ).filter((r) => r.subjectId.startsWith('claim-'));
      expect(taken).toHaveLength(30);
      expect(taken.every((r) => r.attempts === 2 && r.leaseOwner === 'd')).toBe(true);
      // Only the lease holder may end or release a row; a sent row stays sent.
      const [x, y] = taken;
      expect(await store.reminders.markFinal(x!.id, 'a', 'failed', 'no', later)).toBe(false);
      expect(await store.reminders.markSent(x!.id, { activityId: '1', conversationId: 'c' }, later)).toBe(true);
      expect(await store.reminders.markSent(x!.id, { activityId: '2', conversationId: 'c' }, later)).toBe(false);
      expect(await store.reminders.release(y!.id, 'd', later, 'throttled', later, true)).toBe(true);
      expect((await store.reminders.get(y!.id))!.leaseOwner).toBeNull();
    });
  });
}
