/**
 * Local mode only: a small page standing in for SharePoint's document library, so a person can
 * upload evidence into an organisation's emulated folder and see the evidence listing the app
 * reads for readiness. Uploads go through Microsoft Graph (to the emulator), like the real thing.
 */
import express, { type Express } from 'express';
import { z } from 'zod';
import { SECTIONS } from '../domain/framework.js';
import type { SectionNumber } from '../domain/types.js';
import type { GraphPorts } from '../graph/graph-setup.js';
import type { Services } from '../workflows/services.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const uploadParams = z.object({
  orgId: z.string().min(1).max(100),
  section: z.coerce.number().int().min(1).max(6),
  name: z.string().trim().min(1).max(200),
});

export function mountEvidencePage(app: Express, svc: Services, graph: GraphPorts | null): void {
  app.get('/local/evidence', async (_req, res) => {
    const cycle = await svc.store.cycles.current(svc.clock.now());
    const orgs = await svc.store.organisations.list();
    const rows: string[] = [];
    for (const org of orgs) {
      const folder = cycle && graph ? await graph.evidence.folderFor(cycle.id, org.id) : null;
      let files = '<em>Folder not provisioned yet.</em>';
      if (folder && cycle && graph) {
        const docs = await graph.evidence.listDocuments(cycle.id, org.id);
        files = docs.length
          ? `<ul>${docs.map((d) => `<li>${esc(d.name)} <small>(section ${d.section ?? '–'}, ${d.lastModified.toISOString().slice(0, 10)})</small></li>`).join('')}</ul>`
          : '<em>No documents yet.</em>';
      }
      const form = folder
        ? `<form onsubmit="upload(event, '${esc(org.id)}')"><select name="section">${SECTIONS.map((s) => `<option value="${s.number}">${s.number} ${esc(s.title)}</option>`).join('')}</select> <input type="file" name="file" required> <button>Upload</button></form>`
        : '';
      rows.push(`<section><h2>${esc(org.name)}</h2>${files}${form}</section>`);
    }
    res.type('html')
      .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Evidence folders (local)</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}section{border-top:1px solid #ccc;padding:.5rem 0}h2{font-size:1.1rem}</style></head>
<body><h1>Evidence folders — ${esc(cycle?.name ?? 'no current cycle')}</h1>
<p>Local stand-in for the SharePoint library. Files are uploaded through Microsoft Graph to the local Graph emulator.</p>
${rows.join('\n')}
<script>
async function upload(e, orgId) {
  e.preventDefault();
  const f = e.target.file.files[0];
  const r = await fetch('/local/evidence/' + encodeURIComponent(orgId) + '/' + e.target.section.value + '/' + encodeURIComponent(f.name), { method: 'PUT', body: f });
  if (!r.ok) alert('Upload failed: ' + (await r.text()));
  location.reload();
}
</script></body></html>`);
  });

  app.put(
    '/local/evidence/:orgId/:section/:name',
    express.raw({ type: () => true, limit: '25mb' }),
    async (req, res) => {
      const parsed = uploadParams.safeParse(req.params);
      if (!parsed.success)
        return void res.status(400).json({ error: 'invalid upload', detail: z.prettifyError(parsed.error) });
      const cycle = await svc.store.cycles.current(svc.clock.now());
      if (!cycle || !graph) return void res.status(409).json({ error: 'no current cycle or Graph is not configured' });
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      try {
        await graph.evidence.uploadDocument(
          cycle.id,
          parsed.data.orgId,
          parsed.data.section as SectionNumber,
          parsed.data.name,
          body,
        );
        // The files changed: re-list and inspect the organisation's evidence after the reply, as the
        // product does when SharePoint reports a change.
        const app = await svc.store.applications.forOrganisation(parsed.data.orgId, cycle.id);
        const { jobs } = svc;
        if (app && jobs)
          await svc.store.transaction((tx) =>
            jobs.enqueue(tx, { name: 'evidence.recheck', data: { applicationId: app.id } }),
          );
        res.status(201).json({ uploaded: parsed.data.name, bytes: body.length, applicationId: app?.id ?? null });
      } catch (err) {
        res.status(409).json({ error: err instanceof Error ? err.message : 'upload failed' });
      }
    },
  );
}
