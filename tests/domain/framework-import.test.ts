import { describe, expect, it } from 'vitest';
import {
  describeRowError,
  FRAMEWORK_CSV_COLUMNS,
  frameworkFromRows,
  levelCounts,
} from '../../src/domain/framework-import.js';
import { SECTIONS } from '../../src/domain/framework.js';

const header = { version: 'nhse-2027.1', title: 'WEx QS framework 2027' };

/** A valid set of rows: one bronze criterion per section. */
function validRows(): Record<string, unknown>[] {
  return SECTIONS.map((s) => ({
    section: String(s.number),
    id: `${s.number}.1`,
    text: `Criterion of section ${s.number}`,
    minimum_level: 'bronze',
    suggested_evidence: 'Policy; Minutes',
  }));
}

describe('framework import from rows', () => {
  it('builds the framework from valid rows: sections by number or title, levels in any case, evidence split on ";"', () => {
    const rows = validRows();
    rows.push({
      section: 'During placement',
      id: '4.2',
      text: 'Supervision plan',
      minimum_level: 'Gold',
      suggested_evidence: ' Rota ;; Supervisor list ',
    });
    rows.push({ section: '5. Reflection and review', id: '5.2', text: 'Reflection', minimum_level: 'SILVER' });
    const r = frameworkFromRows(rows, header, 2);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.framework).toMatchObject({ version: 'nhse-2027.1', title: 'WEx QS framework 2027', illustrative: false });
    expect(r.framework.criteria).toHaveLength(8);
    expect(r.framework.criteria[6]).toEqual({
      id: '4.2',
      section: 4,
      text: 'Supervision plan',
      minimumLevel: 'gold',
      suggestedEvidence: ['Rota', 'Supervisor list'],
    });
    expect(r.framework.criteria[7]).toMatchObject({ section: 5, minimumLevel: 'silver', suggestedEvidence: [] });
    expect(levelCounts(r.framework)).toEqual({ bronze: 6, silver: 1, gold: 1 });
  });

  it('matches column names without regard to case, spaces or underscores (JSON keys too)', () => {
    const rows = validRows().map((r) => ({
      Section: r.section,
      ID: r.id,
      Text: r.text,
      'Minimum Level': r.minimum_level,
      suggestedEvidence: ['Policy', 'Minutes'],
    }));
    const r = frameworkFromRows(rows, header, 1);
    expect(r.ok && r.framework.criteria[0]!.suggestedEvidence).toEqual(['Policy', 'Minutes']);
  });

  it('reports each bad row once, with its row number and every bad field and why', () => {
    const rows = validRows();
    rows.push({ section: '7', id: '', text: ' ', minimum_level: 'platinum', suggested_evidence: '' });
    rows.push({ section: '', id: 'has space', text: 'x'.repeat(1001), minimum_level: 'gold', suggested_evidence: '' });
    rows.push({
      section: '2',
      id: '1.1',
      text: 'Duplicate id',
      minimum_level: 'silver',
      suggested_evidence: 'y'.repeat(201),
    });
    rows.push({
      section: 'Nowhere',
      id: '9.9',
      text: 'Unknown section',
      minimum_level: 'silver',
      suggested_evidence: '',
    });
    const r = frameworkFromRows(rows, header, 2);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.fileErrors).toEqual([]);
    expect(r.rowErrors.map(describeRowError)).toEqual([
      'row 8: section: must be a number from 1 to 6; id: is required; text: must not be blank; minimum_level: must be bronze, silver or gold',
      'row 9: section: is required (a number from 1 to 6, or the section title); id: must be up to 20 letters, digits, dots, dashes or underscores (e.g. 2.3); text: is longer than 1000 characters',
      'row 10: id: "1.1" is already used on row 2; suggested_evidence: an item is longer than 200 characters',
      'row 11: section: "Nowhere" is not a section: use a number from 1 to 6 or its title',
    ]);
  });

  it('takes JSON numbers and the header’s notice and illustrative flag', () => {
    const rows = validRows().map((r) => ({ ...r, section: Number(r.section) }));
    const r = frameworkFromRows(rows, { ...header, notice: 'Official text, 2027.', illustrative: true }, 1);
    expect(r.ok && r.framework).toMatchObject({ notice: 'Official text, 2027.', illustrative: true });
    const bad = frameworkFromRows([...rows, { section: 2, id: 7, text: {}, minimum_level: 'gold' }], header, 1);
    expect(!bad.ok && bad.rowErrors.map(describeRowError)).toEqual(['row 7: text: must not be blank']);
  });

  it('names the field as the file spells it', () => {
    const rows = validRows().map((r) => ({ ...r, minimumLevel: r.minimum_level, minimum_level: undefined }));
    const bad = [
      ...rows.map(({ minimum_level: _m, ...r }) => r),
      { section: 1, id: '1.9', text: 't', minimumLevel: 'x' },
    ];
    const r = frameworkFromRows(bad, header, 1);
    expect(!r.ok && r.rowErrors.map(describeRowError)).toEqual(['row 7: minimumLevel: must be bronze, silver or gold']);
  });

  it('refuses a list of suggested evidence with something other than text in it', () => {
    const rows = validRows();
    rows[0] = { ...rows[0], suggested_evidence: ['ok', 3] };
    const r = frameworkFromRows(rows, header, 1);
    expect(!r.ok && r.rowErrors.map(describeRowError)).toEqual([
      'row 1: suggested_evidence: must be a list of text items',
    ]);
  });

  it('reports problems with the file as a whole: columns, no rows, no version, a section without bronze', () => {
    const noRows = frameworkFromRows([], { version: '', title: 'T' }, 2);
    expect(!noRows.ok && noRows.fileErrors).toEqual(['version: version must not be blank', 'the file has no criteria']);

    const columns = frameworkFromRows([{ section: '1', id: '1.1', words: 'x', level: 'bronze' }], header, 2);
    expect(!columns.ok && columns.fileErrors).toEqual([
      'missing columns: text, minimum_level',
      `unknown columns: words, level (the columns are ${FRAMEWORK_CSV_COLUMNS.join(', ')})`,
    ]);

    const noBronze = validRows().map((r) => (r.section === '3' ? { ...r, minimum_level: 'silver' } : r));
    const r = frameworkFromRows(noBronze, header, 2);
    expect(!r.ok && r.fileErrors).toEqual([
      'section 3 (Placement induction) has no bronze criterion; every section needs at least one',
    ]);
  });
});
