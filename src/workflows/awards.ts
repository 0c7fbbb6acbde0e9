/**
 * Awards people can show and check: issuing the award when a decision is communicated (with its
 * verification code, and the messages to the applicant team and the reviewers through the
 * outbox), the certificate, badge and feedback report, public verification, and revocation.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { authorise } from '../domain/authorisation.js';
import {
  AWARD_STATUS_LABELS,
  awardForDecision,
  awardStatus,
  parseVerificationCode,
  validateRevokeReason,
  VERIFICATION_CODE_BYTES,
  verificationCodeFromBytes,
  type AwardStatus,
  type IssuedAward,
} from '../domain/award.js';
import { DomainError } from '../domain/errors.js';
import { criterionFeedback } from '../domain/feedback.js';
import type { Actor, Application, Level } from '../domain/types.js';
import { badgePng, badgeSvg } from '../documents/badge.js';
import { renderCertificate } from '../documents/certificate.js';
import { renderFeedbackReport } from '../documents/feedback-report.js';
import { decisionMessage, reviewOutcomeMessage } from '../notifications/award-messages.js';
import { enqueue, type EnqueueInput } from '../notifications/outbox.js';
import type { Store } from '../store/store.js';
import {
  applicantTeam,
  awardDownloads,
  frameworkFor,
  loadApplication,
  loadCycle,
  type AwardDownloads,
} from './application-view.js';
import type { AwardFile } from './ports.js';
import type { Services } from './services.js';

/**
 * In the communicate transition's transaction: issue the award (valid two years from now) when a
 * level was awarded, and put the decision (to the applicant team) and the outcome (to each
 * reviewer) in the outbox. Messages go at once, not held for quiet hours: an admin sent them.
 */
export async function onDecisionCommunicated(
  svc: Services,
  tx: Store,
  app: Application,
  now: Date,
): Promise<IssuedAward | null> {
  // Every read goes through the transaction (PGlite has one session: the outer store would wait for it).
  const inTx: Services = { ...svc, store: tx };
  const decision = await tx.decisions.get(app.id);
  if (!decision) throw new DomainError('NOT_FOUND', 'There is no decision to communicate.', { applicationId: app.id });
  const cycle = await loadCycle(inTx, app.cycleId);
  const organisation = await tx.organisations.get(app.organisationId);
  const framework = await frameworkFor(inTx, cycle.frameworkVersion);
  const organisationName = organisation?.name ?? 'Your organisation';
  const validity = awardForDecision(decision, app.organisationId, now);
  const award = validity
    ? await tx.awards.create({
        ...validity,
        id: randomUUID(),
        applicationId: app.id,
        cycleId: cycle.id,
        verificationCode: verificationCodeFromBytes(randomBytes(VERIFICATION_CODE_BYTES)),
        organisationName,
        illustrative: framework.illustrative,
        issuedAt: now,
      })
    : null;

  const dueAt = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const subject = { kind: 'application' as const, id: app.id };
  const decisionNotice = decisionMessage({
    applicationId: app.id,
    organisationName,
    cycleName: cycle.name,
    level: decision.level,
    award,
    verifyUrl: award && svc.links?.verify ? svc.links.verify(award.verificationCode) : null,
  });
  const team = await applicantTeam(inTx, app.organisationId);
  const reviewerIds = await tx.reviews.reviewersFor(app.id);
  const recommendations = await tx.reviews.recommendations(app.id);
  const items: EnqueueInput[] = [
    ...team.map((p) => ({
      kind: 'decision_communicated' as const,
      recipientId: p.id,
      dueAt,
      subject,
      cycleId: cycle.id,
      applicationId: app.id,
      message: decisionNotice,
    })),
    ...reviewerIds.map((id) => ({
      kind: 'review_outcome' as const,
      recipientId: id,
      dueAt,
      subject,
      cycleId: cycle.id,
      applicationId: app.id,
      message: reviewOutcomeMessage({
        organisationName,
        cycleName: cycle.name,
        level: decision.level,
        recommended: recommendations.find((r) => r.reviewerId === id)?.level,
      }),
    })),
  ];
  await enqueue(tx, items, now, { quietHours: null });
  return award;
}

export interface AwardSummary {
  award: IssuedAward | null;
  status: AwardStatus | null;
  downloads: AwardDownloads | null;
}

/** The award and download links of an application, for its applicant team and admins (tab). */
export async function applicationAward(svc: Services, actor: Actor, applicationId: string): Promise<AwardSummary> {
  const app = await loadApplication(svc, applicationId);
  authorise(actor, 'view_award', { kind: 'application', organisationId: app.organisationId });
  const award = app.state === 'communicated' ? await svc.store.awards.forApplication(app.id) : null;
  return {
    award,
    status: award ? awardStatus(award, svc.clock.now()) : null,
    downloads: awardDownloads(svc, app, award),
  };
}

export interface DownloadedFile {
  filename: string;
  contentType: string;
  body: Uint8Array;
}

const slug = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/[\s_]+/g, '-')
    .toLowerCase()
    .slice(0, 60) || 'organisation';

/**
 * One of an award's files. Called behind a signed link (the signature is the permission), so
 * there is no actor: a revoked award's files are no longer given out
 * (NOT_FOUND with `details.revoked`).
 */
