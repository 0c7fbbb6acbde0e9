// `npm ci` / `npm install` in this folder: prepare the image of an empty embedded-database cluster
// (src/store/pglite-template.ts) so the first `npm start` and every test database skip initdb.
// Never fails the install: without the image, the first database made writes it instead.
try {
  const { ensurePgliteTemplate } = await import('../src/store/pglite-template.ts');
  const { created } = await ensurePgliteTemplate();
  if (created) console.log('prepare: embedded database image ready (node_modules/.cache/wexqs)');
} catch (err) {
  console.log(`prepare: skipped the embedded database image (${err instanceof Error ? err.message : String(err)})`);
}
