/**
 * The generated evidence set: every rule fires where it should and no trap fires, file by file;
 * then precision and recall over the whole set (personal data by kind and page, and problems).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { contentHash, markDuplicates, type FileReport } from '../../src/evidence/batch.js';
import { inspectDocument } from '../../src/evidence/inspect.js';
import { InspectionRefused } from '../../src/evidence/types.js';
import { evidenceSamples, type Sample } from '../support/evidence-files.js';

const NOW = new Date('2026-11-20T10:00:00Z');
const samples = evidenceSamples(NOW);
const reports = new Map<string, FileReport>();

beforeAll(async () => {
  const built: { s: Sample; bytes: Uint8Array }[] = [];
  for (const s of samples) built.push({ s, bytes: await s.build() });
  const list: FileReport[] = [];
  for (const { s, bytes } of built) {
    try {
      list.push({ file: s.name, ...(await inspectDocument(bytes, { now: NOW })) });
    } catch (e) {
      if (!(e instanceof InspectionRefused)) throw e;
      list.push({ file: s.name, error: e.message });
    }
  }
  for (const r of markDuplicates(
    list,
    built.map((b) => contentHash(b.bytes)),
  ))
    reports.set(r.file, r);
}, 120_000);

const key = (p: { kind: string; page: number | null }) => `${p.kind}@${p.page ?? '-'}`;

describe('each generated file', () => {
  it.each(samples.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const r = reports.get(s.name)!;
    if (s.expect.error) {
      expect(r.error).toMatch(s.expect.error);
      return;
    }
    expect(r.error).toBeUndefined();
    expect((r.personalData ?? []).map(key).sort()).toEqual(s.expect.personalData.map(key).sort());
    expect((r.problems ?? []).map((p) => p.code).sort()).toEqual([...s.expect.problems].sort());
    if (s.expect.blankTemplate !== undefined) expect(r.blankTemplate).toBe(s.expect.blankTemplate);
    if (s.expect.pages !== undefined) expect(r.pages).toBe(s.expect.pages);
    if (s.expect.textlessPages) expect(r.textlessPages).toEqual(s.expect.textlessPages);
    if (s.expect.documentDate) expect(r.documentDate).toBe(s.expect.documentDate);
    expect(r.duplicateOf ?? null).toBe(s.expect.duplicateOf ?? null);
    // values never leave the inspector: hints are masked
    for (const p of r.personalData ?? []) expect(p.hint).toMatch(/\*/);
  });
});

describe('precision and recall over the set', () => {
  it('finds every labelled item and nothing else', () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const s of samples) {
      const r = reports.get(s.name)!;
      const found = [
        ...(r.personalData ?? []).map(key),
        ...(r.problems ?? []).map((p) => `problem:${p.code}`),
        ...(r.error ? ['error'] : []),
      ];
      const wanted = [
        ...s.expect.personalData.map(key),
        ...s.expect.problems.map((c) => `problem:${c}`),
        ...(s.expect.error ? ['error'] : []),
      ];
      const left = [...wanted];
      for (const f of found) {
        const i = left.indexOf(f);
        if (i >= 0) {
          tp++;
          left.splice(i, 1);
        } else fp++;
      }
      fn += left.length;
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(
      JSON.stringify({
        evidenceSet: samples.length,
        truePositives: tp,
        falsePositives: fp,
        falseNegatives: fn,
        precision,
        recall,
      }),
    );
    expect({ precision, recall }).toEqual({ precision: 1, recall: 1 });
  });

  it('covers every personal data kind and every problem code', () => {
    const kinds = new Set(samples.flatMap((s) => s.expect.personalData.map((p) => p.kind)));
    expect([...kinds].sort()).toEqual(
      [
        'date_of_birth',
        'email',
        'metadata_author',
        'ni_number',
        'nhs_number',
        'person_name',
        'phone',
        'postcode',
      ].sort(),
    );
    const codes = new Set(samples.flatMap((s) => s.expect.problems));
    for (const c of [
      'blank_template',
      'partly_filled',
      'personal_data',
      'fake_redaction',
      'document_too_old',
      'image_only_pages',
      'low_confidence',
      'duplicate',
    ])
      expect(codes).toContain(c);
  });
});
