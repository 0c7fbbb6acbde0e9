/**
 * The small layer over pdf-lib the award documents share: a document with fixed metadata (so the
 * same award gives the same bytes), the embedded fonts, and wrapped text.
 *
 * pdf-lib and fontkit are loaded by the first `newPdf` (together about half a second of CPU to
 * load, which no start-up should pay); the other helpers here draw on a document made by it.
 */
import type { Degrees, PDFDocument, PDFFont, PDFPage, RGB } from 'pdf-lib';
import { fontBytes, printable, rgb01 } from './style.js';

type Fontkit = Parameters<PDFDocument['registerFontkit']>[0];
interface PdfLibraries {
  pdfLib: typeof import('pdf-lib');
  fontkit: Fontkit;
}
let loading: Promise<PdfLibraries> | undefined;
let loaded: PdfLibraries | undefined;

function loadLibraries(): Promise<PdfLibraries> {
  loading ??= Promise.all([import('pdf-lib'), import('@pdf-lib/fontkit')]).then(([pdfLib, fontkit]) => {
    // A CommonJS module: its exports are the default export of the import.
    loaded = { pdfLib, fontkit: (fontkit as unknown as { default: Fontkit }).default };
    return loaded;
  });
  return loading;
}

/** pdf-lib, loaded by `newPdf` (which every document starts with). */
function pdfLib(): typeof import('pdf-lib') {
  if (!loaded) throw new Error('pdf-lib is not loaded yet: start the document with newPdf');
  return loaded.pdfLib;
}

/** A4 in PDF points. */
export const A4: [number, number] = [595.28, 841.89];

export interface Pdf {
  doc: PDFDocument;
  regular: PDFFont;
  bold: PDFFont;
}

/**
 * A new document. Its dates are `at` (never the current time) and pdf-lib's generated names come
 * from its seeded generator, so two renders of the same content are byte-identical.
 */
export async function newPdf(meta: { title: string; subject: string; at: Date }): Promise<Pdf> {
  const { pdfLib, fontkit } = await loadLibraries();
  const doc = await pdfLib.PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fontkit);
  const { regular, bold } = fontBytes();
  const [r, b] = await Promise.all([doc.embedFont(regular, { subset: true }), doc.embedFont(bold, { subset: true })]);
  doc.setTitle(meta.title, { showInWindowTitleBar: true });
  doc.setSubject(meta.subject);
  doc.setAuthor('NHS England Work Experience Quality Standard');
  doc.setCreator('WEx QS');
  doc.setProducer('WEx QS (pdf-lib)');
  doc.setLanguage('en-GB');
  doc.setCreationDate(meta.at);
  doc.setModificationDate(meta.at);
  return { doc, regular: r, bold: b };
}

export function colour(hex: string): RGB {
  const [r, g, b] = rgb01(hex);
  return pdfLib().rgb(r, g, b);
}

/** A rotation of `angle` degrees. */
export function degrees(angle: number): Degrees {
  return pdfLib().degrees(angle);
}

/** Splits text into lines no wider than `width` at `size` (words longer than a line are broken). */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of printable(text).split('\n')) {
    const words = paragraph.split(/\s+/).filter(Boolean);
    if (words.length === 0) {
      lines.push('');
      continue;
    }
    let line = '';
    for (let word of words) {
      while (font.widthOfTextAtSize(word, size) > width) {
        let cut = word.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(word.slice(0, cut), size) > width) cut--;
        if (line) {
          lines.push(line);
          line = '';
        }
        lines.push(word.slice(0, cut));
        word = word.slice(cut);
      }
      const candidate = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(candidate, size) <= width) line = candidate;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines;
}

/** Draws text centred on `cx`. */
export function centred(
  page: PDFPage,
  text: string,
  opts: { cx: number; y: number; font: PDFFont; size: number; colour: string },
): void {
  const w = opts.font.widthOfTextAtSize(text, opts.size);
  page.drawText(text, { x: opts.cx - w / 2, y: opts.y, size: opts.size, font: opts.font, color: colour(opts.colour) });
}

/** The largest size ≤ `max` (and ≥ `min`) at which `text` fits `width` in at most `maxLines` lines. */
export function fitSize(
  text: string,
  font: PDFFont,
  opts: { max: number; min: number; width: number; maxLines: number },
): { size: number; lines: string[] } {
  for (let size = opts.max; size > opts.min; size -= 1) {
    const lines = wrap(text, font, size, opts.width);
    if (lines.length <= opts.maxLines) return { size, lines };
  }
  return { size: opts.min, lines: wrap(text, font, opts.min, opts.width).slice(0, opts.maxLines) };
}
