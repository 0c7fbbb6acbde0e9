// The bundle `npm start` runs (scripts/start.mjs): src/local/start.ts and the sources it imports in
// one file, in node_modules/.cache. Its last line lists every source file that went into it with
// its size and modification time, so a start can tell whether the bundle is still current (last,
// so the inline source map's line numbers stay right).
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
export const START_BUNDLE = path.join(root, 'node_modules', '.cache', 'wexqs', 'start.mjs');
const INPUTS_PREFIX = '// inputs: ';

/** Whether the bundle exists and was built from the sources as they are now. */
export function startBundleIsCurrent() {
  let lines;
  try {
    lines = readFileSync(START_BUNDLE, 'utf8').trimEnd().split('\n');
  } catch {
    return false;
  }
  const last = lines.at(-1) ?? '';
  if (!last.startsWith(INPUTS_PREFIX)) return false;
  try {
    const inputs = JSON.parse(last.slice(INPUTS_PREFIX.length));
    return Object.entries(inputs).every(([file, [size, mtimeMs]]) => {
      const st = statSync(file);
      return st.size === size && st.mtimeMs === mtimeMs;
    });
  } catch {
    return false;
  }
}

/** Gives every bundled module its own import.meta.url, dirname and filename. */
const ownImportMeta = {
  name: 'own-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const url = pathToFileURL(args.path).href;
      const head =
        `const __moduleUrl = ${JSON.stringify(url)}, __moduleDirname = ${JSON.stringify(path.dirname(args.path))}, ` +
        `__moduleFilename = ${JSON.stringify(args.path)};\n`;
      return { contents: head + readFileSync(args.path, 'utf8'), loader: 'ts' };
    });
  },
};

/** Builds the bundle and writes it (atomically: several stacks may start at once, as in tests). */
export async function buildStartBundle() {
  // Loaded only when a bundle is built (a start with a current bundle does not need it).
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [path.join(root, 'src', 'local', 'start.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    sourcemap: 'inline',
    sourcesContent: false,
    write: false,
    metafile: true,
    logLevel: 'error',
    absWorkingDir: root,
    outfile: START_BUNDLE,
    define: {
      'import.meta.url': '__moduleUrl',
      'import.meta.dirname': '__moduleDirname',
      'import.meta.filename': '__moduleFilename',
    },
    plugins: [ownImportMeta],
  });
  const inputs = {};
  for (const file of [...Object.keys(result.metafile.inputs), 'scripts/start-bundle.mjs']) {
    const abs = path.resolve(root, file);
    const st = statSync(abs);
    inputs[abs] = [st.size, st.mtimeMs];
  }
  mkdirSync(path.dirname(START_BUNDLE), { recursive: true });
  const tmp = `${START_BUNDLE}.${process.pid}.tmp`;
  writeFileSync(tmp, `${result.outputFiles[0].text}\n${INPUTS_PREFIX}${JSON.stringify(inputs)}\n`);
  renameSync(tmp, START_BUNDLE);
}
