/**
 * Local mode only: a small page standing in for SharePoint's document library, so a person can
 * open their organisation's emulated folder from a card, upload evidence into it and see the
 * listing the app reads for readiness. Uploads go through Microsoft Graph (to the emulator), like
 * the real thing. There is no sign-in locally: the visitor says who they are (as the tab's
 * picker does), and sees only what that person may see.
 */
import express, { type Express } from 'express';
import { SECTIONS } from '../domain/framework.js';
import type { SectionNumber } from '../domain/types.js';
import type { GraphPorts } from '../graph/graph-setup.js';
import { formatLondon } from '../domain/time.js';
import { failureRef } from '../log.js';
import { evidenceFolderAccess } from '../workflows/evidence-folder-access.js';
import { resolveActor } from '../workflows/identity.js';
import type { Services } from '../workflows/services.js';
import { DEMO_PEOPLE } from './demo-people.js';
import {
  badRequest,
  evidenceFileParams,
  evidenceUploadParams,
  INPUT_LIMITS,
  localVisitorQuery,
  organisationParams,
} from '../server/http-input.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The people a visitor can be on these pages: the demo people (one of them not registered). */
function knownVisitor(entraObjectId: string | undefined) {
  return DEMO_PEOPLE.find((p) => p.entraObjectId === entraObjectId) ?? null;
}

function page(title: string, body: string, script = ''): string {
  return `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>${esc(title)} (local SharePoint stand-in)</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;background:#fff}section{border-top:1px solid #767676;padding:.5rem 0}h2{font-size:1.1rem}a{color:#0b57a4}.who{background:#f3f2f1;padding:.5rem 1rem}.refused{border-left:4px solid #a80000;padding:.25rem 1rem}</style></head>
<body><p class="who"><strong>Local stand-in for the SharePoint evidence library.</strong> Files go through Microsoft Graph to the local Graph emulator.</p>
${body}${script}</body></html>`;
}

/** "Who are you?": one link per demo person to this page as them. */
function picker(path: string, question: string): string {
  return `<h2>${esc(question)}</h2><ul>${DEMO_PEOPLE.map(
    (p) =>
      `<li><a href="${esc(path)}?as=${encodeURIComponent(p.entraObjectId)}">${esc(p.displayName)}</a> <small>(${esc(p.summary)})</small></li>`,
  ).join('')}</ul>`;
}

/**
 * /local/evidence and /local/evidence/{organisation}: the folder as the chosen person may see it
 * (applicants of the organisation: its documents and an upload form; reviewers assigned to its
 * application and admins: its documents; anyone else: nothing), as SharePoint shows a folder only
 * to the people it is shared with. Cards link to the organisation's page.
 */
