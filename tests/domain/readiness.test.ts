import { describe, expect, it } from 'vitest';
import { criteriaUpTo } from '../../src/domain/framework.js';
import { DEFAULT_FRAMEWORK } from '../../src/domain/framework-default.js';
import {
  EVIDENCE_MAX_AGE_MONTHS,
  assessReadiness,
  isEvidenceCurrent,
  oldestCurrentEvidenceDate,
  type ReadinessInput,
} from '../../src/domain/readiness.js';
import { addMonthsLondon, londonDate } from '../../src/domain/time.js';
import type { Commentary, EvidenceDocument, Level } from '../../src/domain/types.js';

const AT = londonDate(2025, 9, 19, 15, 0); // submission time, BST
const recent = addMonthsLondon(AT, -1);

const doc = (name: string, over: Partial<EvidenceDocument> = {}): EvidenceDocument => ({
  name,
  section: null,
  evidenceDate: recent,
  lastModified: recent,
  completed: true,
  ...over,
});

/** A complete application at `level` with n documents, every criterion referencing one of them. */
type MutableInput = Omit<ReadinessInput, 'commentary' | 'documents'> & {
  commentary: Commentary[];
  documents: EvidenceDocument[];
};

function complete(level: Level, n: number): MutableInput {
  const documents = Array.from({ length: n }, (_, i) => doc(`Doc ${i + 1}.pdf`));
  const commentary: Commentary[] = criteriaUpTo(DEFAULT_FRAMEWORK, level).map((c, i) => ({
    criterionId: c.id,
    text: `We meet ${c.id}: see the evidence.`,
    references: [{ documentName: documents[i % n]!.name, pages: [1, 2] }],
  }));
  return { framework: DEFAULT_FRAMEWORK, targetLevel: level, commentary, documents, at: AT };
}

const kinds = (r: ReturnType<typeof assessReadiness>, severity?: 'hard' | 'soft') =>
  r.problems.filter((p) => severity === undefined || p.severity === severity).map((p) => p.kind);

describe('readiness: a complete application', () => {
  it('is ready with no problems, at every level', () => {
    for (const [level, n] of [
      ['bronze', 4],
      ['silver', 8],
      ['gold', 12],
    ] as const) {
      const r = assessReadiness(complete(level, n));
      expect(r.problems, level).toEqual([]);
      expect(r.ready).toBe(true);
      expect(r.documentsCompleted).toBe(n);
      expect(r.documentsRequired).toBe(n);
    }
  });
  it('reports per-section progress for criteria up to the target level', () => {
    const r = assessReadiness(complete('bronze', 4));
    expect(r.sections.map((s) => s.section)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const s of r.sections) {
      const n = DEFAULT_FRAMEWORK.criteria.filter((c) => c.section === s.section && c.minimumLevel === 'bronze').length;
      expect(s).toEqual({ section: s.section, criteria: n, completed: n });
    }
    const gold = assessReadiness({ ...complete('gold', 12), commentary: [] });
    expect(gold.sections.reduce((a, s) => a + s.criteria, 0)).toBe(DEFAULT_FRAMEWORK.criteria.length);
    expect(gold.sections.every((s) => s.completed === 0)).toBe(true);
  });
});

describe('readiness: document thresholds', () => {
  for (const [level, min] of [
    ['bronze', 4],
    ['silver', 8],
    ['gold', 12],
  ] as const) {
    it(`${level}: ${min - 1} is too few, ${min} is enough`, () => {
      const ok = complete(level, min);
      expect(assessReadiness(ok).ready).toBe(true);
      const fewer = { ...ok, documents: ok.documents.slice(1) };
      // keep commentary valid: point references at a remaining document
      fewer.commentary = ok.commentary.map((c) => ({
        ...c,
        references: [{ documentName: fewer.documents[0]!.name, pages: [1] }],
      }));
      const r = assessReadiness(fewer);
      expect(r.ready).toBe(false);
      expect(r.documentsCompleted).toBe(min - 1);
      expect(kinds(r, 'hard')).toEqual(['too_few_documents']);
    });
  }
  it('documents not declared completed do not count, and are flagged (soft)', () => {
    const input = complete('bronze', 4);
    input.documents[3] = { ...input.documents[3]!, completed: false };
    const r = assessReadiness(input);
    expect(r.documentsCompleted).toBe(3);
    expect(kinds(r, 'hard')).toEqual(['too_few_documents']);
    expect(r.problems.find((p) => p.kind === 'document_not_completed')).toMatchObject({
      severity: 'soft',
      documentName: 'Doc 4.pdf',
    });
    input.documents.push(doc('Doc 5.pdf'));
    input.commentary[0]!.references.push({ documentName: 'Doc 5.pdf', pages: [3] });
    const r2 = assessReadiness(input);
    expect(r2.ready).toBe(true);
    expect(kinds(r2)).toEqual(['document_not_completed']);
  });
});

