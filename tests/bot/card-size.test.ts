/**
 * Every card stays well under Teams' 40 KB message limit counted as UTF-16, at the largest
 * realistic data: a gold application with every criterion's commentary (and every note, answer
 * and piece of feedback) at the maximum length and 60 long-named documents, a 300-organisation
 * dashboard and application list, and a full drop-in roster. Where a card would be larger it is
 * split into parts or pages; every part is built and measured, and together they show everything.
 */
import { describe, expect, it } from 'vitest';
import {
  adminApplicationCard,
  applicationsListCard,
  dashboardCard,
  recommendationCard,
} from '../../bot/cards/admin-cards.js';
import { applicantApplicationCard, commentarySectionCard, evidenceCard } from '../../bot/cards/applicant-cards.js';
import { card, cardBytes, pageBySize, text, type AdaptiveCard, type PagePosition } from '../../bot/cards/card-kit.js';
import { CARD_BUDGET_UTF16_BYTES, MAX_CARD_UTF16_BYTES } from '../../bot/cards/constants.js';
import { sessionsCard } from '../../bot/cards/dropin-cards.js';
import { reminderPreviewCard } from '../../bot/cards/reminder-cards.js';
import { assessSectionCard, queueCard, reviewerApplicationCard } from '../../bot/cards/review-cards.js';
import { criteriaForSection } from '../../src/domain/framework.js';
import { DEFAULT_FRAMEWORK } from '../../src/domain/framework-default.js';
import { APPLICATION_STATES, SECTION_NUMBERS } from '../../src/domain/types.js';
import { T0 } from '../support/fixtures.js';
import { assertValidCard } from './card-validator.js';
import { dashboard, dashboardRows, extremeView, MAXIMUM, sessions } from './card-extremes.js';
import { cardText, inputIds } from './helpers.js';

/** Every part of a paged card: builds part 0, 1, … until a part repeats (the builder clamps). */
function allParts(build: (part: number) => AdaptiveCard): AdaptiveCard[] {
  const out: AdaptiveCard[] = [];
  for (let i = 0; i < 100; i++) {
    const c = build(i);
    if (out.length > 0 && JSON.stringify(c) === JSON.stringify(out.at(-1))) break;
    out.push(c);
  }
  return out;
}

function expectWellUnder(c: AdaptiveCard, label: string): void {
  assertValidCard(c, label);
  expect(cardBytes(c), label).toBeLessThan(CARD_BUDGET_UTF16_BYTES);
}

