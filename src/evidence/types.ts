/**
 * Evidence inspection: what the inspectors read out of a file and what they report.
 *
 * Personal data values never leave the inspector: a finding carries its kind, its page and a short
 * masked hint (e.g. `943 *** ****`), nothing else.
 */

export type EvidenceFormat = 'pdf' | 'docx' | 'xlsx' | 'pptx' | 'image';

export const PERSONAL_DATA_KINDS = [
  'nhs_number',
  'ni_number',
  'phone',
  'email',
  'postcode',
  'date_of_birth',
  'person_name',
  'metadata_author',
] as const;
export type PersonalDataKind = (typeof PERSONAL_DATA_KINDS)[number];

const KIND_WORDS: Record<PersonalDataKind, string> = {
  nhs_number: 'NHS number',
  ni_number: 'National Insurance number',
  phone: 'phone number',
  email: 'personal e-mail address',
  postcode: 'postcode',
  date_of_birth: 'date of birth',
  person_name: 'name',
  metadata_author: 'author in the file properties',
};

/** How a kind of personal data is named to people. */
export function personalDataKindWords(kind: PersonalDataKind): string {
  return KIND_WORDS[kind];
}

export interface PersonalDataFinding {
  kind: PersonalDataKind;
  /** 1-based page, or null when the value is not on a page (file metadata). */
  page: number | null;
  /** A masked hint that cannot identify anyone, e.g. `943 *** ****`. */
  hint: string;
}

export type ProblemSeverity = 'hard' | 'warning';

export const PROBLEM_CODES = [
  'blank_template',
  'partly_filled',
  'personal_data',
  'fake_redaction',
  'document_too_old',
  'image_only_pages',
  'low_confidence',
  'duplicate',
  'truncated',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export interface InspectionProblem {
  code: ProblemCode;
  severity: ProblemSeverity;
  /** The pages concerned (empty when the problem is about the whole file). */
  pages: number[];
  message: string;
}

/** One page of text as a reviewer sees it. */
export interface ExtractedPage {
  /** 1-based. */
  number: number;
  /** Text lines in reading order (table rows joined with " | "). */
  lines: string[];
  /** Label/value pairs read from table columns (header cell: cell below), e.g. "Student name: Jo Bloggs". */
  pairs: string[];
  /** The page draws pictures (a scan, a photo). */
  hasImages: boolean;
  /** Text that is still extractable but drawn under a black box or black highlight. */
  hiddenText: string[];
}

/** Form slots: empty and filled fields, content controls, placeholders and checkboxes. */
export interface FormSlots {
  /** empty slots per page (page number → count) */
  empty: Map<number, number>;
  filled: Map<number, number>;
}

export interface ExtractedMetadata {
  author: string | null;
  lastModifiedBy: string | null;
  created: Date | null;
  modified: Date | null;
}

/** What a format reader gives the rules: pages of text plus the file's own signals. */
export interface ExtractedDocument {
  format: EvidenceFormat;
  /** Pages in the file (may be more than `pages.length` when inspection was cut off). */
  pageCount: number;
  pages: ExtractedPage[];
  metadata: ExtractedMetadata;
  slots: FormSlots;
  /** Set when the page positions are estimated (DOCX without a rendition). */
  pagesEstimated: boolean;
  /** Set when only the first pages were read. */
  truncatedAfter: number | null;
}

/** The result for one file: the command line's JSON shape plus masked hints for the product. */
export interface InspectionResult {
  format: EvidenceFormat;
  pages: number;
  textlessPages: number[];
  blankTemplate: boolean;
  /** 0..1, share of the form's slots that are filled (1 when the file has no form slots). */
  completeness: number;
  personalData: PersonalDataFinding[];
  /** YYYY-MM-DD */
  documentDate: string | null;
  /** Where the date came from: the text of the document, or only the file's metadata. */
  documentDateSource: 'content' | 'metadata' | null;
  problems: InspectionProblem[];
}

export class InspectionRefused extends Error {
  constructor(
    readonly reason: 'too_large' | 'encrypted' | 'unsupported' | 'damaged' | 'zip_bomb' | 'timeout' | 'out_of_memory',
    message: string,
  ) {
    super(message);
    this.name = 'InspectionRefused';
  }
}
