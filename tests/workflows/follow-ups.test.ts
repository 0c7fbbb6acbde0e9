/**
 * What follows a change, on both engines: the notifications an action causes are outbox rows
 * written in its transaction (a rollback leaves none); the application-opened message waits for
 * the evidence folder job and is released by it (or when it gives up); meeting attendees follow
 * the bookings, idempotently; award-expiry reminders exist only once the award is communicated,
 * valid two years from then.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorFor } from '../../src/domain/people.js';
import { addDaysLondon, addYearsLondon } from '../../src/domain/time.js';
import type { Actor } from '../../src/domain/types.js';
import { silentLogger } from '../../src/log.js';
import { planReminders } from '../../src/notifications/schedule.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { communicate } from '../../src/workflows/admin.js';
import { openApplication, transitionApplication } from '../../src/workflows/application-journey.js';
import { requestApplication } from '../../src/workflows/applications.js';
import { bookDropIn, cancelBooking, rebook } from '../../src/workflows/dropins.js';
import { notifyApplicationEvent } from '../../src/workflows/event-notifications.js';
import { InMemoryEvidenceFolders, InMemoryMeetings, RecordingJobs } from '../../src/workflows/fakes.js';
import { prepareEvidenceFolder, releaseFolderNotices, syncSessionAttendees } from '../../src/workflows/follow-ups.js';
import type { Services } from '../../src/workflows/services.js';
import { MovableClock } from '../bot/helpers.js';
import { engines } from '../support/databases.js';
import { attend, seedBasics, T0, seedContributorAndSecondLead } from '../support/fixtures.js';

const DAY = 86_400_000;

for (const engine of engines()) {
  describe(`follow-ups of a change on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let store: Store;
    let svc: Services;
    let jobs: RecordingJobs;
    let evidence: InMemoryEvidenceFolders;
    let meetings: InMemoryMeetings;
    let clock: MovableClock;
    const actors: Record<string, Actor> = {};

    beforeAll(async () => {
      handle = await engine.open();
      store = new Store(handle.db);
      await seedBasics(store);
      await seedContributorAndSecondLead(store);
      await attend(store, 'org-a', 'lead-a', T0, 10);
      for (const id of ['lead-a', 'contrib-a', 'lead-b', 'admin-1', 'rev-1'])
        actors[id] = actorFor((await store.people.get(id))!);
      clock = new MovableClock(T0);
      jobs = new RecordingJobs();
      evidence = new InMemoryEvidenceFolders();
      meetings = new InMemoryMeetings();
      svc = { store, clock, log: silentLogger, evidence, meetings, jobs };
    });
    afterAll(async () => {
      await handle?.close();
    });

    const rows = async (kind: string) => (await store.reminders.list({ limit: 1000 })).filter((r) => r.kind === kind);

    it('opening writes the team’s message held for the folder job, queued in the same transaction; the job releases it', async () => {
      const requested = await requestApplication(svc, actors['lead-a']!);
      evidence.failFor.add('org-a');
      const app = await openApplication(svc, actors['admin-1']!, {
        applicationId: requested.id,
        version: requested.version,
      });
      expect(jobs.pending).toEqual([
        { name: 'evidence-folders', data: { cycleId: 'cycle-1', organisationId: 'org-a' } },
      ]);
      const opened = await rows('application_opened');
      expect(opened.map((r) => [r.recipientId, r.status, r.heldFor, r.applicationId]).sort()).toEqual([
        ['contrib-a', 'pending', 'evidence-folders', app.id],
        ['lead-a', 'pending', 'evidence-folders', app.id],
      ]);
      expect(opened[0]!.payload).toMatchObject({ type: 'application', applicationId: app.id, as: 'applicant' });
      // Held rows are not claimed.
      const claim = () =>
        store.reminders.claimDue({
          dueBy: addDaysLondon(T0, 1),
          now: new Date(),
          limit: 10,
          owner: 'x',
          leaseUntil: new Date(Date.now() + 60_000),
        });
      expect(await claim()).toEqual([]);

      // The folder cannot be made: the job fails (and is retried) with the messages still held ...
      await expect(prepareEvidenceFolder(svc, { cycleId: 'cycle-1', organisationId: 'org-a' })).rejects.toThrow(
        'the evidence folder could not be provisioned: simulated failure',
      );
      expect((await rows('application_opened')).every((r) => r.heldFor === 'evidence-folders')).toBe(true);
      // ... once it can, the folder is listed and the messages go.
      evidence.failFor.delete('org-a');
      evidence.setDocuments('cycle-1', 'org-a', [
        { name: 'Policy.pdf', section: 1, lastModified: new Date(T0.getTime() - 30 * DAY), webUrl: null },
      ]);
      expect(await prepareEvidenceFolder(svc, { cycleId: 'cycle-1', organisationId: 'org-a' })).toEqual({
        documents: 1,
        released: 2,
      });
      expect((await rows('application_opened')).map((r) => r.heldFor)).toEqual([null, null]);
      expect((await claim()).map((r) => r.kind)).toEqual(['application_opened', 'application_opened']);
      // Released again (a job that gave up after the folder was made): nothing left to release.
      expect(await releaseFolderNotices(svc, { cycleId: 'cycle-1', organisationId: 'org-a' })).toBe(0);
      // Without a folder port there is no folder to make: the messages are released all the same.
      expect(
        await prepareEvidenceFolder(
          { store, clock, log: silentLogger },
          { cycleId: 'cycle-1', organisationId: 'org-a' },
        ),
      ).toEqual({ documents: 0, released: 0 });
    });

    it('without the job library the message is not held (nothing would release it)', async () => {
      const bare: Services = { store, clock, log: silentLogger };
      await store.people.upsert({ ...(await store.people.get('lead-b'))!, organisationId: 'org-b' });
      await attend(store, 'org-b', 'lead-b', T0, 10);
      const requested = await requestApplication(bare, actors['lead-b']!);
      await openApplication(bare, actors['admin-1']!, { applicationId: requested.id, version: requested.version });
      const forB = (await rows('application_opened')).filter((r) => r.recipientId === 'lead-b');
      expect(forB.map((r) => [r.status, r.heldFor])).toEqual([['pending', null]]);
    });

    it('a notification is part of its transaction: a rollback leaves neither the change nor the message', async () => {
      const app = (await store.applications.forOrganisation('org-a', 'cycle-1'))!;
      const before = (await store.reminders.list({ limit: 1000 })).length;
      await expect(
        transitionApplication(svc, actors['lead-a']!, { applicationId: app.id, version: app.version }, 'withdraw', {
          inTx: async (tx, moved) => {
            expect(await notifyApplicationEvent(tx, moved, 'decision_communicated', ['lead-a'], T0)).toBe(1);
            throw new Error('something later in the same transaction failed');
          },
        }),
      ).rejects.toThrow('something later');
      expect((await store.reminders.list({ limit: 1000 })).length).toBe(before);
      expect((await store.applications.get(app.id))!.state).toBe('open');
    });

    it('meeting attendees follow the bookings: booked invited, waitlisted not, cancelled and moved removed; twice is no change', async () => {
      const startsAt = addDaysLondon(T0, 5);
      for (const [id, capacity] of [
        ['m-one', 1],
        ['m-two', 5],
      ] as const)
        await store.dropIns.createSession({
          id,
          title: `Drop-in ${id}`,
          startsAt,
          endsAt: new Date(startsAt.getTime() + 3_600_000),
          capacity,
          cancelled: false,
          joinUrl: null,
        });
      jobs.queued.splice(0);
      const mine = await bookDropIn(svc, actors['lead-a']!, { sessionId: 'm-one' });
      await bookDropIn(svc, actors['contrib-a']!, { sessionId: 'm-one', waitlistIfFull: true });
      // Only a booking with a seat changes the invitation.
      expect(jobs.pending).toEqual([{ name: 'meeting-attendees', data: { sessionId: 'm-one' } }]);
      expect(await syncSessionAttendees(svc, 'm-one')).toEqual({ added: 1, removed: 0, booked: 1 });
      expect(meetings.attendees.get('m-one')).toEqual(['ada@alpha.example']);
      const changes = meetings.changes;
      expect(await syncSessionAttendees(svc, 'm-one')).toEqual({ added: 0, removed: 0, booked: 1 });
      expect(meetings.changes).toBe(changes);

      // Cancelling promotes the waitlisted contributor: she is told (in the same transaction) and invited.
      const { promoted } = await cancelBooking(svc, actors['lead-a']!, { bookingId: mine.id });
      expect(promoted?.personId).toBe('contrib-a');
      expect((await rows('waitlist_promoted')).map((r) => [r.recipientId, r.bookingId, r.payload.type])).toEqual([
        ['contrib-a', promoted!.id, 'booking'],
      ]);
      expect(await syncSessionAttendees(svc, 'm-one')).toEqual({ added: 1, removed: 1, booked: 1 });
      expect(meetings.attendees.get('m-one')).toEqual(['cara@alpha.example']);

      // Moving her booking changes both sessions' invitations.
      jobs.queued.splice(0);
      await rebook(svc, actors['contrib-a']!, { bookingId: promoted!.id, sessionId: 'm-two' });
      expect(jobs.pending.map((j) => j.data)).toEqual([{ sessionId: 'm-two' }, { sessionId: 'm-one' }]);
      await jobs.drain((j) => syncSessionAttendees(svc, (j.data as { sessionId: string }).sessionId));
      expect(meetings.attendees.get('m-one')).toEqual([]);
      expect(meetings.attendees.get('m-two')).toEqual(['cara@alpha.example']);
      // Without the meetings port there is nothing to change.
      expect(await syncSessionAttendees({ store, clock, log: silentLogger }, 'm-two')).toEqual({
        added: 0,
        removed: 0,
        booked: 1,
      });
    });

    it('an award is reminded of only once communicated, and runs two years from then', async () => {
      // A decided application (level silver, decided in the review window).
      const app = await store.applications
        .create({
          organisationId: 'org-b',
          cycleId: 'cycle-1',
          actorId: 'lead-b',
          now: T0,
        })
        .catch(async () => (await store.applications.forOrganisation('org-b', 'cycle-1'))!);
      const decidedAt = new Date(T0.getTime() + 60 * DAY);
      await store.db.updateTable('applications').set({ state: 'decided' }).where('id', '=', app.id).execute();
      await store.decisions.save({
        applicationId: app.id,
        level: 'silver',
        feedbackStrengths: 'Strong.',
        feedbackImprovements: 'More.',
        decidedAt,
        decidedBy: 'admin-1',
      });
      // No award exists before it is communicated: "send reminders now" right after the decision
      // has no expiry to tell them of.
      expect(await store.awards.forApplication(app.id)).toBeNull();
      clock.at = new Date(T0.getTime() + 61 * DAY);
      await planReminders(store, clock.now());
      expect(await rows('award_expiry')).toEqual([]);

      // Communicated in the decision window: valid two years from that moment, reminders planned.
      clock.at = new Date(T0.getTime() + 85 * DAY);
      const current = (await store.applications.get(app.id))!;
      await communicate(svc, actors['admin-1']!, { applicationId: app.id, version: current.version });
      const award = (await store.awards.forApplication(app.id))!;
      expect(award.validFrom.getTime()).toBe(clock.at.getTime());
      expect(award.validUntil.getTime()).toBe(addYearsLondon(clock.at, 2).getTime());
      expect((await rows('decision_communicated')).map((r) => r.recipientId)).toEqual(['lead-b']);
      await planReminders(store, clock.now());
      const expiry = await rows('award_expiry');
      expect(expiry.map((r) => [r.recipientId, r.expiresAt?.getTime()])).toEqual([
        ['lead-b', award.validUntil.getTime()],
        ['lead-b', award.validUntil.getTime()],
      ]);
    });
  });
}
