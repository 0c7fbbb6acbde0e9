/**
 * The jobs whose result is a card updated in place, run as the job library runs them: a
 * provisioning run updates the admin's progress card (finished, or stopped by an error, with the
 * run's status recorded either way); a run with nothing left to do changes nothing; a folder
 * re-check updates the applicant's card, and only theirs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionFolders, recheckEvidence } from '../../bot/jobs.js';
import { actorFor } from '../../src/domain/people.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { performProvisioningRun, startProvisioningRun } from '../../src/workflows/admin.js';
import type { CardOrigin, JobRequest } from '../../src/workflows/ports.js';
import { cardText, harness, say, type Harness } from './helpers.js';

const origin: CardOrigin = { reference: { conversation: { id: 'c-admin' } }, activityId: 'a-1' };

describe('jobs that update a clicked card', () => {
  let handle: DatabaseHandle;
  let h: Harness;
  const admin = async () => actorFor((await h.store.people.get('admin-1'))!);
  const provisionJob = () => {
    const job = h.jobs.pending.find(
      (j): j is Extract<JobRequest, { name: 'provisioning' }> => j.name === 'provisioning',
    );
    if (!job) throw new Error('no provisioning job queued');
    h.jobs.queued.splice(h.jobs.queued.indexOf(job), 1);
    return job.data;
  };

  beforeAll(async () => {
    handle = await openDatabase({ pgliteDir: 'memory://' });
    h = await harness(handle);
    await say(h, 'lead', 'request our application');
  });
  afterAll(async () => handle.close());

  it('a provisioning run updates the progress card as it finishes; run again, it has nothing to do', async () => {
    const { view, started } = await startProvisioningRun(h.svc, await admin(), origin);
    expect(started).toBe(true);
    const data = provisionJob();
    expect(data).toMatchObject({ runId: view.runId, actorId: 'admin-1', organisationIds: ['org-a'], origin });
    expect(await provisionFolders(h.svc, data)).toEqual({ total: 1, done: 1, failed: 0 });
    const last = h.cards.updates.at(-1)!;
    expect(last.origin).toEqual(origin);
    expect(cardText(last.card)).toContain('every folder is ready');
    // The job retried after it finished (a crash after the work, before pg-boss recorded it): nothing to do.
    const updates = h.cards.updates.length;
    expect(await provisionFolders(h.svc, data)).toEqual({ total: 0, done: 0, failed: 0 });
    expect(await performProvisioningRun(h.svc, data)).toBeNull();
    expect(h.cards.updates.length).toBe(updates);
  });

  it('a run stopped by an error shows it on the card and is recorded as failed; the job fails (and is retried)', async () => {
    const provision = h.evidence.provision.bind(h.evidence);
    h.evidence.provision = async () => {
      throw new Error('Graph is not answering');
    };
    try {
      const { view } = await startProvisioningRun(h.svc, await admin(), origin);
      await expect(provisionFolders(h.svc, provisionJob())).rejects.toThrow('Graph is not answering');
      expect(cardText(h.cards.updates.at(-1)!.card)).toContain('Stopped by an error');
      expect(await h.store.provisioningRuns.get(view.runId, h.clock.now(), 60_000)).toMatchObject({ status: 'failed' });
    } finally {
      h.evidence.provision = provision;
    }
  });

  it("re-checking a folder updates the applicant's card; without an applicant nothing is updated", async () => {
    const app = (await h.store.applications.forOrganisation('org-a', 'cycle-1'))!;
    h.evidence.setDocuments('cycle-1', 'org-a', [
      { name: 'Policy.pdf', section: 1, lastModified: new Date(), webUrl: null },
      { name: 'Risk.pdf', section: 2, lastModified: new Date(), webUrl: null },
    ]);
    const before = h.cards.updates.length;
    expect(await recheckEvidence(h.svc, { applicationId: app.id })).toEqual({ documents: 2 });
    expect(h.cards.updates.length).toBe(before);
    expect(await recheckEvidence(h.svc, { applicationId: app.id, actorId: 'lead-a', origin })).toEqual({
      documents: 2,
    });
    expect(cardText(h.cards.updates.at(-1)!.card)).toContain('Folder checked: 2 documents found.');
  });
});
