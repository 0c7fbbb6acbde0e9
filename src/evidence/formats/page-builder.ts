/** Collects lines, table pairs and form slots page by page while a format reader walks a file. */
import type { ExtractedPage, FormSlots } from '../types.js';

/** Marks where a form slot was already counted (an empty content control, an empty field). */
export const SLOT_MARK = '\u2063';

export class PageBuilder {
  readonly pages: ExtractedPage[] = [];
  readonly slots: FormSlots = { empty: new Map(), filled: new Map() };

  page(n: number): ExtractedPage {
    while (this.pages.length < n)
      this.pages.push({ number: this.pages.length + 1, lines: [], pairs: [], hasImages: false, hiddenText: [] });
    return this.pages[n - 1]!;
  }

  line(n: number, text: string): void {
    const t = text.replace(/[ \u00a0]+/g, ' ').trim();
    if (t !== '') this.page(n).lines.push(t);
    else this.page(n);
  }

  slot(n: number, filled: boolean, count = 1): void {
    const m = filled ? this.slots.filled : this.slots.empty;
    m.set(n, (m.get(n) ?? 0) + count);
    this.page(n);
  }

  hidden(n: number, text: string): void {
    const t = text.trim();
    if (t !== '') this.page(n).hiddenText.push(t);
  }

  /**
   * A table's rows: each row becomes a line (cells joined by " | "); when the first row reads as
   * column headings, every cell below also becomes a "heading: value" pair.
   */
  table(n: number, rows: string[][]): void {
    const clean = rows.map((r) => r.map((c) => c.replace(/\s+/g, ' ').trim()));
    for (const r of clean) this.line(n, r.filter((c) => c !== '').join(' | '));
    const header = clean.find((r) => r.some((c) => c !== ''));
    if (!header) return;
    const filled = header.filter((c) => c !== '');
    const looksLikeHeadings = filled.length >= 2 && filled.every((c) => c.length <= 40 && !/\d{3,}/.test(c));
    if (!looksLikeHeadings) return;
    const start = clean.indexOf(header) + 1;
    for (const r of clean.slice(start)) {
      r.forEach((cell, i) => {
        const h = header[i];
        if (h && cell !== '' && cell !== SLOT_MARK) this.page(n).pairs.push(`${h.replace(/:$/, '')}: ${cell}`);
      });
    }
  }
}
