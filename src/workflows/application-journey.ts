/**
 * The applicant's side of an application after it is requested: the admin opens it, the team
 * chooses a level, writes commentary per criterion, declares what each evidence document is,
 * checks readiness, submits and answers clarification questions.
 *
 * Every change takes the version the actor's card showed and refuses with STALE when the
 * application has moved on (see application-view.ts), so an old card never changes anything.
 */
import { planTransition } from '../domain/application-state.js';
import { authorise } from '../domain/authorisation.js';
import { DomainError } from '../domain/errors.js';
import { criteriaForSection } from '../domain/framework.js';
import { assessReadiness, type ReadinessProblem } from '../domain/readiness.js';
import { submissionTiming } from '../domain/cycle.js';
import {
  SYSTEM_ACTOR,
  type Actor,
  type Application,
  type Commentary,
  type Level,
  type SectionNumber,
} from '../domain/types.js';
import { HELD_FOR_FOLDER, onApplicationChanged } from '../notifications/outbox.js';
import {
  assertCurrentVersion,
  assertCurrentVersionOf,
  authorisedView,
  frameworkFor,
  loadApplication,
  loadApplicationWithLatestChange,
  loadCycle,
  requireRecord,
  staleError,
  type ApplicationView,
  type EditingView,
} from './application-view.js';
import { applicantTeamIds, notifyApplicationEvent } from './event-notifications.js';
import type { Services } from './services.js';
import { inspectEvidence } from './evidence-inspection.js';

export const MAX_COMMENTARY_CHARS = 4000;
export const MAX_REFERENCES_PER_CRITERION = 6;

function isStale(e: unknown): boolean {
  return e instanceof DomainError && e.code === 'STALE';
}

/** Runs a versioned repository write; a STALE from the repository is enriched with who changed it. */
async function versioned<T>(
  svc: Services,
  applicationId: string,
  seenVersion: number,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isStale(e)) throw await staleError(svc, applicationId, seenVersion);
    throw e;
  }
}

/** A versioned transition: plan with the domain rules, then compare-and-set in the database. */
export async function transitionApplication(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number },
  action: Parameters<typeof planTransition>[0]['action'],
  extra: {
    patch?: { submittedAt?: Date; submittedLate?: boolean };
    details?: Record<string, unknown>;
    inTx?: (tx: Services['store'], app: Application) => Promise<void>;
    /** What the domain rules need besides the application (a level, an early start's reason). */
    rules?: Pick<Parameters<typeof planTransition>[0], 'level' | 'earlyStartReason'>;
  } = {},
): Promise<Application> {
  const app = await loadApplication(svc, input.applicationId);
  await assertCurrentVersion(svc, app, input.version);
  const cycle = await loadCycle(svc, app.cycleId);
  const assignedReviewerIds = await svc.store.reviews.reviewersFor(app.id);
  const now = svc.clock.now();
  const plan = planTransition({ application: app, action, actor, cycle, now, assignedReviewerIds, ...extra.rules });
  // An early start is audited with its reason (the transition's audit row carries the details).
  const details = plan.early
    ? { ...extra.details, early: true, reason: extra.rules?.earlyStartReason?.trim() }
    : extra.details;
  return versioned(svc, app.id, input.version, () =>
    svc.store.transaction(async (tx) => {
      const moved = await tx.applications.transition({
        applicationId: app.id,
        expectedVersion: input.version,
        from: app.state,
        to: plan.to,
        action,
        actorId: actor.personId,
        now,
        ...(extra.patch ? { patch: extra.patch } : {}),
        ...(details ? { details } : {}),
      });
      // Outbox, same transaction: an application no longer open (submitted, withdrawn, lapsed ...)
      // has its pending deadline reminders cancelled.
      await onApplicationChanged(tx, moved, now);
      await extra.inTx?.(tx, moved);
      return moved;
    }),
  );
}

/** Applicant lead (or admin): withdraw an application that is requested, open or submitted. */
export async function withdrawApplication(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number },
): Promise<Application> {
  return transitionApplication(svc, actor, input, 'withdraw');
}

/**
 * Housekeeping: once a cycle's deadline and grace period have passed, requested and open
 * applications that were never submitted lapse. Safe on several instances at once: each lapse is
 * a versioned transition, so one that another instance (or a person) got to first is skipped.
 */
export async function lapseOverdueApplications(svc: Services): Promise<number> {
  const now = svc.clock.now();
  let lapsed = 0;
  for (const cycle of await svc.store.cycles.list()) {
    if (submissionTiming(cycle, now) !== 'closed') continue;
    for (const app of await svc.store.applications.listByCycle(cycle.id)) {
      if (app.state !== 'requested' && app.state !== 'open') continue;
      try {
        await transitionApplication(svc, SYSTEM_ACTOR, { applicationId: app.id, version: app.version }, 'lapse');
        lapsed++;
      } catch (e) {
        if (!(e instanceof DomainError && (e.code === 'STALE' || e.code === 'INVALID_TRANSITION'))) throw e;
      }
    }
  }
  return lapsed;
}

