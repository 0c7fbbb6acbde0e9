/**
 * Evidence inspection end to end below the faces: files uploaded through Graph (as the local
 * evidence page does) into the Graph emulator are read by the scanner, inspected in the worker
 * pool, stored per version and fed to readiness: a blank template, an NHS number on page 3 and a
 * two-year-old document each block submission and show on the applicant's status card; a second
 * run reads nothing again; a warning is dismissed with a reason and audited; a hard finding
 * cannot be dismissed; reviewers get a link opening the document at a page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardCard } from '../../bot/cards/admin-cards.js';
import { applicantApplicationCard } from '../../bot/cards/applicant-cards.js';
import { assessSectionCard } from '../../bot/cards/review-cards.js';
import { criteriaForSection } from '../../src/domain/framework.js';
import { dashboard } from '../../src/workflows/admin.js';
import { myOverview } from '../../src/workflows/my-overview.js';
import { assertValidCard } from '../bot/card-validator.js';
import { actorFor } from '../../src/domain/people.js';
import { fixedClock } from '../../src/domain/time.js';
import type { Actor } from '../../src/domain/types.js';
import { createGraphClient } from '../../src/graph/client.js';
import { startGraphEmulator, type GraphEmulator } from '../../src/graph/emulator/index.js';
import { GraphEvidenceScanner } from '../../src/graph/evidence-scanner.js';
import type { PostgresProvisioningLedger } from '../../src/store/provisioning-ledger.js';
import { InspectorPool } from '../../src/evidence/inspector-pool.js';
import { silentLogger } from '../../src/log.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import {
  openApplication,
  refreshEvidence,
  setTargetLevel,
  submitApplication,
} from '../../src/workflows/application-journey.js';
import { loadApplicationView } from '../../src/workflows/application-view.js';
import { requestApplication } from '../../src/workflows/applications.js';
import {
  dismissEvidenceWarning,
  evidencePreviewLink,
  inspectEvidence,
} from '../../src/workflows/evidence-inspection.js';
import { InMemoryEvidenceFolders } from '../../src/workflows/fakes.js';
import type { Services } from '../../src/workflows/services.js';
import { engines } from '../support/databases.js';
import { evidenceSamples } from '../support/evidence-files.js';
import { attend, seedBasics, T0 } from '../support/fixtures.js';

const FILES = ['docx-blank-template.docx', 'pdf-nhs-number-page-3.pdf', 'pdf-two-years-old.pdf'];

const [engine] = engines();

describe(`evidence inspection through Graph on ${engine!.name}`, () => {
  let handle: DatabaseHandle;
  let store: Store;
  let svc: Services;
  let emu: GraphEmulator;
  let scanner: GraphEvidenceScanner;
  let lead: Actor;
  let applicationId: string;

  beforeAll(async () => {
    handle = await engine!.open();
    store = new Store(handle.db);
    await seedBasics(store);
    await attend(store, 'org-a', 'lead-a', T0, 10);
    lead = actorFor((await store.people.get('lead-a'))!);
    const admin = actorFor((await store.people.get('admin-1'))!);
    emu = await startGraphEmulator();
    const folder = emu.drive.createFolder(emu.drive.rootId, 'Alpha NHS Trust', 'fail')[1];
    const client = createGraphClient({ mode: 'local', staticToken: 't', baseUrl: emu.url, appVersion: 'test' });
    const ledger = {
      folderFor: async () => ({ folderId: folder.id, webUrl: 'x' }),
      loadCycle: async () => ({ driveId: emu.driveId }),
    } as unknown as PostgresProvisioningLedger;
    scanner = new GraphEvidenceScanner({
      client,
      baseUrl: emu.url,
      ledger,
      log: silentLogger,
      pool: new InspectorPool({ threads: 2 }),
    });
    const evidence = new InMemoryEvidenceFolders();
    svc = { store, clock: fixedClock(T0), log: silentLogger, evidence, scanner };
    // Upload through Graph, as the local evidence page does (PUT …/{parent}:/{name}:/content).
    const samples = evidenceSamples(T0);
    for (const name of FILES) {
      const bytes = await samples.find((s) => s.name === name)!.build();
      await client
        .api(`/drives/${emu.driveId}/items/${folder.id}:/${encodeURIComponent(name)}:/content`)
        .header('Content-Type', 'application/octet-stream')
        .put(Buffer.from(bytes));
    }
    evidence.setDocuments(
      'cycle-1',
      'org-a',
      FILES.map((name) => ({
        name,
        section: 1,
        lastModified: T0,
        webUrl: `https://example.sharepoint.com/Alpha/${name}`,
      })),
    );
    const requested = await requestApplication(svc, lead);
    const opened = await openApplication(svc, admin, { applicationId: requested.id, version: requested.version });
    const levelled = await setTargetLevel(svc, lead, {
      applicationId: opened.id,
      version: opened.version,
      level: 'bronze',
    });
    applicationId = levelled.id;
  }, 120_000);

  afterAll(async () => {
    await scanner?.close();
    await emu?.close();
    await handle?.close();
  });

  it('inspects every file once after the files change, and nothing again when nothing changed', async () => {
    const before = emu.stats().ruUsed;
    await refreshEvidence(svc, applicationId); // lists, then inspects (the background job)
    const current = await store.inspections.current(applicationId);
    expect(current.map((c) => c.name).sort()).toEqual([...FILES].sort());
    expect(current.every((c) => c.versionKey.length === 28)).toBe(true); // quickXorHash, base64 of 20 bytes
    const firstRu = emu.stats().ruUsed - before;
    // delta token (2 RU) + 3 list-children pages (2 RU each, sub-folders none) + 3 downloads + 1 failed PDF conversion
    expect(firstRu).toBeLessThanOrEqual(2 + 2 + 3 + 1 + 2);
    const again = await inspectEvidence(svc, applicationId);
    expect(again).toEqual({ inspected: 0, requests: 1 });
  }, 120_000);

  it('shows the three findings on the status card and blocks submission', async () => {
    const view = await loadApplicationView(svc, lead, applicationId);
    const hard = view.readiness!.problems.filter((p) => p.severity === 'hard');
    const text = hard.map((p) => p.message).join('\n');
    expect(text).toContain('“docx-blank-template.docx”: This looks like a blank template');
    expect(text).toContain('“pdf-nhs-number-page-3.pdf”: Personal data found (NHS number) on page 3');
    expect(text).toMatch(/“pdf-two-years-old\.pdf” is dated .*Evidence must be dated within the last 12 months/);
    const card = JSON.stringify(applicantApplicationCard(view));
    expect(card).toContain('blank template');
    expect(card).toContain('NHS number) on page 3');
    expect(card).toContain('pdf-two-years-old.pdf');
    expect(card).not.toContain('476 5919');
    expect(Buffer.byteLength(card)).toBeLessThan(28_000);
    await expect(
      submitApplication(svc, lead, { applicationId, version: view.application.version }),
    ).rejects.toMatchObject({
      code: 'NOT_READY',
    });
  });

  it('dismisses a warning with a reason, audited; a hard finding cannot be dismissed', async () => {
    const view = await loadApplicationView(svc, lead, applicationId);
    const warning = view.readiness!.problems.find(
      (p) => p.kind === 'evidence_warning' && p.documentName === 'docx-blank-template.docx',
    )!;
    expect(warning.findingKey).toBe('low_confidence:');
    await expect(
      dismissEvidenceWarning(svc, lead, {
        applicationId,
        version: view.application.version,
        documentName: 'docx-blank-template.docx',
        findingKey: 'blank_template:1',
        reason: 'It is filled in',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(
      dismissEvidenceWarning(svc, lead, {
        applicationId,
        version: view.application.version,
        documentName: 'docx-blank-template.docx',
        findingKey: warning.findingKey!,
        reason: ' ',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
    const r = await dismissEvidenceWarning(svc, lead, {
      applicationId,
      version: view.application.version,
      documentName: 'docx-blank-template.docx',
      findingKey: warning.findingKey!,
      reason: 'Dated in the footer, which the check cannot read',
    });
    expect(r.dismissed).toBe(true);
    const audit = await handle.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'dismiss_evidence_warning')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_id).toBe('lead-a');
    const after = await loadApplicationView(svc, lead, applicationId);
    expect(
      after.readiness!.problems.some(
        (p) => p.findingKey === warning.findingKey && p.documentName === 'docx-blank-template.docx',
      ),
    ).toBe(false);
    expect((await store.inspections.dismissals(applicationId))[0]!.reason).toBe(
      'Dated in the footer, which the check cannot read',
    );
  });

  it('flags a commentary reference to a page the document does not have', async () => {
    const { assessReadiness } = await import('../../src/domain/readiness.js');
    const view = await loadApplicationView(svc, lead, applicationId);
    const r = assessReadiness({
      framework: view.framework,
      targetLevel: 'bronze',
      commentary: [
        {
          criterionId: view.framework.criteria[0]!.id,
          text: 'See it.',
          references: [{ documentName: 'pdf-nhs-number-page-3.pdf', pages: [2, 14] }],
        },
      ],
      documents: view.documents,
      at: T0,
      inspections: view.inspections,
    });
    expect(r.problems.find((p) => p.kind === 'page_not_in_document')?.message).toContain(
      'cites page 14 of “pdf-nhs-number-page-3.pdf”, which has 4 pages',
    );
  });

  it('gives people who may see the application a link that opens the document at the cited page', async () => {
    const url = await evidencePreviewLink(svc, lead, {
      applicationId,
      documentName: 'pdf-nhs-number-page-3.pdf',
      page: 3,
    });
    expect(url).toMatch(/\/_emulator\/view\/[^#]+#page=3$/);
    const res = await fetch(url!);
    expect(res.headers.get('content-type')).toBe('application/pdf');
  });

  it('reviewers see each referenced document’s findings, the dismissal’s reason and a link at the cited page', async () => {
    const view = await loadApplicationView(svc, lead, applicationId);
    const c = criteriaForSection(view.framework, 1, 'bronze')[0]!;
    const withCommentary = {
      ...view,
      commentary: [
        {
          criterionId: c.id,
          text: 'See the record and the template.',
          references: [
            { documentName: 'pdf-nhs-number-page-3.pdf', pages: [3, 4] },
            { documentName: 'DOCX-blank-template.docx', pages: [1] },
          ],
        },
      ],
    };
    const card = assessSectionCard(withCommentary, 'rev-1', 1);
    assertValidCard(card);
    const json = JSON.stringify(card);
    expect(json).toContain('Checks of pdf-nhs-number-page-3.pdf');
    expect(json).toContain('Problem: Personal data found (NHS number) on page 3');
    expect(json).toContain('Checks of docx-blank-template.docx');
    expect(json).toContain('Problem: This looks like a blank template');
    expect(json).toContain(
      'Warning dismissed by the applicant (a less certain check): “Dated in the footer, which the check cannot read”',
    );
    expect(json).not.toMatch(/476\s*5919/);
    const links = actionsOf(card).filter((a) => a.type === 'Action.OpenUrl');
    expect(links).toEqual(
      expect.arrayContaining([
        {
          type: 'Action.OpenUrl',
          title: 'Open pdf-nhs-number-page-3.pdf at p. 3',
          url: 'https://example.sharepoint.com/Alpha/pdf-nhs-number-page-3.pdf#page=3',
        },
        // Word has no documented way to open at a page: it opens at the start.
        {
          type: 'Action.OpenUrl',
          title: 'Open docx-blank-template.docx',
          url: 'https://example.sharepoint.com/Alpha/docx-blank-template.docx',
        },
      ]),
    );
  });

  it('the admins’ dashboard counts the applications with open findings', async () => {
    const admin = actorFor((await store.people.get('admin-1'))!);
    const d = await dashboard(svc, admin, 'cycle-1');
    expect(d.withOpenFindings).toBe(1);
    expect(JSON.stringify(dashboardCard(d))).toContain('"With open evidence findings","value":"1"');
    expect(await store.inspections.applicationsWithOpenFindings('cycle-1', T0)).toBe(1);
  });

  it('the tab lists each file’s findings with masked hints and the reason a warning was dismissed', async () => {
    const o = await myOverview(svc, lead);
    const checks = o.organisation!.application!.evidenceChecks;
    const nhs = checks.find((c) => c.document === 'pdf-nhs-number-page-3.pdf')!;
    expect(nhs.pages).toBe(4);
    expect(nhs.personalData).toEqual([{ kind: 'NHS number', page: 3, hint: '943 *** ****' }]);
    expect(nhs.findings).toEqual([
      { severity: 'hard', message: expect.stringContaining('NHS number) on page 3'), dismissedReason: null },
    ]);
    const blank = checks.find((c) => c.document === 'docx-blank-template.docx')!;
    expect(blank.findings.find((f) => f.severity === 'soft')!.dismissedReason).toBe(
      'Dated in the footer, which the check cannot read',
    );
    const old = checks.find((c) => c.document === 'pdf-two-years-old.pdf')!;
    expect(old.findings[0]).toEqual({
      severity: 'hard',
      message: expect.stringMatching(
        /^The document appears to be dated .+ Evidence must be dated within the last 12 months/,
      ),
      dismissedReason: null,
    });
    expect(JSON.stringify(checks)).not.toMatch(/476\s*5919/);
  });
});

function actionsOf(node: unknown): { type: string; title?: string; url?: string }[] {
  if (Array.isArray(node)) return node.flatMap(actionsOf);
  if (!node || typeof node !== 'object') return [];
  const o = node as Record<string, unknown>;
  const own = typeof o.type === 'string' && o.type.startsWith('Action.') ? [o as { type: string }] : [];
  return [...own, ...Object.values(o).flatMap(actionsOf)];
}
