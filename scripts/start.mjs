// `npm start`: the local stack (src/local/start.ts). Its TypeScript is bundled into one file with
// esbuild (in its own process, in about half a second) and run from there: loading one bundled
// file takes about a second less CPU than compiling every source file as it is imported. The
// bundle is kept in node_modules/.cache and reused while none of its source files has changed
// (scripts/start-bundle.mjs); `npm ci` builds it first (scripts/prepare.mjs). npm packages stay
// outside the bundle and load as usual, and each module keeps its own import.meta.url (paths it
// resolves from its location, such as the tab's files, are as in the sources).
import { pathToFileURL } from 'node:url';
import { buildStartBundle, START_BUNDLE, startBundleIsCurrent } from './start-bundle.mjs';

if (!startBundleIsCurrent()) await buildStartBundle();
// Stack traces point into the TypeScript sources.
process.setSourceMapsEnabled(true);
await import(pathToFileURL(START_BUNDLE).href);
