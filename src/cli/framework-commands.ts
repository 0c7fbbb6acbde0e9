/**
 * `import-framework` and `use-framework`: loading the official framework from a CSV or JSON file
 * as a new version, and pointing a cycle that has no applications yet at it.
 *
 * CSV: a header row with section, id, text, minimum_level, suggested_evidence (items separated by
 * ";"); the version and title come from --version and --title. JSON: the framework document
 * ({version, title, notice?, criteria: [{section, id, text, minimumLevel, suggestedEvidence}]}),
 * --version and --title override its own. Every bad row is reported once and nothing is stored.
 * Storing follows replaceFrameworkVersion (src/domain/framework.ts): a new version is added, a
 * version no cycle uses yet is replaced, a version a cycle uses is refused.
 */
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'csv-parse/sync';
import { DomainError } from '../domain/errors.js';
import { replaceFrameworkVersion, type Framework } from '../domain/framework.js';
import { describeRowError, frameworkFromRows, levelCounts, type FrameworkImport } from '../domain/framework-import.js';
import { cleanDeep } from '../domain/text.js';
import type { Store } from '../store/store.js';
import { CLI_ACTOR } from './admin-tasks.js';

export interface FrameworkFileOptions {
  version?: string;
  title?: string;
}

/** Reads a framework file's text; the format comes from the file name (.csv or .json). */
export function readFrameworkFile(text: string, fileName: string, opts: FrameworkFileOptions): FrameworkImport {
  const ext = path.extname(fileName).toLowerCase();
  if (ext === '.json') {
    let doc: unknown;
    try {
      // Control characters in the file's text are removed before anything is read from it.
      doc = cleanDeep(JSON.parse(text.replace(/^\uFEFF/, '')));
    } catch (e) {
      return { ok: false, rowErrors: [], fileErrors: [`the file is not valid JSON: ${(e as Error).message}`] };
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc))
      return { ok: false, rowErrors: [], fileErrors: ['the JSON must be an object with version, title and criteria'] };
    const d = doc as {
      version?: unknown;
      title?: unknown;
      notice?: unknown;
      illustrative?: unknown;
      criteria?: unknown;
    };
    if (!Array.isArray(d.criteria)) return { ok: false, rowErrors: [], fileErrors: ['criteria must be a list'] };
    const rows = d.criteria.map((c) =>
      c && typeof c === 'object' && !Array.isArray(c) ? (c as Record<string, unknown>) : { id: '' },
    );
    return frameworkFromRows(
      rows,
      {
        version: opts.version ?? (typeof d.version === 'string' ? d.version : ''),
        title: opts.title ?? (typeof d.title === 'string' ? d.title : ''),
        ...(typeof d.notice === 'string' ? { notice: d.notice } : {}),
        ...(typeof d.illustrative === 'boolean' ? { illustrative: d.illustrative } : {}),
      },
      1,
    );
  }
  if (ext !== '.csv') return { ok: false, rowErrors: [], fileErrors: ['the file must be .csv or .json'] };
  let rows: Record<string, string>[];
  try {
    rows = cleanDeep(
      parse(text, { columns: true, skip_empty_lines: true, bom: true, trim: true, relax_column_count: false }),
    ) as Record<string, string>[];
  } catch (e) {
    return { ok: false, rowErrors: [], fileErrors: [`cannot read the CSV: ${(e as Error).message}`] };
  }
  const version = opts.version ?? '';
  return frameworkFromRows(
    rows,
    { version, title: opts.title ?? `Work Experience Quality Standard framework ${version}`.trim() },
    2,
  );
}

/** The problems of a refused import, one line each (file-level first, then one per bad row). */
export function importProblems(r: Extract<FrameworkImport, { ok: false }>): string[] {
  return [...r.fileErrors, ...r.rowErrors.map(describeRowError)];
}

export function describeFramework(f: Framework): string {
  const n = levelCounts(f);
  return `${f.criteria.length} criteria in ${new Set(f.criteria.map((c) => c.section)).size} sections (bronze ${n.bronze}, silver ${n.silver}, gold ${n.gold})`;
}

/** Stores the framework as the replace rules say. */
export async function importFramework(
  store: Store,
  framework: Framework,
  opts: { dryRun: boolean; now: Date },
): Promise<{ mode: 'add' | 'replace' | 'unchanged' }> {
  return store.transaction(async (tx) => {
    const { all, usedByCycles } = await tx.frameworks.versions();
    const existing = all.includes(framework.version) ? await tx.frameworks.get(framework.version) : null;
    if (existing && isDeepStrictEqual(existing, framework)) return { mode: 'unchanged' as const };
    const { mode } = replaceFrameworkVersion(all, framework, usedByCycles);
    if (opts.dryRun) return { mode };
    await tx.frameworks.save(framework, { replace: mode === 'replace' });
    await tx.audit.append({
      at: opts.now,
      actorId: CLI_ACTOR,
      action: mode === 'add' ? 'import_framework' : 'replace_framework',
      entityKind: 'framework',
      entityId: framework.version,
      fromState: null,
      toState: null,
      details: { criteria: framework.criteria.length },
    });
    return { mode };
  });
}

/** Points a cycle at a framework version; a cycle with applications keeps the one it has. */
export async function useFramework(
  store: Store,
  input: { cycleId: string; version: string },
  opts: { dryRun: boolean; now: Date },
): Promise<{ from: string; to: string; changed: boolean }> {
  return store.transaction(async (tx) => {
    const cycle = await tx.cycles.get(input.cycleId);
    if (!cycle) throw new DomainError('NOT_FOUND', `No cycle "${input.cycleId}". See: npm run admin -- list-cycles`);
    if (!(await tx.frameworks.get(input.version)))
      throw new DomainError(
        'VALIDATION',
        `Framework ${input.version} is not loaded; import it first (import-framework).`,
      );
    if (cycle.frameworkVersion === input.version)
      return { from: cycle.frameworkVersion, to: input.version, changed: false };
    const apps = await tx.applications.listByCycle(cycle.id);
    if (apps.length > 0)
      throw new DomainError(
        'VALIDATION',
        `${cycle.name} already has ${apps.length} application${apps.length === 1 ? '' : 's'} written against framework ${cycle.frameworkVersion}, so it keeps that version. Use the new version for the next cycle (create-cycle --framework ${input.version}).`,
        { cycleId: cycle.id },
      );
    if (!opts.dryRun) {
      await tx.cycles.setFrameworkVersion(cycle.id, input.version);
      await tx.audit.append({
        at: opts.now,
        actorId: CLI_ACTOR,
        action: 'change_cycle_framework',
        entityKind: 'cycle',
        entityId: cycle.id,
        fromState: cycle.frameworkVersion,
        toState: input.version,
        details: {},
      });
    }
    return { from: cycle.frameworkVersion, to: input.version, changed: true };
  });
}
