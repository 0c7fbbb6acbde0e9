/**
 * Several files at once, as the command line and the product see them: each file inspected on its
 * own, then duplicates marked (the same bytes as an earlier file; in the product the same
 * SharePoint quickXorHash).
 */
import { createHash } from 'node:crypto';
import type { InspectionResult } from './types.js';

export interface FileReport extends Partial<InspectionResult> {
  file: string;
  duplicateOf?: string | null;
  error?: string;
}

/** The command line's JSON object for one file (personal data as kind and page only). */
export function toCliJson(r: FileReport): Record<string, unknown> {
  if (r.error !== undefined) return { file: r.file, format: r.format ?? null, error: r.error };
  return {
    file: r.file,
    format: r.format,
    pages: r.pages,
    textlessPages: r.textlessPages,
    blankTemplate: r.blankTemplate,
    completeness: r.completeness,
    personalData: (r.personalData ?? []).map((p) => ({ kind: p.kind, page: p.page })),
    documentDate: r.documentDate,
    duplicateOf: r.duplicateOf ?? null,
    problems: r.problems,
  };
}

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Marks each report whose hash equals an earlier file's as its duplicate (a warning). */
export function markDuplicates(reports: FileReport[], hashes: (string | null)[]): FileReport[] {
  const first = new Map<string, string>();
  return reports.map((r, i) => {
    const h = hashes[i];
    if (!h || r.error !== undefined) return r;
    const earlier = first.get(h);
    if (!earlier) {
      first.set(h, r.file);
      return { ...r, duplicateOf: null };
    }
    return {
      ...r,
      duplicateOf: earlier,
      problems: [
        ...(r.problems ?? []),
        {
          code: 'duplicate' as const,
          severity: 'warning' as const,
          pages: [],
          message: `This file is the same as ${earlier}; it counts once.`,
        },
      ],
    };
  });
}
