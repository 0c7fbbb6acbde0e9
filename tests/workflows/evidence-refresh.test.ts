/**
 * The evidence-refresh job: open applications whose folder listing is stale are re-listed, a few
 * at a time; fresh listings, applications without a folder and other states are left alone; a
 * failure is counted and the others go on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { EVIDENCE_STALE_AFTER_MS, refreshStaleEvidence } from '../../src/workflows/evidence-refresh.js';
import { InMemoryEvidenceFolders } from '../../src/workflows/fakes.js';
import type { Services } from '../../src/workflows/services.js';
import { MovableClock } from '../bot/helpers.js';
import { engines } from '../support/databases.js';
import { seedBasics, T0 } from '../support/fixtures.js';

describe.each(engines())('evidence refresh job ($name)', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  const evidence = new InMemoryEvidenceFolders();
  const clock = new MovableClock(T0);
  let svc: Services;
  let openA = '';

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    await seedBasics(store, T0);
    await store.organisations.upsert({ id: 'org-c', name: 'Gamma Trust', code: null });
    for (const org of ['org-a', 'org-b', 'org-c']) {
      const app = await store.applications.create({ organisationId: org, cycleId: 'cycle-1', actorId: 'x', now: T0 });
      if (org !== 'org-c')
        await store.applications.transition({
          applicationId: app.id,
          expectedVersion: app.version,
          from: 'requested',
          to: 'open',
          action: 'open',
          actorId: 'admin-1',
          now: T0,
        });
      if (org === 'org-a') openA = app.id;
    }
    await evidence.provision('cycle-1', ['org-a', 'org-c']);
    evidence.setDocuments('cycle-1', 'org-a', [{ name: 'Policy.pdf', section: 1, lastModified: T0, webUrl: null }]);
    svc = { store, clock, log: silentLogger, evidence };
  });
  afterAll(async () => handle?.close());

  it('re-lists open applications with a folder and a stale or missing listing', async () => {
    expect(await refreshStaleEvidence(svc, clock.now())).toEqual({ checked: 2, refreshed: 1, failed: 0 });
    expect((await store.evidence.documents(openA)).map((d) => d.name)).toEqual(['Policy.pdf']);
    // Fresh now: nothing to do until it is stale again.
    clock.at = new Date(T0.getTime() + EVIDENCE_STALE_AFTER_MS - 60_000);
    expect(await refreshStaleEvidence(svc, clock.now())).toEqual({ checked: 2, refreshed: 0, failed: 0 });
    clock.at = new Date(T0.getTime() + EVIDENCE_STALE_AFTER_MS + 60_000);
    expect(await refreshStaleEvidence(svc, clock.now(), { limit: 1 })).toEqual({ checked: 2, refreshed: 1, failed: 0 });
  });

  it('counts a failed listing and goes on', async () => {
    const failing: Services = {
      ...svc,
      evidence: {
        ...evidence,
        folderFor: (c, o) => evidence.folderFor(c, o),
        provision: (c, o) => evidence.provision(c, o),
        listDocuments: async () => {
          throw new Error('Graph is down');
        },
      },
    };
    clock.at = new Date(clock.at.getTime() + 2 * EVIDENCE_STALE_AFTER_MS);
    expect(await refreshStaleEvidence(failing, clock.now())).toEqual({ checked: 2, refreshed: 0, failed: 1 });
  });

  it('does nothing without a folder port or a current cycle', async () => {
    expect(await refreshStaleEvidence({ store, clock, log: silentLogger }, clock.now())).toEqual({
      checked: 0,
      refreshed: 0,
      failed: 0,
    });
    expect(await refreshStaleEvidence(svc, new Date(T0.getTime() + 400 * 86_400_000))).toEqual({
      checked: 0,
      refreshed: 0,
      failed: 0,
    });
  });
});
