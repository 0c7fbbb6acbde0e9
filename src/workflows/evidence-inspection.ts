/**
 * Use cases of evidence inspection.
 * - inspectEvidence: background job after files change. Reads only new or changed files (the
 *   scanner keeps the Graph delta cursor and compares each file's quickXorHash with the stored
 *   version), stores each result per document version and keeps the cursor. Safe to run again and
 *   concurrently: results are keyed by (application, item, version).
 * - dismissEvidenceWarning: an applicant dismisses a warning (never a hard finding) with a reason;
 *   kept in the audit log and shown to reviewers.
 * - evidencePreviewLink: a reviewer (or the applicant team) opens a document at a page.
 */
import { authorise } from '../domain/authorisation.js';
import { DomainError } from '../domain/errors.js';
import { isHardFinding, type FindingCode } from '../domain/evidence-findings.js';
import { normaliseDocumentName } from '../domain/readiness.js';
import { cleanDeep } from '../domain/text.js';
import type { Actor } from '../domain/types.js';
import { assertCurrentVersion, loadApplication } from './application-view.js';
import type { Services } from './services.js';

export const MIN_DISMISS_REASON = 3;
export const MAX_DISMISS_REASON = 500;

/** How many times a run whose listing another run overtook starts again before giving up. */
export const MAX_INSPECTION_ATTEMPTS = 5;

export async function inspectEvidence(
  svc: Services,
  applicationId: string,
): Promise<{ inspected: number; requests: number } | null> {
  if (!svc.scanner) return null;
  const app = await loadApplication(svc, applicationId);
  let requests = 0;
  for (let attempt = 1; attempt <= MAX_INSPECTION_ATTEMPTS; attempt++) {
    const [cursor, known] = await Promise.all([
      svc.store.inspections.cursor(app.id),
      svc.store.inspections.currentVersions(app.id),
    ]);
    const now = svc.clock.now();
    const r = await svc.scanner.scan(app.cycleId, app.organisationId, cursor, known, now);
    if (!r) return null;
    requests += r.requests;
    const stored = await svc.store.transaction(async (tx) => {
      // Runs overlap (an upload's run, a re-check, the refresh job). One that listed the folder
      // before another stored a newer listing must not write its older picture over it (a file
      // uploaded in between would stop counting as inspected): it reads again from the new cursor.
      const latest = await tx.inspections.cursorForUpdate(app.id);
      if (JSON.stringify(latest) !== JSON.stringify(cursor)) return false;
      // Hints come from the documents' own text: control characters in them are removed before storing.
      for (const v of r.inspected)
        await tx.inspections.record(app.id, { ...v, result: cleanDeep(v.result) as typeof v.result, inspectedAt: now });
      await tx.inspections.keepOnly(app.id, r.present);
      await tx.inspections.saveCursor(app.id, r.cursor, now);
      return true;
    });
    if (stored) return { inspected: r.inspected.length, requests };
  }
  svc.log.warn(
    { applicationId: app.id, attempts: MAX_INSPECTION_ATTEMPTS },
    'evidence inspection kept being overtaken',
  );
  return { inspected: 0, requests };
}

export async function dismissEvidenceWarning(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number; documentName: string; findingKey: string; reason: string },
): Promise<{ dismissed: boolean }> {
  const app = await loadApplication(svc, input.applicationId);
  authorise(actor, 'edit_commentary', { kind: 'application', organisationId: app.organisationId });
  await assertCurrentVersion(svc, app, input.version);
  const reason = input.reason.trim();
  if (reason.length < MIN_DISMISS_REASON || reason.length > MAX_DISMISS_REASON)
    throw new DomainError(
      'VALIDATION',
      `Say why this warning does not apply (${MIN_DISMISS_REASON} to ${MAX_DISMISS_REASON} characters).`,
      { field: 'reason' },
    );
  const inspections = await svc.store.inspections.forReadiness(app.id);
  const doc = inspections.find(
    (i) => normaliseDocumentName(i.documentName) === normaliseDocumentName(input.documentName),
  );
  const code = input.findingKey.split(':')[0] as FindingCode;
  const finding = doc?.findings.find((f) => `${f.code}:${f.pages.join(',')}` === input.findingKey);
  if (!doc || !finding)
    throw new DomainError('NOT_FOUND', 'That finding is no longer there (the document may have changed).', {
      applicationId: app.id,
    });
  if (isHardFinding(code))
    throw new DomainError('VALIDATION', 'This problem must be fixed in the document; it cannot be dismissed.', {
      field: 'findingKey',
    });
  const dismissed = await svc.store.transaction((tx) =>
    tx.inspections.dismiss(
      app.id,
      { documentName: doc.documentName, findingKey: input.findingKey, reason },
      actor.personId,
      svc.clock.now(),
    ),
  );
  return { dismissed };
}

/** A link opening `documentName` at `page`, for people who may see the application. */
export async function evidencePreviewLink(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; documentName: string; page: number },
): Promise<string | null> {
  const app = await loadApplication(svc, input.applicationId);
  authorise(actor, 'view_application', {
    kind: 'application',
    organisationId: app.organisationId,
    assignedReviewerIds: await svc.store.reviews.reviewersFor(app.id),
  });
  if (!svc.scanner) return null;
  return svc.scanner.previewUrl(app.cycleId, app.organisationId, input.documentName, input.page);
}