describe('readiness: evidence dated within 12 months', () => {
  it('is 12 months', () => expect(EVIDENCE_MAX_AGE_MONTHS).toBe(12));
  const withDate = (evidenceDate: Date | null, lastModified: Date = recent) => {
    const input = complete('bronze', 4);
    input.documents[0] = { ...input.documents[0]!, evidenceDate, lastModified };
    return assessReadiness(input);
  };
  it('11 months old is current; 13 months old is not', () => {
    expect(withDate(addMonthsLondon(AT, -11)).ready).toBe(true);
    const r = withDate(addMonthsLondon(AT, -13));
    expect(r.ready).toBe(false);
    expect(r.problems).toEqual([
      expect.objectContaining({ kind: 'evidence_too_old', severity: 'hard', documentName: 'Doc 1.pdf' }),
    ]);
  });
  it('exactly 12 calendar months (London date) is current, whatever the time of day; a day more is not', () => {
    expect(oldestCurrentEvidenceDate(AT)).toBe('2024-09-19');
    expect(withDate(londonDate(2024, 9, 19, 0, 0)).ready).toBe(true);
    expect(withDate(londonDate(2024, 9, 19, 23, 59)).ready).toBe(true);
    expect(withDate(londonDate(2024, 9, 18, 23, 59)).ready).toBe(false);
  });
  it('compares London dates, not UTC dates', () => {
    // 23:30 UTC on 18 Sep 2024 is 00:30 BST on 19 Sep 2024: current.
    expect(withDate(new Date('2024-09-18T23:30:00Z')).ready).toBe(true);
    expect(withDate(new Date('2024-09-18T22:59:00Z')).ready).toBe(false);
  });
  it('falls back to lastModified when no evidence date is given; the evidence date wins when given', () => {
    expect(withDate(null, addMonthsLondon(AT, -13)).ready).toBe(false);
    expect(withDate(null, addMonthsLondon(AT, -2)).ready).toBe(true);
    expect(withDate(addMonthsLondon(AT, -13), recent).ready).toBe(false);
    expect(withDate(recent, addMonthsLondon(AT, -13)).ready).toBe(true);
  });
  it('leap day: at 28 Feb 2025 the oldest current date is 28 Feb 2024', () => {
    const at = londonDate(2025, 2, 28, 12);
    expect(oldestCurrentEvidenceDate(at)).toBe('2024-02-28');
    expect(isEvidenceCurrent({ evidenceDate: londonDate(2024, 2, 28), lastModified: at }, at)).toBe(true);
    expect(isEvidenceCurrent({ evidenceDate: londonDate(2024, 2, 27, 23, 59), lastModified: at }, at)).toBe(false);
  });
  it('each old document is its own problem', () => {
    const input = complete('bronze', 4);
    input.documents = input.documents.map((d, i) => (i < 2 ? { ...d, evidenceDate: londonDate(2023, 1, 1) } : d));
    const r = assessReadiness(input);
    expect(r.problems.filter((p) => p.kind === 'evidence_too_old').map((p) => p.documentName)).toEqual([
      'Doc 1.pdf',
      'Doc 2.pdf',
    ]);
  });
});

