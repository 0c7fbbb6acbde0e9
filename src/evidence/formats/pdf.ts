/**
 * PDF reader on pdf.js (through unpdf's serverless build): text per page, form fields, metadata,
 * pictures, and text that is still extractable under a black box or black highlight.
 *
 * Fake redaction: the page's operator list is replayed with the current transformation matrix, so
 * each text run and each filled rectangle has a position on the page. A run counts as hidden when
 * a near-black filled rectangle covers at least half of it and either the rectangle was painted
 * after the text (a box drawn over it) or the text itself is dark (black on a black highlight).
 * Invisible text (rendering mode 3, the OCR layer of a scan) is never reported.
 */
import { getDocumentProxy, getResolvedPDFJS } from 'unpdf';
import { INSPECTION_LIMITS } from '../limits.js';
import { InspectionRefused, type ExtractedDocument, type ExtractedMetadata } from '../types.js';
import { PageBuilder } from './page-builder.js';

type Matrix = [number, number, number, number, number, number];
const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

function mul(outer: Matrix, inner: Matrix): Matrix {
  const [a, b, c, d, e, f] = outer;
  const [A, B, C, D, E, F] = inner;
  return [a * A + c * B, b * A + d * B, a * C + c * D, b * C + d * D, a * E + c * F + e, b * E + d * F + f];
}

function apply(m: Matrix, x: number, y: number): [number, number] {
  return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
}

