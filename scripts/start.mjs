// `npm start`: the local stack (src/local/start.ts). Its TypeScript is bundled into one file with
// esbuild (in its own process, on the other core, in about half a second) and run from there:
// loading one bundled file takes about a second less CPU than compiling every source file as it
// is imported. npm packages stay outside the bundle and load as usual.
//
// The bundle sits one folder below src/ (src/.bundle/, git-ignored), so paths the code resolves
// from its own location (the tab's files in src/tab/) are the same as from src/server/ or src/local/.
import { renameSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'src', '.bundle', 'start.mjs');
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
  logLevel: 'error',
  absWorkingDir: root,
  outfile: out,
});
mkdirSync(path.dirname(out), { recursive: true });
// Several stacks may start at once (tests): each writes its own file, then renames it (atomic).
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, result.outputFiles[0].contents);
renameSync(tmp, out);
// Stack traces point into the TypeScript sources.
process.setSourceMapsEnabled(true);
await import(pathToFileURL(out).href);
