/**
 * The instance's person cache (src/store/person-cache.ts) and the change feed that keeps it true
 * (src/store/people-change-feed.ts): people are read once while the feed listens, a change made
 * anywhere (another instance, another connection) is seen once its notice arrives, a lookup that
 * began before a change is never kept, and while the listening connection is lost nothing is
 * kept. On the PostgreSQL server the two "instances" are two pools on one database, as two app
 * processes are; the lost connection is tested there only (PGlite's session cannot be lost).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { Person } from '../../src/domain/types.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import {
  FEED_APPLICATION_NAME,
  followPeopleChanges,
  type PeopleChangeFeed,
} from '../../src/store/people-change-feed.js';
import { PersonCache } from '../../src/store/person-cache.js';
import { Store } from '../../src/store/store.js';
import { engines } from '../support/databases.js';
import { RITA_REVIEWER, seedBasics } from '../support/fixtures.js';
import { createFreshDatabase } from '../support/postgres.js';
import { postgresServer } from '../tenant/tenant-stack.js';

const rita = RITA_REVIEWER;

describe('PersonCache', () => {
  const deferred = <T>() => {
    let resolve!: (v: T) => void;
    const promise = new Promise<T>((r) => (resolve = r));
    return { promise, resolve };
  };

  it('reads every time until it is told it may keep, then once', async () => {
    const cache = new PersonCache();
    const load = vi.fn(async () => ({ ...rita }));
    await cache.lookup('oid-rev-1', load);
    await cache.lookup('oid-rev-1', load);
    expect(load).toHaveBeenCalledTimes(2);
    cache.startKeeping();
    const first = await cache.lookup('oid-rev-1', load);
    const second = await cache.lookup('oid-rev-1', load);
    expect(load).toHaveBeenCalledTimes(3);
    expect(second).toBe(first);
    expect(Object.isFrozen(second) && Object.isFrozen(second!.roles)).toBe(true);
  });

  it('forgets everyone on a notice, and keeps nothing once it stops keeping', async () => {
    const cache = new PersonCache();
    cache.startKeeping();
    const load = vi.fn(async () => ({ ...rita }));
    await cache.lookup('oid-rev-1', load);
    cache.forget();
    expect(cache.size).toBe(0);
    await cache.lookup('oid-rev-1', load);
    expect(load).toHaveBeenCalledTimes(2);
    cache.stopKeeping();
    await cache.lookup('oid-rev-1', load);
    await cache.lookup('oid-rev-1', load);
    expect(load).toHaveBeenCalledTimes(4);
    expect(cache.size).toBe(0);
  });

  it('never keeps what a lookup read before a notice, or before keeping began', async () => {
    const cache = new PersonCache();
    cache.startKeeping();
    const slow = deferred<Person>();
    const inFlight = cache.lookup('oid-rev-1', () => slow.promise);
    cache.forget(); // a change commits while the old record is on its way
    slow.resolve({ ...rita });
    await inFlight;
    expect(cache.size).toBe(0);

    cache.stopKeeping();
    const slow2 = deferred<Person>();
    const inFlight2 = cache.lookup('oid-rev-1', () => slow2.promise);
    cache.startKeeping(); // listening again; the change may have committed before
    slow2.resolve({ ...rita });
    await inFlight2;
    expect(cache.size).toBe(0);
  });

  it('keeps nobody unknown', async () => {
    const cache = new PersonCache();
    cache.startKeeping();
    const load = vi.fn(async () => null);
    await cache.lookup('oid-nobody', load);
    await cache.lookup('oid-nobody', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('starts no timer for a lookup (each would wake the event loop of a busy instance once more)', async () => {
    const cache = new PersonCache();
    cache.startKeeping();
    const load = vi.fn(async () => ({ ...rita }));
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      for (let i = 0; i < 3; i++) await cache.lookup('oid-rev-1', load);
      expect(load).toHaveBeenCalledTimes(1);
      expect(timers).not.toHaveBeenCalled();
    } finally {
      timers.mockRestore();
    }
  });
});

describe.each(engines())('the people change feed on $name', (engine) => {
  let handleA: DatabaseHandle;
  let handleB: DatabaseHandle;
  const cacheA = new PersonCache();
  const cacheB = new PersonCache();
  let storeA: Store;
  let storeB: Store;
  let feedA: PeopleChangeFeed;
  let feedB: PeopleChangeFeed;

  beforeAll(async () => {
    handleA = await engine.open();
    handleB =
      engine.name === 'postgres'
        ? await openDatabase({ databaseUrl: handleA.connectionString!, migrate: false })
        : handleA;
    storeA = new Store(handleA.db, false, cacheA);
    storeB = new Store(handleB.db, false, cacheB);
    await seedBasics(storeA);
    feedA = await followPeopleChanges(handleA, cacheA, silentLogger);
    feedB = await followPeopleChanges(handleB, cacheB, silentLogger);
    await Promise.all([feedA.listening(), feedB.listening()]);
  });
  afterAll(async () => {
    await feedA.close();
    await feedB.close();
    if (handleB !== handleA) await handleB.close();
    await handleA.close();
  });

  it('keeps a person once read, and reads them again after a role changes on another instance', async () => {
    const first = await storeB.people.findByEntraObjectId('OID-REV-1');
    expect(first?.roles).toEqual(['reviewer']);
    expect(await storeB.people.findByEntraObjectId('oid-rev-1')).toBe(first);
    expect(cacheB.size).toBe(1);

    const noticed = feedB.nextNotice();
    await storeA.people.upsert({ ...rita, roles: [] });
    await noticed;
    expect((await storeB.people.findByEntraObjectId('oid-rev-1'))?.roles).toEqual([]);

    // Whoever makes the change, through whichever connection: the notice comes from the table.
    const again = feedB.nextNotice();
    await sql`INSERT INTO person_roles (person_id, role) VALUES ('rev-1', 'reviewer')`.execute(handleA.db);
    await again;
    expect((await storeB.people.findByEntraObjectId('oid-rev-1'))?.roles).toEqual(['reviewer']);
  });

  it('does not use the cache inside a transaction', async () => {
    await storeA.people.findByEntraObjectId('oid-lead-a');
    const inside = await storeA.transaction(async (tx) => {
      await tx.db
        .updateTable('person_roles')
        .set({ role: 'applicant_contributor' })
        .where('person_id', '=', 'lead-a')
        .execute();
      return tx.people.findByEntraObjectId('oid-lead-a');
    });
    expect(inside?.roles).toEqual(['applicant_contributor']);
  });
});

describe('the people change feed on a PostgreSQL server, when its connection is lost', () => {
  let server: { url: string; stop(): Promise<void> };
  let fresh: { url: string; drop(): Promise<void> };
  let handleA: DatabaseHandle;
  let handleB: DatabaseHandle;
  const cacheB = new PersonCache();
  let storeA: Store;
  let storeB: Store;
  let feedB: PeopleChangeFeed;

  beforeAll(async () => {
    server = await postgresServer();
    fresh = await createFreshDatabase(server.url);
    handleA = await openDatabase({ databaseUrl: fresh.url });
    handleB = await openDatabase({ databaseUrl: fresh.url, migrate: false });
    storeA = new Store(handleA.db);
    storeB = new Store(handleB.db, false, cacheB);
    await seedBasics(storeA);
    feedB = await followPeopleChanges(handleB, cacheB, silentLogger);
    await feedB.listening();
  });
  afterAll(async () => {
    await feedB.close();
    await handleB.close();
    await handleA.close();
    await fresh.drop();
    await server.stop();
  });

  it('keeps nothing once its listening connection is lost, and listens again by itself', async () => {
    await storeB.people.findByEntraObjectId('oid-rev-1');
    expect(cacheB.active).toBe(true);
    // An operator (or a failover) ends every listening connection.
    const lost = feedB.nextLoss();
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${FEED_APPLICATION_NAME} AND datname = current_database()`.execute(
      handleA.db,
    );
    await lost;
    expect(cacheB.size).toBe(0);
    // A change made while it may not listen yet is read from the database (nothing was kept).
    await storeA.people.upsert({ ...rita, roles: ['reviewer', 'admin'] });
    expect((await storeB.people.findByEntraObjectId('oid-rev-1'))?.roles).toEqual(['admin', 'reviewer']);
    await feedB.listening();
    expect(cacheB.active).toBe(true);
    // Listening again: a later change is noticed and seen.
    await storeB.people.findByEntraObjectId('oid-rev-1');
    const noticed = feedB.nextNotice();
    await storeA.people.upsert({ ...rita, roles: ['reviewer'] });
    await noticed;
    expect((await storeB.people.findByEntraObjectId('oid-rev-1'))?.roles).toEqual(['reviewer']);
  });
});