/**
 * Admin: open a requested application. In the same transaction the evidence folder job is queued
 * (the folder is created, shared and listed after the reply) and the applicant team's message is
 * written, held until that job has run so that it carries the folder link.
 */
export async function openApplication(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number },
): Promise<Application> {
  return transitionApplication(svc, actor, input, 'open', {
    inTx: async (tx, app) => {
      const folderJob = svc.jobs && svc.evidence;
      if (folderJob)
        await svc.jobs!.enqueue(tx, {
          name: 'evidence-folders',
          data: { cycleId: app.cycleId, organisationId: app.organisationId },
        });
      await notifyApplicationEvent(
        tx,
        app,
        'application_opened',
        await applicantTeamIds(tx, app.organisationId),
        svc.clock.now(),
        folderJob ? { heldFor: HELD_FOR_FOLDER } : {},
      );
    },
  });
}

/**
 * The application an edit changes, once the actor may edit it, their card is current and it is
 * open. `read`: what `loadForEditing` read of it in this turn, checked instead of reading again.
 */
async function editableApplication(
  svc: Services,
  actor: Actor,
  applicationId: string,
  version: number,
  read?: EditingView,
): Promise<Application> {
  if (read && read.application.id !== applicationId)
    throw new Error('the application read for editing is not the one being edited');
  // Without a read, the application is read with its latest change: a stale click's answer needs no second read.
  const found = read ? null : await loadApplicationWithLatestChange(svc, applicationId);
  const app = read?.application ?? found!.application;
  authorise(actor, 'edit_commentary', { kind: 'application', organisationId: app.organisationId });
  if (found) assertCurrentVersionOf(found, version);
  else await assertCurrentVersion(svc, app, version);
  if (app.state !== 'open') {
    throw new DomainError(
      'INVALID_TRANSITION',
      'The application can only be changed while it is open (before it is submitted).',
      {
        applicationId,
        state: app.state,
      },
    );
  }
  return app;
}

export async function setTargetLevel(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number; level: Level },
): Promise<Application> {
  const app = await editableApplication(svc, actor, input.applicationId, input.version);
  // The same level again (a second click) changes nothing: no new version, no audit row.
  if (app.targetLevel === input.level) return app;
  // One statement (the compare-and-set and its audit row): no transaction of its own needed.
  return versioned(svc, input.applicationId, input.version, () =>
    svc.store.applications.setTargetLevel({
      applicationId: input.applicationId,
      expectedVersion: input.version,
      level: input.level,
      actorId: actor.personId,
      now: svc.clock.now(),
    }),
  );
}

/**
 * Save the commentary of one section (drafts allowed: blank text and missing references are
 * saved, readiness reports them). Criteria must belong to the section. `read`: the application
 * as `loadForEditing` read it in this turn (else it is read here).
 */
export async function saveSectionCommentary(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number; section: SectionNumber; items: Commentary[] },
  read?: EditingView,
): Promise<{ saved: number; view: ApplicationView }> {
  const app = await editableApplication(svc, actor, input.applicationId, input.version, read);
  const framework = read?.framework ?? (await frameworkFor(svc, (await loadCycle(svc, app.cycleId)).frameworkVersion));
  const allowed = new Set(criteriaForSection(framework, input.section).map((c) => c.id));
  const problems: string[] = [];
  for (const item of input.items) {
    if (!allowed.has(item.criterionId))
      problems.push(`criterion ${item.criterionId} is not in section ${input.section}`);
    if (item.text.length > MAX_COMMENTARY_CHARS)
      problems.push(`the commentary for ${item.criterionId} is longer than ${MAX_COMMENTARY_CHARS} characters`);
    if (item.references.length > MAX_REFERENCES_PER_CRITERION)
      problems.push(`criterion ${item.criterionId} has more than ${MAX_REFERENCES_PER_CRITERION} references`);
  }
  if (problems.length > 0)
    throw new DomainError('VALIDATION', `The commentary was not saved: ${problems.join('; ')}.`, { problems });
  // Saving the same text again (a second click) is not a change: no audit row. The commentary, its
  // audit row and the application as they leave it are one statement.
  const { read: record } = await svc.store.applications.saveCommentaryThen(
    app.id,
    input.items,
    actor.personId,
    svc.clock.now(),
    { section: input.section },
    svc.store.applicationRecords.afterChange(app.id),
  );
  return { saved: input.items.length, view: await authorisedView(svc, actor, requireRecord(record, app.id)) };
}

