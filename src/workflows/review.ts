/**
 * The reviewer's side: the queue of assigned applications, starting a review, assessing each
 * criterion section by section, asking the applicant team for clarification and recommending a
 * level with feedback. With several reviewers, the application moves to "recommended" when the
 * last assigned reviewer has recommended; the admin then confirms or moderates.
 */
import { authorise } from '../domain/authorisation.js';
import { assertLevelWithinApplied } from '../domain/application-state.js';
import { DomainError } from '../domain/errors.js';
import { criteriaForSection, criteriaUpTo } from '../domain/framework.js';
import type { Actor, Application, AssessmentOutcome, Level, Organisation, SectionNumber } from '../domain/types.js';
import { MAX_COMMENTARY_CHARS, transitionApplication } from './application-journey.js';
import { assertCurrentVersion, frameworkFor, loadApplication, loadCycle } from './application-view.js';
import { adminIds, applicantTeamIds, notifyApplicationEvent } from './event-notifications.js';
import type { Services } from './services.js';

export interface QueueItem {
  application: Application;
  organisation: Organisation | null;
  cycleName: string;
  assessed: number;
  criteria: number;
}

const ACTIVE = new Set(['submitted', 'in_review', 'clarification_requested', 'recommended']);

/** Applications assigned to the reviewer, those needing action first. */
export async function reviewQueue(svc: Services, actor: Actor): Promise<QueueItem[]> {
  authorise(actor, 'view_review_queue', { kind: 'system' });
  // Each row carries its cycle's name and framework version: one statement for the whole queue.
  const rows = await svc.store.reviews.queueRows(actor.personId);
  const items: QueueItem[] = [];
  for (const r of rows) {
    const framework = await frameworkFor(svc, r.framework_version);
    const application: Application = {
      id: r.id,
      organisationId: r.organisation_id,
      cycleId: r.cycle_id,
      state: r.state as Application['state'],
      targetLevel: r.target_level as Level | null,
      version: r.version,
      requestedAt: r.requested_at,
      submittedAt: r.submitted_at,
      submittedLate: r.submitted_late,
    };
    const organisation: Organisation | null = r.organisation_name
      ? { id: r.organisation_id, name: r.organisation_name, code: r.organisation_code ?? null }
      : null;
    const criteria = application.targetLevel ? criteriaUpTo(framework, application.targetLevel).length : 0;
    items.push({ application, organisation, cycleName: r.cycle_name, assessed: Number(r.assessed ?? 0), criteria });
  }
  const rank = (a: Application) =>
    a.state === 'submitted' || a.state === 'in_review' ? 0 : ACTIVE.has(a.state) ? 1 : 2;
  return items.sort(
    (a, b) =>
      rank(a.application) - rank(b.application) ||
      a.application.requestedAt.getTime() - b.application.requestedAt.getTime(),
  );
}

/**
 * Start the review: after submissions close (deadline + grace); before that only an admin, with
 * a reason that the audit log keeps.
 */
export async function startReview(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number; earlyStartReason?: string },
): Promise<Application> {
  return transitionApplication(svc, actor, input, 'start_review', {
    ...(input.earlyStartReason !== undefined ? { rules: { earlyStartReason: input.earlyStartReason } } : {}),
  });
}

async function reviewable(svc: Services, actor: Actor, applicationId: string, version: number): Promise<Application> {
  const app = await loadApplication(svc, applicationId);
  const assigned = await svc.store.reviews.reviewersFor(app.id);
  authorise(actor, 'assess', {
    kind: 'application',
    organisationId: app.organisationId,
    assignedReviewerIds: assigned,
  });
  await assertCurrentVersion(svc, app, version);
  if (app.state !== 'in_review' && app.state !== 'clarification_requested') {
    throw new DomainError('INVALID_TRANSITION', 'Criteria can be assessed only while the application is in review.', {
      applicationId,
      state: app.state,
    });
  }
  return app;
}

export const OUTCOMES: readonly AssessmentOutcome[] = ['met', 'partly_met', 'not_met'];

