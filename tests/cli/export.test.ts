/**
 * `npm run admin -- export --cycle ID --what pipeline|assessments|audit --format csv|xlsx --out F`:
 * each export opened as a spreadsheet (exceljs) or parsed as CSV (csv-parse), its rows checked
 * against the database, and every cell that starts like a formula neutralised.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/admin.js';
import { FORMULA_TRIGGERS, neutraliseCell } from '../../src/exports/cell-safety.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { engines } from '../support/databases.js';
import { IN_DECISION_WINDOW, seedPipeline, type SeededApplication } from '../support/award-fixtures.js';

const EVIL_NAME = '=HYPERLINK("http://evil.example","Click me")';
const NOTES = ['+44 20 7946 0000', '-1+1', '@SUM(A1:A9)', '\tTabbed', 'A fair note'];

function expectGuarded(cells: unknown[][]): void {
  for (const row of cells)
    for (const cell of row)
      if (typeof cell === 'string' && cell !== '')
        expect((FORMULA_TRIGGERS as readonly string[]).includes(cell[0]!), JSON.stringify(cell)).toBe(false);
}

async function xlsxRows(file: string): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const sheet = wb.worksheets[0]!;
  const rows: unknown[][] = [];
  sheet.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
  return rows;
}

function csvRows(file: string): string[][] {
  return parse(readFileSync(file, 'utf8'), { bom: true, relax_column_count: true }) as string[][];
}

describe('the formula guard', () => {
  it('prefixes text starting with = + - @ tab or CR with a quote; leaves the rest', () => {
    expect(neutraliseCell('=1+1')).toBe("'=1+1");
    expect(neutraliseCell('+1')).toBe("'+1");
    expect(neutraliseCell('-1')).toBe("'-1");
    expect(neutraliseCell('@x')).toBe("'@x");
    expect(neutraliseCell('\tx')).toBe("'\tx");
    expect(neutraliseCell('\rx')).toBe("'\rx");
    expect(neutraliseCell('a=1')).toBe('a=1');
    expect(neutraliseCell('')).toBe('');
    expect(neutraliseCell(-5)).toBe(-5);
    expect(neutraliseCell(true)).toBe(true);
    expect(neutraliseCell(null)).toBeNull();
  });
});

describe.each(engines())('admin export on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  let apps: SeededApplication[];
  let dir: string;
  const lines: string[] = [];
  const run = (...args: string[]) => runCli(args, (s) => lines.push(s), store, IN_DECISION_WINDOW);

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    ({ apps } = await seedPipeline(store, [
      { state: 'communicated', level: 'gold', name: EVIL_NAME },
      { state: 'decided' },
      { state: 'in_review' },
      { state: 'open' },
      { state: 'withdrawn' },
    ]));
    await store.reviews.saveAssessments(
      apps[2]!.id,
      'rev-1',
      NOTES.map((note, i) => ({ criterionId: `extra-${i}`, outcome: 'partly_met' as const, note })),
      IN_DECISION_WINDOW,
    );
    dir = mkdtempSync(path.join(tmpdir(), 'wexqs-export-'));
  }, 60_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await handle?.close();
  });

  it('pipeline: one row per application, as CSV and XLSX, with the award', async () => {
    for (const format of ['csv', 'xlsx'] as const) {
      const out = path.join(dir, `pipeline.${format}`);
      expect(await run('export', '--cycle', 'cycle-1', '--what', 'pipeline', '--format', format, '--out', out)).toBe(0);
      expect(lines.at(-1)).toBe(`Exported 5 rows (pipeline, ${format}) to ${out}.`);
      const rows = format === 'csv' ? csvRows(out) : await xlsxRows(out);
      expect(rows[0]).toContain('Organisation');
      expect(rows).toHaveLength(1 + apps.length);
      const byId = new Map(rows.slice(1).map((r) => [String(r[0]), r]));
      expect([...byId.keys()].sort()).toEqual(apps.map((a) => a.id).sort());
      const gold = byId.get(apps[0]!.id)!;
      expect(gold[1]).toBe(`'${EVIL_NAME}`);
      expect(gold[3]).toBe('Decision communicated');
      expect(gold[9]).toBe('gold');
      const award = (await store.awards.forApplication(apps[0]!.id))!;
      expect(String(gold[11]).replace(/-/g, '')).toBe(award.verificationCode);
      expect(gold[14]).toBe('Valid today');
      expect(byId.get(apps[4]!.id)![3]).toBe('Withdrawn');
      expectGuarded(rows);
    }
  });

  it('assessments: one row per reviewer per criterion; notes that look like formulas are neutralised', async () => {
    const count = await store.db
      .selectFrom('assessments')
      .select(store.db.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    for (const format of ['csv', 'xlsx'] as const) {
      const out = path.join(dir, `assessments.${format}`);
      expect(await run('export', '--cycle', 'cycle-1', '--what', 'assessments', '--format', format, '--out', out)).toBe(
        0,
      );
      const rows = format === 'csv' ? csvRows(out) : await xlsxRows(out);
      expect(rows.length - 1).toBe(Number(count.n));
      const notes = rows.filter((r) => String(r[3]).startsWith('extra-')).map((r) => r[5]);
      expect(notes).toEqual(["'+44 20 7946 0000", "'-1+1", "'@SUM(A1:A9)", "'\tTabbed", 'A fair note']);
      expectGuarded(rows);
    }
  });

  it('audit log: every entry of the cycle, oldest first, and the export itself is audited', async () => {
    const before = await store.db
      .selectFrom('audit_log')
      .select(store.db.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const out = path.join(dir, 'audit.xlsx');
    expect(await run('export', '--cycle', 'cycle-1', '--what', 'audit', '--format', 'xlsx', '--out', out)).toBe(0);
    const rows = await xlsxRows(out);
    const ids = rows.slice(1).map((r) => Number(r[0]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(rows.slice(1).some((r) => r[3] === 'communicate')).toBe(true);
    expectGuarded(rows);
    const csv = path.join(dir, 'audit.csv');
    expect(await run('export', '--cycle', 'cycle-1', '--what', 'audit', '--format', 'csv', '--out', csv)).toBe(0);
    // The second export includes the first one's audit entry.
    expect(csvRows(csv).length).toBe(rows.length + 1);
    const after = await store.db
      .selectFrom('audit_log')
      .select(store.db.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n) + 2);
    const last = await store.db
      .selectFrom('audit_log')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(last).toMatchObject({ action: 'export', actor_id: 'admin-cli', entity_id: 'cycle-1' });
  });

  it('refuses bad options clearly and an unknown cycle', async () => {
    expect(
      await run('export', '--cycle', 'cycle-1', '--what', 'people', '--format', 'csv', '--out', path.join(dir, 'x')),
    ).toBe(1);
    expect(lines.at(-1)).toContain('--what: must be one of pipeline, assessments, audit');
    expect(
      await run('export', '--cycle', 'cycle-1', '--what', 'audit', '--format', 'pdf', '--out', path.join(dir, 'x')),
    ).toBe(1);
    expect(await run('export', '--what', 'audit', '--format', 'csv', '--out', path.join(dir, 'x'))).toBe(1);
    expect(
      await run('export', '--cycle', 'nope', '--what', 'audit', '--format', 'csv', '--out', path.join(dir, 'y')),
    ).toBe(1);
    expect(lines.at(-1)).toBe('That cycle does not exist.');
  });
});
