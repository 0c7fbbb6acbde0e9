/**
 * Everything a card about one application needs, loaded in one go (database only, never Graph:
 * the stored record, its evidence folder's link included, in one statement),
 * and the optimistic-concurrency check every card action runs first.
 */
import { authorise } from '../domain/authorisation.js';
import { DomainError } from '../domain/errors.js';
import type { Framework } from '../domain/framework.js';
import { dismissalKey, type DocumentInspection } from '../domain/evidence-findings.js';
import { assessReadiness, type Readiness } from '../domain/readiness.js';
import { daysLeftLondon } from '../domain/time.js';
import type { IssuedAward } from '../domain/award.js';
import type { Actor, Application, Commentary, Cycle, Decision, Organisation, Person } from '../domain/types.js';
import type { ApplicationRecord } from '../store/application-record-repository.js';
import { toDocumentInspection } from '../store/evidence-inspection-repository.js';
import type { StoredEvidenceDocument } from '../store/evidence-repository.js';
import type { Dismissal } from '../store/evidence-inspection-repository.js';
import type { Assessment, Clarification, Recommendation } from '../store/review-repository.js';
import type { Services } from './services.js';

/** What the decision card offers to download: the award's files (when awarded and not revoked) and the feedback report. */
export interface AwardDownloads {
  certificate: string | null;
  badgePng: string | null;
  badgeSvg: string | null;
  verify: string | null;
  feedbackReport: string | null;
}

/** The download links of a communicated decision, or null (not communicated, or no signer). */
export function awardDownloads(
  svc: Services,
  application: Application,
  award: IssuedAward | null,
): AwardDownloads | null {
  const l = svc.links;
  if (application.state !== 'communicated' || !l?.feedbackReport || !l.awardFile || !l.verify) return null;
  const live = award && !award.revokedAt ? award : null;
  return {
    certificate: live ? l.awardFile(live.id, 'certificate.pdf') : null,
    badgePng: live ? l.awardFile(live.id, 'badge.png') : null,
    badgeSvg: live ? l.awardFile(live.id, 'badge.svg') : null,
    verify: award ? l.verify(award.verificationCode) : null,
    feedbackReport: l.feedbackReport(application.id),
  };
}

export interface ApplicationView {
  application: Application;
  cycle: Cycle;
  organisation: Organisation;
  framework: Framework;
  commentary: Commentary[];
  documents: StoredEvidenceDocument[];
  documentsListedAt: Date | null;
  /** Null until a target level is chosen. */
  readiness: Readiness | null;
  /** The latest inspection of each document (kinds, pages and masked hints only). */
  inspections: DocumentInspection[];
  /** Warnings the applicant dismissed, with their reasons (shown to reviewers). */
  dismissals: Dismissal[];
  reviewers: Person[];
  assessments: Assessment[];
  recommendations: Recommendation[];
  clarifications: Clarification[];
  decision: Decision | null;
  award: IssuedAward | null;
  folder: { webUrl: string } | null;
  /** Signed download links, once the decision is communicated (absent without a link signer). */
  downloads: AwardDownloads | null;
  now: Date;
  /** London calendar days to the submission deadline (negative after). */
  daysLeft: number;
}

const frameworkCache = new Map<string, Framework>();

export async function frameworkFor(svc: Services, version: string): Promise<Framework> {
  const cached = frameworkCache.get(version);
  if (cached) return cached;
  const f = await svc.store.frameworks.get(version);
  if (!f) throw new DomainError('NOT_FOUND', `The framework ${version} is not loaded.`, { version });
  // Versions used by a cycle are immutable, so caching them is safe.
  frameworkCache.set(version, f);
  return f;
}

export async function loadApplication(svc: Services, applicationId: string): Promise<Application> {
  const app = await svc.store.applications.get(applicationId);
  if (!app) throw new DomainError('NOT_FOUND', 'That application does not exist.', { applicationId });
  return app;
}

export async function loadCycle(svc: Services, cycleId: string): Promise<Cycle> {
  return requireCycleFound(await svc.store.cycles.get(cycleId), cycleId);
}

/** The cycle read by its id, or NOT_FOUND when there is none. */
export function requireCycleFound<C>(cycle: C | null, cycleId: string): C {
  if (!cycle) throw new DomainError('NOT_FOUND', 'That cycle does not exist.', { cycleId });
  return cycle;
}

/**
 * The card the actor clicked showed `seenVersion`; if the application has moved on since, throw
 * STALE naming what changed it and who (details: changedBy, changedByName, lastAction,
 * currentState, currentVersion), so the face can show the current card instead.
 */
export async function assertCurrentVersion(svc: Services, app: Application, seenVersion: number): Promise<void> {
  if (app.version === seenVersion) return;
  throw await staleError(svc, app.id, seenVersion);
}

export async function staleError(svc: Services, applicationId: string, seenVersion: number): Promise<DomainError> {
  const found = await svc.store.applications.latestChange(applicationId);
  if (!found) return new DomainError('NOT_FOUND', 'That application does not exist.', { applicationId });
  return staleErrorOf(found, seenVersion);
}

type WithLatestChange = NonNullable<Awaited<ReturnType<Services['store']['applications']['latestChange']>>>;

/**
 * The application (NOT_FOUND when there is none) and its latest change, in one statement: for an
 * action on a card that showed some version, checked with assertCurrentVersionOf without reading
 * the application again.
 */
export async function loadApplicationWithLatestChange(svc: Services, applicationId: string): Promise<WithLatestChange> {
  const found = await svc.store.applications.latestChange(applicationId);
  if (!found) throw new DomainError('NOT_FOUND', 'That application does not exist.', { applicationId });
  return found;
}

