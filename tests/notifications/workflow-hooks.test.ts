/**
 * The workflows write the outbox in the same transaction as the change that causes it, on both
 * engines: a submission (through submitApplication, readiness and all) cancels the application's
 * pending deadline reminders, a rolled-back transition leaves them pending, a withdrawal cancels
 * them, pausing intake cancels them, a booking plans and its cancellation cancels its drop-in
 * reminders, and a session change or cancellation notifies booked attendees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { criteriaForSection } from '../../src/domain/framework.js';
import { DEFAULT_FRAMEWORK } from '../../src/domain/framework-default.js';
import { actorFor } from '../../src/domain/people.js';
import { addDaysLondon, fixedClock } from '../../src/domain/time.js';
import { SECTION_NUMBERS, type Actor } from '../../src/domain/types.js';
import type { ReminderMessage } from '../../src/notifications/messenger.js';
import { planReminders } from '../../src/notifications/schedule.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import type { OutboxRow } from '../../src/store/reminder-repository.js';
import { Store } from '../../src/store/store.js';
import { setIntakePaused } from '../../src/workflows/admin.js';
import {
  declareEvidence,
  openApplication,
  refreshEvidence,
  saveSectionCommentary,
  setTargetLevel,
  submitApplication,
  transitionApplication,
} from '../../src/workflows/application-journey.js';
import { requestApplication } from '../../src/workflows/applications.js';
import { bookDropIn, cancelBooking, changeSession, rebook } from '../../src/workflows/dropins.js';
import { InMemoryEvidenceFolders } from '../../src/workflows/fakes.js';
import type { Services } from '../../src/workflows/services.js';
import { silentLogger } from '../../src/log.js';
import { engines } from '../support/databases.js';
import { attend, seedBasics, T0, seedContributorAndSecondLead } from '../support/fixtures.js';

const DAY = 86_400_000;
const DOCS = ['Policy.pdf', 'Risk assessment.docx', 'Induction checklist.pdf', 'Learner evaluation.pdf'];

for (const engine of engines()) {
  describe(`workflow outbox hooks on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let store: Store;
    let svc: Services;
    let evidence: InMemoryEvidenceFolders;
    const actors: Record<string, Actor> = {};

    beforeAll(async () => {
      handle = await engine.open();
      store = new Store(handle.db);
      await seedBasics(store);
      await seedContributorAndSecondLead(store);
      await attend(store, 'org-a', 'lead-a', T0, 10);
      await attend(store, 'org-b', 'lead-b', T0, 10);
      for (const id of ['lead-a', 'contrib-a', 'lead-b', 'admin-1'])
        actors[id] = actorFor((await store.people.get(id))!);
      evidence = new InMemoryEvidenceFolders();
      svc = { store, clock: fixedClock(T0), log: silentLogger, evidence };
    });
    afterAll(async () => {
      await handle?.close();
    });

    const deadlineRows = async (applicationId: string): Promise<OutboxRow[]> =>
      (await store.reminders.list({ kind: 'submission_deadline', limit: 1000 })).filter(
        (r) => r.applicationId === applicationId,
      );
    const pending = (rows: OutboxRow[]) => rows.filter((r) => r.status === 'pending');

    /** Request and open the organisation's application, then plan: 5 reminders × the applicant team. */
    async function openedApplication(lead: string): Promise<{ id: string; version: number }> {
      const requested = await requestApplication(svc, actors[lead]!);
      const opened = await openApplication(svc, actors['admin-1']!, {
        applicationId: requested.id,
        version: requested.version,
      });
      await planReminders(store, T0);
      return { id: opened.id, version: opened.version };
    }

    let appA = { id: '', version: 0 };

    it('pausing intake cancels pending deadline reminders in the same transaction; resuming lets the planner revive them', async () => {
      appA = await openedApplication('lead-a');
      expect(pending(await deadlineRows(appA.id))).toHaveLength(10); // lead + contributor, 28/14/7/2/1 days
      await setIntakePaused(svc, actors['admin-1']!, { paused: true });
      const rows = await deadlineRows(appA.id);
      expect(pending(rows)).toHaveLength(0);
      expect(rows.every((r) => r.status === 'cancelled' && r.lastError === 'intake paused')).toBe(true);
      // The planner does not bring them back while paused.
      await planReminders(store, T0);
      expect(pending(await deadlineRows(appA.id))).toHaveLength(0);
      await setIntakePaused(svc, actors['admin-1']!, { paused: false });
      await planReminders(store, T0);
      expect(pending(await deadlineRows(appA.id))).toHaveLength(10);
    });

    it('a rolled-back submission leaves the reminders pending (the cancel was inside the transaction)', async () => {
      const opened = (await store.applications.get(appA.id))!;
      const app = await setTargetLevel(svc, actors['lead-a']!, {
        applicationId: opened.id,
        version: opened.version,
        level: 'bronze',
      });
      let seenInside = -1;
      await expect(
        transitionApplication(svc, actors['lead-a']!, { applicationId: app.id, version: app.version }, 'submit', {
          patch: { submittedAt: T0, submittedLate: false },
          inTx: async (tx) => {
            // Inside the transaction the reminders are already cancelled ...
            seenInside = (
              await tx.reminders.list({ kind: 'submission_deadline', status: 'pending', limit: 1000 })
            ).filter((r) => r.applicationId === app.id).length;
            throw new Error('something later in the same transaction failed');
          },
        }),
      ).rejects.toThrow('something later');
      expect(seenInside).toBe(0);
      // ... and the rollback restored them with the application's state.
      expect((await store.applications.get(app.id))!.state).toBe('open');
      expect(pending(await deadlineRows(app.id))).toHaveLength(10);
    });

    it('a submission through the workflow cancels that application’s pending reminders (sent ones stay history)', async () => {
      const later = new Date(T0.getTime() + 3 * DAY);
      svc.clock = fixedClock(later);
      // The 28-day reminders went out already.
      const first = (await deadlineRows(appA.id)).filter((r) => r.dueAt.getTime() <= later.getTime());
      expect(first).toHaveLength(2);
      for (const r of first) await store.reminders.markSent(r.id, { activityId: 'a', conversationId: 'c' }, later);

      // Make it ready: documents (completed) and commentary referencing them (the level is chosen).
      const v = (await store.applications.get(appA.id))!.version;
      evidence.setDocuments(
        'cycle-1',
        'org-a',
        DOCS.map((name) => ({ name, section: 1, lastModified: new Date(T0.getTime() - 30 * DAY), webUrl: null })),
      );
      await refreshEvidence(svc, appA.id);
      await declareEvidence(svc, actors['lead-a']!, {
        applicationId: appA.id,
        version: v,
        items: DOCS.map((name) => ({ name, evidenceDate: null, completed: true })),
      });
      for (const section of SECTION_NUMBERS) {
        const items = criteriaForSection(DEFAULT_FRAMEWORK, section, 'bronze').map((c, i) => ({
          criterionId: c.id,
          text: `How we meet ${c.id}.`,
          references: [{ documentName: DOCS[i % DOCS.length]!, pages: [1] }],
        }));
        await saveSectionCommentary(svc, actors['contrib-a']!, { applicationId: appA.id, version: v, section, items });
      }
      const out = await submitApplication(svc, actors['lead-a']!, {
        applicationId: appA.id,
        version: v,
        acknowledgeWarnings: true,
      });
      expect(out.kind).toBe('submitted');

      const rows = await deadlineRows(appA.id);
      expect(pending(rows)).toHaveLength(0);
      expect(rows.filter((r) => r.status === 'sent')).toHaveLength(2);
      expect(rows.filter((r) => r.status === 'cancelled' && r.lastError === 'application submitted')).toHaveLength(8);
      svc.clock = fixedClock(T0);
    });

    it('withdrawing (the same transition path) cancels that application’s reminders only', async () => {
      const appB = await openedApplication('lead-b');
      expect(pending(await deadlineRows(appB.id))).toHaveLength(5);
      await transitionApplication(
        svc,
        actors['lead-b']!,
        { applicationId: appB.id, version: appB.version },
        'withdraw',
      );
      const rows = await deadlineRows(appB.id);
      expect(rows.every((r) => r.status === 'cancelled' && r.lastError === 'application withdrawn')).toBe(true);
    });

    it('booking plans the attendee’s drop-in reminders in the same transaction; cancelling the booking cancels them', async () => {
      const startsAt = addDaysLondon(T0, 5);
      await store.dropIns.createSession({
        id: 'sess-a',
        title: 'Drop-in A',
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3600_000),
        capacity: 1,
        cancelled: false,
        joinUrl: 'https://teams.example/join/a',
      });
      await store.dropIns.createSession({
        id: 'sess-b',
        title: 'Drop-in B',
        startsAt: addDaysLondon(T0, 6),
        endsAt: addDaysLondon(T0, 6.05),
        capacity: 5,
        cancelled: false,
        joinUrl: null,
      });
      const mine = await bookDropIn(svc, actors['lead-a']!, { sessionId: 'sess-a' });
      const waiting = await bookDropIn(svc, actors['contrib-a']!, { sessionId: 'sess-a', waitlistIfFull: true });
      expect(waiting.status).toBe('waitlisted');
      const forBooking = async (bookingId: string) =>
        (await store.reminders.list({ kind: 'dropin_upcoming', limit: 1000 })).filter((r) => r.bookingId === bookingId);
      // No planner run: the booking itself wrote them (24 h and 1 h before).
      expect((await forBooking(mine.id)).map((r) => [r.status, r.recipientId])).toEqual([
        ['pending', 'lead-a'],
        ['pending', 'lead-a'],
      ]);
      expect(await forBooking(waiting.id)).toHaveLength(0);

      const { promoted } = await cancelBooking(svc, actors['lead-a']!, { bookingId: mine.id });
      expect((await forBooking(mine.id)).map((r) => [r.status, r.lastError])).toEqual([
        ['cancelled', 'booking cancelled'],
        ['cancelled', 'booking cancelled'],
      ]);
      // The promoted attendee now has theirs.
      expect(promoted?.id).toBe(waiting.id);
      expect(pending(await forBooking(waiting.id))).toHaveLength(2);

      // Rebooking moves them: the old booking's reminders go, the new session's come.
      const moved = await rebook(svc, actors['contrib-a']!, { bookingId: waiting.id, sessionId: 'sess-b' });
      expect(pending(await forBooking(waiting.id))).toHaveLength(0);
      expect(pending(await forBooking(moved.booking.id)).map((r) => r.sessionId)).toEqual(['sess-b', 'sess-b']);
    });

    it('a session change sends booked attendees one update and re-plans; a cancellation cancels and tells them', async () => {
      const attendee = (await store.dropIns.bookingsForSession('sess-b')).find((b) => b.status === 'booked')!;
      const rowsFor = async () =>
        (await store.reminders.list({ recipientId: attendee.personId, limit: 1000 })).filter(
          (r) => r.sessionId === 'sess-b',
        );
      const newStart = addDaysLondon(T0, 7);
      const changed = await changeSession(svc, actors['admin-1']!, {
        sessionId: 'sess-b',
        startsAt: newStart,
        endsAt: new Date(newStart.getTime() + 3600_000),
      });
      expect(changed.notified).toBe(1);
      let rows = await rowsFor();
      const updates = rows.filter((r) => r.kind === 'dropin_changed');
      expect(updates.map((r) => r.status)).toEqual(['pending']);
      expect((updates[0]!.payload as unknown as ReminderMessage).title).toBe('Your drop-in session has changed');
      const upcoming = rows.filter((r) => r.kind === 'dropin_upcoming');
      expect(upcoming.filter((r) => r.status === 'cancelled').every((r) => r.lastError === 'session changed')).toBe(
        true,
      );
      expect(pending(upcoming).map((r) => r.expiresAt?.getTime())).toEqual([newStart.getTime(), newStart.getTime()]);
      // The update was sent; a cancellation in the same minute is still a new message, not swallowed.
      await store.reminders.markSent(updates[0]!.id, { activityId: 'u1', conversationId: 'c' }, T0);
      const cancelled = await changeSession(svc, actors['admin-1']!, { sessionId: 'sess-b', cancel: true });
      expect(cancelled.notified).toBe(1);
      rows = await rowsFor();
      expect(pending(rows).map((r) => [r.kind, (r.payload as unknown as ReminderMessage).title])).toEqual([
        ['dropin_changed', 'Your drop-in session has been cancelled'],
      ]);
      expect(rows.filter((r) => r.kind === 'dropin_upcoming' && r.status === 'pending')).toHaveLength(0);
      // A cancelled session cannot be changed again.
      await expect(changeSession(svc, actors['admin-1']!, { sessionId: 'sess-b', cancel: true })).rejects.toMatchObject(
        { code: 'STALE' },
      );
    });
  });
}
