/**
 * The feedback report that comes with a decision: the outcome per criterion as the panel found
 * it, the strengths and the areas to improve. A4, as many pages as it needs, each page footed
 * with its number (and the illustrative notice when the cycle used the illustrative framework).
 * Generated from the stored decision and assessments only: the same decision gives the same bytes.
 */
import type { PDFFont, PDFPage } from 'pdf-lib';
import { ILLUSTRATIVE_NOTICE } from '../domain/award.js';
import { OUTCOME_LABELS, outcomeCounts, type CriterionFeedback } from '../domain/feedback.js';
import { sectionTitle } from '../domain/framework.js';
import { formatLondon } from '../domain/time.js';
import type { AssessmentOutcome, Level } from '../domain/types.js';
import { A4, colour, newPdf, wrap, type Pdf } from './pdf-kit.js';
import { LEVEL_NAMES, NHS_BLUE, NHS_DARK_BLUE, SECONDARY, TEXT, WARNING } from './style.js';

export interface FeedbackReportData {
  organisationName: string;
  cycleName: string;
  targetLevel: Level | null;
  /** null: no award this time. */
  awardedLevel: Level | null;
  decidedAt: Date;
  strengths: string;
  improvements: string;
  criteria: CriterionFeedback[];
  illustrative: boolean;
}

const OUTCOME_COLOURS: Record<AssessmentOutcome | 'none', string> = {
  met: '#007F3B',
  partly_met: '#8A5A00',
  not_met: '#D5281B',
  none: SECONDARY,
};

const MARGIN = 50;
const BOTTOM = 70;

class Writer {
  page!: PDFPage;
  y = 0;
  pages: PDFPage[] = [];
  constructor(private readonly pdf: Pdf) {
    this.newPage();
  }
  get width(): number {
    return A4[0] - 2 * MARGIN;
  }
  newPage(): void {
    this.page = this.pdf.doc.addPage(A4);
    this.pages.push(this.page);
    this.y = A4[1] - MARGIN;
  }
  ensure(height: number): void {
    if (this.y - height < BOTTOM) this.newPage();
  }
  line(text: string, opts: { font?: PDFFont; size?: number; colour?: string; indent?: number } = {}): void {
    const size = opts.size ?? 11;
    this.ensure(size * 1.4);
    this.page.drawText(text, {
      x: MARGIN + (opts.indent ?? 0),
      y: this.y - size,
      size,
      font: opts.font ?? this.pdf.regular,
      color: colour(opts.colour ?? TEXT),
    });
    this.y -= size * 1.4;
  }
  paragraph(text: string, opts: { font?: PDFFont; size?: number; colour?: string; indent?: number } = {}): void {
    const size = opts.size ?? 11;
    for (const l of wrap(text, opts.font ?? this.pdf.regular, size, this.width - (opts.indent ?? 0)))
      this.line(l, opts);
  }
  gap(h: number): void {
    this.y -= h;
  }
}

export async function renderFeedbackReport(r: FeedbackReportData): Promise<Uint8Array> {
  const pdf = await newPdf({
    title: `WEx QS feedback report: ${r.organisationName}, ${r.cycleName}`,
    subject: 'Work Experience Quality Standard: outcome per criterion, strengths and areas to improve',
    at: r.decidedAt,
  });
  const { regular, bold } = pdf;
  const w = new Writer(pdf);

  w.line('NHS England · Work Experience Quality Standard', { font: bold, size: 11, colour: NHS_BLUE });
  w.gap(4);
  w.line('Feedback report', { font: bold, size: 24, colour: NHS_DARK_BLUE });
  w.gap(6);
  w.paragraph(r.organisationName, { font: bold, size: 15 });
  w.gap(4);
  const counts = outcomeCounts(r.criteria);
  const facts: [string, string][] = [
    ['Cycle', r.cycleName],
    ['Level applied for', r.targetLevel ? LEVEL_NAMES[r.targetLevel] : 'Not chosen'],
    ['Decision', r.awardedLevel ? `${LEVEL_NAMES[r.awardedLevel]} award` : 'No award this time'],
    ['Decided', formatLondon(r.decidedAt, 'date')],
    [
      'Criteria',
      `${counts.met} met, ${counts.partly_met} partly met, ${counts.not_met} not met${counts.not_assessed ? `, ${counts.not_assessed} not assessed` : ''}`,
    ],
  ];
  for (const [k, v] of facts) {
    w.ensure(16);
    w.page.drawText(`${k}:`, { x: MARGIN, y: w.y - 11, size: 11, font: bold, color: colour(TEXT) });
    w.page.drawText(v, { x: MARGIN + 130, y: w.y - 11, size: 11, font: regular, color: colour(TEXT) });
    w.y -= 16;
  }
  if (r.illustrative) {
    w.gap(6);
    w.paragraph(ILLUSTRATIVE_NOTICE, { font: bold, size: 10, colour: WARNING });
  }

  w.gap(14);
  w.line('Strengths', { font: bold, size: 15, colour: NHS_DARK_BLUE });
  w.paragraph(r.strengths);
  w.gap(10);
  w.line('Areas to improve', { font: bold, size: 15, colour: NHS_DARK_BLUE });
  w.paragraph(r.improvements);

  w.gap(14);
  w.line('Outcome per criterion', { font: bold, size: 15, colour: NHS_DARK_BLUE });
  w.paragraph(
    'Each criterion up to the level applied for, as the review panel found it. Where the reviewers differed, the outcome is “partly met”.',
    { size: 10, colour: SECONDARY },
  );
  let section = 0;
  for (const c of r.criteria) {
    if (c.section !== section) {
      section = c.section;
      w.gap(8);
      w.ensure(40);
      w.line(`Section ${section}: ${sectionTitle(c.section)}`, { font: bold, size: 12, colour: NHS_BLUE });
    }
    const outcome = c.outcome ? OUTCOME_LABELS[c.outcome] : 'Not assessed';
    const textLines = wrap(`${c.criterionId} (${LEVEL_NAMES[c.minimumLevel]}): ${c.text}`, regular, 10, w.width - 100);
    w.ensure(textLines.length * 13 + 4);
    w.page.drawText(outcome, {
      x: MARGIN + w.width - 90,
      y: w.y - 10,
      size: 10,
      font: bold,
      color: colour(OUTCOME_COLOURS[c.outcome ?? 'none']),
    });
    for (const l of textLines) {
      w.page.drawText(l, { x: MARGIN, y: w.y - 10, size: 10, font: regular, color: colour(TEXT) });
      w.y -= 13;
    }
    w.y -= 4;
  }

  const total = w.pages.length;
  w.pages.forEach((p, i) => {
    const footer = `${r.organisationName} · ${r.cycleName} · page ${i + 1} of ${total}`;
    p.drawText(wrap(footer, regular, 8, A4[0] - 2 * MARGIN)[0] ?? '', {
      x: MARGIN,
      y: 40,
      size: 8,
      font: regular,
      color: colour(SECONDARY),
    });
    if (r.illustrative)
      p.drawText('ILLUSTRATIVE: not NHS England’s official criteria', {
        x: MARGIN,
        y: 28,
        size: 8,
        font: bold,
        color: colour(WARNING),
      });
  });
  return pdf.doc.save();
}
