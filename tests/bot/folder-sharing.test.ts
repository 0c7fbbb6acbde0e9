/** Folder access follows the reviewers: assigning or removing one re-shares the evidence folder. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { T0 } from '../support/fixtures.js';
import { harness, invoke, type Harness } from './helpers.js';

describe('reviewer changes re-share the evidence folder', () => {
  let handle: DatabaseHandle;
  let h: Harness;
  let appId = '';

  beforeAll(async () => {
    handle = await openDatabase({ pgliteDir: 'memory://' });
    h = await harness(handle);
    const app = await h.store.transaction((tx) =>
      tx.applications.create({ organisationId: 'org-b', cycleId: 'cycle-1', actorId: 'lead-b', now: T0 }),
    );
    appId = app.id;
    await handle.db.updateTable('applications').set({ state: 'submitted' }).where('id', '=', appId).execute();
  });
  afterAll(async () => handle.close());

  const assign = async (reviewerIds: string) =>
    invoke(h, 'admin', 'save_assignment', {
      applicationId: appId,
      version: (await h.store.applications.get(appId))!.version,
      reviewerIds,
    });

  it('adding reviewers shares the folder and tells them; removing one re-shares without telling anyone', async () => {
    await assign('rev-1,rev-2');
    expect(h.jobs.pending.map((j) => j.name)).toEqual(['evidence-folders']);
    await h.deliver();
    expect(h.evidence.provisionCalls).toBe(1);
    expect(h.messenger.to('rev-2')).toHaveLength(1);

    await assign('rev-1');
    expect(await h.store.reviews.reviewersFor(appId)).toEqual(['rev-1']);
    expect(h.jobs.pending.map((j) => j.name)).toEqual(['evidence-folders']);
    await h.deliver();
    expect(h.evidence.provisionCalls).toBe(2); // rev-2's access goes with the next provisioning
    expect(h.messenger.to('rev-2')).toHaveLength(1);

    await assign('rev-1'); // nothing changed: nothing to do
    expect(h.jobs.pending).toEqual([]);
  });
});
