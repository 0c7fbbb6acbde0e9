/**
 * Formula injection (CSV injection): a spreadsheet treats a cell that starts with "=", "+", "-"
 * or "@" (and, in some, a tab or carriage return) as a formula, so text people typed could run
 * when an admin opens an export. Every text cell is neutralised by prefixing a single quote, as
 * OWASP recommends (owasp.org/www-community/attacks/CSV_Injection); numbers, booleans and dates
 * are written as themselves.
 */
export const FORMULA_TRIGGERS = ['=', '+', '-', '@', '\t', '\r'] as const;

export type CellValue = string | number | boolean | null;

export function neutraliseCell(value: CellValue): CellValue {
  if (typeof value !== 'string' || value === '') return value;
  return (FORMULA_TRIGGERS as readonly string[]).includes(value[0]!) ? `'${value}` : value;
}
