/**
 * The admin CLI's import-framework and use-framework against a real database: the committed
 * 30-criterion example CSV loads; a bad file gets one error per bad row and changes nothing;
 * storing follows the replace rules; a cycle with applications keeps its framework version.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/admin.js';
import { DEFAULT_FRAMEWORK } from '../../src/domain/framework-default.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { engines } from '../support/databases.js';
import { T0 } from '../support/fixtures.js';

const EXAMPLE = 'examples/framework-example.csv';

describe.each(engines())('framework import on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  const dir = mkdtempSync(path.join(tmpdir(), 'wexqs-framework-'));
  const run = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await runCli(argv, (s) => lines.push(s), store, T0);
    return { code, out: lines.join('\n') };
  };
  const frameworkRows = async () =>
    (await store.db.selectFrom('frameworks').select(['version', 'title']).orderBy('version').execute()).map(
      (r) => r.version,
    );

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
  });
  afterAll(async () => handle.close());

  it('loads the 30-criterion example CSV as a new version (a dry run first stores nothing)', async () => {
    const dry = await run('import-framework', '--file', EXAMPLE, '--version', 'example-2027.1', '--dry-run');
    expect(dry).toEqual({
      code: 0,
      out: '[dry run] Would import framework example-2027.1: 30 criteria in 6 sections (bronze 10, silver 11, gold 9).',
    });
    expect(await frameworkRows()).toEqual([]);

    const r = await run('import-framework', '--file', EXAMPLE, '--version', 'example-2027.1', '--title', 'Example');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Imported framework example-2027.1: 30 criteria in 6 sections');
    const stored = await store.frameworks.get('example-2027.1');
    expect(stored?.title).toBe('Example');
    expect(stored?.criteria).toHaveLength(30);
    expect(stored?.criteria.find((c) => c.id === '2.6')).toMatchObject({ section: 2, minimumLevel: 'gold' });
    expect((await store.audit.forEntity('framework', 'example-2027.1')).map((a) => a.action)).toEqual([
      'import_framework',
    ]);
    // The same file again: nothing to do.
    expect(
      (await run('import-framework', '--file', EXAMPLE, '--version', 'example-2027.1', '--title', 'Example')).out,
    ).toBe('Framework example-2027.1 is already loaded with exactly these criteria; nothing changed.');
  });

  it('refuses a bad file with one error per bad row (row number, field, reason) and changes nothing', async () => {
    const before = await frameworkRows();
    const lines = readFileSync(EXAMPLE, 'utf8').trimEnd().split('\n');
    lines[2] = lines[2]!.replace(',bronze,', ',bronz,'); // row 3
    lines[10] = `9,${lines[10]!.slice(2)}`; // row 11: section 9
    lines[20] = lines[20]!.replace(/^(\d),([^,]+),/, '$1,,'); // row 21: no id
    lines.push('6,1.1,Duplicate id with a blank level,,'); // row 32
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, lines.join('\n'));
    const r = await run('import-framework', '--file', bad, '--version', 'bad-1');
    expect(r.code).toBe(1);
    expect(r.out.split('\n')).toEqual([
      'The framework was not imported (nothing changed): 4 problems, 4 bad rows:',
      '  row 3: minimum_level: must be bronze, silver or gold',
      '  row 11: section: must be a number from 1 to 6',
      '  row 21: id: is required',
      '  row 32: id: "1.1" is already used on row 2; minimum_level: must be bronze, silver or gold',
    ]);
    expect(await frameworkRows()).toEqual(before);
  });

  it('reads JSON too, numbering criteria from 1, and needs a version for a CSV', async () => {
    const file = path.join(dir, 'framework.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...DEFAULT_FRAMEWORK,
        version: 'json-1',
        criteria: [...DEFAULT_FRAMEWORK.criteria, { section: 2, id: '', text: 'x', minimumLevel: 'gold' }],
      }),
    );
    const bad = await run('import-framework', '--file', file);
    expect(bad.out).toContain(`row ${DEFAULT_FRAMEWORK.criteria.length + 1}: id: is required`);
    writeFileSync(file, JSON.stringify({ ...DEFAULT_FRAMEWORK, version: 'json-1' }));
    expect((await run('import-framework', '--file', file)).out).toContain('Imported framework json-1: 22 criteria');
    const noVersion = await run('import-framework', '--file', EXAMPLE);
    expect(noVersion.out).toContain('version: version must not be blank');
    writeFileSync(path.join(dir, 'f.txt'), 'x');
    expect((await run('import-framework', '--file', path.join(dir, 'f.txt'))).out).toContain(
      'the file must be .csv or .json',
    );
  });

  it('removes control characters from the file’s text (CSV and JSON) before it is stored', async () => {
    const csv = path.join(dir, 'controls.csv');
    const example = readFileSync(EXAMPLE, 'utf8').split('\n');
    // The first criterion's text gains a NUL, an escape and a C1 control.
    example[1] = example[1]!.replace('The organisation', 'The\u0000 organisation\u001b\u0085');
    writeFileSync(csv, example.join('\n'));
    expect((await run('import-framework', '--file', csv, '--version', 'controls-1')).code).toBe(0);
    const stored = (await store.frameworks.get('controls-1'))!;
    expect(stored.criteria[0]!.text).toMatch(/^The organisation has an approved work experience policy/);
    const json = path.join(dir, 'controls.json');
    writeFileSync(
      json,
      JSON.stringify({
        ...DEFAULT_FRAMEWORK,
        version: 'controls-\u00002',
        title: 'Title\u0007',
        criteria: DEFAULT_FRAMEWORK.criteria.map((c, i) => (i === 0 ? { ...c, text: `${c.text}\u0000` } : c)),
      }),
    );
    expect((await run('import-framework', '--file', json)).code).toBe(0);
    const fromJson = (await store.frameworks.get('controls-2'))!;
    expect(fromJson.title).toBe('Title');
    expect(fromJson.criteria[0]!.text).toBe(DEFAULT_FRAMEWORK.criteria[0]!.text);
  });

  it('replaces a version no cycle uses; refuses to change one a cycle uses', async () => {
    const file = path.join(dir, 'v.csv');
    const csv = readFileSync(EXAMPLE, 'utf8');
    writeFileSync(file, csv);
    expect((await run('import-framework', '--file', file, '--version', 'v-1')).code).toBe(0);
    writeFileSync(file, csv.replace('Work experience policy', 'Work experience policy (approved)'));
    expect((await run('import-framework', '--file', file, '--version', 'v-1')).out).toContain('Replaced framework v-1');
    const cycle = await run(
      'create-cycle',
      '--name',
      'Cycle on v-1',
      '--deadline',
      '2026-09-18 17:00',
      '--review-start',
      '2026-10-02',
      '--review-end',
      '2026-11-27',
      '--decision-start',
      '2026-12-01',
      '--decision-end',
      '2026-12-15 17:00',
      '--framework',
      'v-1',
    );
    expect(cycle.code).toBe(0);
    writeFileSync(file, csv);
    const refused = await run('import-framework', '--file', file, '--version', 'v-1');
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('already used by a cycle and cannot be changed');
  });

  it('points a cycle without applications at another version; a cycle with applications keeps its own', async () => {
    const created = await run(
      'create-cycle',
      '--name',
      'Cycle to switch',
      '--id',
      'cycle-switch',
      '--deadline',
      '2027-03-19 17:00',
      '--review-start',
      '2027-04-02',
      '--review-end',
      '2027-05-28',
      '--decision-start',
      '2027-06-01',
      '--decision-end',
      '2027-06-15 17:00',
    );
    expect(created.code).toBe(0);
    expect((await run('use-framework', '--cycle', 'cycle-switch', '--framework', 'nope')).out).toContain(
      'Framework nope is not loaded',
    );
    expect(
      (await run('use-framework', '--cycle', 'cycle-switch', '--framework', 'example-2027.1', '--dry-run')).out,
    ).toBe(`[dry run] Cycle cycle-switch would use framework example-2027.1 (was ${DEFAULT_FRAMEWORK.version}).`);
    expect((await store.cycles.get('cycle-switch'))?.frameworkVersion).toBe(DEFAULT_FRAMEWORK.version);
    expect((await run('use-framework', '--cycle', 'cycle-switch', '--framework', 'example-2027.1')).out).toBe(
      `Cycle cycle-switch now uses framework example-2027.1 (was ${DEFAULT_FRAMEWORK.version}).`,
    );
    expect((await run('use-framework', '--cycle', 'cycle-switch', '--framework', 'example-2027.1')).out).toContain(
      'nothing changed',
    );

    await store.organisations.upsert({ id: 'org-z', name: 'Zeta Trust', code: null });
    await store.applications.create({ organisationId: 'org-z', cycleId: 'cycle-switch', actorId: 'x', now: T0 });
    const kept = await run('use-framework', '--cycle', 'cycle-switch', '--framework', DEFAULT_FRAMEWORK.version);
    expect(kept.code).toBe(1);
    expect(kept.out).toContain(
      'already has 1 application written against framework example-2027.1, so it keeps that version',
    );
    expect((await store.cycles.get('cycle-switch'))?.frameworkVersion).toBe('example-2027.1');
    expect((await run('use-framework', '--cycle', 'missing', '--framework', 'v-1')).out).toContain(
      'No cycle "missing"',
    );
  });
});
