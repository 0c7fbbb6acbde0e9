/**
 * Writing a table (a header and rows, read lazily) to a stream as CSV (csv-stringify) or XLSX
 * (exceljs's streaming workbook writer): one row in memory at a time, each cell through the
 * formula guard. exceljs is loaded when the first XLSX is written (it takes a third of a second of
 * CPU to load, which no start-up should pay).
 */
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { neutraliseCell, type CellValue } from './cell-safety.js';

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export interface Table {
  /** Sheet name (XLSX). */
  name: string;
  columns: readonly string[];
  rows: AsyncIterable<CellValue[]>;
}

async function* guarded(rows: AsyncIterable<CellValue[]>): AsyncGenerator<CellValue[]> {
  for await (const row of rows) yield row.map(neutraliseCell);
}

/** Returns the number of data rows written. */
export async function writeTable(table: Table, format: ExportFormat, out: Writable): Promise<number> {
  let count = 0;
  async function* counted() {
    for await (const row of guarded(table.rows)) {
      count++;
      yield row;
    }
  }
  if (format === 'csv') {
    // A byte-order mark so Excel reads UTF-8 (names with accents) correctly.
    await pipeline(
      Readable.from(counted()),
      stringify({ header: true, columns: [...table.columns], bom: true, cast: { boolean: (b) => (b ? 'yes' : 'no') } }),
      out,
    );
    return count;
  }
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: true });
  const sheet = workbook.addWorksheet(table.name.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = table.columns.map((header) => ({ header, width: Math.min(60, Math.max(12, header.length + 4)) }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  for await (const row of counted()) sheet.addRow(row).commit();
  sheet.commit();
  await workbook.commit();
  return count;
}
