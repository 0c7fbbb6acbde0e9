/**
 * `npm run inspect -- [--json] FILE...`: inspects local evidence files without any server.
 * With --json it prints one JSON array (one object per file, in the order given); without, a table.
 * A file that cannot be read gets an `error`; the command never crashes on a bad file and exits 0
 * when every file was inspected or refused with a reason (2 for a usage error).
 * Also runs from the compiled build: `node dist/src/cli/inspect.js`.
 */
import fs from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { contentHash, markDuplicates, toCliJson, type FileReport } from '../evidence/batch.js';
import { InspectorPool } from '../evidence/inspector-pool.js';
import { INSPECTION_LIMITS } from '../evidence/limits.js';

export interface InspectCliResult {
  reports: FileReport[];
  output: string;
}

async function readFileBounded(file: string): Promise<{ bytes?: Uint8Array; error?: string }> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) return { error: 'Not a file.' };
    if (st.size > INSPECTION_LIMITS.maxFileBytes)
      return {
        error: `The file is ${Math.round(st.size / 1024 / 1024)} MB; files over ${INSPECTION_LIMITS.maxFileBytes / 1024 / 1024} MB are not checked automatically.`,
      };
    return { bytes: new Uint8Array(await fs.readFile(file)) };
  } catch (e) {
    const code = (e as { code?: string }).code;
    return {
      error:
        code === 'ENOENT'
          ? 'No such file.'
          : code === 'EACCES'
            ? 'Permission denied.'
            : `Cannot read the file (${code ?? 'error'}).`,
    };
  }
}

export async function inspectFiles(files: string[], now: Date, pool = new InspectorPool()): Promise<FileReport[]> {
  try {
    const hashes: (string | null)[] = [];
    const reports = await Promise.all(
      files.map(async (file, i): Promise<FileReport> => {
        const read = await readFileBounded(file);
        if (!read.bytes) {
          hashes[i] = null;
          return { file, error: read.error! };
        }
        hashes[i] = contentHash(read.bytes);
        const a = await pool.inspect(read.bytes, now);
        return a.ok ? { file, ...a.result } : { file, error: a.error };
      }),
    );
    return markDuplicates(reports, hashes);
  } finally {
    await pool.close();
  }
}

function cell(s: string, w: number): string {
  return s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w);
}

export function renderTable(reports: FileReport[]): string {
  const out: string[] = [];
  for (const r of reports) {
    out.push(r.file);
    if (r.error !== undefined) {
      out.push(`  error: ${r.error}`, '');
      continue;
    }
    const pd = (r.personalData ?? []).map((p) => `${p.kind}${p.page === null ? '' : ` p${p.page}`} (${p.hint})`);
    out.push(
      `  ${cell('format', 14)}${r.format}   pages ${r.pages}${r.textlessPages?.length ? `   no text on ${r.textlessPages.join(', ')}` : ''}`,
      `  ${cell('filled in', 14)}${Math.round((r.completeness ?? 1) * 100)}%${r.blankTemplate ? '   BLANK TEMPLATE' : ''}`,
      `  ${cell('dated', 14)}${r.documentDate ?? 'no date found'}${r.duplicateOf ? `   duplicate of ${r.duplicateOf}` : ''}`,
      `  ${cell('personal data', 14)}${pd.length ? pd.join(', ') : 'none found'}`,
    );
    for (const p of r.problems ?? []) out.push(`  ${p.severity === 'hard' ? 'PROBLEM ' : 'warning '} ${p.message}`);
    out.push('');
  }
  return out.join('\n');
}

export async function runInspectCli(
  argv: string[],
  now = new Date(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  const json = argv.includes('--json');
  const files = argv.filter((a) => a !== '--json');
  const unknown = files.filter((f) => f.startsWith('--'));
  if (files.length === 0 || unknown.length > 0 || argv.includes('-h'))
    return {
      code: 2,
      stdout: '',
      stderr: `${unknown.length ? `Unknown option ${unknown.join(', ')}.\n` : ''}Usage: npm run inspect -- [--json] FILE...\n`,
    };
  const reports = await inspectFiles(files, now);
  return {
    code: 0,
    stdout: json ? `${JSON.stringify(reports.map(toCliJson), null, 2)}\n` : renderTable(reports),
    stderr: '',
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runInspectCli(process.argv.slice(2));
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.code;
}
