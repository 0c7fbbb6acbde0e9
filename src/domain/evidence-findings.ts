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