/** assertCurrentVersion, on an application read with its latest change (which a STALE answer tells). */
export function assertCurrentVersionOf(found: WithLatestChange, seenVersion: number): void {
  if (found.application.version !== seenVersion) throw staleErrorOf(found, seenVersion);
}

function staleErrorOf(found: WithLatestChange, seenVersion: number): DomainError {
  const { application: app, last } = found;
  const applicationId = app.id;
  return new DomainError('STALE', undefined, {
    applicationId,
    seenVersion,
    currentVersion: app.version,
    currentState: app.state,
    changedBy: last?.actorId ?? null,
    changedByName: last?.actorName ?? (last?.actorId === 'system' ? 'WEx QS' : null),
    changedAt: last?.at.toISOString() ?? null,
    lastAction: last?.action ?? null,
  });
}

/** The stored record of an application (one statement), or NOT_FOUND. */
async function loadRecord(svc: Services, applicationId: string): Promise<ApplicationRecord> {
  return requireRecord(await svc.store.applicationRecords.get(applicationId), applicationId);
}

/** The record read (e.g. by an edit's statement, after the edit), or NOT_FOUND. */
export function requireRecord(record: ApplicationRecord | null, applicationId: string): ApplicationRecord {
  if (!record) throw new DomainError('NOT_FOUND', 'That application does not exist.', { applicationId });
  return record;
}

function authoriseView(actor: Actor, record: ApplicationRecord): void {
  authorise(actor, 'view_application', {
    kind: 'application',
    organisationId: record.application.organisationId,
    assignedReviewerIds: record.reviewerIds,
  });
}

export async function loadApplicationView(
  svc: Services,
  actor: Actor,
  applicationId: string,
): Promise<ApplicationView> {
  return authorisedView(svc, actor, await loadRecord(svc, applicationId));
}

/** The view of a stored record, for an actor allowed to see it (else FORBIDDEN). */
export async function authorisedView(svc: Services, actor: Actor, record: ApplicationRecord): Promise<ApplicationView> {
  authoriseView(actor, record);
  return buildView(svc, record);
}

/**
 * What an edit of an application's commentary or evidence declarations reads first: the
 * application, its framework, its commentary and the documents listed in its folder. The edit
 * workflows take it back, so they check the version and the state against what was read here
 * instead of reading the application again.
 */
export interface EditingView {
  application: Application;
  framework: Framework;
  commentary: Commentary[];
  documents: StoredEvidenceDocument[];
}

/** The EditingView of an application (one statement), after the same authorisation check as the view. */
export async function loadForEditing(svc: Services, actor: Actor, applicationId: string): Promise<EditingView> {
  const record = await loadRecord(svc, applicationId);
  authoriseView(actor, record);
  const cycle = requireCycle(record);
  const { application, commentary, documents } = record;
  return { application, framework: await frameworkFor(svc, cycle.frameworkVersion), commentary, documents };
}

function requireCycle(record: ApplicationRecord): Cycle {
  if (!record.cycle)
    throw new DomainError('NOT_FOUND', 'That cycle does not exist.', { cycleId: record.application.cycleId });
  return record.cycle;
}

/** The view of a stored record, without an authorisation check (notifications built for other people). */
export async function buildView(svc: Services, record: ApplicationRecord): Promise<ApplicationView> {
  const now = svc.clock.now();
  const { application, organisation, commentary, documents, inspections: inspected, dismissals } = record;
  const cycle = requireCycle(record);
  if (!organisation)
    throw new DomainError('NOT_FOUND', 'The organisation of this application does not exist.', {
      applicationId: application.id,
    });
  const framework = await frameworkFor(svc, cycle.frameworkVersion);
  // The folder as provisioning recorded it, read with the record (only where folders are made).
  const folder = svc.evidence ? record.folder : null;
  const inspections = inspected.map((v) => toDocumentInspection(v));
  const dismissed = new Set(dismissals.map((d) => dismissalKey(d.documentName, d.findingKey)));
  const readiness = application.targetLevel
    ? assessReadiness({
        framework,
        targetLevel: application.targetLevel,
        commentary,
        documents,
        at: now,
        inspections,
        dismissed,
      })
    : null;
  return {
    application,
    cycle,
    organisation,
    framework,
    commentary,
    documentsListedAt: record.listedAt,
    readiness,
    inspections,
    dismissals,
    reviewers: record.reviewers,
    assessments: record.assessments,
    recommendations: record.recommendations,
    clarifications: record.clarifications,
    decision: record.decision,
    award: record.award,
    // In local mode the links open the local stand-in for the organisation's folder and its files.
    documents: svc.links?.evidenceDocument
      ? documents.map((d) => ({ ...d, webUrl: svc.links!.evidenceDocument!(organisation.id, d.name) }))
      : documents,
    folder: folder && svc.links?.evidenceFolder ? { webUrl: svc.links.evidenceFolder(organisation.id) } : folder,
    downloads: awardDownloads(svc, application, record.award),
    now,
    daysLeft: daysLeftLondon(now, cycle.submissionDeadline),
  };
}

/** The applicants (lead and contributors) of an organisation: who hears about its application. */
export async function applicantTeam(svc: Pick<Services, 'store'>, organisationId: string): Promise<Person[]> {
  const people = await svc.store.people.listByOrganisation(organisationId);
  return people.filter((p) => p.roles.includes('applicant_lead') || p.roles.includes('applicant_contributor'));
}
