// `npm run build`: compile src/ and bot/ to dist/ with tsc and copy the tab's static files beside
// the compiled server, so `node dist/src/main.js` runs with no TypeScript tooling.
// Emit only (`--noCheck`): the types are checked by `npm run typecheck`, which `npm test` (and so
// CI) runs over everything, tests included. Each file compiles on its own (`isolatedModules`), so
// the output is the same as a checked build's, in less than half the time.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--noCheck'], { stdio: 'inherit' });
for (const name of readdirSync(path.join(root, 'src/tab'))) {
  if (/\.(html|css|js)$/.test(name)) cpSync(path.join(root, 'src/tab', name), path.join(dist, 'src/tab', name));
}
console.log('build: dist/ ready (node dist/src/main.js)');
