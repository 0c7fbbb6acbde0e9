/**
 * The command line and the worker pool: JSON shape, the readable table, errors instead of crashes,
 * and bounds on huge or hostile files (page cap, timeout).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInspectCli } from '../../src/cli/inspect.js';
import { inspectDocument } from '../../src/evidence/inspect.js';
import { InspectorPool } from '../../src/evidence/inspector-pool.js';
import { INSPECTION_LIMITS } from '../../src/evidence/limits.js';
import { evidenceSamples, longPdf } from '../support/evidence-files.js';

const NOW = new Date('2026-11-20T10:00:00Z');
let dir: string;
const file = (n: string) => path.join(dir, n);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wexqs-inspect-'));
  for (const s of evidenceSamples(NOW)) {
    if (
      [
        'pdf-nhs-number-page-3.pdf',
        'docx-zip-bomb.docx',
        'xlsx-register.xlsx',
        'pptx-slides.pptx',
        'docx-blank-template.docx',
        'pdf-encrypted.pdf',
      ].includes(s.name)
    )
      fs.writeFileSync(file(s.name), await s.build());
  }
  fs.copyFileSync(file('pdf-nhs-number-page-3.pdf'), file('copy.pdf'));
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npm run inspect', () => {
  it('prints one JSON array with the documented shape for PDF, DOCX, XLSX and PPTX, errors for unreadable files', async () => {
    const args = [
      '--json',
      'pdf-nhs-number-page-3.pdf',
      'docx-blank-template.docx',
      'xlsx-register.xlsx',
      'pptx-slides.pptx',
      'copy.pdf',
      'docx-zip-bomb.docx',
      'pdf-encrypted.pdf',
      'missing.pdf',
    ].map((a) => (a.startsWith('--') ? a : file(a)));
    const r = await runInspectCli(args, NOW);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(out.map((o) => o.file)).toEqual(args.slice(1));
    const [pdf, docx, xlsx, pptx, copy, bomb, encrypted, missing] = out;
    expect(Object.keys(pdf!)).toEqual([
      'file',
      'format',
      'pages',
      'textlessPages',
      'blankTemplate',
      'completeness',
      'personalData',
      'documentDate',
      'duplicateOf',
      'problems',
    ]);
    expect(pdf).toMatchObject({
      format: 'pdf',
      pages: 4,
      textlessPages: [],
      blankTemplate: false,
      completeness: 1,
      personalData: [{ kind: 'nhs_number', page: 3 }],
      duplicateOf: null,
    });
    expect(docx).toMatchObject({ format: 'docx', blankTemplate: true, completeness: 0 });
    expect(xlsx).toMatchObject({ format: 'xlsx', pages: 2 });
    expect(pptx).toMatchObject({ format: 'pptx', pages: 4 });
    expect(copy).toMatchObject({ duplicateOf: file('pdf-nhs-number-page-3.pdf') });
    expect(bomb!.error).toMatch(/zip bomb/);
    expect(encrypted!.error).toMatch(/password/);
    expect(missing).toEqual({ file: file('missing.pdf'), format: null, error: 'No such file.' });
    // no value of personal data in the JSON
    expect(r.stdout).not.toContain('943 476');
    expect(r.stdout).not.toContain('hint');
  }, 120_000);

  it('prints a readable table without --json, with masked hints only', async () => {
    const r = await runInspectCli([file('pdf-nhs-number-page-3.pdf'), file('missing.pdf')], NOW);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nhs_number p3 (943 *** ****)');
    expect(r.stdout).toContain('PROBLEM  Personal data found (NHS number) on page 3');
    expect(r.stdout).toContain('error: No such file.');
    expect(r.stdout).not.toContain('476 5919');
  }, 60_000);

  it('answers a usage error with exit code 2', async () => {
    expect((await runInspectCli([], NOW)).code).toBe(2);
    const r = await runInspectCli(['--csv', 'x.pdf'], NOW);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option --csv/);
  });
});

describe('bounds', () => {
  it('reads at most maxPages pages of a long PDF and says the rest was not checked', async () => {
    expect(INSPECTION_LIMITS.maxPages).toBeLessThan(500);
    const r = await inspectDocument(await longPdf(12), { now: NOW, limits: { ...INSPECTION_LIMITS, maxPages: 5 } });
    expect(r.pages).toBe(12);
    expect(r.problems.find((p) => p.code === 'truncated')?.message).toBe('Only the first 5 of 12 pages were checked.');
  });

  it('refuses a file over the size limit before reading it', async () => {
    await expect(
      inspectDocument(new Uint8Array(2048), { now: NOW, limits: { ...INSPECTION_LIMITS, maxFileBytes: 1024 } }),
    ).rejects.toThrow(/not checked automatically/);
  });

  it('stops a file that takes longer than the time limit and keeps serving the next one', async () => {
    const pool = new InspectorPool({ threads: 1, timeoutMs: 1 });
    try {
      const a = await pool.inspect(await longPdf(300), NOW);
      expect(a).toMatchObject({ ok: false, reason: 'timeout' });
    } finally {
      await pool.close();
    }
    const ok = new InspectorPool({ threads: 1 });
    try {
      const b = await ok.inspect(fs.readFileSync(file('pdf-nhs-number-page-3.pdf')), NOW);
      expect(b.ok).toBe(true);
    } finally {
      await ok.close();
    }
  }, 60_000);
});
