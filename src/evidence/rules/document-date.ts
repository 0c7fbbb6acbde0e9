/**
 * The date a document appears to be from. In order: the latest date next to a label such as
 * "Date", "Completed", "Reviewed" or "Signed"; else the latest full date anywhere in the text; else
 * the file's metadata (last modified, then created), which is a weaker signal. Dates of birth,
 * dates in the future (a "next review" date) and dates before 2000 are ignored. Dates are read in
 * the UK order (3/4/2025 is 3 April).
 */
import * as chrono from 'chrono-node';
import type { ExtractedDocument } from '../types.js';

const LABEL =
  /\b(date[sd]?|completed|reviewed|review(ed)?\s+on|updated|signed|issued|approved|effective|written|held|attended|delivered|submitted|version|as\s+at|on)\b[^\n\d]{0,20}$/i;
const DOB = /\b(d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s?date|born)\b[^\n]{0,20}$/i;
const NOT_CURRENT = /\b(next\s+review|review\s+due|due|expir(y|es)|valid\s+until|deadline|by)\b[^\n]{0,20}$/i;
const HAS_DATE = /\b(19|20)\d{2}\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b/;

export interface DocumentDate {
  date: string | null;
  source: 'content' | 'metadata' | null;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function findDocumentDate(doc: ExtractedDocument, now: Date): DocumentDate {
  let labelled: Date | null = null;
  let any: Date | null = null;
  const latest = new Date(now.getTime() + 86_400_000);
  for (const page of doc.pages) {
    for (const line of [...page.lines, ...page.pairs]) {
      if (!HAS_DATE.test(line)) continue;
      for (const r of chrono.en.GB.parse(line, now)) {
        if (!r.start.isCertain('day') || !r.start.isCertain('month') || !r.start.isCertain('year')) continue;
        const d = new Date(Date.UTC(r.start.get('year')!, r.start.get('month')! - 1, r.start.get('day')!));
        if (d > latest || d.getFullYear() < 2000) continue;
        const before = line.slice(0, r.index);
        if (DOB.test(before) || NOT_CURRENT.test(before)) continue;
        if (LABEL.test(before) && (!labelled || d > labelled)) labelled = d;
        if (!any || d > any) any = d;
      }
    }
  }
  const fromText = labelled ?? any;
  const iso = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (fromText) return { date: iso(fromText), source: 'content' };
  const meta = doc.metadata.modified ?? doc.metadata.created;
  if (meta && meta <= latest) return { date: iso(meta), source: 'metadata' };
  return { date: null, source: null };
}
