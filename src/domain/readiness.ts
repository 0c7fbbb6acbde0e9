/**
 * Readiness: is an application ready to submit? Mirrors the published application checklist.
 *
 * Hard problems (block submission):
 * - too_few_documents: fewer completed documents than the level's minimum (4 / 8 / 12). Documents
 *   not declared completed and anonymised do not count.
 * - evidence_too_old: a document dated (evidenceDate, else lastModified) before the London
 *   calendar date 12 months before `at`. Exactly 12 calendar months old is still current; the
 *   comparison is by London date, so the time of day does not matter.
 * - empty_commentary: a criterion up to the target level has no commentary, or only blank text.
 * - no_references: commentary that references no document (it must name the evidence).
 * - missing_reference: a reference whose document name matches no uploaded document
 *   (compared trimmed and case-insensitively).
 * - invalid_pages: a reference without page numbers, or with a page that is not a positive whole number.
 * Soft problems (shown, do not block):
 * - document_not_completed: a document not declared completed/anonymised (it does not count).
 * - document_unreferenced: a document no commentary (up to the target level) references.
 * From inspecting the documents themselves (evidence-findings.ts), when inspections are given:
 * - evidence_finding (hard): a blank template, personal data or a fake redaction in a document;
 * - page_not_in_document (hard): a reference to a page past the document's last page;
 * - evidence_warning (soft): a warning the applicant has not dismissed (dismissed ones drop out).
 *   A document's inspected date stands in for the declared evidence date when none is declared.
 * Commentary for criteria above the target level, or for unknown criteria, is ignored.
 */
import { normaliseDocumentName, openFindings, type DocumentInspection } from './evidence-findings.js';
import { criteriaUpTo, sectionTitle, type Framework } from './framework.js';
import { MIN_DOCUMENTS } from './levels.js';
import { addMonthsLondon, addMonthsToDateKey, formatLondon, londonDateKey } from './time.js';
import { SECTION_NUMBERS, type Commentary, type EvidenceDocument, type Level, type SectionNumber } from './types.js';

export const EVIDENCE_MAX_AGE_MONTHS = 12;

export type ReadinessProblemKind =
  | 'too_few_documents'
  | 'evidence_too_old'
  | 'empty_commentary'
  | 'missing_reference'
  | 'no_references'
  | 'invalid_pages'
  | 'document_not_completed'
  | 'document_unreferenced'
  | 'evidence_finding'
  | 'page_not_in_document'
  | 'evidence_warning';

export interface ReadinessProblem {
  kind: ReadinessProblemKind;
  severity: 'hard' | 'soft';
  message: string;
  criterionId?: string;
  documentName?: string;
  /** for evidence_warning: the finding's key, to dismiss it */
  findingKey?: string;
}

export interface Readiness {
  ready: boolean;
  documentsCompleted: number;
  documentsRequired: number;
  problems: ReadinessProblem[];
  /** Per section: criteria up to the target level, and how many have complete commentary. */
  sections: { section: SectionNumber; criteria: number; completed: number }[];
}

export interface ReadinessInput {
  framework: Framework;
  targetLevel: Level;
  commentary: readonly Commentary[];
  documents: readonly EvidenceDocument[];
  /** The instant readiness is judged at (submission time, or now for a preview). */
  at: Date;
  /** The latest inspection of each document (by name), when the documents have been inspected. */
  inspections?: readonly DocumentInspection[];
  /** Keys `<normalised document name>|<finding key>` of warnings the applicant dismissed. */
  dismissed?: ReadonlySet<string>;
}

export { normaliseDocumentName };

/** The London calendar date (YYYY-MM-DD) of the oldest evidence still current at `at`. */
export function oldestCurrentEvidenceDate(at: Date): string {
  return addMonthsToDateKey(londonDateKey(at), -EVIDENCE_MAX_AGE_MONTHS);
}

/**
 * Evidence is current when its London date is on or after the date 12 calendar months before `at`
 * (`oldest`: that date, when the caller has it already).
 */
