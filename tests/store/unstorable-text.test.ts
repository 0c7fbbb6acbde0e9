/**
 * The store's last line of defence for text (src/store/text-guard.ts): what PostgreSQL cannot hold
 * is refused as a domain error before the query runs, on both engines, and nothing is written.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { UNSTORABLE_TEXT_MESSAGE } from '../../src/store/text-guard.js';
import { engines } from '../support/databases.js';
import { seedBasics, T0 } from '../support/fixtures.js';

async function refused(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe('VALIDATION');
  expect((err as DomainError).message).toBe(UNSTORABLE_TEXT_MESSAGE);
  return err as DomainError;
}

describe.each(engines())('text the database cannot hold, on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  const audit = (details: Record<string, unknown>) =>
    store.audit.append({
      at: T0,
      actorId: 'admin-1',
      action: 'test',
      entityKind: 'system',
      entityId: 'guard',
      fromState: null,
      toState: null,
      details,
    });
  const auditRows = async () => (await store.audit.forEntity('system', 'guard')).length;

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    await seedBasics(store);
  });
  afterAll(async () => handle.close());

  it('refuses NUL in a text column, in a key, and in a lookup, as a VALIDATION error', async () => {
    await refused(store.organisations.upsert({ id: 'org-nul', name: 'Bad\u0000 Trust', code: 'N1' }));
    expect(await store.organisations.get('org-nul')).toBeNull();
    await refused(store.organisations.get('org\u0000-a'));
    await refused(store.people.findByIdentity({ email: 'ada\u0000@alpha.example' }));
    await refused(sql`SELECT ${'a\u0000b'}::text AS t`.execute(handle.db));
  });

  it('refuses NUL and lone surrogates inside JSON, however they are escaped', async () => {
    const before = await auditRows();
    await refused(audit({ note: 'a\u0000b' }));
    await refused(audit({ ['k\u0000']: 1 }));
    await refused(audit({ nested: [{ deeper: 'lone \ud800 surrogate' }] }));
    expect(await auditRows()).toBe(before);
    // An object handed to the driver as it is (serialised as JSON) is checked too.
    await refused(
      sql`SELECT ${{ note: 'x\u0000' } as unknown as string}::jsonb AS j`.execute(handle.db) as Promise<unknown>,
    );
  });

  it('keeps what is storable: a backslash followed by "u0000" typed as text, a surrogate pair, line breaks', async () => {
    await audit({ note: 'Type \\u0000 to mean nothing', emoji: '\ud83d\ude00', lines: 'a\nb\tc' });
    const last = await store.audit.latest('system', 'guard');
    expect(last?.details).toEqual({ note: 'Type \\u0000 to mean nothing', emoji: '\ud83d\ude00', lines: 'a\nb\tc' });
    await store.organisations.upsert({ id: 'org-ok', name: 'Text \\u0000 literally, Trust', code: 'OK1' });
    expect((await store.organisations.get('org-ok'))?.name).toBe('Text \\u0000 literally, Trust');
    // A lone surrogate in a text column is sent as UTF-8's replacement character by both drivers.
    await store.organisations.upsert({ id: 'org-lone', name: 'Lone \ud800 Trust', code: 'L1' });
    expect((await store.organisations.get('org-lone'))?.name).toBe('Lone \ufffd Trust');
  });

  it('rolls back the whole transaction when one write is refused', async () => {
    const before = await auditRows();
    await refused(
      store.transaction(async (tx) => {
        await tx.audit.append({
          at: T0,
          actorId: 'admin-1',
          action: 'first',
          entityKind: 'system',
          entityId: 'guard',
          fromState: null,
          toState: null,
        });
        await tx.organisations.upsert({ id: 'org-x', name: 'X\u0000', code: 'X1' });
      }),
    );
    expect(await auditRows()).toBe(before);
    expect(await store.organisations.get('org-x')).toBeNull();
  });
});
