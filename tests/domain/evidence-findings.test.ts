import { describe, expect, it } from 'vitest';
import {
  dismissalKey,
  documentPageLink,
  findingKey,
  normaliseDocumentName,
  openFindings,
  type DocumentInspection,
} from '../../src/domain/evidence-findings.js';
import { hasOpenFindings, inspectedDateProblem } from '../../src/domain/readiness.js';

const AT = new Date('2026-06-15T12:00:00Z');

function inspection(over: Partial<DocumentInspection> = {}): DocumentInspection {
  return {
    documentName: ' Placement Record.PDF ',
    pages: 4,
    documentDate: '2026-05-01',
    personalData: [],
    findings: [],
    ...over,
  };
}

describe('open findings', () => {
  const hard = { code: 'personal_data' as const, pages: [3], message: 'Personal data found (NHS number) on page 3.' };
  const warning = { code: 'low_confidence' as const, pages: [], message: 'This check is less certain.' };
  const old = { code: 'document_too_old' as const, pages: [], message: 'Dated 2024-01-01.' };

  it('keeps hard findings and warnings, each with its key and severity; leaves the stored age to readiness', () => {
    const open = openFindings(inspection({ findings: [hard, warning, old] }));
    expect(open.map((f) => [f.code, f.severity, f.key])).toEqual([
      ['personal_data', 'hard', 'personal_data:3'],
      ['low_confidence', 'soft', 'low_confidence:'],
    ]);
    expect(open[0]!.documentName).toBe(' Placement Record.PDF ');
  });

  it('drops a dismissed warning, never a hard finding (names compared trimmed and case-insensitively)', () => {
    const dismissed = new Set([
      dismissalKey('placement record.pdf', findingKey(warning)),
      dismissalKey('PLACEMENT RECORD.PDF', findingKey(hard)),
    ]);
    expect(openFindings(inspection({ findings: [hard, warning] }), dismissed).map((f) => f.code)).toEqual([
      'personal_data',
    ]);
    expect(dismissalKey(' A.pdf ', 'x:1')).toBe(`${normaliseDocumentName('a.PDF')}|x:1`);
  });

  it('an application has open findings while a finding stands or an inspected date is outside the window', () => {
    const dismissed = new Set([dismissalKey('placement record.pdf', 'low_confidence:')]);
    expect(hasOpenFindings([inspection({ findings: [warning] })], dismissed, AT)).toBe(false);
    expect(hasOpenFindings([inspection({ findings: [warning] })], undefined, AT)).toBe(true);
    expect(hasOpenFindings([inspection({ findings: [hard] })], dismissed, AT)).toBe(true);
    expect(hasOpenFindings([inspection({ documentDate: '2025-06-14' })], undefined, AT)).toBe(true);
    expect(hasOpenFindings([inspection({ documentDate: '2025-06-15' })], undefined, AT)).toBe(false);
    expect(hasOpenFindings([inspection({ documentDate: null })], undefined, AT)).toBe(false);
    expect(hasOpenFindings([], undefined, AT)).toBe(false);
  });

  it('an inspected date is judged at the moment: outside the window it is a problem in words', () => {
    expect(inspectedDateProblem('2025-06-14', AT)).toBe(
      'The document appears to be dated Sat 14 Jun 2025. Evidence must be dated within the last 12 months (on or after Sun 15 Jun 2025).',
    );
    expect(inspectedDateProblem('2025-06-15', AT)).toBeNull();
    expect(inspectedDateProblem(null, AT)).toBeNull();
  });
});

describe('a link that opens a document at a page', () => {
  const url = 'https://contoso.sharepoint.com/sites/wexqs/Shared%20Documents/Alpha/1/Record.pdf';

  it('a PDF opens at the page (the #page fragment of application/pdf)', () => {
    expect(documentPageLink(url, 'Record.pdf', 3)).toEqual({ url: `${url}#page=3`, page: 3 });
    expect(documentPageLink(`${url}#page=9`, ' record.PDF ', 2)).toEqual({ url: `${url}#page=2`, page: 2 });
  });

  it('other files, and pages that are not whole numbers from 1, open at the start', () => {
    const docx = url.replace('.pdf', '.docx');
    expect(documentPageLink(docx, 'Record.docx', 3)).toEqual({ url: docx, page: null });
    expect(documentPageLink(url, 'Record.pdf', 0)).toEqual({ url, page: null });
    expect(documentPageLink(url, 'Record.pdf', 1.5)).toEqual({ url, page: null });
  });
});
