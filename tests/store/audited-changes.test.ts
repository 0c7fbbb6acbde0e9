/**
 * Changes written together with their audit row in one statement (target level, commentary,
 * evidence declarations): the row says what changed, nothing is audited when nothing changed,
 * the two commit together or not at all, and the target level's compare-and-set still lets
 * exactly one of several concurrent clicks on the same card through (real concurrency on the
 * PostgreSQL server).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { engines } from '../support/databases.js';
import { seedBasics, T0 } from '../support/fixtures.js';

const DAY = 86_400_000;

describe.each(engines())('changes and their audit rows on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  let appId = '';

  const audit = async (action: string) =>
    (await store.audit.forEntity('application', appId))
      .filter((r) => r.action === action)
      .map((r) => ({ actorId: r.actorId, fromState: r.fromState, toState: r.toState, details: r.details }));
  const version = async () => (await store.applications.get(appId))!.version;

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    await seedBasics(store);
    const requested = await store.transaction((tx) =>
      tx.applications.create({ organisationId: 'org-a', cycleId: 'cycle-1', actorId: 'lead-a', now: T0 }),
    );
    appId = requested.id;
    await store.transaction((tx) =>
      tx.applications.transition({
        applicationId: appId,
        expectedVersion: requested.version,
        from: 'requested',
        to: 'open',
        action: 'open',
        actorId: 'admin-1',
        now: T0,
      }),
    );
    await store.evidence.syncListing(
      appId,
      ['Policy.pdf', 'Diary.docx', 'Survey.xlsx'].map((name) => ({
        name,
        section: 1 as const,
        lastModified: new Date(T0.getTime() - DAY),
        webUrl: null,
      })),
      T0,
    );
  });
  afterAll(async () => handle.close());

  beforeEach(async () => {
    await sql`DROP TRIGGER IF EXISTS refuse_audit ON audit_log`.execute(handle.db);
  });

  it('a target level: a new version and its row (state, level); a stale version changes nothing', async () => {
    const before = await version();
    const moved = await store.applications.setTargetLevel({
      applicationId: appId,
      expectedVersion: before,
      level: 'silver',
      actorId: 'lead-a',
      now: T0,
    });
    expect(moved).toMatchObject({ targetLevel: 'silver', version: before + 1, state: 'open' });
    expect(await audit('set_target_level')).toEqual([
      { actorId: 'lead-a', fromState: 'open', toState: 'open', details: { level: 'silver' } },
    ]);
    await expect(
      store.applications.setTargetLevel({
        applicationId: appId,
        expectedVersion: before,
        level: 'gold',
        actorId: 'contrib-a',
        now: T0,
      }),
    ).rejects.toMatchObject({
      code: 'STALE',
      details: { seenVersion: before, currentVersion: before + 1, changedBy: 'lead-a', lastAction: 'set_target_level' },
    });
    expect(await audit('set_target_level')).toHaveLength(1);
    expect((await store.applications.get(appId))!.targetLevel).toBe('silver');
  });

  it('the same card clicked at once from many places: exactly one level change, one row', async () => {
    const seen = await version();
    const results = await Promise.allSettled(
      (['bronze', 'gold', 'bronze', 'gold', 'bronze', 'gold'] as const).map((level, i) =>
        store.applications.setTargetLevel({
          applicationId: appId,
          expectedVersion: seen,
          level,
          actorId: i % 2 === 0 ? 'lead-a' : 'contrib-a',
          now: T0,
        }),
      ),
    );
    const applied = results.filter((r) => r.status === 'fulfilled');
    expect(applied).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'STALE' });
    expect(await version()).toBe(seen + 1);
    expect(await audit('set_target_level')).toHaveLength(2);
  });

  it('commentary: the row names the section and the criteria written, in the order given', async () => {
    const written = await store.applications.saveCommentary(
      appId,
      [
        { criterionId: '1.2', text: 'Second.', references: [] },
        { criterionId: '1.1', text: 'First.', references: [{ documentName: 'Policy.pdf', pages: [1] }] },
        { criterionId: '1.2', text: 'Second, edited.', references: [] },
      ],
      'lead-a',
      T0,
      { section: 1 },
    );
    expect(written).toEqual(['1.2', '1.1']);
    expect(await audit('save_commentary')).toEqual([
      { actorId: 'lead-a', fromState: null, toState: null, details: { section: 1, criteria: ['1.2', '1.1'] } },
    ]);
    // Only what changed is written and named; the same again writes nothing and no row.
    const again = await store.applications.saveCommentary(
      appId,
      [
        { criterionId: '1.1', text: 'First.', references: [{ documentName: 'Policy.pdf', pages: [1] }] },
        { criterionId: '1.3', text: 'Third.', references: [] },
      ],
      'contrib-a',
      T0,
      { section: 1 },
    );
    expect(again).toEqual(['1.3']);
    expect((await audit('save_commentary')).map((r) => r.details)).toEqual([
      { section: 1, criteria: ['1.2', '1.1'] },
      { section: 1, criteria: ['1.3'] },
    ]);
    expect(
      await store.applications.saveCommentary(appId, [{ criterionId: '1.3', text: 'Third.', references: [] }], 'x', T0),
    ).toEqual([]);
    expect(await audit('save_commentary')).toHaveLength(2);
  });

  it('evidence declarations: the row says how many documents changed; none changed, no row', async () => {
    const items = [
      { name: 'Policy.pdf', evidenceDate: new Date(T0.getTime() - 30 * DAY), completed: true },
      { name: 'diary.docx', evidenceDate: null, completed: true },
      { name: 'Not in the folder.pdf', evidenceDate: null, completed: true },
    ];
    expect(await store.evidence.declare(appId, items, 'lead-a', T0)).toBe(2);
    expect(await audit('declare_evidence')).toEqual([
      { actorId: 'lead-a', fromState: null, toState: null, details: { documents: 2 } },
    ]);
    expect(await store.evidence.declare(appId, items, 'lead-a', T0)).toBe(0);
    expect(await audit('declare_evidence')).toHaveLength(1);
    const { documents } = await store.evidence.listing(appId);
    expect(documents.filter((d) => d.completed).map((d) => d.name)).toEqual(['Diary.docx', 'Policy.pdf']);
  });

  it('a change whose audit row cannot be written is not made', async () => {
    await sql`
      CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit refused'; END $$;
      CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit();
    `.execute(handle.db);
    const before = await store.applications.get(appId);
    await expect(
      store.applications.setTargetLevel({
        applicationId: appId,
        expectedVersion: before!.version,
        level: 'gold',
        actorId: 'lead-a',
        now: T0,
      }),
    ).rejects.toThrow(/audit refused/);
    await expect(
      store.applications.saveCommentary(appId, [{ criterionId: '2.1', text: 'New.', references: [] }], 'lead-a', T0),
    ).rejects.toThrow(/audit refused/);
    await expect(
      store.evidence.declare(appId, [{ name: 'Survey.xlsx', evidenceDate: null, completed: true }], 'lead-a', T0),
    ).rejects.toThrow(/audit refused/);
    expect(await store.applications.get(appId)).toEqual(before);
    expect((await store.applications.commentary(appId)).map((c) => c.criterionId)).not.toContain('2.1');
    const { documents } = await store.evidence.listing(appId);
    expect(documents.find((d) => d.name === 'Survey.xlsx')!.completed).toBe(false);
  });
});