export function isEvidenceCurrent(
  doc: Pick<EvidenceDocument, 'evidenceDate' | 'lastModified'>,
  at: Date,
  oldest = oldestCurrentEvidenceDate(at),
): boolean {
  return londonDateKey(doc.evidenceDate ?? doc.lastModified) >= oldest;
}

/**
 * A document's inspected date (YYYY-MM-DD, what its content or metadata shows) judged against the
 * evidence window at `at`: the problem in words when it is too old, else null.
 */
export function inspectedDateProblem(documentDate: string | null, at: Date): string | null {
  if (documentDate === null) return null;
  const dated = new Date(`${documentDate}T12:00:00Z`);
  if (isEvidenceCurrent({ evidenceDate: dated, lastModified: dated }, at)) return null;
  return `The document appears to be dated ${formatLondon(dated, 'date')}. Evidence must be dated within the last ${EVIDENCE_MAX_AGE_MONTHS} months (on or after ${formatLondon(addMonthsLondon(at, -EVIDENCE_MAX_AGE_MONTHS), 'date')}).`;
}

/**
 * Whether an application's inspected documents leave anything open (the admins' count): a finding
 * still standing (openFindings) or an inspected date outside the evidence window at `at`.
 */
export function hasOpenFindings(
  inspections: readonly DocumentInspection[],
  dismissed: ReadonlySet<string> | undefined,
  at: Date,
): boolean {
  return inspections.some(
    (i) => openFindings(i, dismissed).length > 0 || inspectedDateProblem(i.documentDate, at) !== null,
  );
}

function isPositiveInteger(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n > 0;
}