function toMatrix(v: unknown): Matrix {
  if (!v || typeof v !== 'object') return [...IDENTITY];
  const o = v as Record<number, number>;
  return [o[0] ?? 1, o[1] ?? 0, o[2] ?? 0, o[3] ?? 1, o[4] ?? 0, o[5] ?? 0];
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function boxOf(m: Matrix, x0: number, y0: number, x1: number, y1: number): Box {
  const pts = [apply(m, x0, y0), apply(m, x1, y0), apply(m, x0, y1), apply(m, x1, y1)];
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

function overlapShare(text: Box, cover: Box): number {
  const w = Math.max(0, Math.min(text.x1, cover.x1) - Math.max(text.x0, cover.x0));
  const h = Math.max(0, Math.min(text.y1, cover.y1) - Math.max(text.y0, cover.y0));
  const area = (text.x1 - text.x0) * (text.y1 - text.y0);
  return area > 0 ? (w * h) / area : 0;
}

function isDark(hex: string): boolean {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return false;
  return [m[1], m[2], m[3]].every((c) => parseInt(c!, 16) < 48);
}

interface Glyph {
  unicode?: string;
  width?: number;
  isSpace?: boolean;
}

/** Replays one page's operators: dark rectangles and text runs with positions and paint order. */
function hiddenRuns(fnArray: number[], argsArray: unknown[][], OPS: Record<string, number>): string[] {
  const FILLS = new Set([
    OPS.fill,
    OPS.eoFill,
    OPS.fillStroke,
    OPS.eoFillStroke,
    OPS.closeFillStroke,
    OPS.closeEOFillStroke,
  ]);
  let ctm: Matrix = [...IDENTITY];
  let fill = '#000000';
  const stack: { ctm: Matrix; fill: string }[] = [];
  let tm: Matrix = [...IDENTITY];
  let lineStart: Matrix = [...IDENTITY];
  let fontSize = 12;
  let leading = 0;
  let charSpacing = 0;
  let wordSpacing = 0;
  let hScale = 1;
  let renderMode = 0;
  const runs: { box: Box; text: string; order: number; dark: boolean }[] = [];
  const rects: { box: Box; order: number }[] = [];
  for (let i = 0; i < fnArray.length; i++) {
    const fn = fnArray[i];
    const args = argsArray[i] ?? [];
    switch (fn) {
      case OPS.save:
        stack.push({ ctm: [...ctm], fill });
        break;
      case OPS.restore: {
        const s = stack.pop();
        if (s) ({ ctm, fill } = s);
        break;
      }
      case OPS.transform:
        ctm = mul(ctm, toMatrix(args));
        break;
      case OPS.beginAnnotation:
        stack.push({ ctm: [...ctm], fill });
        ctm = mul(mul(ctm, toMatrix(args[2])), toMatrix(args[3]));
        break;
      case OPS.endAnnotation: {
        const s = stack.pop();
        if (s) ({ ctm, fill } = s);
        break;
      }
      case OPS.setFillRGBColor:
        fill = String(args[0] ?? '#000000');
        break;
      case OPS.beginText:
        tm = [...IDENTITY];
        lineStart = [...IDENTITY];
        break;
      case OPS.setTextMatrix:
        tm = toMatrix(args[0] ?? args);
        if (Array.isArray(args) && typeof args[0] === 'number') tm = toMatrix(args);
        lineStart = [...tm];
        break;
      case OPS.setFont:
        fontSize = Number(args[1] ?? fontSize);
        break;
      case OPS.setLeading:
        leading = Number(args[0] ?? 0);
        break;
      case OPS.setCharSpacing:
        charSpacing = Number(args[0] ?? 0);
        break;
      case OPS.setWordSpacing:
        wordSpacing = Number(args[0] ?? 0);
        break;
      case OPS.setHScale:
        hScale = Number(args[0] ?? 100) / 100;
        break;
      case OPS.setTextRenderingMode:
        renderMode = Number(args[0] ?? 0);
        break;
      case OPS.moveText:
      case OPS.setLeadingMoveText: {
        const tx = Number(args[0] ?? 0);
        const ty = Number(args[1] ?? 0);
        if (fn === OPS.setLeadingMoveText) leading = -ty;
        lineStart = mul(lineStart, [1, 0, 0, 1, tx, ty]);
        tm = [...lineStart];
        break;
      }
      case OPS.nextLine:
        lineStart = mul(lineStart, [1, 0, 0, 1, 0, -leading]);
        tm = [...lineStart];
        break;
      case OPS.showText:
      case OPS.showSpacedText:
      case OPS.nextLineShowText:
      case OPS.nextLineSetSpacingShowText: {
        const glyphs = (Array.isArray(args[0]) ? args[0] : []) as (Glyph | number | null)[];
        let advance = 0;
        let text = '';
        const size = Math.abs(fontSize) || 12;
        for (const g of glyphs) {
          if (typeof g === 'number') advance -= (g / 1000) * size * hScale;
          else if (g) {
            text += g.unicode ?? '';
            advance += (((g.width ?? 0) / 1000) * size + charSpacing + (g.isSpace ? wordSpacing : 0)) * hScale;
          }
        }
        const m = mul(ctm, tm);
        const box = boxOf(m, 0, -0.2 * size, Math.max(advance, 0.1), 0.8 * size);
        if (renderMode !== 3 && renderMode !== 7 && text.trim() !== '')
          runs.push({ box, text, order: i, dark: isDark(fill) });
        tm = mul(tm, [1, 0, 0, 1, advance, 0]);
        break;
      }
      case OPS.constructPath: {
        const paintOp = args[0];
        const mm = args[2] as Record<number, number> | null | undefined;
        if (typeof paintOp === 'number' && FILLS.has(paintOp) && mm && isDark(fill)) {
          const box = boxOf(ctm, mm[0] ?? 0, mm[1] ?? 0, mm[2] ?? 0, mm[3] ?? 0);
          if (box.x1 - box.x0 > 2 && box.y1 - box.y0 > 2) rects.push({ box, order: i });
        }
        break;
      }
      default:
        break;
    }
  }
  const hidden: string[] = [];
  for (const r of runs) {
    const covered = rects.some((c) => overlapShare(r.box, c.box) >= 0.5 && (c.order > r.order || r.dark));
    if (covered) hidden.push(r.text);
  }
  return hidden;
}

function pdfDate(v: unknown): Date | null {
  if (typeof v !== 'string') return null;
  const m = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?/.exec(v);
  if (!m) return null;
  const d = new Date(
    Date.UTC(
      Number(m[1]),
      Number(m[2] ?? 1) - 1,
      Number(m[3] ?? 1),
      Number(m[4] ?? 0),
      Number(m[5] ?? 0),
      Number(m[6] ?? 0),
    ),
  );
  return Number.isNaN(d.getTime()) ? null : d;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

interface FieldObject {
  type?: string;
  value?: unknown;
  page?: number;
  name?: string;
}

export async function readPdf(bytes: Uint8Array, limits = INSPECTION_LIMITS): Promise<ExtractedDocument> {
  const pdfjs = await getResolvedPDFJS();
  const OPS = pdfjs.OPS as unknown as Record<string, number>;
  let pdf;
  try {
    pdf = await getDocumentProxy(new Uint8Array(bytes), { stopAtErrors: false, verbosity: 0 });
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name === 'PasswordException')
      throw new InspectionRefused(
        'encrypted',
        'The PDF is protected by a password, so it cannot be checked. Upload it without the password.',
      );
    throw new InspectionRefused('damaged', `The PDF cannot be read (${(e as Error).message}).`);
  }
  try {
    const pageCount = pdf.numPages;
    const readPages = Math.min(pageCount, limits.maxPages);
    const b = new PageBuilder();
    for (let n = 1; n <= readPages; n++) {
      const page = await pdf.getPage(n);
      const tc = await page.getTextContent();
      let line = '';
      let lastY: number | null = null;
      for (const it of tc.items) {
        if (!('str' in it)) continue;
        const y = it.transform[5] as number;
        if (lastY !== null && Math.abs(y - lastY) > 2 && line !== '') {
          b.line(n, line);
          line = '';
        }
        line += it.str;
        lastY = y;
        if (it.hasEOL) {
          b.line(n, line);
          line = '';
          lastY = null;
        }
      }
      b.line(n, line);
      const ops = await page.getOperatorList();
      const fns = ops.fnArray;
      if (
        fns.some(
          (f) => f === OPS.paintImageXObject || f === OPS.paintInlineImageXObject || f === OPS.paintImageXObjectRepeat,
        )
      )
        b.page(n).hasImages = true;
      for (const h of hiddenRuns(fns, ops.argsArray as unknown[][], OPS)) b.hidden(n, h);
      page.cleanup();
    }
    // Form fields: values live in the widgets, not in the page's text.
    const fields = ((await pdf.getFieldObjects()) ?? {}) as Record<string, FieldObject[]>;
    const boxes: { page: number; checked: boolean }[] = [];
    for (const [name, widgets] of Object.entries(fields)) {
      for (const f of widgets) {
        if (typeof f.page !== 'number' || f.page < 0 || f.page >= readPages) continue;
        const page = f.page + 1;
        if (f.type === 'text' || f.type === 'combobox') {
          const v = typeof f.value === 'string' ? f.value.trim() : '';
          b.slot(page, v !== '');
          if (v !== '') {
            b.line(page, v);
            const label = name.split('.').pop()!.replace(/[_-]+/g, ' ');
            b.page(page).pairs.push(`${label}: ${v}`);
          }
        } else if (f.type === 'checkbox' || f.type === 'radiobutton') {
          boxes.push({ page, checked: typeof f.value === 'string' && f.value !== 'Off' && f.value !== '' });
        }
      }
    }
    const ticked = boxes.some((x) => x.checked);
    for (const x of boxes) if (x.checked || !ticked) b.slot(x.page, x.checked);
    b.page(readPages);
    const meta = await pdf.getMetadata().catch(() => ({ info: {} }));
    const info = (meta.info ?? {}) as Record<string, unknown>;
    const metadata: ExtractedMetadata = {
      author: str(info.Author),
      lastModifiedBy: null,
      created: pdfDate(info.CreationDate),
      modified: pdfDate(info.ModDate),
    };
    return {
      format: 'pdf',
      pageCount,
      pages: b.pages.slice(0, readPages),
      metadata,
      slots: b.slots,
      pagesEstimated: false,
      truncatedAfter: pageCount > readPages ? readPages : null,
    };
  } finally {
    await pdf.loadingTask.destroy();
  }
}
