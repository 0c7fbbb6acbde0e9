// `npm ci` / `npm install` in this folder: prepare the image of an empty embedded-database cluster
// (src/store/pglite-template.ts) so the first `npm start` and every test database skip initdb, and
// the bundle `npm start` runs (scripts/start-bundle.mjs). Never fails the install: without the
// image, the first database made writes it instead; without the bundle, `npm start` builds it.
try {
  const { ensurePgliteTemplate } = await import('../src/store/pglite-template.ts');
  const { created } = await ensurePgliteTemplate();
  if (created) console.log('prepare: embedded database image ready (node_modules/.cache/wexqs)');
} catch (err) {
  console.log(`prepare: skipped the embedded database image (${err instanceof Error ? err.message : String(err)})`);
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
