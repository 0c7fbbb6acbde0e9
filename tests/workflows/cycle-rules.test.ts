/**
 * The cycle's dates, enforced by the use cases against the real database: a review starts only
 * after the deadline and grace period (an admin may start one early, with a reason the audit log
 * keeps); a recommendation and a decision award at most the level applied for; a decision is
 * confirmed only after the deadline and once the review has run; it is communicated inside the
 * decision window, and the award runs two years from that moment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communicate, decide } from '../../src/workflows/admin.js';
import { isDomainError } from '../../src/domain/errors.js';
import { addYearsLondon } from '../../src/domain/time.js';
import type { Actor, Level } from '../../src/domain/types.js';
import { recommend, startReview } from '../../src/workflows/review.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { engines } from '../support/databases.js';
import { T0 } from '../support/fixtures.js';
import { harness, type Harness } from '../bot/helpers.js';

const DAY = 86_400_000;
const admin: Actor = { personId: 'admin-1', displayName: 'Adam Admin', roles: ['admin'], organisationId: null };
const reviewer: Actor = { personId: 'rev-1', displayName: 'Rita Reviewer', roles: ['reviewer'], organisationId: null };

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (isDomainError(e)) return e.code;
    throw e;
  }
}

describe.each(engines())('cycle rules on $name', (engine) => {
  let handle: DatabaseHandle;
  let h: Harness;
  let appId = '';
  const version = async () => (await h.store.applications.get(appId))!.version;

  beforeAll(async () => {
    handle = await engine.open();
    h = await harness(handle);
    // A submitted bronze application with one reviewer (submitted straight in the database).
    const app = await h.store.transaction((tx) =>
      tx.applications.create({ organisationId: 'org-a', cycleId: 'cycle-1', actorId: 'lead-a', now: T0 }),
    );
    appId = app.id;
    await h.store.transaction(async (tx) => {
      const opened = await tx.applications.transition({
        applicationId: app.id,
        expectedVersion: app.version,
        from: 'requested',
        to: 'open',
        action: 'open',
        actorId: 'admin-1',
        now: T0,
      });
      const levelled = await tx.applications.setTargetLevel({
        applicationId: app.id,
        expectedVersion: opened.version,
        level: 'bronze',
        actorId: 'lead-a',
        now: T0,
      });
      await tx.applications.transition({
        applicationId: app.id,
        expectedVersion: levelled.version,
        from: 'open',
        to: 'submitted',
        action: 'submit',
        actorId: 'lead-a',
        now: T0,
        patch: { submittedAt: T0, submittedLate: false },
      });
      await tx.reviews.setReviewers(app.id, ['rev-1'], 'admin-1', T0);
    });
  });
  afterAll(async () => handle.close());

  it('a reviewer cannot start the review before submissions close; an admin needs a real reason', async () => {
    expect(await codeOf(startReview(h.svc, reviewer, { applicationId: appId, version: await version() }))).toBe(
      'OUTSIDE_WINDOW',
    );
    expect(await codeOf(startReview(h.svc, admin, { applicationId: appId, version: await version() }))).toBe(
      'OUTSIDE_WINDOW',
    );
    expect(
      await codeOf(
        startReview(h.svc, admin, { applicationId: appId, version: await version(), earlyStartReason: 'x' }),
      ),
    ).toBe('VALIDATION');
    expect((await h.store.applications.get(appId))!.state).toBe('submitted');
  });

  it('an admin starts it early with a reason, and the audit log keeps who, when and why', async () => {
    const reason = 'The panel meets on the last day of the deadline week.';
    await startReview(h.svc, admin, { applicationId: appId, version: await version(), earlyStartReason: reason });
    const start = (await h.store.audit.forEntity('application', appId)).find((a) => a.action === 'start_review')!;
    expect(start).toMatchObject({ actorId: 'admin-1', fromState: 'submitted', toState: 'in_review' });
    expect(start.details).toMatchObject({ early: true, reason });
  });

  it('a recommendation above the level applied for is refused; at most bronze for a bronze application', async () => {
    for (const level of ['silver', 'gold'] as Level[]) {
      const r = recommend(h.svc, reviewer, {
        applicationId: appId,
        version: await version(),
        level,
        strengths: 's',
        improvements: 'i',
      });
      await expect(r).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('bronze at most') });
    }
    expect(await h.store.reviews.recommendations(appId)).toEqual([]);
  });

  it('a decision before the deadline is refused, even once the review has run; after it, it is confirmed without an award yet', async () => {
    // Recommended (the review ran early), straight in the database.
    const inReview = await version();
    await h.store.transaction(async (tx) => {
      await tx.reviews.recommend(
        { applicationId: appId, reviewerId: 'rev-1', level: 'bronze', strengths: 's', improvements: 'i' },
        T0,
      );
      await tx.applications.transition({
        applicationId: appId,
        expectedVersion: inReview,
        from: 'in_review',
        to: 'recommended',
        action: 'recommend',
        actorId: 'rev-1',
        now: T0,
      });
    });
    const input = async (level: Level | null) => ({
      applicationId: appId,
      version: await version(),
      level,
      strengths: 'Strong policy.',
      improvements: 'More evaluation.',
    });
    expect(await codeOf(decide(h.svc, admin, await input('bronze')))).toBe('OUTSIDE_WINDOW');
    h.clock.advanceDays(31); // the deadline (T0 + 30 days) has passed
    expect(await codeOf(decide(h.svc, admin, await input('silver')))).toBe('VALIDATION');
    await decide(h.svc, admin, await input('bronze'));
    expect((await h.store.applications.get(appId))!.state).toBe('decided');
    expect(await h.store.awards.forApplication(appId)).toBeNull();
  });

  it('communicated only inside the decision window; the award runs two years from that moment', async () => {
    expect(await codeOf(communicate(h.svc, admin, { applicationId: appId, version: await version() }))).toBe(
      'OUTSIDE_WINDOW',
    );
    h.clock.at = new Date(T0.getTime() + 85 * DAY + 3 * 3600_000); // inside the window (days 81 to 95)
    await communicate(h.svc, admin, { applicationId: appId, version: await version() });
    const award = await h.store.awards.forApplication(appId);
    expect(award).toMatchObject({ level: 'bronze', validFrom: h.clock.now() });
    expect(award!.validUntil).toEqual(addYearsLondon(h.clock.now(), 2));
  });
});