describe('card size at the largest realistic data (UTF-16, as Teams counts it)', () => {
  it('the budget is well under the limit', () => {
    expect(MAX_CARD_UTF16_BYTES).toBe(40 * 1024);
    expect(CARD_BUDGET_UTF16_BYTES).toBeLessThanOrEqual(0.8 * MAX_CARD_UTF16_BYTES);
    // Counted as UTF-16: two bytes per character, four for an emoji.
    expect(cardBytes({ body: ['é😀'] } as never)).toBe(JSON.stringify({ body: ['é😀'] }).length * 2);
  });

  for (const state of APPLICATION_STATES) {
    it(`the application card of every role, ${state}`, () => {
      const v = extremeView(state, MAXIMUM);
      expectWellUnder(applicantApplicationCard(v, { canSubmit: true }), `applicant ${state}`);
      expectWellUnder(reviewerApplicationCard(v, 'rev-1'), `reviewer ${state}`);
      expectWellUnder(adminApplicationCard(v), `admin ${state}`);
    });
  }

  for (const section of SECTION_NUMBERS) {
    it(`section ${section}: the commentary form and the assessment form come in parts that hold every criterion in full`, () => {
      const v = extremeView('in_review', MAXIMUM);
      const criteria = criteriaForSection(DEFAULT_FRAMEWORK, section, 'gold').map((c) => c.id);
      const open = { ...v, application: { ...v.application, state: 'open' as const } };
      const forms = allParts((p) => commentarySectionCard(open, section, {}, p));
      const assess = allParts((p) => assessSectionCard(v, 'rev-1', section, {}, p));
      for (const [kind, parts, prefix] of [
        ['commentary', forms, 'text_'],
        ['assessment', assess, 'outcome_'],
      ] as const) {
        parts.forEach((c, i) => expectWellUnder(c, `${kind} s${section} part ${i + 1}`));
        // Each criterion on exactly one part, with its commentary in full.
        const ids = parts.flatMap((c) => inputIds(c).filter((id) => id.startsWith(prefix)));
        expect(ids.map((id) => id.slice(prefix.length)).sort(), kind).toEqual([...criteria].sort());
        if (parts.length > 1) expect(cardText(parts[0]).toLowerCase()).toContain(`part 1 of ${parts.length}`);
      }
      for (const c of assess)
        for (const line of cardText(c).split('\n')) expect(line.length).toBeLessThanOrEqual(4000 + 200);
      expect(assess.map((c) => cardText(c)).join('\n')).toContain(MAXIMUM.long);
    });
  }

  it('evidence details of 60 long-named documents, page by page', () => {
    const v = extremeView('open', MAXIMUM);
    const pages = allParts((p) => evidenceCard(v, p));
    pages.forEach((c, i) => expectWellUnder(c, `evidence page ${i + 1}`));
    expect(pages.flatMap((c) => inputIds(c).filter((id) => id.startsWith('done_')))).toHaveLength(60);
  });

  it("the decision card with two reviewers' feedback at full length, and each recommendation in full", () => {
    const v = extremeView('recommended', MAXIMUM);
    expectWellUnder(adminApplicationCard(v), 'decision form');
    for (const r of v.reviewers) {
      const full = recommendationCard(v, r.id);
      expectWellUnder(full, `recommendation of ${r.id}`);
      expect(cardText(full)).toContain(MAXIMUM.long);
    }
  });

  it('a 300-organisation dashboard', () => {
    expectWellUnder(dashboardCard(dashboard(300, MAXIMUM)), 'dashboard');
  });

  it('all 300 applications, page by page, each once', () => {
    const rows = dashboardRows(300, MAXIMUM);
    const pages = allParts((p) => applicationsListCard(rows, dashboard(1, MAXIMUM).cycle, p));
    pages.forEach((c, i) => expectWellUnder(c, `applications page ${i + 1}`));
    const refs = pages.flatMap((c) => cardText(c).match(/ref A\d{7}/g) ?? []);
    expect(new Set(refs).size).toBe(300);
    expect(refs).toHaveLength(300);
  });

  it('a full drop-in roster (60 sessions, a third full with a waitlist), page by page', () => {
    const all = sessions(60, MAXIMUM);
    const pages = allParts((p) => sessionsCard(all, [], { page: p }));
    pages.forEach((c, i) => expectWellUnder(c, `sessions page ${i + 1}`));
    const shown = pages.flatMap((c) =>
      cardText(c)
        .split('\n')
        .filter((l) => all.some((s) => s.title === l)),
    );
    expect(shown).toHaveLength(60);
  });

  it('a reviewer queue of 300 and a reminder preview of every row it shows', () => {
    const items = dashboardRows(300, MAXIMUM).map((r) => ({
      application: r.application,
      organisation: r.organisation,
      cycleName: 'c',
      assessed: 3,
      criteria: 22,
    }));
    const queue = allParts((p) => queueCard(items, {}, p));
    queue.forEach((c, i) => expectWellUnder(c, `queue page ${i + 1}`));
    expect(queue.flatMap((c) => cardText(c).match(/ref A\d{7}/g) ?? [])).toHaveLength(300);
    expectWellUnder(
      reminderPreviewCard({
        rows: Array.from({ length: 15 }, (_, i) => ({
          kind: 'submission_deadline' as const,
          recipientName: MAXIMUM.name(i),
          sendAfter: T0,
          offsetLabel: '7 days',
        })),
        total: 5000,
        muted: [],
        planned: { inserted: 1, updated: 2, cancelled: 3 },
      }),
      'reminder preview',
    );
  });
});

describe('pageBySize', () => {
  /** A card of a slice: each item a text block of its own length. */
  const build = (slice: readonly number[], page: PagePosition): AdaptiveCard =>
    card([text(`Page ${page.index + 1} of ${page.count}`), ...slice.map((n) => text('x'.repeat(n)))]);
  /** Greedy, one item at a time: each page as long as its card fits. */
  function oneAtATime(items: number[], budget: number, max = Infinity): number[][] {
    const worst = { index: items.length, count: items.length };
    const pages: number[][] = [];
    let current: number[] = [];
    for (const item of items) {
      const candidate = [...current, item];
      if (current.length > 0 && (candidate.length > max || cardBytes(build(candidate, worst)) >= budget)) {
        pages.push(current);
        current = [item];
      } else current = candidate;
    }
    if (current.length > 0 || pages.length === 0) pages.push(current);
    return pages;
  }

  it('makes the same pages as adding one item at a time, measuring far fewer cards', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const items = Array.from({ length: next() % 40 }, () => 1 + (next() % 900));
      const budget = 1500 + (next() % 20_000);
      const max = round % 3 === 0 ? 1 + (next() % 10) : undefined;
      let builds = 0;
      const counted = (slice: readonly number[], page: PagePosition) => (builds++, build(slice, page));
      const pages = pageBySize(items, counted, { budget, ...(max ? { maxPerPage: max } : {}) });
      expect(pages).toEqual(oneAtATime(items, budget, max));
      expect(builds).toBeLessThanOrEqual(pages.length * (1 + Math.ceil(Math.log2(Math.max(2, items.length)))));
    }
    // An item larger than the budget still gets a page of its own.
    expect(pageBySize([5000, 1, 1], build, { budget: 3000 })).toEqual([[5000], [1, 1]]);
    expect(pageBySize([], build)).toEqual([[]]);
  });
});
