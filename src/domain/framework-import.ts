/**
 * The official framework, imported from a table: one criterion per row with its section, id,
 * text, minimum level and suggested evidence. Every row is checked and every bad row reported
 * once, with its row number and each bad field and why, so an admin fixes the whole file in one go.
 *
 * Rows come from a CSV file (row numbers as a spreadsheet shows them: the header is row 1) or from
 * the `criteria` list of a JSON file (row n is the n-th criterion). Column names are matched
 * without regard to case, spaces or underscores ("Minimum level", "minimum_level" and
 * "minimumLevel" are the same column).
 */
import { frameworkHeaderSchema, SECTIONS, type Criterion, type Framework } from './framework.js';
import { LEVELS, type Level, type SectionNumber } from './types.js';

/** The CSV columns, in the order the example file uses. */
export const FRAMEWORK_CSV_COLUMNS = ['section', 'id', 'text', 'minimum_level', 'suggested_evidence'] as const;
export type FrameworkColumn = (typeof FRAMEWORK_CSV_COLUMNS)[number];

/** Separates the items of `suggested_evidence` in one cell. */
export const EVIDENCE_SEPARATOR = ';';

export const CRITERION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/;
export const MAX_CRITERION_TEXT = 1000;
export const MAX_EVIDENCE_ITEM = 200;

export interface FieldProblem {
  field: string;
  reason: string;
}

/** One bad row: its number and every field that is wrong in it. */
export interface RowError {
  row: number;
  problems: FieldProblem[];
}

export type FrameworkImport =
  { ok: true; framework: Framework } | { ok: false; rowErrors: RowError[]; fileErrors: string[] };

const key = (name: string) => name.toLowerCase().replace(/[\s_-]/g, '');

const CANONICAL: Readonly<Record<string, FrameworkColumn>> = Object.freeze(
  Object.fromEntries(FRAMEWORK_CSV_COLUMNS.map((c) => [key(c), c])),
);

