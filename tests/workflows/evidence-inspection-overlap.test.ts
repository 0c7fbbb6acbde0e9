/**
 * Inspection runs overlap (an upload's run, a re-check, the refresh job). A run that listed the
 * folder before another run stored a newer listing must not write its older picture over it: it
 * reads again from the newer cursor. On the embedded database and, with TEST_DATABASE_URL, on a
 * server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorFor } from '../../src/domain/people.js';
import { fixedClock } from '../../src/domain/time.js';
import { silentLogger } from '../../src/log.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import type { StoredInspection } from '../../src/store/evidence-inspection-repository.js';
import { Store } from '../../src/store/store.js';
import { requestApplication } from '../../src/workflows/applications.js';
import { inspectEvidence, MAX_INSPECTION_ATTEMPTS } from '../../src/workflows/evidence-inspection.js';
import type { EvidenceScanner } from '../../src/workflows/ports.js';
import type { Services } from '../../src/workflows/services.js';
import { engines } from '../support/databases.js';
import { attend, seedBasics, T0 } from '../support/fixtures.js';

const clean: StoredInspection = {
  format: 'pdf',
  pages: 1,
  textlessPages: [],
  blankTemplate: false,
  completeness: 1,
  personalData: [],
  documentDate: null,
  duplicateOf: null,
  problems: [],
  error: null,
};
const version = (itemId: string, name: string) => ({ itemId, versionKey: `${itemId}-v1`, name, result: clean });

describe.each(engines())('overlapping inspection runs, on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  let appId: string;

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    await seedBasics(store);
    await attend(store, 'org-a', 'lead-a', T0, 10);
  });
  afterAll(async () => handle.close());

  it('a run overtaken by a newer listing reads again instead of overwriting it', async () => {
    let releaseFirst!: () => void;
    const firstMayFinish = new Promise<void>((r) => (releaseFirst = r));
    let firstStarted!: () => void;
    const started = new Promise<void>((r) => (firstStarted = r));
    const cursors: unknown[] = [];
    const scanner: EvidenceScanner = {
      scan: async (_cycle, _org, cursor) => {
        cursors.push(cursor);
        const call = cursors.length;
        if (call === 1) {
          // Listed before the second file arrived, and slow to finish.
          firstStarted();
          await firstMayFinish;
          return {
            cursor: { delta: 'd1' },
            present: [{ itemId: 'i1', name: 'One.pdf' }],
            inspected: [version('i1', 'One.pdf')],
            requests: 2,
          };
        }
        const both = [
          { itemId: 'i1', name: 'One.pdf' },
          { itemId: 'i2', name: 'Two.pdf' },
        ];
        if (call === 2)
          return {
            cursor: { delta: 'd2' },
            present: both,
            inspected: [version('i1', 'One.pdf'), version('i2', 'Two.pdf')],
            requests: 3,
          };
        return { cursor: { delta: 'd2' }, present: both, inspected: [], requests: 1 };
      },
      previewUrl: async () => null,
    };
    const svc = { store, clock: fixedClock(T0), log: silentLogger, scanner } as unknown as Services;
    const app = await requestApplication(svc, actorFor((await store.people.get('lead-a'))!));
    appId = app.id;

    const first = inspectEvidence(svc, app.id);
    await started;
    expect(await inspectEvidence(svc, app.id)).toEqual({ inspected: 2, requests: 3 });
    releaseFirst();
    // The first run's listing was older: it stored nothing and read again from the newer cursor.
    expect(await first).toEqual({ inspected: 0, requests: 3 });
    expect(cursors).toEqual([null, null, { delta: 'd2' }]);
    expect((await store.inspections.current(app.id)).map((v) => v.name)).toEqual(['One.pdf', 'Two.pdf']);
    expect(await store.inspections.cursor(app.id)).toEqual({ delta: 'd2' });
  });

  it('a run that keeps being overtaken gives up without writing', async () => {
    let n = 0;
    const svc = {
      store,
      clock: fixedClock(T0),
      log: silentLogger,
      scanner: {
        scan: async () => {
          // Every time, another run stores a newer cursor before this one finishes.
          n++;
          await store.transaction((tx) => tx.inspections.saveCursor(appId, { delta: `other-${n}` }, T0));
          return { cursor: { delta: `mine-${n}` }, present: [], inspected: [], requests: 1 };
        },
        previewUrl: async () => null,
      },
    } as unknown as Services;
    expect(await inspectEvidence(svc, appId)).toEqual({ inspected: 0, requests: MAX_INSPECTION_ATTEMPTS });
    expect(await store.inspections.cursor(appId)).toEqual({ delta: `other-${MAX_INSPECTION_ATTEMPTS}` });
    // What the earlier run stored is still there.
    expect((await store.inspections.current(appId)).map((v) => v.name)).toEqual(['One.pdf', 'Two.pdf']);
  });
});