export function assessReadiness(input: ReadinessInput): Readiness {
  const { framework, targetLevel, commentary, documents, at } = input;
  const inspected = new Map((input.inspections ?? []).map((i) => [normaliseDocumentName(i.documentName), i]));
  const problems: ReadinessProblem[] = [];
  const hard = (p: Omit<ReadinessProblem, 'severity'>) => problems.push({ ...p, severity: 'hard' });
  const soft = (p: Omit<ReadinessProblem, 'severity'>) => problems.push({ ...p, severity: 'soft' });

  // Documents: count and currency.
  const documentsRequired = MIN_DOCUMENTS[targetLevel];
  const documentsCompleted = documents.filter((d) => d.completed).length;
  if (documentsCompleted < documentsRequired) {
    hard({
      kind: 'too_few_documents',
      message: `A ${targetLevel} application needs at least ${documentsRequired} completed, anonymised documents; you have ${documentsCompleted}.`,
    });
  }
  const oldestKey = oldestCurrentEvidenceDate(at);
  for (const d of documents) {
    const inspectedDate = inspected.get(normaliseDocumentName(d.name))?.documentDate;
    const dated: Pick<EvidenceDocument, 'evidenceDate' | 'lastModified'> = {
      evidenceDate: d.evidenceDate ?? (inspectedDate ? new Date(`${inspectedDate}T12:00:00Z`) : null),
      lastModified: d.lastModified,
    };
    if (!isEvidenceCurrent(dated, at, oldestKey)) {
      hard({
        kind: 'evidence_too_old',
        documentName: d.name,
        message: `“${d.name}” is dated ${formatLondon(dated.evidenceDate ?? d.lastModified, 'date')}. Evidence must be dated within the last ${EVIDENCE_MAX_AGE_MONTHS} months (on or after ${formatLondon(addMonthsLondon(at, -EVIDENCE_MAX_AGE_MONTHS), 'date')}).`,
      });
    }
    const inspection = inspected.get(normaliseDocumentName(d.name));
    for (const f of inspection ? openFindings(inspection, input.dismissed) : []) {
      if (f.severity === 'hard')
        hard({ kind: 'evidence_finding', documentName: d.name, message: `“${d.name}”: ${f.message}` });
      else
        soft({
          kind: 'evidence_warning',
          documentName: d.name,
          findingKey: f.key,
          message: `“${d.name}”: ${f.message}`,
        });
    }
    if (!d.completed) {
      soft({
        kind: 'document_not_completed',
        documentName: d.name,
        message: `“${d.name}” is not marked as completed and anonymised, so it does not count towards the ${documentsRequired} documents. Blank templates are not accepted.`,
      });
    }
  }

  // Commentary for every criterion up to the target level.
  const docNames = new Set(documents.map((d) => normaliseDocumentName(d.name)));
  const referenced = new Set<string>();
  const criteria = criteriaUpTo(framework, targetLevel);
  const byCriterion = new Map<string, Commentary[]>();
  for (const c of commentary) byCriterion.set(c.criterionId, [...(byCriterion.get(c.criterionId) ?? []), c]);
  const completedIds = new Set<string>();

  for (const criterion of criteria) {
    const entries = byCriterion.get(criterion.id) ?? [];
    const text = entries
      .map((e) => e.text)
      .join('\n')
      .trim();
    const refs = entries.flatMap((e) => e.references);
    let complete = true;
    const where = `criterion ${criterion.id} (${sectionTitle(criterion.section)})`;
    if (text === '') {
      complete = false;
      hard({
        kind: 'empty_commentary',
        criterionId: criterion.id,
        message: `The commentary for ${where} is empty. Every commentary box must be filled in.`,
      });
    }
    if (refs.length === 0) {
      complete = false;
      if (text !== '') {
        hard({
          kind: 'no_references',
          criterionId: criterion.id,
          message: `The commentary for ${where} does not reference any evidence. Name each supporting document and its page numbers.`,
        });
      }
    }
    for (const ref of refs) {
      const name = normaliseDocumentName(ref.documentName ?? '');
      if (name === '' || !docNames.has(name)) {
        complete = false;
        hard({
          kind: 'missing_reference',
          criterionId: criterion.id,
          documentName: ref.documentName,
          message:
            name === ''
              ? `A reference in ${where} has no document name.`
              : `The commentary for ${where} references “${ref.documentName.trim()}”, which is not in your evidence folder. Check the name matches the uploaded document.`,
        });
      } else {
        referenced.add(name);
      }
      const pages = Array.isArray(ref.pages) ? ref.pages : [];
      const pageCount = inspected.get(name)?.pages;
      const past = typeof pageCount === 'number' ? pages.filter((p) => isPositiveInteger(p) && p > pageCount) : [];
      if (past.length > 0) {
        complete = false;
        hard({
          kind: 'page_not_in_document',
          criterionId: criterion.id,
          documentName: ref.documentName,
          message: `The reference in ${where} cites page ${past.join(', ')} of “${ref.documentName.trim()}”, which has ${pageCount} page${pageCount === 1 ? '' : 's'}.`,
        });
      }
      if (pages.length === 0 || !pages.every(isPositiveInteger)) {
        complete = false;
        hard({
          kind: 'invalid_pages',
          criterionId: criterion.id,
          documentName: ref.documentName,
          message:
            pages.length === 0
              ? `The reference to “${ref.documentName.trim()}” in ${where} has no page numbers.`
              : `The reference to “${ref.documentName.trim()}” in ${where} has page numbers that are not whole numbers from 1 up.`,
        });
      }
    }
    if (complete) completedIds.add(criterion.id);
  }

  // Documents nobody references.
  const reported = new Set<string>();
  for (const d of documents) {
    const n = normaliseDocumentName(d.name);
    if (!referenced.has(n) && !reported.has(n)) {
      reported.add(n);
      soft({
        kind: 'document_unreferenced',
        documentName: d.name,
        message: `“${d.name}” is not referenced in any commentary, so reviewers may not look at it.`,
      });
    }
  }

  const sections = SECTION_NUMBERS.map((section) => {
    const inSection = criteria.filter((c) => c.section === section);
    return { section, criteria: inSection.length, completed: inSection.filter((c) => completedIds.has(c.id)).length };
  });

  return {
    ready: !problems.some((p) => p.severity === 'hard'),
    documentsCompleted,
    documentsRequired,
    problems,
    sections,
  };
}