export async function saveAssessments(
  svc: Services,
  actor: Actor,
  input: {
    applicationId: string;
    version: number;
    section: SectionNumber;
    items: { criterionId: string; outcome: AssessmentOutcome; note: string }[];
  },
): Promise<{ saved: number }> {
  const app = await reviewable(svc, actor, input.applicationId, input.version);
  const cycle = await loadCycle(svc, app.cycleId);
  const framework = await frameworkFor(svc, cycle.frameworkVersion);
  const allowed = new Set(criteriaForSection(framework, input.section, app.targetLevel ?? 'gold').map((c) => c.id));
  const bad = input.items.filter((i) => !allowed.has(i.criterionId)).map((i) => i.criterionId);
  if (bad.length > 0)
    throw new DomainError('VALIDATION', `Criteria ${bad.join(', ')} are not assessed in section ${input.section}.`, {
      criteria: bad,
    });
  const tooLong = input.items.find((i) => i.note.length > MAX_COMMENTARY_CHARS);
  if (tooLong)
    throw new DomainError(
      'VALIDATION',
      `Keep the note for ${tooLong.criterionId} under ${MAX_COMMENTARY_CHARS} characters.`,
      { field: 'note' },
    );
  await svc.store.transaction((tx) => tx.reviews.saveAssessments(app.id, actor.personId, input.items, svc.clock.now()));
  return { saved: input.items.length };
}

export async function requestClarification(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number; question: string },
): Promise<Application> {
  const question = input.question.trim();
  if (question === '')
    throw new DomainError('VALIDATION', 'Write the question for the applicant team first.', { field: 'question' });
  if (question.length > MAX_COMMENTARY_CHARS)
    throw new DomainError('VALIDATION', `Keep the question under ${MAX_COMMENTARY_CHARS} characters.`, {
      field: 'question',
    });
  return transitionApplication(svc, actor, input, 'request_clarification', {
    inTx: async (tx, app) => {
      const now = svc.clock.now();
      await tx.reviews.ask(app.id, actor.personId, question, now);
      // The applicant team hears of the question.
      await notifyApplicationEvent(tx, app, 'clarification_asked', await applicantTeamIds(tx, app.organisationId), now);
    },
  });
}

export type RecommendOutcome = { application: Application; transitioned: boolean; waitingFor: number };

/**
 * Record the reviewer's recommendation. Every criterion up to the target level must be assessed
 * by this reviewer first. The last assigned reviewer to recommend moves the application on.
 */
export async function recommend(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number; level: Level | null; strengths: string; improvements: string },
): Promise<RecommendOutcome> {
  const app = await loadApplication(svc, input.applicationId);
  const assigned = await svc.store.reviews.reviewersFor(app.id);
  authorise(actor, 'recommend', {
    kind: 'application',
    organisationId: app.organisationId,
    assignedReviewerIds: assigned,
  });
  await assertCurrentVersion(svc, app, input.version);
  if (app.state !== 'in_review') {
    throw new DomainError(
      'INVALID_TRANSITION',
      'A recommendation can be made only while the application is in review (not while a clarification is open).',
      {
        state: app.state,
      },
    );
  }
  const strengths = input.strengths.trim();
  const improvements = input.improvements.trim();
  if (strengths === '' || improvements === '') {
    throw new DomainError(
      'VALIDATION',
      'Write both the strengths and the areas to improve: they become the feedback to the organisation.',
      { field: 'feedback' },
    );
  }
  assertLevelWithinApplied(input.level, app.targetLevel);
  const cycle = await loadCycle(svc, app.cycleId);
  const framework = await frameworkFor(svc, cycle.frameworkVersion);
  const needed = criteriaUpTo(framework, app.targetLevel ?? 'gold').map((c) => c.id);
  const done = new Set((await svc.store.reviews.assessments(app.id, actor.personId)).map((a) => a.criterionId));
  const missing = needed.filter((id) => !done.has(id));
  if (missing.length > 0) {
    throw new DomainError(
      'VALIDATION',
      `Assess every criterion before recommending: ${missing.length} left (${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ', …' : ''}).`,
      {
        missing,
      },
    );
  }
  const now = svc.clock.now();
  await svc.store.transaction((tx) =>
    tx.reviews.recommend(
      { applicationId: app.id, reviewerId: actor.personId, level: input.level, strengths, improvements },
      now,
    ),
  );
  const recs = await svc.store.reviews.recommendations(app.id);
  const waitingFor = assigned.filter((r) => !recs.some((x) => x.reviewerId === r)).length;
  if (waitingFor > 0) return { application: app, transitioned: false, waitingFor };
  const moved = await transitionApplication(svc, actor, input, 'recommend', {
    details: { level: input.level, reviewers: assigned.length },
    rules: { level: input.level },
    // The admins hear that a decision is waiting for them.
    inTx: async (tx, a) => void (await notifyApplicationEvent(tx, a, 'recommendation_made', await adminIds(tx), now)),
  });
  return { application: moved, transitioned: true, waitingFor: 0 };
}
