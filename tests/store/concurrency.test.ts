/**
 * Concurrency rules with real concurrency against the real database: many requests at once,
 * exactly the allowed number succeed, and the database agrees.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/types.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { requestApplication } from '../../src/workflows/applications.js';
import { bookDropIn } from '../../src/workflows/dropins.js';
import { engines } from '../support/databases.js';
import { attend, seedBasics, services, T0 } from '../support/fixtures.js';

const DAY = 86_400_000;

describe.each(engines())('concurrency on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    await seedBasics(store);
    await attend(store, 'org-a', 'lead-a', T0, 10);
  });
  afterAll(async () => handle.close());

  it('50 parallel application requests for one organisation make exactly one application', async () => {
    const actors: Actor[] = [];
    for (let i = 0; i < 50; i++) {
      const id = `applicant-${i}`;
      await store.people.upsert({
        id,
        displayName: `Applicant ${i}`,
        email: `a${i}@alpha.example`,
        entraObjectId: null,
        organisationId: 'org-a',
        roles: ['applicant_lead'],
      });
      actors.push({ personId: id, displayName: `Applicant ${i}`, roles: ['applicant_lead'], organisationId: 'org-a' });
    }
    const svc = services(store);
    const results = await Promise.allSettled(actors.map((a) => requestApplication(svc, a)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(49);
    expect(new Set(refused.map((r) => r.reason?.code))).toEqual(new Set(['ALREADY_APPLIED']));
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM applications WHERE organisation_id = 'org-a'`.execute(handle.db);
    expect(rows[0]!.n).toBe(1);
    const { rows: audit } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM audit_log WHERE action = 'request' AND entity_kind = 'application'`.execute(
      handle.db,
    );
    expect(audit[0]!.n).toBe(1);
  });

  it('100 parallel bookings for a 10-seat session book exactly 10', async () => {
    await store.dropIns.createSession({
      id: 'ten-seats',
      title: 'Ten seats',
      startsAt: new Date(T0.getTime() + 3 * DAY),
      endsAt: new Date(T0.getTime() + 3 * DAY + 3600_000),
      capacity: 10,
      cancelled: false,
      joinUrl: null,
    });
    const actors: Actor[] = [];
    for (let i = 0; i < 100; i++) {
      const id = `booker-${i}`;
      const org = i % 2 === 0 ? 'org-a' : 'org-b';
      await store.people.upsert({
        id,
        displayName: `Booker ${i}`,
        email: `b${i}@example.nhs`,
        entraObjectId: null,
        organisationId: org,
        roles: ['applicant_contributor'],
      });
      actors.push({ personId: id, displayName: `Booker ${i}`, roles: ['applicant_contributor'], organisationId: org });
    }
    const svc = services(store);
    const results = await Promise.allSettled(actors.map((a) => bookDropIn(svc, a, { sessionId: 'ten-seats' })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(10);
    expect(new Set(refused.map((r) => r.reason?.code))).toEqual(new Set(['DROPIN_FULL']));
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM dropin_bookings WHERE session_id = 'ten-seats' AND status = 'booked'`.execute(
      handle.db,
    );
    expect(rows[0]!.n).toBe(10);
  });
});
