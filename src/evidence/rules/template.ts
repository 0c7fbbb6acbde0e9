/**
 * Blank and partly filled templates. A page's slots are what a form asks for:
 * - empty: placeholder prompts ("[Insert …]", "Click or tap here to enter text."), runs of
 *   underscores or dots, empty date masks ("__/__/____", "DD/MM/YYYY"), labels with nothing after
 *   them ("Placement dates:"), and the readers' empty fields, content controls and unticked forms;
 * - filled: labels with an answer after them ("Placement dates: 3–7 March"), and the readers'
 *   filled fields, content controls and ticked boxes.
 * Completeness is filled / (filled + empty); a file with no slots at all (a letter, a policy) is
 * complete. A page that is mostly bare labels counts each bare label as an empty slot.
 */
import { SLOT_MARK } from '../formats/page-builder.js';
import type { ExtractedDocument } from '../types.js';

const PLACEHOLDER =
  /\[\s*(insert|enter|add|type|name|date|your|details?|text|organisation|trust|describe|list)\b[^\]]*\]|<\s*(insert|enter|add|type)\b[^>]*>|click or tap (here )?to enter (text|a date)|click here to enter (text|a date)|enter (text|details) here|type here|choose an item\.?/gi;
const UNDERSCORES = /_{5,}|\.{10,}|…{3,}/g;
const DATE_MASK = /\b(dd|d)\s*\/\s*(mm|m)\s*\/\s*(yyyy|yy)\b|_{1,3}\s*\/\s*_{1,3}\s*\/\s*_{2,4}|\[\s*\/\s*\/\s*\]/gi;
/** "Label:" with nothing (or only a placeholder) after it. */
const BARE_LABEL = /^[A-Z][A-Za-z0-9 ,'’()/&-]{1,48}[:?]$/;
const LABEL_WITH_VALUE = /^[A-Z][A-Za-z0-9 ,'’()/&-]{1,40}:\s*\S.{0,200}$/;

export interface Completeness {
  empty: number;
  filled: number;
  completeness: number;
  blankTemplate: boolean;
  partlyFilled: boolean;
  /** pages where at least one empty slot was found */
  emptyPages: number[];
}

/** At least this many slots before a file can be called a blank or partly filled form. */
export const MIN_SLOTS = 3;
export const BLANK_BELOW = 0.25;
export const COMPLETE_FROM = 0.8;

function countMatches(text: string, re: RegExp): number {
  return [...text.matchAll(re)].length;
}

export function lineSlots(line: string): { empty: number; filled: number } {
  const stripped = line.replace(new RegExp(SLOT_MARK, 'g'), '').trim();
  let empty = countMatches(line, PLACEHOLDER) + countMatches(line, DATE_MASK);
  const withoutMasks = line.replace(DATE_MASK, '');
  empty += countMatches(withoutMasks, UNDERSCORES);
  if (empty > 0) return { empty, filled: 0 };
  if (line.includes(SLOT_MARK)) return { empty: 0, filled: 0 }; // counted by the reader
  // table rows "Label | value" and "Label: value"
  const cells = stripped.split(' | ');
  if (cells.length >= 2) {
    let e = 0;
    let f = 0;
    for (let i = 0; i + 1 < cells.length; i += 2) {
      if (/[:?]$/.test(cells[i]!)) {
        if (cells[i + 1]!.trim() === '') e++;
        else f++;
      }
    }
    if (cells.length % 2 === 1 && /[:?]$/.test(cells[cells.length - 1]!)) e++;
    return { empty: e, filled: f };
  }
  if (BARE_LABEL.test(stripped)) return { empty: 1, filled: 0 };
  if (LABEL_WITH_VALUE.test(stripped)) return { empty: 0, filled: 1 };
  return { empty: 0, filled: 0 };
}

export function assessCompleteness(doc: ExtractedDocument): Completeness {
  let empty = 0;
  let filled = 0;
  const emptyPages = new Set<number>();
  for (const page of doc.pages) {
    let pe = doc.slots.empty.get(page.number) ?? 0;
    let pf = doc.slots.filled.get(page.number) ?? 0;
    for (const line of page.lines) {
      const s = lineSlots(line);
      pe += s.empty;
      pf += s.filled;
    }
    if (pe > 0) emptyPages.add(page.number);
    empty += pe;
    filled += pf;
  }
  const total = empty + filled;
  const completeness = total === 0 ? 1 : Math.round((filled / total) * 100) / 100;
  return {
    empty,
    filled,
    completeness,
    blankTemplate: total >= MIN_SLOTS && completeness < BLANK_BELOW,
    partlyFilled: total >= MIN_SLOTS && completeness >= BLANK_BELOW && completeness < COMPLETE_FROM,
    emptyPages: [...emptyPages].sort((a, b) => a - b),
  };
}
