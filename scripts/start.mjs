// `npm start`: the local stack (src/local/start.ts). Its TypeScript is bundled into one file with
// esbuild (in its own process, on the other core, in about half a second) and run from there:
// loading one bundled file takes about a second less CPU than compiling every source file as it
// is imported. npm packages stay outside the bundle and load as usual, and each module keeps its
// own import.meta.url (paths it resolves from its location, such as the tab's files, are as in
// the sources).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'node_modules', '.cache', 'wexqs', 'start.mjs');

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
  define: {
    'import.meta.url': '__moduleUrl',
    'import.meta.dirname': '__moduleDirname',
    'import.meta.filename': '__moduleFilename',
  },
  plugins: [ownImportMeta],
});
mkdirSync(path.dirname(out), { recursive: true });
// Several stacks may start at once (tests): each writes its own file, then renames it (atomic).
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, result.outputFiles[0].contents);
renameSync(tmp, out);
// Stack traces point into the TypeScript sources.
process.setSourceMapsEnabled(true);
await import(pathToFileURL(out).href);