export async function awardFile(svc: Services, awardId: string, file: AwardFile): Promise<DownloadedFile> {
  const award = await svc.store.awards.get(awardId);
  if (!award) throw new DomainError('NOT_FOUND', 'That award does not exist.', { awardId });
  if (award.revokedAt)
    throw new DomainError(
      'NOT_FOUND',
      'This award has been revoked, so its certificate and badge are no longer available.',
      { awardId, revoked: true },
    );
  const badge = {
    level: award.level,
    validFrom: award.validFrom,
    validUntil: award.validUntil,
    verificationCode: award.verificationCode,
    illustrative: award.illustrative,
  };
  const base = `wexqs-${award.level}-${slug(award.organisationName)}`;
  switch (file) {
    case 'badge.png':
      return { filename: `${base}-badge.png`, contentType: 'image/png', body: badgePng(badge) };
    case 'badge.svg':
      return { filename: `${base}-badge.svg`, contentType: 'image/svg+xml', body: Buffer.from(badgeSvg(badge)) };
    case 'certificate.pdf': {
      const cycle = award.cycleId ? await svc.store.cycles.get(award.cycleId) : null;
      const verifyUrl = svc.links?.verify ? svc.links.verify(award.verificationCode) : '';
      const body = await renderCertificate({
        organisationName: award.organisationName,
        level: award.level,
        cycleName: cycle?.name ?? null,
        validFrom: award.validFrom,
        validUntil: award.validUntil,
        verificationCode: award.verificationCode,
        verifyUrl,
        illustrative: award.illustrative,
        issuedAt: award.issuedAt,
      });
      return { filename: `${base}-certificate.pdf`, contentType: 'application/pdf', body };
    }
  }
}

/** The feedback report of a communicated decision (behind a signed link, like awardFile). */
export async function feedbackReportFile(svc: Services, applicationId: string): Promise<DownloadedFile> {
  const app = await loadApplication(svc, applicationId);
  const decision = await svc.store.decisions.get(app.id);
  if (!decision || app.state !== 'communicated')
    throw new DomainError('NOT_FOUND', 'There is no communicated decision for this application.', { applicationId });
  const [cycle, organisation, assessments] = await Promise.all([
    loadCycle(svc, app.cycleId),
    svc.store.organisations.get(app.organisationId),
    svc.store.reviews.assessments(app.id),
  ]);
  const framework = await frameworkFor(svc, cycle.frameworkVersion);
  const level: Level = app.targetLevel ?? 'gold';
  const body = await renderFeedbackReport({
    organisationName: organisation?.name ?? '',
    cycleName: cycle.name,
    targetLevel: app.targetLevel,
    awardedLevel: decision.level,
    decidedAt: decision.decidedAt,
    strengths: decision.feedbackStrengths,
    improvements: decision.feedbackImprovements,
    criteria: criterionFeedback(framework, level, assessments),
    illustrative: framework.illustrative,
  });
  return { filename: `wexqs-feedback-${slug(organisation?.name ?? '')}.pdf`, contentType: 'application/pdf', body };
}

/** What public verification shows: nothing but these fields. */
export interface PublicAward {
  organisation: string;
  level: Level;
  validFrom: Date;
  validUntil: Date;
  status: AwardStatus;
  statusLabel: string;
  illustrative: boolean;
}

/**
 * Public, no sign-in: the award with this code, or null when the input is not a code or no award
 * has it (the two are indistinguishable to the caller).
 */
export async function verifyAward(svc: Services, input: string): Promise<PublicAward | null> {
  const code = parseVerificationCode(input);
  if (!code) return null;
  const award = await svc.store.awards.byCode(code);
  if (!award) return null;
  const status = awardStatus(award, svc.clock.now());
  return {
    organisation: award.organisationName,
    level: award.level,
    validFrom: award.validFrom,
    validUntil: award.validUntil,
    status,
    statusLabel: AWARD_STATUS_LABELS[status],
    illustrative: award.illustrative,
  };
}

/** Admin: revoke an award with a reason (audited; pending expiry reminders are cancelled). */
export async function revokeAward(
  svc: Services,
  actor: Actor,
  input: { awardId: string; reason: string },
): Promise<IssuedAward> {
  const existing = await svc.store.awards.get(input.awardId);
  if (!existing) throw new DomainError('NOT_FOUND', 'That award does not exist.', { awardId: input.awardId });
  authorise(actor, 'revoke_award', { kind: 'organisation', organisationId: existing.organisationId });
  const reason = validateRevokeReason(input.reason);
  const now = svc.clock.now();
  return svc.store.transaction(async (tx) => {
    const revoked = await tx.awards.revoke(existing.id, actor.personId, reason, now);
    await tx.reminders.cancelPending({ subjectId: existing.id, kinds: ['award_expiry'] }, 'award revoked', now);
    return revoked;
  });
}

/** Admin: the awards of a cycle with their status today (console). */
export async function cycleAwards(
  svc: Services,
  actor: Actor,
  cycleId: string,
): Promise<(IssuedAward & { status: AwardStatus })[]> {
  authorise(actor, 'view_dashboard', { kind: 'cycle' });
  const now = svc.clock.now();
  return (await svc.store.awards.listByCycle(cycleId)).map((a) => ({ ...a, status: awardStatus(a, now) }));
}
