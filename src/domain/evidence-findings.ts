/**
 * Evidence findings: what inspecting a document found, as readiness consumes it.
 *
 * Hard (block submission): a blank template, personal data, text under a fake redaction, a
 * document whose own date is older than the evidence window, and a commentary reference to a page
 * the document does not have. Warnings (an applicant may dismiss them with a reason): a partly
 * filled form, low confidence, pages that are scans, a duplicate, a file cut off or not readable.
 * Only kinds, pages and masked hints are held here, never the personal data itself.
 */

export type FindingCode =
  | 'blank_template'
  | 'partly_filled'
  | 'personal_data'
  | 'fake_redaction'
  | 'document_too_old'
  | 'image_only_pages'
  | 'low_confidence'
  | 'duplicate'
  | 'truncated'
  | 'not_readable';

/** Each kind of finding in a few words (where the full message would be too long to repeat). */
export const FINDING_LABELS: Readonly<Record<FindingCode, string>> = {
  blank_template: 'blank template',
  partly_filled: 'partly filled in',
  personal_data: 'personal data',
  fake_redaction: 'text under a redaction',
  document_too_old: 'older than the evidence window',
  image_only_pages: 'scanned pages not checked',
  low_confidence: 'a less certain check',
  duplicate: 'a duplicate of another file',
  truncated: 'only partly read',
  not_readable: 'could not be read',
};

export const HARD_FINDINGS: ReadonlySet<FindingCode> = new Set([
  'blank_template',
  'personal_data',
  'fake_redaction',
  'document_too_old',
]);

export interface StoredFinding {
  code: FindingCode;
  pages: number[];
  message: string;
}

/** The latest inspection of one document. */
export interface DocumentInspection {
  documentName: string;
  /** pages a reviewer sees; null when the file could not be read */
  pages: number | null;
  /** YYYY-MM-DD, the date the document's content shows (or its metadata) */
  documentDate: string | null;
  findings: StoredFinding[];
  /** masked personal data: kind, page, hint */
  personalData: { kind: string; page: number | null; hint: string }[];
}

/** Stable identity of a finding within its document, for dismissals. */
export function findingKey(f: Pick<StoredFinding, 'code' | 'pages'>): string {
  return `${f.code}:${f.pages.join(',')}`;
}

export function isHardFinding(code: FindingCode): boolean {
  return HARD_FINDINGS.has(code);
}

/** How document names are compared: trimmed, case-insensitive. */
export function normaliseDocumentName(name: string): string {
  return name.trim().toLowerCase();
}

/** A dismissal's key, as readiness' `dismissed` set holds them: `<normalised document name>|<finding key>`. */
export function dismissalKey(documentName: string, key: string): string {
  return `${normaliseDocumentName(documentName)}|${key}`;
}

/** A finding still standing: hard ones always, warnings until the applicant dismisses them. */
export interface OpenFinding extends StoredFinding {
  documentName: string;
  severity: 'hard' | 'soft';
  key: string;
}

/**
 * The findings of one document that are still open: every hard finding (they cannot be
 * dismissed) and the warnings not in `dismissed`. A stored "too old" finding is left out: the
 * document's date is judged against the evidence window at the moment readiness is assessed
 * (readiness.ts, evidence_too_old), not when the file was read.
 */
export function openFindings(inspection: DocumentInspection, dismissed?: ReadonlySet<string>): OpenFinding[] {
  const open: OpenFinding[] = [];
  for (const f of inspection.findings) {
    if (f.code === 'document_too_old') continue;
    const key = findingKey(f);
    const hard = isHardFinding(f.code);
    if (!hard && dismissed?.has(dismissalKey(inspection.documentName, key))) continue;
    open.push({ ...f, documentName: inspection.documentName, severity: hard ? 'hard' : 'soft', key });
  }
  return open;
}

/**
 * A link that opens a document, at `page` where the file type documents a way to: for a PDF the
 * fragment `#page=N` (RFC 8118 §3, the application/pdf media type's fragment identifiers, which
 * browsers' PDF viewers follow). Other files (Word, Excel, PowerPoint, opened in Office for the web
 * from their SharePoint webUrl) have no documented page parameter, so they open at the start.
 */
export function documentPageLink(
  webUrl: string,
  documentName: string,
  page: number,
): { url: string; page: number | null } {
  const pdf = /\.pdf$/i.test(documentName.trim());
  if (!pdf || !Number.isInteger(page) || page < 1) return { url: webUrl, page: null };
  return { url: `${webUrl.replace(/#.*$/, '')}#page=${page}`, page };
}
