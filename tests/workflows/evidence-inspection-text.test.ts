/**
 * What an inspection read from a document is stored as: hints and messages come from the
 * documents' own text, so their control characters are removed before the result is stored
 * (PostgreSQL would refuse a NUL in the JSON), on the embedded database and, with
 * TEST_DATABASE_URL, on a server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorFor } from '../../src/domain/people.js';
import { fixedClock } from '../../src/domain/time.js';
import { silentLogger } from '../../src/log.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import type { StoredInspection } from '../../src/store/evidence-inspection-repository.js';
import { Store } from '../../src/store/store.js';
import { requestApplication } from '../../src/workflows/applications.js';
import { inspectEvidence } from '../../src/workflows/evidence-inspection.js';
import type { EvidenceScanner } from '../../src/workflows/ports.js';
import type { Services } from '../../src/workflows/services.js';
import { engines } from '../support/databases.js';
import { attend, seedBasics, T0 } from '../support/fixtures.js';

describe.each(engines())('an inspection with control characters in its text, on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    await seedBasics(store);
    await attend(store, 'org-a', 'lead-a', T0, 10);
  });
  afterAll(async () => handle.close());

  it('is stored with them removed; dates and numbers as they were', async () => {
    const lead = actorFor((await store.people.get('lead-a'))!);
    const result: StoredInspection = {
      format: 'pdf',
      pages: 3,
      textlessPages: [2],
      blankTemplate: false,
      completeness: 0.5,
      personalData: [{ kind: 'nhs_number', page: 3, hint: '943\u0000 *** ****\u001b' }],
      documentDate: '2026-01-05',
      duplicateOf: null,
      problems: [{ code: 'personal_data', severity: 'hard', pages: [3], message: 'Page 3 has\u0007 an NHS number' }],
      error: null,
    };
    const scanner: EvidenceScanner = {
      scan: async () => ({
        cursor: { delta: 'd1' },
        present: [{ itemId: 'item-1', name: 'Policy.pdf' }],
        inspected: [{ itemId: 'item-1', versionKey: 'v1', name: 'Policy.pdf', result }],
        requests: 1,
      }),
      previewUrl: async () => null,
    };
    const svc = { store, clock: fixedClock(T0), log: silentLogger, scanner } as unknown as Services;
    const app = await requestApplication(svc, lead);
    expect(await inspectEvidence(svc, app.id)).toEqual({ inspected: 1, requests: 1 });
    const [stored] = await store.inspections.current(app.id);
    expect(stored!.inspectedAt).toEqual(T0);
    expect(stored!.result).toEqual({
      ...result,
      personalData: [{ kind: 'nhs_number', page: 3, hint: '943 *** ****' }],
      problems: [{ ...result.problems[0], message: 'Page 3 has an NHS number' }],
    });
  });
});