describe('readiness: commentary', () => {
  it('every commentary box up to the target level is mandatory', () => {
    const input = complete('silver', 8);
    const silverOnly = input.commentary.find(
      (c) => DEFAULT_FRAMEWORK.criteria.find((x) => x.id === c.criterionId)?.minimumLevel === 'silver',
    )!;
    input.commentary = input.commentary.filter((c) => c !== silverOnly);
    const r = assessReadiness(input);
    expect(r.ready).toBe(false);
    expect(r.problems).toEqual([
      expect.objectContaining({ kind: 'empty_commentary', severity: 'hard', criterionId: silverOnly.criterionId }),
    ]);
  });
  it('blank text counts as empty', () => {
    const input = complete('bronze', 4);
    input.commentary[0] = { ...input.commentary[0]!, text: '  \n ' };
    const r = assessReadiness(input);
    expect(kinds(r)).toEqual(['empty_commentary']);
    expect(r.sections.find((s) => s.section === 1)!.completed).toBe(1);
  });
  it('no commentary at all: one empty_commentary per criterion, no no_references duplicates', () => {
    const r = assessReadiness({ ...complete('bronze', 4), commentary: [] });
    const bronze = criteriaUpTo(DEFAULT_FRAMEWORK, 'bronze').length;
    expect(kinds(r, 'hard')).toEqual(Array(bronze).fill('empty_commentary'));
  });
  it('commentary must reference at least one document', () => {
    const input = complete('bronze', 4);
    input.commentary[1] = { ...input.commentary[1]!, references: [] };
    const r = assessReadiness(input);
    expect(r.problems).toEqual([
      expect.objectContaining({
        kind: 'no_references',
        severity: 'hard',
        criterionId: input.commentary[1]!.criterionId,
      }),
    ]);
  });
  it('references resolve by name, trimmed and case-insensitive', () => {
    const input = complete('bronze', 4);
    input.commentary[0]!.references = [{ documentName: '  doc 1.PDF ', pages: [1] }];
    expect(assessReadiness(input).ready).toBe(true);
  });
  it('a reference to a document not uploaded is a hard problem', () => {
    const input = complete('bronze', 4);
    input.commentary[0]!.references.push({ documentName: 'Risk assessment v2.docx', pages: [3] });
    input.commentary[1]!.references.push({ documentName: '  ', pages: [3] });
    const r = assessReadiness(input);
    expect(r.ready).toBe(false);
    expect(kinds(r)).toEqual(['missing_reference', 'missing_reference']);
    expect(r.problems[0]).toMatchObject({
      documentName: 'Risk assessment v2.docx',
      criterionId: input.commentary[0]!.criterionId,
    });
  });
  it.each([[[]], [[0]], [[-1]], [[1.5]], [[Number.NaN]], [[1, 0]]])('pages %j are invalid', (pages) => {
    const input = complete('bronze', 4);
    input.commentary[0]!.references = [{ documentName: 'Doc 1.pdf', pages }];
    const r = assessReadiness(input);
    expect(r.ready).toBe(false);
    expect(kinds(r)).toEqual(['invalid_pages']);
  });
  it('a document referenced nowhere is a soft problem only', () => {
    const input = complete('bronze', 4);
    input.documents.push(doc('Unused.pdf'));
    const r = assessReadiness(input);
    expect(r.ready).toBe(true);
    expect(r.problems).toEqual([
      expect.objectContaining({ kind: 'document_unreferenced', severity: 'soft', documentName: 'Unused.pdf' }),
    ]);
  });
  it('commentary for criteria above the target level, or unknown criteria, is ignored', () => {
    const input = complete('bronze', 4);
    input.commentary.push({ criterionId: '1.4', text: '', references: [{ documentName: 'Nope.pdf', pages: [0] }] });
    input.commentary.push({ criterionId: 'zz', text: 'x', references: [] });
    expect(assessReadiness(input).problems).toEqual([]);
  });
  it('a document referenced only above the target level counts as unreferenced', () => {
    const input = complete('bronze', 4);
    input.documents.push(doc('Gold only.pdf'));
    input.commentary.push({
      criterionId: '1.4',
      text: 'x',
      references: [{ documentName: 'Gold only.pdf', pages: [1] }],
    });
    expect(kinds(assessReadiness(input))).toEqual(['document_unreferenced']);
  });
  it('every problem has a plain message', () => {
    const input = complete('gold', 3);
    input.documents.push(doc('Old.pdf', { evidenceDate: londonDate(2020, 1, 1), completed: false }));
    input.commentary[0]!.references.push({ documentName: 'x', pages: [] });
    const r = assessReadiness(input);
    expect(new Set(kinds(r))).toEqual(
      new Set([
        'too_few_documents',
        'evidence_too_old',
        'document_not_completed',
        'missing_reference',
        'invalid_pages',
        'document_unreferenced',
      ]),
    );
    for (const p of r.problems) expect(p.message.length).toBeGreaterThan(20);
  });
});
