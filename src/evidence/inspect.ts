/**
 * Inspects one evidence file: finds its format, reads it with the format's reader, and applies
 * every rule. Pure apart from the parsing work: the time is passed in, nothing is read from disk
 * or the network, and personal data leaves only as kind, page and masked hint.
 *
 * `rendition` is the PDF that Graph converts an Office file to (`/content?format=pdf`): when it is
 * given, pages, text, pictures and hidden text come from it, so page numbers match what reviewers
 * see; the original still gives the form signals (content controls, checkboxes) and the metadata.
 */
import { isEvidenceCurrent, EVIDENCE_MAX_AGE_MONTHS } from '../domain/readiness.js';
import { readDocx } from './formats/docx.js';
import { readPdf } from './formats/pdf.js';
import { readPptx } from './formats/pptx.js';
import { readXlsx } from './formats/xlsx.js';
import { INSPECTION_LIMITS } from './limits.js';
import { assessCompleteness } from './rules/template.js';
import { findDocumentDate } from './rules/document-date.js';
import { metadataFindings, pagePersonalData } from './rules/personal-data.js';
import {
  InspectionRefused,
  personalDataKindWords,
  type EvidenceFormat,
  type ExtractedDocument,
  type InspectionProblem,
  type InspectionResult,
} from './types.js';
import { listZip } from './zip-parts.js';

export interface InspectOptions {
  /** The time the inspection is judged at (document age). */
  now: Date;
  rendition?: Uint8Array;
  limits?: typeof INSPECTION_LIMITS;
}

/** Sniffs the format from the bytes (never from the file name). */
export function detectFormat(bytes: Uint8Array): EvidenceFormat | 'zip' | 'ole' | null {
  const head = Buffer.from(bytes.subarray(0, 1024));
  if (head.includes('%PDF-')) return 'pdf';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    const names = new Set(listZip(bytes).map((f) => f.name));
    if (names.has('word/document.xml')) return 'docx';
    if (names.has('xl/workbook.xml')) return 'xlsx';
    if (names.has('ppt/presentation.xml')) return 'pptx';
    return 'zip';
  }
  if (head.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) return 'ole';
  if (head[0] === 0xff && head[1] === 0xd8) return 'image';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image';
  if (/^(II\*\0|MM\0\*)/.test(head.subarray(0, 4).toString('latin1'))) return 'image';
  return null;
}

export async function extract(bytes: Uint8Array, limits = INSPECTION_LIMITS): Promise<ExtractedDocument> {
  if (bytes.length > limits.maxFileBytes)
    throw new InspectionRefused(
      'too_large',
      `The file is ${Math.round(bytes.length / 1024 / 1024)} MB; files over ${limits.maxFileBytes / 1024 / 1024} MB are not checked automatically.`,
    );
  const format = detectFormat(bytes);
  try {
    switch (format) {
      case 'pdf':
        return await readPdf(bytes, limits);
      case 'docx':
        return readDocx(bytes);
      case 'xlsx':
        return readXlsx(bytes);
      case 'pptx':
        return readPptx(bytes);
      case 'image':
        return {
          format: 'image',
          pageCount: 1,
          pages: [{ number: 1, lines: [], pairs: [], hasImages: true, hiddenText: [] }],
          metadata: { author: null, lastModifiedBy: null, created: null, modified: null },
          slots: { empty: new Map(), filled: new Map() },
          pagesEstimated: false,
          truncatedAfter: null,
        };
      case 'ole':
        throw new InspectionRefused(
          'unsupported',
          'This is an old Office format (.doc, .xls or .ppt); save it as .docx, .xlsx, .pptx or PDF.',
        );
      case 'zip':
        throw new InspectionRefused('unsupported', 'This zip file is not a Word, Excel or PowerPoint document.');
      default:
        throw new InspectionRefused('unsupported', 'The file is not a PDF, Word, Excel, PowerPoint or image file.');
    }
  } catch (e) {
    if (e instanceof InspectionRefused) throw e;
    throw new InspectionRefused('damaged', `The file cannot be read (${(e as Error).message}).`);
  }
}

const pagesList = (pages: number[]) =>
  pages.length === 1 ? `page ${pages[0]}` : `pages ${pages.slice(0, -1).join(', ')} and ${pages[pages.length - 1]}`;

