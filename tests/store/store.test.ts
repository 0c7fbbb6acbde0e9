import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { Store } from '../../src/store/store.js';
import { engines } from '../support/databases.js';
import { seedBasics, services, T0 } from '../support/fixtures.js';
import { resolveActor } from '../../src/workflows/identity.js';

const DAY = 86_400_000;

describe.each(engines())('store on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    await seedBasics(store);
  });
  afterAll(async () => handle.close());

  it('migrations are idempotent: a second run applies nothing', async () => {
    expect(await migrateToLatest(handle.db)).toEqual([]);
  });

  it('matches people by Entra object id first, then by email ignoring case', async () => {
    expect((await store.people.findByIdentity({ entraObjectId: 'oid-lead-a' }))?.id).toBe('lead-a');
    expect((await store.people.findByIdentity({ email: 'ADA@Alpha.Example' }))?.id).toBe('lead-a');
    expect(await store.people.findByIdentity({ entraObjectId: 'unknown', email: 'nobody@x.example' })).toBeNull();
    expect((await store.people.get('lead-a'))?.roles).toEqual(['applicant_lead']);
  });

  it('refuses a second person with the same email (any case)', async () => {
    await expect(
      store.people.upsert({
        id: 'dup',
        displayName: 'Dup',
        email: 'ADA@ALPHA.EXAMPLE',
        entraObjectId: null,
        organisationId: 'org-a',
        roles: [],
      }),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it('allows one application per organisation per cycle, enforced by the database', async () => {
    const app = await store.transaction((tx) =>
      tx.applications.create({ organisationId: 'org-b', cycleId: 'cycle-1', actorId: 'x', now: T0 }),
    );
    expect(app).toMatchObject({ state: 'requested', version: 1 });
    await expect(
      store.transaction((tx) =>
        tx.applications.create({ organisationId: 'org-b', cycleId: 'cycle-1', actorId: 'y', now: T0 }),
      ),
    ).rejects.toMatchObject({ code: 'ALREADY_APPLIED' });
    // Even a raw insert that skips the repository is refused.
    await expect(
      sql`INSERT INTO applications (id, organisation_id, cycle_id, state, requested_at, updated_at, updated_by)
          VALUES ('raw', 'org-b', 'cycle-1', 'requested', now(), now(), 'raw')`.execute(handle.db),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it('applies a transition once: the same card version clicked twice is STALE and names who changed it', async () => {
    const app = await store.applications.forOrganisation('org-b', 'cycle-1');
    const open = await store.transaction((tx) =>
      tx.applications.transition({
        applicationId: app!.id,
        expectedVersion: app!.version,
        from: 'requested',
        to: 'open',
        action: 'open',
        actorId: 'admin-1',
        now: T0,
      }),
    );
    expect(open).toMatchObject({ state: 'open', version: 2 });
    const again = store.transaction((tx) =>
      tx.applications.transition({
        applicationId: app!.id,
        expectedVersion: app!.version,
        from: 'requested',
        to: 'open',
        action: 'open',
        actorId: 'admin-2',
        now: T0,
      }),
    );
    await expect(again).rejects.toBeInstanceOf(DomainError);
    await expect(again).rejects.toMatchObject({
      code: 'STALE',
      details: { currentState: 'open', currentVersion: 2, changedBy: 'admin-1' },
    });
    const audit = await store.audit.forEntity('application', app!.id);
    expect(audit.map((a) => [a.action, a.fromState, a.toState, a.actorId])).toEqual([
      ['request', null, 'requested', 'x'],
      ['open', 'requested', 'open', 'admin-1'],
    ]);
  });

  it('keeps the audit log append-only: updates, deletes and truncation are refused', async () => {
    await expect(sql`UPDATE audit_log SET actor_id = 'someone-else'`.execute(handle.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log`.execute(handle.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_log`.execute(handle.db)).rejects.toThrow(/append-only/);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log`.execute(handle.db);
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it('rolls back every write of a failed transaction', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.organisations.upsert({ id: 'org-rollback', name: 'Rollback NHS Trust', code: null });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.organisations.get('org-rollback')).toBeNull();
  });

  it('books seats, refuses a second live booking by the same person, and promotes the waitlist on cancel', async () => {
    await store.dropIns.createSession({
      id: 's-small',
      title: 'Small',
      startsAt: new Date(T0.getTime() + 7 * DAY),
      endsAt: new Date(T0.getTime() + 7 * DAY + 3600_000),
      capacity: 1,
      cancelled: false,
      joinUrl: null,
    });
    await store.people.upsert({
      id: 'p2',
      displayName: 'P Two',
      email: 'p2@alpha.example',
      entraObjectId: null,
      organisationId: 'org-a',
      roles: ['applicant_contributor'],
    });
    const first = await store.transaction((tx) =>
      tx.dropIns.book({
        sessionId: 's-small',
        personId: 'lead-a',
        organisationId: 'org-a',
        actorId: 'lead-a',
        now: T0,
      }),
    );
    expect(first.status).toBe('booked');
    await expect(
      store.transaction((tx) =>
        tx.dropIns.book({
          sessionId: 's-small',
          personId: 'lead-a',
          organisationId: 'org-a',
          actorId: 'lead-a',
          now: T0,
        }),
      ),
    ).rejects.toMatchObject({ code: 'ALREADY_BOOKED' });
    await expect(
      store.transaction((tx) =>
        tx.dropIns.book({ sessionId: 's-small', personId: 'p2', organisationId: 'org-a', actorId: 'p2', now: T0 }),
      ),
    ).rejects.toMatchObject({ code: 'DROPIN_FULL' });
    const waiting = await store.transaction((tx) =>
      tx.dropIns.book({
        sessionId: 's-small',
        personId: 'p2',
        organisationId: 'org-a',
        actorId: 'p2',
        now: T0,
        waitlistIfFull: true,
      }),
    );
    expect(waiting.status).toBe('waitlisted');
    const { promoted } = await store.transaction((tx) => tx.dropIns.cancel(first.id, 'lead-a', T0));
    expect(promoted?.id).toBe(waiting.id);
    const seats = (await store.dropIns.listUpcoming(T0)).find((s) => s.id === 's-small');
    expect(seats).toMatchObject({ booked: 1, waitlisted: 0 });
    // The sessions card's one statement reads the same as the two reads it replaces.
    for (const person of ['lead-a', 'p2', 'nobody']) {
      const both = await store.dropIns.upcomingAndBookingsOf(person, T0);
      expect(both).toEqual({
        sessions: await store.dropIns.listUpcoming(T0),
        bookings: await store.dropIns.bookingsForPerson(person),
      });
    }
    expect((await store.dropIns.upcomingAndBookingsOf('lead-a', T0)).bookings.map((b) => b.status)).toEqual([
      'cancelled',
    ]);
    expect((await store.dropIns.upcomingAndBookingsOf('p2', T0)).sessions.length).toBeGreaterThan(0);
  });

  it('refuses bookings for sessions that started or were cancelled', async () => {
    await store.dropIns.createSession({
      id: 's-past',
      title: 'Past',
      startsAt: new Date(T0.getTime() - DAY),
      endsAt: new Date(T0.getTime() - DAY + 3600_000),
      capacity: 5,
      cancelled: false,
      joinUrl: null,
    });
    await store.dropIns.createSession({
      id: 's-cancelled',
      title: 'Cancelled',
      startsAt: new Date(T0.getTime() + DAY),
      endsAt: new Date(T0.getTime() + DAY + 3600_000),
      capacity: 5,
      cancelled: true,
      joinUrl: null,
    });
    await expect(
      store.transaction((tx) =>
        tx.dropIns.book({
          sessionId: 's-past',
          personId: 'lead-a',
          organisationId: 'org-a',
          actorId: 'lead-a',
          now: T0,
        }),
      ),
    ).rejects.toMatchObject({ code: 'DROPIN_PAST' });
    await expect(
      store.transaction((tx) =>
        tx.dropIns.book({
          sessionId: 's-cancelled',
          personId: 'lead-a',
          organisationId: 'org-a',
          actorId: 'lead-a',
          now: T0,
        }),
      ),
    ).rejects.toMatchObject({ code: 'DROPIN_CANCELLED' });
    await expect(
      store.transaction((tx) =>
        tx.dropIns.book({ sessionId: 'nope', personId: 'lead-a', organisationId: 'org-a', actorId: 'lead-a', now: T0 }),
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('stores framework versions and freezes one once a cycle uses it', async () => {
    const fw = await store.frameworks.get('illustrative-2026.1');
    expect(fw?.illustrative).toBe(true);
    expect(await store.frameworks.save(fw!)).toBe('unchanged');
    const changed = { ...fw!, title: `${fw!.title} (edited)` };
    await expect(store.frameworks.save(changed, { replace: true })).rejects.toMatchObject({ code: 'VALIDATION' });
    const fresh = { ...fw!, version: 'test-2', title: 'Test framework' };
    expect(await store.frameworks.save(fresh)).toBe('created');
    expect(await store.frameworks.save({ ...fresh, title: 'Test framework v2' }, { replace: true })).toBe('replaced');
    expect((await store.frameworks.get('test-2'))?.title).toBe('Test framework v2');
  });

  it('reads an evidence listing in one statement: the present documents and when the folder was last listed', async () => {
    await store.organisations.upsert({ id: 'org-c', name: 'Gamma NHS Trust', code: 'C1' });
    const app = await store.transaction((tx) =>
      tx.applications.create({ organisationId: 'org-c', cycleId: 'cycle-1', actorId: 'x', now: T0 }),
    );
    expect(await store.evidence.listing(app.id)).toEqual({ documents: [], listedAt: null });
    const listed = (name: string, section: 1 | 2) => ({ name, section, lastModified: T0, webUrl: null });
    await store.evidence.syncListing(app.id, [listed('b.pdf', 2), listed('a.pdf', 2), listed('c.pdf', 1)], T0);
    const later = new Date(T0.getTime() + DAY);
    await store.evidence.syncListing(app.id, [listed('b.pdf', 2), listed('c.pdf', 1)], later);
    const both = await store.evidence.listing(app.id);
    expect(both.documents).toEqual(await store.evidence.documents(app.id));
    expect(both.documents.map((d) => d.name)).toEqual(['c.pdf', 'b.pdf']);
    expect(both.listedAt).toEqual(await store.evidence.lastListedAt(app.id));
    expect(both.listedAt?.toISOString()).toBe(later.toISOString());
    // Every document gone from the folder: none present, and the listing still has its time.
    const latest = new Date(T0.getTime() + 2 * DAY);
    await store.evidence.syncListing(app.id, [], latest);
    expect(await store.evidence.listing(app.id)).toEqual({ documents: [], listedAt: latest });
  });

  it('stores instants in UTC and gives them back unchanged', async () => {
    const c = await store.cycles.get('cycle-1');
    expect(c?.submissionDeadline.toISOString()).toBe(new Date(T0.getTime() + 30 * DAY).toISOString());
    expect((await store.cycles.current(T0))?.id).toBe('cycle-1');
    expect(await store.cycles.current(new Date(T0.getTime() + 400 * DAY))).toBeNull();
  });
});

describe.each(engines())('identity resolution on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    await seedBasics(store);
    await store.people.upsert({
      id: 'csv-person',
      displayName: 'Cara Csv',
      email: 'cara@alpha.example',
      entraObjectId: null,
      organisationId: 'org-a',
      roles: ['applicant_contributor'],
    });
  });
  afterAll(async () => handle.close());

  it('matches by object id with one look-up and never asks the roster', async () => {
    const svc = services(store);
    let asked = 0;
    const who = await resolveActor(svc, { entraObjectId: 'oid-lead-a', lookupEmail: async () => (asked++, null) });
    expect(who?.person.id).toBe('lead-a');
    expect(asked).toBe(0);
  });

  it('falls back to the roster email for someone loaded by email, then remembers their object id', async () => {
    const svc = services(store);
    const first = await resolveActor(svc, { entraObjectId: 'oid-cara', lookupEmail: async () => 'CARA@alpha.example' });
    expect(first?.person.id).toBe('csv-person');
    expect((await store.people.get('csv-person'))?.entraObjectId).toBe('oid-cara');
    let asked = 0;
    expect(
      (await resolveActor(svc, { entraObjectId: 'oid-cara', lookupEmail: async () => (asked++, null) }))?.person.id,
    ).toBe('csv-person');
    expect(asked).toBe(0);
  });

  it('gives nobody access when neither the object id nor the roster email is known, even if the roster fails', async () => {
    const svc = services(store);
    expect(
      await resolveActor(svc, { entraObjectId: 'oid-stranger', lookupEmail: async () => 'stranger@x.example' }),
    ).toBeNull();
    expect(
      await resolveActor(svc, {
        entraObjectId: 'oid-stranger',
        lookupEmail: async () => {
          throw new Error('roster down');
        },
      }),
    ).toBeNull();
  });
});