export function mountEvidencePage(app: Express, svc: Services, graph: GraphPorts | null): void {
  /** The visitor as an actor, or why there is none. */
  const visitor = async (as: string | undefined) => {
    const demo = knownVisitor(as);
    if (!demo) return null;
    // The demo people are in the local tenant (the Playground's, GRAPH_TENANT_ID): the chosen
    // person acts there, as the tab's local picker does.
    const who = await resolveActor(svc, { entraObjectId: demo.entraObjectId, tenantId: svc.tenantId ?? null });
    return { demo, actor: who?.actor ?? null };
  };

  app.get('/local/evidence', async (req, res) => {
    const q = localVisitorQuery.safeParse(req.query);
    const v = q.success ? await visitor(q.data.as) : null;
    if (!v) return void res.type('html').send(page('Evidence folders', picker('/local/evidence', 'Who are you?')));
    const cycle = await svc.store.cycles.current(svc.clock.now());
    const rows: string[] = [];
    for (const org of await svc.store.organisations.list()) {
      if (!v.actor || !(await evidenceFolderAccess(svc, v.actor, org.id)).view) continue;
      rows.push(
        `<li><a href="/local/evidence/${encodeURIComponent(org.id)}?as=${encodeURIComponent(v.demo.entraObjectId)}">${esc(org.name)}</a></li>`,
      );
    }
    res.type('html').send(
      page(
        'Evidence folders',
        `<h1>Evidence folders — ${esc(cycle?.name ?? 'no current cycle')}</h1>
<p>Viewing as <strong>${esc(v.demo.displayName)}</strong>. <a href="/local/evidence">Not you?</a></p>
${rows.length > 0 ? `<ul>${rows.join('')}</ul>` : `<p class="refused">No evidence folder is shared with ${esc(v.demo.displayName)}.</p>`}`,
      ),
    );
  });

  app.get('/local/evidence/:orgId', async (req, res) => {
    const params = organisationParams.safeParse(req.params);
    const q = localVisitorQuery.safeParse(req.query);
    const org = params.success ? await svc.store.organisations.get(params.data.orgId) : null;
    if (!org) return void res.status(404).type('html').send(page('Not found', '<p>There is no such organisation.</p>'));
    const here = `/local/evidence/${encodeURIComponent(org.id)}`;
    const v = q.success ? await visitor(q.data.as) : null;
    if (!v)
      return void res
        .type('html')
        .send(page(org.name, `<h1>${esc(org.name)}: evidence folder</h1>${picker(here, 'Who are you?')}`));
    const access = v.actor ? await evidenceFolderAccess(svc, v.actor, org.id) : { view: false, upload: false };
    const head = `<h1>${esc(org.name)}: evidence folder</h1>
<p>Viewing as <strong>${esc(v.demo.displayName)}</strong>. <a href="${esc(here)}">Not you?</a></p>`;
    if (!access.view)
      return void res
        .status(403)
        .type('html')
        .send(
          page(
            org.name,
            `${head}<p class="refused">This folder is not shared with ${esc(v.demo.displayName)}: only the organisation's applicants, the reviewers assigned to its application and the WEx QS team can open it.</p>`,
          ),
        );
    const cycle = await svc.store.cycles.current(svc.clock.now());
    const folder = cycle && graph ? await graph.evidence.folderFor(cycle.id, org.id) : null;
    let files = '<p><em>The folder has not been provisioned yet.</em></p>';
    if (folder && cycle && graph) {
      const docs = await graph.evidence.listDocuments(cycle.id, org.id);
      files = docs.length
        ? `<ul>${docs.map((d) => `<li>${esc(d.name)} <small>(section ${d.section ?? '–'}, ${esc(formatLondon(d.lastModified, 'date'))})</small></li>`).join('')}</ul>`
        : '<p><em>No documents yet.</em></p>';
    }
    const form =
      folder && access.upload
        ? `<form onsubmit="upload(event, '${esc(org.id)}')"><label>Section <select name="section">${SECTIONS.map((s) => `<option value="${s.number}">${s.number} ${esc(s.title)}</option>`).join('')}</select></label> <label>File <input type="file" name="file" required></label> <button>Upload</button></form>`
        : folder
          ? `<p><small>${esc(v.demo.displayName)} can read this folder but not add to it.</small></p>`
          : '';
    res.type('html').send(
      page(
        org.name,
        `${head}<section>${files}${form}</section>`,
        `<script>
async function upload(e, orgId) {
  e.preventDefault();
  const f = e.target.file.files[0];
  const r = await fetch('/local/evidence/' + encodeURIComponent(orgId) + '/' + e.target.section.value + '/' + encodeURIComponent(f.name), { method: 'PUT', body: f });
  if (!r.ok) alert('Upload failed: ' + (await r.text()));
  location.reload();
}
</script>`,
      ),
    );
  });

  /**
   * One file of the folder, as its SharePoint webUrl opens it in a tenant: for the chosen person
   * only if the folder is shared with them. The file is opened through Graph's preview action
   * (driveitem-preview), whose link the browser follows; a `#page=N` on this page's address is kept
   * across the redirect (a Location without a fragment inherits it, RFC 9110 §10.2.2), so a PDF opens
   * at that page.
   */
  app.get('/local/evidence/:orgId/files/:name', async (req, res) => {
    const params = evidenceFileParams.safeParse(req.params);
    const q = localVisitorQuery.safeParse(req.query);
    const org = params.success ? await svc.store.organisations.get(params.data.orgId) : null;
    if (!params.success || !org)
      return void res.status(404).type('html').send(page('Not found', '<p>There is no such file.</p>'));
    const name = params.data.name;
    const v = q.success ? await visitor(q.data.as) : null;
    if (!v)
      return void res.type('html').send(
        page(
          name,
          `<h1>${esc(name)}</h1>${picker(`/local/evidence/${encodeURIComponent(org.id)}/files/${encodeURIComponent(name)}`, 'Who are you?')}`,
          // The page asked for (#page=N) stays on the address once the person is chosen.
          `<script>for (const a of document.querySelectorAll('a[href*="?as="]')) a.href += location.hash;</script>`,
        ),
      );
    const access = v.actor ? await evidenceFolderAccess(svc, v.actor, org.id) : { view: false, upload: false };
    if (!access.view)
      return void res
        .status(403)
        .type('html')
        .send(page(name, `<p class="refused">This file is not shared with ${esc(v.demo.displayName)}.</p>`));
    const cycle = await svc.store.cycles.current(svc.clock.now());
    const url = cycle && graph?.scanner ? await graph.scanner.previewUrl(cycle.id, org.id, name, 1) : null;
    if (!url)
      return void res
        .status(404)
        .type('html')
        .send(page(name, `<p>${esc(name)} is not in the folder.</p>`));
    res.redirect(302, url.replace(/#.*$/, ''));
  });

  app.put(
    '/local/evidence/:orgId/:section/:name',
    express.raw({ type: () => true, limit: INPUT_LIMITS.uploadBytes }),
    async (req, res) => {
      const parsed = evidenceUploadParams.safeParse(req.params);
      if (!parsed.success)
        return badRequest(
          res,
          'invalid_upload',
          'The upload needs an organisation id, a section from 1 to 6 and a file name of up to 200 characters.',
        );
      const cycle = await svc.store.cycles.current(svc.clock.now());
      if (!cycle || !graph)
        return badRequest(res, 'not_ready', 'There is no current cycle, or Graph is not configured.', 409);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      try {
        await graph.evidence.uploadDocument(
          cycle.id,
          parsed.data.orgId,
          parsed.data.section as SectionNumber,
          parsed.data.name,
          body,
        );
        // The files changed: re-list and inspect the organisation's evidence in a job, as the
        // product does when SharePoint reports a change.
        const app = await svc.store.applications.forOrganisation(parsed.data.orgId, cycle.id);
        const { jobs } = svc;
        if (app && jobs)
          await svc.store.transaction((tx) =>
            jobs.enqueue(tx, { name: 'evidence-recheck', data: { applicationId: app.id } }),
          );
        res.status(201).json({ uploaded: parsed.data.name, bytes: body.length, applicationId: app?.id ?? null });
      } catch (err) {
        // The folder is not there yet, or Graph refused: say so without passing its words on.
        const ref = failureRef();
        svc.log.warn(
          { ref, err: { type: err instanceof Error ? err.name : typeof err } },
          'local evidence upload failed',
        );
        badRequest(
          res,
          'upload_failed',
          `The file could not be uploaded (is the organisation's folder provisioned?). Reference ${ref}.`,
          409,
        );
      }
    },
  );
}