/** One error line per bad row: "row 4: minimum_level: must be bronze, silver or gold; text: must not be blank". */
export function describeRowError(e: RowError): string {
  return `row ${e.row}: ${e.problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? value.trim() : '';
}

function sectionOf(raw: unknown): SectionNumber | string {
  const v = cell(raw);
  if (v === '') return 'is required (a number from 1 to 6, or the section title)';
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return SECTIONS.some((s) => s.number === n) ? (n as SectionNumber) : 'must be a number from 1 to 6';
  }
  const byTitle = SECTIONS.find((s) => s.title.toLowerCase() === v.replace(/^\d+\.?\s*/, '').toLowerCase());
  return byTitle ? byTitle.number : `"${v.slice(0, 40)}" is not a section: use a number from 1 to 6 or its title`;
}

function evidenceOf(raw: unknown): string[] | string {
  const items = Array.isArray(raw)
    ? raw.map(cell)
    : cell(raw)
        .split(EVIDENCE_SEPARATOR)
        .map((s) => s.trim());
  const list = items.filter((s) => s !== '');
  const long = list.find((s) => s.length > MAX_EVIDENCE_ITEM);
  if (long) return `an item is longer than ${MAX_EVIDENCE_ITEM} characters`;
  if (Array.isArray(raw) && raw.some((i) => typeof i !== 'string')) return 'must be a list of text items';
  return list;
}

/**
 * Checks the rows and builds the framework. `firstRow` is the number of the first data row (2 in
 * a CSV file with a header, 1 for JSON criteria).
 */
export function frameworkFromRows(
  rows: readonly Record<string, unknown>[],
  header: { version: string; title: string; notice?: string; illustrative?: boolean },
  firstRow: number,
): FrameworkImport {
  const fileErrors: string[] = [];
  const h = frameworkHeaderSchema.omit({ criteria: true }).safeParse(header);
  if (!h.success) for (const i of h.error.issues) fileErrors.push(`${i.path.join('.') || 'framework'}: ${i.message}`);
  if (rows.length === 0) fileErrors.push('the file has no criteria');

  const columnsSeen = new Set<FrameworkColumn>();
  const unknown = new Set<string>();
  for (const r of rows)
    for (const name of Object.keys(r)) {
      const c = CANONICAL[key(name)];
      if (c) columnsSeen.add(c);
      else unknown.add(name);
    }
  const required: FrameworkColumn[] = ['section', 'id', 'text', 'minimum_level'];
  const missing = rows.length > 0 ? required.filter((c) => !columnsSeen.has(c)) : [];
  if (missing.length > 0) fileErrors.push(`missing column${missing.length === 1 ? '' : 's'}: ${missing.join(', ')}`);
  if (unknown.size > 0)
    fileErrors.push(
      `unknown column${unknown.size === 1 ? '' : 's'}: ${[...unknown].join(', ')} (the columns are ${FRAMEWORK_CSV_COLUMNS.join(', ')})`,
    );
  if (fileErrors.length > 0) return { ok: false, rowErrors: [], fileErrors };

  const rowErrors: RowError[] = [];
  const criteria: Criterion[] = [];
  const firstSeen = new Map<string, number>();
  rows.forEach((raw, index) => {
    const row = firstRow + index;
    const get = (c: FrameworkColumn) => {
      const name = Object.keys(raw).find((k) => CANONICAL[key(k)] === c);
      return { name: name ?? c, value: name === undefined ? undefined : raw[name] };
    };
    const problems: FieldProblem[] = [];
    const s = get('section');
    const section = sectionOf(s.value);
    if (typeof section === 'string') problems.push({ field: s.name, reason: section });
    const i = get('id');
    const id = cell(i.value);
    if (id === '') problems.push({ field: i.name, reason: 'is required' });
    else if (!CRITERION_ID_PATTERN.test(id))
      problems.push({
        field: i.name,
        reason: 'must be up to 20 letters, digits, dots, dashes or underscores (e.g. 2.3)',
      });
    else if (firstSeen.has(id))
      problems.push({ field: i.name, reason: `"${id}" is already used on row ${firstSeen.get(id)}` });
    const t = get('text');
    const text = cell(t.value);
    if (text === '') problems.push({ field: t.name, reason: 'must not be blank' });
    else if (text.length > MAX_CRITERION_TEXT)
      problems.push({ field: t.name, reason: `is longer than ${MAX_CRITERION_TEXT} characters` });
    const l = get('minimum_level');
    const level = cell(l.value).toLowerCase();
    if (!(LEVELS as readonly string[]).includes(level))
      problems.push({ field: l.name, reason: `must be ${LEVELS.join(', ').replace(/, ([^,]*)$/, ' or $1')}` });
    const e = get('suggested_evidence');
    const evidence = evidenceOf(e.value);
    if (typeof evidence === 'string') problems.push({ field: e.name, reason: evidence });

    if (id !== '' && !firstSeen.has(id)) firstSeen.set(id, row);
    if (problems.length > 0) rowErrors.push({ row, problems });
    else
      criteria.push({
        id,
        section: section as SectionNumber,
        text,
        minimumLevel: level as Level,
        suggestedEvidence: evidence as string[],
      });
  });
  if (rowErrors.length > 0) return { ok: false, rowErrors, fileErrors };

  // The same whole-framework rule as parseFramework: every section needs a bronze criterion.
  for (const s of SECTIONS)
    if (!criteria.some((c) => c.section === s.number && c.minimumLevel === 'bronze'))
      fileErrors.push(`section ${s.number} (${s.title}) has no bronze criterion; every section needs at least one`);
  if (fileErrors.length > 0) return { ok: false, rowErrors, fileErrors };
  const hd = h.data!;
  return {
    ok: true,
    framework: { version: hd.version, title: hd.title, illustrative: hd.illustrative, notice: hd.notice, criteria },
  };
}

/** How many criteria count at each minimum level (for the import report). */
export function levelCounts(framework: Framework): Record<Level, number> {
  const counts = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>;
  for (const c of framework.criteria) counts[c.minimumLevel]++;
  return counts;
}
