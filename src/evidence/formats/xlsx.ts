/**
 * Excel (.xlsx) reader (SpreadsheetML): one page per worksheet, in the workbook's order. Each row
 * is a line; a first row of headings turns the cells below into "heading: value" pairs. Dates
 * stored as serial numbers under a date format are written out as dd/mm/yyyy. A sheet with
 * headings but no rows of data is an unfilled template.
 */
import type { ExtractedDocument } from '../types.js';
import { allText, attr, find, findAll, innerText, kids, parseXml, tagOf } from '../xml.js';
import { readZipParts, partText } from '../zip-parts.js';
import { readCoreProperties } from './office-metadata.js';
import { PageBuilder } from './page-builder.js';

const TEXT = new Set(['t']);
/** Built-in number formats that are dates (ECMA-376 Part 1, 18.8.30). */
const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 22, 27, 30, 36, 50, 57]);

function resolveTarget(base: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = base.split('/').slice(0, -1);
  for (const seg of target.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.') parts.push(seg);
  }
  return parts.join('/');
}

export function relsTargets(xml: string | null, base: string): Map<string, string> {
  const m = new Map<string, string>();
  if (!xml) return m;
  for (const r of findAll(parseXml(xml), 'Relationship')) {
    const id = attr(r, 'Id');
    const target = attr(r, 'Target');
    if (id && target && attr(r, 'TargetMode') !== 'External') m.set(id, resolveTarget(base, target));
  }
  return m;
}

function colIndex(ref: string | undefined, fallback: number): number {
  const m = /^([A-Z]+)/.exec(ref ?? '');
  if (!m) return fallback;
  let n = 0;
  for (const ch of m[1]!) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

function serialToDate(serial: number): string {
  const ms = Math.round((serial - 25569) * 86_400_000);
  const d = new Date(ms);
  const dd = String(d.getUTCDate()).padStart(2, '0');
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  return `${dd}/${mm}/${d.getUTCFullYear()}`;
}

function dateStyles(stylesXml: string | null): Set<number> {
  const out = new Set<number>();
  if (!stylesXml) return out;
  const nodes = parseXml(stylesXml);
  const custom = new Set<number>();
  for (const f of findAll(nodes, 'numFmt')) {
    const code = (attr(f, 'formatCode') ?? '').replace(/"[^"]*"|\[[^\]]*\]/g, '');
    if (/[dy]/i.test(code) && !/^[#0.,%]+$/.test(code)) custom.add(Number(attr(f, 'numFmtId')));
  }
  const xfs = find(nodes, 'cellXfs');
  if (!xfs) return out;
  kids(xfs)
    .filter((k) => tagOf(k) === 'xf')
    .forEach((xf, i) => {
      const id = Number(attr(xf, 'numFmtId') ?? 0);
      if (BUILTIN_DATE_FORMATS.has(id) || custom.has(id)) out.add(i);
    });
  return out;
}

export function readXlsx(bytes: Uint8Array): ExtractedDocument {
  const parts = readZipParts(
    bytes,
    (n) =>
      n === 'xl/workbook.xml' ||
      n === 'xl/_rels/workbook.xml.rels' ||
      n === 'xl/sharedStrings.xml' ||
      n === 'xl/styles.xml' ||
      n === 'docProps/core.xml' ||
      /^xl\/worksheets\/[^/]+\.xml$/.test(n),
  );
  const wb = partText(parts, 'xl/workbook.xml');
  if (wb === null) throw new Error('xl/workbook.xml is missing');
  const rels = relsTargets(partText(parts, 'xl/_rels/workbook.xml.rels'), 'xl/workbook.xml');
  const shared = findAll(parseXml(partText(parts, 'xl/sharedStrings.xml') ?? '<sst/>'), 'si').map((si) =>
    allText(kids(si), TEXT),
  );
  const dates = dateStyles(partText(parts, 'xl/styles.xml'));
  const b = new PageBuilder();
  const sheets = findAll(parseXml(wb), 'sheet');
  sheets.forEach((sheet, i) => {
    const page = i + 1;
    b.page(page);
    const target = rels.get(attr(sheet, 'r:id') ?? '');
    const xml = target ? partText(parts, target) : null;
    if (!xml) return;
    const nodes = parseXml(xml);
    if (find(nodes, 'drawing')) b.page(page).hasImages = true;
    const rows: string[][] = [];
    for (const row of findAll(nodes, 'row')) {
      const cells: string[] = [];
      kids(row)
        .filter((c) => tagOf(c) === 'c')
        .forEach((c, j) => {
          const t = attr(c, 't');
          const v = kids(c).find((k) => tagOf(k) === 'v');
          const raw = v ? innerText([v]).trim() : '';
          let text: string;
          if (t === 's') text = shared[Number(raw)] ?? '';
          else if (t === 'inlineStr') text = allText(kids(c), TEXT);
          else if (t === 'b') text = raw === '1' ? 'TRUE' : 'FALSE';
          else if ((t === undefined || t === 'n') && raw !== '' && dates.has(Number(attr(c, 's') ?? -1)))
            text = serialToDate(Number(raw));
          else text = raw;
          cells[colIndex(attr(c, 'r'), j)] = text;
        });
      rows.push(Array.from(cells, (x) => x ?? ''));
    }
    b.table(page, rows);
    const nonEmpty = rows.filter((r) => r.some((c) => c.trim() !== ''));
    const header = nonEmpty[0];
    if (header && header.filter((c) => c.trim() !== '').length >= 2) {
      const data = nonEmpty.slice(1);
      if (data.length === 0) b.slot(page, false, header.filter((c) => c.trim() !== '').length);
      else b.slot(page, true, data.length);
    }
  });
  if (b.pages.length === 0) b.page(1);
  return {
    format: 'xlsx',
    pageCount: b.pages.length,
    pages: b.pages,
    metadata: readCoreProperties(partText(parts, 'docProps/core.xml')),
    slots: b.slots,
    pagesEstimated: false,
    truncatedAfter: null,
  };
}
