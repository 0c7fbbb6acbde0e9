// `npm ci` / `npm install` in this folder: prepare the images of the embedded database so the
// first `npm start` and every test database skip initdb (src/store/pglite-template.ts), and a new
// database in a directory (the first `npm start`) also skips its migrations
// (src/store/pglite-migrated-image.ts); then the bundle `npm start` runs
// (scripts/start-bundle.mjs). Never fails the install: without an image, databases are made (and
// migrated) as before; without the bundle, `npm start` builds it.
//
// The TypeScript sources run with Node's own type stripping; they import each other by their
// `.js` names (as TypeScript compiles them), so a `.js` import that does not exist beside a `.ts`
// file is resolved to the `.ts` file of the same name.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts'))
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      throw err;
    }
  },
});

try {
  const { ensurePgliteTemplate } = await import('../src/store/pglite-template.ts');
  const { created } = await ensurePgliteTemplate();
  if (created) console.log('prepare: embedded database image ready (node_modules/.cache/wexqs)');
} catch (err) {
  console.log(`prepare: skipped the embedded database image (${err instanceof Error ? err.message : String(err)})`);
}
try {
  const { ensureMigratedImage } = await import('../src/store/pglite-migrated-image.ts');
  const { created } = await ensureMigratedImage();
  if (created) console.log('prepare: migrated embedded database image ready (node_modules/.cache/wexqs)');
} catch (err) {
  console.log(
    `prepare: skipped the migrated embedded database image (${err instanceof Error ? err.message : String(err)})`,
  );
}
try {
  const { buildStartBundle, startBundleIsCurrent } = await import('./start-bundle.mjs');
  if (!startBundleIsCurrent()) {
    await buildStartBundle();
    console.log('prepare: npm start bundle ready (node_modules/.cache/wexqs)');
  }
} catch (err) {
  console.log(`prepare: skipped the npm start bundle (${err instanceof Error ? err.message : String(err)})`);
}
