/**
 * Statements compiled once and run with each call's values (src/store/prepared.ts), on both
 * engines: each run selects what the same query built afresh selects, constants of the statement
 * stay constants, a value used for anything but a parameter is refused, and the text guard checks
 * every run's values.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { prepare } from '../../src/store/prepared.js';
import { Store } from '../../src/store/store.js';
import { UNSTORABLE_TEXT_MESSAGE } from '../../src/store/text-guard.js';
import { engines } from '../support/databases.js';
import { seedBasics } from '../support/fixtures.js';

describe.each(engines())('prepared statements on $name', (engine) => {
  let handle: DatabaseHandle;

  beforeAll(async () => {
    handle = await engine.open();
    await seedBasics(new Store(handle.db));
  });
  afterAll(async () => handle.close());

  it('selects with each run’s values what the query built afresh selects, its constants kept', async () => {
    // `code IS NOT NULL`, `limit 1` and `false` are the statement's own: they stay as compiled.
    const built = (id: string, name: string) =>
      handle.db
        .selectFrom('organisations')
        .select(['id', 'name'])
        .where((eb) => eb.or([eb('id', '=', id), eb('name', '=', name)]))
        .where('code', 'is not', null)
        .where(sql<boolean>`${false} = false`)
        .orderBy('id')
        .limit(1);
    let compiled = 0;
    const statement = prepare(2, (_db, id: string, name: string) => {
      compiled++;
      return built(id, name);
    });
    for (const [id, name] of [
      ['org-a', 'nobody'],
      ['nothing', 'Beta NHS Trust'],
      ['nothing', 'nobody'],
      ['org-b', 'Alpha NHS Trust'],
    ] as const) {
      expect(await statement.execute(handle.db, id, name)).toEqual(await built(id, name).execute());
    }
    expect((await statement.execute(handle.db, 'org-b', 'nobody'))[0]?.name).toBe('Beta NHS Trust');
    // Compiled on the first run only.
    expect(compiled).toBe(1);
    // A raw statement, and a value used twice.
    const raw = prepare(
      1,
      (_db, id: string) =>
        sql<{ n: number }>`SELECT count(*)::int AS n FROM organisations WHERE id = ${id} OR ${id} = 'all'`,
    );
    expect(await raw.execute(handle.db, 'org-a')).toEqual([{ n: 1 }]);
    expect(await raw.one(handle.db, 'all')).toEqual({ n: 2 });
    expect(await raw.one(handle.db, 'none')).toEqual({ n: 0 });
  });

  it('refuses a value used for anything but a parameter, before anything runs', async () => {
    const shaped = prepare(1, (db, column: string) =>
      db.selectFrom('organisations').select(sql.ref<string>(String(column)).as('x')),
    );
    await expect(shaped.execute(handle.db, 'name')).rejects.toThrow('uses 0 of its 1 values as parameters');
    const unused = prepare(2, (db, id: string, _other: string) =>
      db.selectFrom('organisations').selectAll().where('id', '=', id),
    );
    await expect(unused.execute(handle.db, 'org-a', 'x')).rejects.toThrow('uses 1 of its 2 values as parameters');
  });

  it('answers an error when a statement meant to answer one row answers none', async () => {
    const none = prepare(1, (db, id: string) => db.selectFrom('organisations').selectAll().where('id', '=', id));
    await expect(none.one(handle.db, 'no-such-organisation')).rejects.toThrow('answered none');
  });

  it('has each run’s values checked by the text guard', async () => {
    const byName = prepare(1, (db, name: string) =>
      db.selectFrom('organisations').select('id').where('name', '=', name),
    );
    expect(await byName.execute(handle.db, 'Alpha NHS Trust')).toEqual([{ id: 'org-a' }]);
    const err = await byName.execute(handle.db, 'Alpha\u0000').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).message).toBe(UNSTORABLE_TEXT_MESSAGE);
  });
});
