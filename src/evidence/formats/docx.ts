/**
 * Word (.docx) reader: the document's own XML (WordprocessingML), walked in order.
 *
 * Pages: Word saves `w:lastRenderedPageBreak` where each page began when it last laid the document
 * out; when those are present they place text on pages, else explicit page breaks (`w:br
 * w:type="page"`, `w:pageBreakBefore`, section breaks) do. docProps/app.xml's page count wins when
 * it is larger (the positions are then estimates). In the product the PDF rendition from Graph
 * gives the pages; this reader supplies the form and metadata signals.
 *
 * Form signals: content controls still showing their placeholder (`w:showingPlcHdr`) are empty
 * slots, filled content controls are filled slots; checkbox content controls (`w14:checkbox`) are
 * filled when ticked. Text under a black highlight or black shading, and hidden (`w:vanish`) text,
 * is reported as hidden text (fake redaction).
 */
import type { ExtractedDocument } from '../types.js';
import { attr, kids, parseXml, tagOf, textOf, type XNode } from '../xml.js';
import { readZipParts, partText } from '../zip-parts.js';
import { readAppPages, readCoreProperties } from './office-metadata.js';
import { PageBuilder, SLOT_MARK } from './page-builder.js';

const DARK = /^(0{6}|000000|black|darkGray|1[0-9a-f]1[0-9a-f]1[0-9a-f])$/i;

interface Walk {
  explicit: number;
  rendered: number;
  sawRendered: boolean;
  /** lines as they come, with both page counters; resolved at the end */
  lines: { explicit: number; rendered: number; text: string; hidden: string; slots: [boolean, number][] }[];
  tables: { explicit: number; rendered: number; rows: string[][] }[];
  checkboxes: { explicit: number; rendered: number; checked: boolean }[];
}

interface LineAcc {
  text: string;
  hidden: string;
  slots: [boolean, number][];
}

function runIsDark(rPr: XNode | undefined): boolean {
  if (!rPr) return false;
  for (const k of kids(rPr)) {
    const t = tagOf(k);
    if (t === 'w:highlight' && /^(black|darkGray)$/i.test(attr(k, 'w:val') ?? '')) return true;
    if (t === 'w:shd' && DARK.test(attr(k, 'w:fill') ?? '')) {
      const color = kids(rPr).find((c) => tagOf(c) === 'w:color');
      const v = color ? (attr(color, 'w:val') ?? 'auto') : 'auto';
      if (!/^(ffffff|fff|white)$/i.test(v)) return true;
    }
    if (t === 'w:vanish') return true;
  }
  return false;
}

function child(n: XNode, tag: string): XNode | undefined {
  return kids(n).find((k) => tagOf(k) === tag);
}

function sdtInfo(sdt: XNode): { placeholder: boolean; checkbox: boolean | null } {
  const pr = child(sdt, 'w:sdtPr');
  if (!pr) return { placeholder: false, checkbox: null };
  let checkbox: boolean | null = null;
  const cb = child(pr, 'w14:checkbox');
  if (cb) {
    const c = child(cb, 'w14:checked');
    checkbox = c ? /^(1|true)$/i.test(attr(c, 'w14:val') ?? '1') : false;
  }
  return { placeholder: Boolean(child(pr, 'w:showingPlcHdr')), checkbox };
}