export async function inspectDocument(bytes: Uint8Array, o: InspectOptions): Promise<InspectionResult> {
  const limits = o.limits ?? INSPECTION_LIMITS;
  const original = await extract(bytes, limits);
  const view = o.rendition && original.format !== 'pdf' ? await extract(o.rendition, limits) : original;
  const problems: InspectionProblem[] = [];

  const textless = view.pages
    .filter((p) => [...p.lines, ...p.pairs].join('').replace(/\s/g, '').length < 10)
    .map((p) => p.number);
  const imageOnly = view.pages.filter((p) => textless.includes(p.number) && p.hasImages).map((p) => p.number);

  const completeness = assessCompleteness(original);
  if (completeness.blankTemplate)
    problems.push({
      code: 'blank_template',
      severity: 'hard',
      pages: completeness.emptyPages,
      message: `This looks like a blank template (${Math.round(completeness.completeness * 100)}% filled in). Blank templates are not accepted: upload the completed document.`,
    });
  else if (completeness.partlyFilled)
    problems.push({
      code: 'partly_filled',
      severity: 'warning',
      pages: completeness.emptyPages,
      message: `Parts of this form look unfilled (${Math.round(completeness.completeness * 100)}% filled in) on ${pagesList(completeness.emptyPages)}.`,
    });

  const personalData = [
    ...view.pages.flatMap((p) => pagePersonalData(p, o.now)),
    ...metadataFindings(original.metadata),
  ];
  if (personalData.length > 0) {
    const kinds = [...new Set(personalData.map((f) => f.kind))].map((k) => personalDataKindWords(k));
    const pages = [...new Set(personalData.map((f) => f.page).filter((p): p is number => p !== null))].sort(
      (a, b) => a - b,
    );
    problems.push({
      code: 'personal_data',
      severity: 'hard',
      pages,
      message: `Personal data found (${kinds.join(', ')})${pages.length ? ` on ${pagesList(pages)}` : ''}. Remove or redact it before you submit.`,
    });
  }

  const hiddenPages = view.pages.filter((p) => p.hiddenText.length > 0).map((p) => p.number);
  if (hiddenPages.length > 0)
    problems.push({
      code: 'fake_redaction',
      severity: 'hard',
      pages: hiddenPages,
      message: `Text under a black box or black highlight can still be copied out on ${pagesList(hiddenPages)}. Delete the text itself (or use a redaction tool) instead of covering it.`,
    });

  const date = findDocumentDate(
    view.format === original.format ? original : { ...view, metadata: original.metadata },
    o.now,
  );
  if (date.date && !isEvidenceCurrent({ evidenceDate: new Date(`${date.date}T12:00:00Z`), lastModified: o.now }, o.now))
    problems.push({
      code: 'document_too_old',
      severity: 'hard',
      pages: [],
      message: `The document appears to be dated ${date.date}. Evidence must be from the last ${EVIDENCE_MAX_AGE_MONTHS} months.`,
    });

  if (imageOnly.length > 0)
    problems.push({
      code: 'image_only_pages',
      severity: 'warning',
      pages: imageOnly,
      message: `${pagesList(imageOnly)[0]!.toUpperCase()}${pagesList(imageOnly).slice(1)} ${imageOnly.length === 1 ? 'is a scan or picture' : 'are scans or pictures'} with no text: not checked automatically. Check them for personal data yourself.`,
    });

  const reasons: string[] = [];
  const textChars = view.pages.reduce((n, p) => n + p.lines.join('').length, 0);
  if (view.pages.length > 0 && textless.length > view.pages.length / 2 && view.format !== 'image')
    reasons.push('most pages have no text');
  if (date.source === null) reasons.push('no date was found in the document');
  else if (date.source === 'metadata') reasons.push('its date comes only from the file properties');
  if (view.pagesEstimated) reasons.push('page numbers are estimated from the Word file');
  if (textChars === 0 && view.format !== 'image') reasons.push('no text could be read');
  if (reasons.length > 0)
    problems.push({
      code: 'low_confidence',
      severity: 'warning',
      pages: [],
      message: `This check is less certain: ${reasons.join('; ')}.`,
    });

  if (view.truncatedAfter !== null)
    problems.push({
      code: 'truncated',
      severity: 'warning',
      pages: [],
      message: `Only the first ${view.truncatedAfter} of ${view.pageCount} pages were checked.`,
    });

  return {
    format: original.format,
    pages: view.pageCount,
    textlessPages: textless,
    blankTemplate: completeness.blankTemplate,
    completeness: completeness.completeness,
    personalData,
    documentDate: date.date,
    documentDateSource: date.source,
    problems,
  };
}