/** Record what the applicant declares of documents in the folder (`read`: as for commentary). */
export async function declareEvidence(
  svc: Services,
  actor: Actor,
  input: {
    applicationId: string;
    version: number;
    items: { name: string; evidenceDate: Date | null; completed: boolean }[];
  },
  read?: EditingView,
): Promise<{ changed: number; view: ApplicationView }> {
  const app = await editableApplication(svc, actor, input.applicationId, input.version, read);
  const now = svc.clock.now();
  for (const it of input.items) {
    if (it.evidenceDate && it.evidenceDate.getTime() > now.getTime() + 86_400_000) {
      throw new DomainError('VALIDATION', `The evidence date of “${it.name}” is in the future.`, {
        field: 'evidenceDate',
      });
    }
  }
  // The declarations, their audit row and the application as they leave it are one statement.
  const { changed, read: record } = await svc.store.evidence.declareThen(
    app.id,
    input.items,
    actor.personId,
    now,
    svc.store.applicationRecords.afterChange(app.id),
  );
  return { changed, view: await authorisedView(svc, actor, requireRecord(record, app.id)) };
}

/**
 * Re-read the organisation's folder (Graph) into the database. Background work only: call it
 * after the reply. Returns how many documents are in the folder, or null without a folder port.
 */
export async function refreshEvidence(svc: Services, applicationId: string): Promise<number | null> {
  if (!svc.evidence) return null;
  const app = await loadApplication(svc, applicationId);
  const docs = await svc.evidence.listDocuments(app.cycleId, app.organisationId);
  const n = await svc.store.transaction((tx) => tx.evidence.syncListing(app.id, docs, svc.clock.now()));
  // The files changed (or may have): inspect what is new or different.
  await inspectEvidence(svc, app.id);
  return n;
}

export type SubmitOutcome =
  | { kind: 'submitted'; application: Application; late: boolean; warnings: ReadinessProblem[] }
  | { kind: 'needs_confirmation'; application: Application; warnings: ReadinessProblem[]; late: boolean };

/**
 * Submit: refused with NOT_READY (every hard problem in details.problems) when readiness fails,
 * asks for confirmation when only soft problems remain (unless acknowledged), marks a submission
 * inside the grace period late and refuses after it (DEADLINE_PASSED).
 */
export async function submitApplication(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number; acknowledgeWarnings?: boolean },
): Promise<SubmitOutcome> {
  const app = await loadApplication(svc, input.applicationId);
  await assertCurrentVersion(svc, app, input.version);
  const cycle = await loadCycle(svc, app.cycleId);
  const now = svc.clock.now();
  const plan = planTransition({ application: app, action: 'submit', actor, cycle, now });
  const framework = await frameworkFor(svc, cycle.frameworkVersion);
  const [commentary, documents, inspections, dismissed] = await Promise.all([
    svc.store.applications.commentary(app.id),
    svc.store.evidence.documents(app.id),
    svc.store.inspections.forReadiness(app.id),
    svc.store.inspections.dismissedKeys(app.id),
  ]);
  const readiness = assessReadiness({
    framework,
    targetLevel: app.targetLevel!,
    commentary,
    documents,
    at: now,
    inspections,
    dismissed,
  });
  const hard = readiness.problems.filter((p) => p.severity === 'hard');
  const soft = readiness.problems.filter((p) => p.severity === 'soft');
  if (hard.length > 0) {
    throw new DomainError(
      'NOT_READY',
      `The application is not ready to submit: ${hard.length} problem${hard.length === 1 ? '' : 's'} must be fixed first.`,
      {
        problems: hard.map((p) => p.message),
        applicationId: app.id,
      },
    );
  }
  const late = plan.late ?? false;
  if (soft.length > 0 && !input.acknowledgeWarnings)
    return { kind: 'needs_confirmation', application: app, warnings: soft, late };
  const moved = await transitionApplication(svc, actor, input, 'submit', {
    patch: { submittedAt: now, submittedLate: late },
    details: { late, documents: readiness.documentsCompleted, warnings: soft.length },
  });
  return { kind: 'submitted', application: moved, late, warnings: soft };
}

/** The applicant team answers the open clarification question; the application goes back to review. */
export async function answerClarification(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number; clarificationId: string; answer: string },
): Promise<Application> {
  const answer = input.answer.trim();
  if (answer === '') throw new DomainError('VALIDATION', 'Write an answer before sending it.', { field: 'answer' });
  if (answer.length > MAX_COMMENTARY_CHARS)
    throw new DomainError('VALIDATION', `Keep the answer under ${MAX_COMMENTARY_CHARS} characters.`, {
      field: 'answer',
    });
  return transitionApplication(svc, actor, input, 'answer_clarification', {
    details: { clarificationId: input.clarificationId },
    inTx: async (tx, app) => {
      const open = (await tx.reviews.clarifications(input.applicationId)).find((c) => c.id === input.clarificationId);
      if (!open)
        throw new DomainError('NOT_FOUND', 'That clarification question does not exist.', {
          clarificationId: input.clarificationId,
        });
      const now = svc.clock.now();
      await tx.reviews.answer(input.clarificationId, actor.personId, answer, now);
      // The reviewers hear of the answer.
      await notifyApplicationEvent(tx, app, 'clarification_answered', await tx.reviews.reviewersFor(app.id), now);
    },
  });
}