export function readDocx(bytes: Uint8Array): ExtractedDocument {
  const parts = readZipParts(bytes, (n) => ['word/document.xml', 'docProps/core.xml', 'docProps/app.xml'].includes(n));
  const xml = partText(parts, 'word/document.xml');
  if (xml === null) throw new Error('word/document.xml is missing');
  const doc = parseXml(xml);
  const w: Walk = { explicit: 1, rendered: 1, sawRendered: false, lines: [], tables: [], checkboxes: [] };

  const newLine = (): LineAcc => ({ text: '', hidden: '', slots: [] });
  const flush = (acc: LineAcc) => {
    w.lines.push({ explicit: w.explicit, rendered: w.rendered, ...acc });
  };

  /** Walks inline content (runs, hyperlinks, inline content controls) into `acc`. */
  const inline = (nodes: XNode[], acc: LineAcc, hiddenRun = false): void => {
    for (const n of nodes) {
      const t = tagOf(n);
      if (t === 'w:r') {
        const dark = hiddenRun || runIsDark(child(n, 'w:rPr'));
        for (const k of kids(n)) {
          const kt = tagOf(k);
          if (kt === 'w:t') {
            const s = kids(k).map(textOf).join('');
            acc.text += s;
            if (dark) acc.hidden += s;
          } else if (kt === 'w:tab') acc.text += '\t';
          else if (kt === 'w:br') {
            if (attr(k, 'w:type') === 'page') {
              flush(acc);
              Object.assign(acc, newLine());
              w.explicit++;
            } else acc.text += ' ';
          } else if (kt === 'w:lastRenderedPageBreak') {
            if (acc.text.trim() !== '') {
              flush(acc);
              Object.assign(acc, newLine());
            }
            w.rendered++;
            w.sawRendered = true;
          }
        }
      } else if (t === 'w:sdt') {
        const info = sdtInfo(n);
        const content = child(n, 'w:sdtContent');
        if (info.checkbox !== null) {
          w.checkboxes.push({ explicit: w.explicit, rendered: w.rendered, checked: info.checkbox });
          acc.text += info.checkbox ? ' ☒ ' : ' ☐ ';
        } else if (info.placeholder) {
          acc.slots.push([false, 1]);
          acc.text += SLOT_MARK;
        } else {
          const before = acc.text.length;
          if (content) inline(kids(content), acc, hiddenRun);
          acc.slots.push([acc.text.slice(before).trim() !== '', 1]);
        }
      } else if (t === 'w:del' || t === 'w:rPr' || t === 'w:pPr') {
        continue;
      } else if (t !== '#text') {
        inline(kids(n), acc, hiddenRun);
      }
    }
  };

  const paragraph = (p: XNode): void => {
    const pPr = child(p, 'w:pPr');
    if (pPr && child(pPr, 'w:pageBreakBefore')) w.explicit++;
    const acc = newLine();
    inline(kids(p), acc);
    flush(acc);
    const sect = pPr ? child(pPr, 'w:sectPr') : undefined;
    if (sect) {
      const type = child(sect, 'w:type');
      const v = type ? attr(type, 'w:val') : 'nextPage';
      if (v !== 'continuous') w.explicit++;
    }
  };

  const table = (tbl: XNode): void => {
    const startExplicit = w.explicit;
    const startRendered = w.rendered;
    const rows: string[][] = [];
    const hiddenAndSlots: LineAcc = newLine();
    for (const tr of kids(tbl).filter((k) => tagOf(k) === 'w:tr')) {
      const cells: string[] = [];
      for (const tc of kids(tr).filter((k) => tagOf(k) === 'w:tc')) {
        const saved = w.lines.length;
        blocks(kids(tc));
        const cellLines = w.lines.splice(saved);
        for (const l of cellLines) {
          hiddenAndSlots.hidden += l.hidden ? ` ${l.hidden}` : '';
          hiddenAndSlots.slots.push(...l.slots);
        }
        cells.push(cellLines.map((l) => l.text).join(' '));
      }
      rows.push(cells);
    }
    w.tables.push({ explicit: startExplicit, rendered: startRendered, rows });
    w.lines.push({ ...hiddenAndSlots, explicit: startExplicit, rendered: startRendered, text: '' });
  };

  const blocks = (nodes: XNode[]): void => {
    for (const n of nodes) {
      const t = tagOf(n);
      if (t === 'w:p') paragraph(n);
      else if (t === 'w:tbl') table(n);
      else if (t === 'w:sdt') {
        const info = sdtInfo(n);
        const content = child(n, 'w:sdtContent');
        if (info.placeholder) {
          w.lines.push({
            explicit: w.explicit,
            rendered: w.rendered,
            text: SLOT_MARK,
            hidden: '',
            slots: [[false, 1]],
          });
        } else if (content) {
          const saved = w.lines.length;
          blocks(kids(content));
          const inner = w.lines.slice(saved);
          const hasText = inner.some((l) => l.text.trim() !== '' && l.text !== SLOT_MARK);
          w.lines.push({ explicit: w.explicit, rendered: w.rendered, text: '', hidden: '', slots: [[hasText, 1]] });
        }
      } else if (t === 'w:body' || t === 'w:document' || t === 'w:customXml') blocks(kids(n));
    }
  };
  blocks(doc);

  const useRendered = w.sawRendered;
  const pageOf = (x: { explicit: number; rendered: number }) => (useRendered ? x.rendered : x.explicit);
  const b = new PageBuilder();
  for (const l of w.lines) {
    const n = pageOf(l);
    b.line(n, l.text);
    b.hidden(n, l.hidden);
    for (const [filled, count] of l.slots) b.slot(n, filled, count);
  }
  for (const t of w.tables) b.table(pageOf(t), t.rows);
  const ticked = w.checkboxes.filter((c) => c.checked).length;
  for (const c of w.checkboxes) {
    // An unticked box among ticked ones is an answer ("no"); a form where no box is ticked is unfilled.
    if (c.checked) b.slot(pageOf(c), true);
    else if (ticked === 0) b.slot(pageOf(c), false);
  }
  const counted = Math.max(useRendered ? w.rendered : w.explicit, b.pages.length, 1);
  const saved = readAppPages(partText(parts, 'docProps/app.xml'));
  const pageCount = Math.max(counted, saved ?? 0);
  b.page(pageCount);
  return {
    format: 'docx',
    pageCount,
    pages: b.pages,
    metadata: readCoreProperties(partText(parts, 'docProps/core.xml')),
    slots: b.slots,
    pagesEstimated: !useRendered && (saved === null || saved !== counted),
    truncatedAfter: null,
  };
}
