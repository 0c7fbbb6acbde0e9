/** The dashboard's reads in one statement: what the repositories read one table at a time. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { seedPipeline } from '../support/award-fixtures.js';
import { engines } from '../support/databases.js';
import { T0 } from '../support/fixtures.js';

describe.each(engines())('cycle applications on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  let cycleId = '';

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    const { apps } = await seedPipeline(store, [
      { state: 'submitted', unassigned: true },
      { state: 'in_review' },
      { state: 'open' },
      { state: 'communicated' },
    ]);
    cycleId = (await store.applications.get(apps[0]!.id))!.cycleId;
    // One reviewer more on one application.
    await store.people.upsert({
      id: 'rev-3',
      displayName: 'Third Reviewer',
      email: 'rev3@nhs.example',
      entraObjectId: null,
      organisationId: null,
      roles: ['reviewer'],
    });
    await store.reviews.setReviewers(apps[1]!.id, ['rev-1', 'rev-2', 'rev-3'], 'admin-1', T0);
  });
  afterAll(async () => handle.close());

  it('lists each application of the cycle with its organisation and reviewer count, in the order requested', async () => {
    const rows = await store.reports.cycleApplications(cycleId);
    const apps = await store.applications.listByCycle(cycleId);
    expect(rows).toEqual(
      await Promise.all(
        apps.map(async (a) => ({
          application: {
            id: a.id,
            organisationId: a.organisationId,
            cycleId: a.cycleId,
            state: a.state,
            version: a.version,
            requestedAt: a.requestedAt,
          },
          organisation: await store.organisations.get(a.organisationId),
          reviewers: (await store.reviews.reviewersFor(a.id)).length,
        })),
      ),
    );
    expect(rows.map((r) => r.reviewers)).toEqual([0, 3, 0, 2]);
    expect(rows.every((r) => r.organisation !== null)).toBe(true);
    expect(await store.reports.cycleApplications('no-such-cycle')).toEqual([]);
  });

  it('reads the dashboard’s cycle, rows and open-findings count in one statement, as the separate reads give them', async () => {
    const cycle = (await store.cycles.get(cycleId))!;
    const separately = {
      cycle,
      applications: await store.reports.cycleApplications(cycleId),
      withOpenFindings: await store.inspections.applicationsWithOpenFindings(cycleId, T0),
    };
    expect(await store.reports.cycleOverview({ cycleId }, T0)).toEqual(separately);
    // The current cycle at a moment before its decision window ends is this one…
    expect(await store.cycles.current(cycle.decisionEnd)).toEqual(cycle);
    expect(await store.reports.cycleOverview({ currentAt: cycle.decisionEnd }, T0)).toEqual(separately);
    // …and after it there is none; nor is there a cycle of an unknown id.
    const after = new Date(cycle.decisionEnd.getTime() + 1);
    expect(await store.cycles.current(after)).toBeNull();
    expect(await store.reports.cycleOverview({ currentAt: after }, T0)).toBeNull();
    expect(await store.reports.cycleOverview({ cycleId: 'no-such-cycle' }, T0)).toBeNull();
  });
});
