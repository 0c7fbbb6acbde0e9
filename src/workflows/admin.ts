/**
 * The admin's side: the cycle dashboard, assigning reviewers (balanced, never from the
 * applicant's organisation), deciding (with moderation when reviewers disagree), communicating
 * decisions inside the decision window, pausing intake and provisioning evidence folders.
 */
import { randomUUID } from 'node:crypto';
import { TERMINAL_STATES } from '../domain/application-state.js';
import { ASSIGNMENT_BLOCK_REASONS, assignmentBlock, authorise } from '../domain/authorisation.js';
import { graceEnd } from '../domain/cycle.js';
import { DomainError } from '../domain/errors.js';
import { actorFor } from '../domain/people.js';
import {
  APPLICATION_STATES,
  type Actor,
  type Application,
  type ApplicationState,
  type Cycle,
  type Level,
  type Organisation,
  type Person,
} from '../domain/types.js';
import { applicationNotice } from '../notifications/content.js';
import { cancelFor, notify } from '../notifications/outbox.js';
import { transitionApplication } from './application-journey.js';
import { onDecisionCommunicated } from './awards.js';
import { assertCurrentVersion, loadApplication, loadCycle, requireCycleFound } from './application-view.js';
import { currentCycle, requireCurrentCycle } from './applications.js';
import type { ProvisioningRun } from '../store/provisioning-run-repository.js';
import type { ApplicationSummary } from '../store/report-repository.js';
import type { CardOrigin, ProvisionSummary } from './ports.js';
import { instanceIdOf, type Services } from './services.js';

export interface DashboardRow {
  application: ApplicationSummary;
  organisation: Organisation | null;
  reviewers: number;
  reason: string;
}

export interface Dashboard {
  cycle: Cycle;
  counts: Record<ApplicationState, number>;
  total: number;
  overdue: DashboardRow[];
  unassigned: DashboardRow[];
  /** Applications waiting for an admin: requested (open), recommended (decide), decided (communicate). */
  toAct: DashboardRow[];
  /** Applications (withdrawn and lapsed aside) whose evidence has open findings (domain: hasOpenFindings). */
  withOpenFindings: number;
}

export async function dashboard(svc: Services, actor: Actor, cycleId?: string): Promise<Dashboard> {
  authorise(actor, 'view_dashboard', { kind: 'cycle' });
  const now = svc.clock.now();
  // The cycle, its applications and the open-findings count: one statement.
  const read = await svc.store.reports.cycleOverview(cycleId ? { cycleId } : { currentAt: now }, now);
  const {
    cycle,
    applications: apps,
    withOpenFindings,
  } = cycleId ? requireCycleFound(read, cycleId) : requireCurrentCycle(read);
  const counts = Object.fromEntries(APPLICATION_STATES.map((s) => [s, 0])) as Record<ApplicationState, number>;
  const overdue: DashboardRow[] = [];
  const unassigned: DashboardRow[] = [];
  const toAct: DashboardRow[] = [];
  const t = now.getTime();
  for (const { application: a, organisation, reviewers } of apps) {
    counts[a.state]++;
    const row = (reason: string): DashboardRow => ({ application: a, organisation, reviewers, reason });
    if ((a.state === 'requested' || a.state === 'open') && t > graceEnd(cycle).getTime())
      overdue.push(row('not submitted by the deadline'));
    if (
      (a.state === 'submitted' || a.state === 'in_review' || a.state === 'clarification_requested') &&
      t > cycle.reviewEnd.getTime()
    )
      overdue.push(row('review period ended'));
    if (a.state === 'decided' && t > cycle.decisionEnd.getTime()) overdue.push(row('decision window ended'));
    if ((a.state === 'submitted' || a.state === 'in_review') && reviewers === 0) unassigned.push(row('no reviewer'));
    if (a.state === 'requested') toAct.push(row('open it'));
    if (a.state === 'recommended') toAct.push(row('decide'));
    if (a.state === 'decided') toAct.push(row('communicate'));
  }
  return { cycle, counts, total: apps.length, overdue, unassigned, toAct, withOpenFindings };
}

/** Applications of the cycle in one state (for list cards). */
export async function applicationsInState(
  svc: Services,
  actor: Actor,
  states: readonly ApplicationState[],
): Promise<DashboardRow[]> {
  authorise(actor, 'view_dashboard', { kind: 'cycle' });
  const cycle = await currentCycle(svc);
  return (await svc.store.reports.cycleApplications(cycle.id))
    .filter((r) => states.includes(r.application.state))
    .map((r) => ({ ...r, reason: r.application.state }));
}

export interface ReviewerOption {
  person: Person;
  load: number;
  eligible: boolean;
  /** Why not, when not eligible. */
  reason?: string;
}

/**
 * Every reviewer with their open load; those from the applicant's organisation, or who declared a
 * conflict of interest with it, are not eligible.
 */
export async function reviewerOptions(svc: Services, app: Application): Promise<ReviewerOption[]> {
  const [reviewers, load, conflicted] = await Promise.all([
    svc.store.people.listByRole('reviewer'),
    svc.store.reviews.loadByReviewer(app.cycleId),
    svc.store.conflicts.reviewersConflictedWith(app.organisationId),
  ]);
  return reviewers
    .map((person) => {
      const block = assignmentBlock(
        person,
        app.organisationId,
        conflicted.includes(person.id) ? [app.organisationId] : [],
      );
      return {
        person,
        load: load.get(person.id) ?? 0,
        eligible: block === null,
        ...(block === null ? {} : { reason: ASSIGNMENT_BLOCK_REASONS[block] }),
      };
    })
    .sort(
      (a, b) =>
        Number(b.eligible) - Number(a.eligible) ||
        a.load - b.load ||
        a.person.displayName.localeCompare(b.person.displayName) ||
        a.person.id.localeCompare(b.person.id),
    );
}

export const DEFAULT_REVIEWERS_PER_APPLICATION = 2;

/** The least-loaded eligible reviewers (ties by name), `count` of them. */
export async function suggestReviewers(
  svc: Services,
  app: Application,
  count = DEFAULT_REVIEWERS_PER_APPLICATION,
): Promise<Person[]> {
  return (await reviewerOptions(svc, app))
    .filter((o) => o.eligible)
    .slice(0, count)
    .map((o) => o.person);
}

const ASSIGNABLE: readonly ApplicationState[] = ['submitted', 'in_review', 'clarification_requested'];

/**
 * Assign reviewers (replacing the current ones). Without `reviewerIds` the least-loaded eligible
 * reviewers are chosen. Refused for anyone who is not a reviewer (VALIDATION), who belongs to the
 * applicant organisation or who declared a conflict of interest with it (CONFLICT_OF_INTEREST).
 */
export async function assignReviewers(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number; reviewerIds?: string[] },
): Promise<{ application: Application; added: string[]; removed: string[]; reviewers: Person[] }> {
  authorise(actor, 'assign_reviewers', { kind: 'application' });
  const app = await loadApplication(svc, input.applicationId);
  await assertCurrentVersion(svc, app, input.version);
  if (!ASSIGNABLE.includes(app.state)) {
    throw new DomainError(
      'INVALID_TRANSITION',
      'Reviewers can be assigned once the application is submitted and until a recommendation is made.',
      { state: app.state },
    );
  }
  let reviewers: Person[];
  if (input.reviewerIds && input.reviewerIds.length > 0) {
    reviewers = [];
    const conflicted = await svc.store.conflicts.reviewersConflictedWith(app.organisationId);
    for (const id of new Set(input.reviewerIds)) {
      const p = await svc.store.people.get(id);
      if (!p || !p.roles.includes('reviewer'))
        throw new DomainError('VALIDATION', 'Only people with the reviewer role can be assigned.', { personId: id });
      const block = assignmentBlock(p, app.organisationId, conflicted.includes(p.id) ? [app.organisationId] : []);
      if (block === 'own_organisation') {
        throw new DomainError(
          'CONFLICT_OF_INTEREST',
          `${p.displayName} belongs to the applicant organisation and cannot review this application.`,
          { personId: id },
        );
      }
      if (block === 'declared_conflict') {
        throw new DomainError(
          'CONFLICT_OF_INTEREST',
          `${p.displayName} has declared a conflict of interest with this organisation and cannot review this application.`,
          { personId: id, declared: true },
        );
      }
      reviewers.push(p);
    }
  } else {
    reviewers = await suggestReviewers(svc, app);
    if (reviewers.length === 0) {
      throw new DomainError(
        'VALIDATION',
        'There is no reviewer who can take this application (none outside the applicant organisation without a declared conflict of interest).',
        {},
      );
    }
  }
  const now = svc.clock.now();
  const { added, removed } = await svc.store.transaction(async (tx) => {
    const change = await tx.reviews.setReviewers(
      app.id,
      reviewers.map((r) => r.id),
      actor.personId,
      now,
    );
    if (change.added.length + change.removed.length > 0) {
      // Newly assigned reviewers hear of it; the folder is shared with (or withdrawn from) them after.
      await notify(
        tx,
        {
          kind: 'reviewer_assigned',
          recipients: change.added,
          subject: { kind: 'application', id: app.id },
          message: applicationNotice('reviewer_assigned', app.id),
          cycleId: app.cycleId,
          applicationId: app.id,
        },
        now,
      );
      if (svc.jobs && svc.evidence)
        await svc.jobs.enqueue(tx, {
          name: 'evidence-folders',
          data: { cycleId: app.cycleId, organisationId: app.organisationId },
        });
    }
    return change;
  });
  return { application: app, added, removed, reviewers };
}

/** Do the reviewers' recommendations disagree (different levels, or award vs no award)? */
export function recommendationsDisagree(recs: readonly { level: Level | null }[]): boolean {
  return new Set(recs.map((r) => r.level ?? 'none')).size > 1;
}

/**
 * Confirm the decision (after the deadline, once the reviewers have recommended; a level no higher
 * than the one applied for): record it and move the application to "decided" in one transaction,
 * so a double click makes one. The award is issued when the decision is communicated.
 */
export async function decide(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number; level: Level | null; strengths: string; improvements: string },
): Promise<Application> {
  const strengths = input.strengths.trim();
  const improvements = input.improvements.trim();
  if (strengths === '' || improvements === '') {
    throw new DomainError('VALIDATION', 'The decision needs feedback: the strengths and the areas to improve.', {
      field: 'feedback',
    });
  }
  const now = svc.clock.now();
  return transitionApplication(svc, actor, input, 'decide', {
    details: { level: input.level },
    rules: { level: input.level },
    inTx: async (tx, app) => {
      const decision = {
        applicationId: app.id,
        level: input.level,
        feedbackStrengths: strengths,
        feedbackImprovements: improvements,
        decidedAt: now,
        decidedBy: actor.personId,
      };
      await tx.decisions.save(decision);
    },
  });
}

/**
 * Communicate the decision (inside the decision window; OUTSIDE_WINDOW otherwise): in the same
 * transaction the award is issued (valid two years from now) and the decision and the reviewers'
 * outcome go into the outbox (see awards.ts).
 */
export async function communicate(
  svc: Services,
  actor: Actor,
  input: { applicationId: string; version: number },
): Promise<Application> {
  const moved = await transitionApplication(svc, actor, input, 'communicate', {
    inTx: async (tx, app) => void (await onDecisionCommunicated(svc, tx, app, svc.clock.now())),
  });
  svc.reminders?.wake();
  return moved;
}

export async function setIntakePaused(
  svc: Services,
  actor: Actor,
  input: { paused: boolean; cycleId?: string },
): Promise<Cycle> {
  authorise(actor, 'manage_cycle', { kind: 'cycle' });
  const cycle = input.cycleId ? await loadCycle(svc, input.cycleId) : await currentCycle(svc);
  if (cycle.intakePaused === input.paused) return cycle;
  const now = svc.clock.now();
  await svc.store.transaction(async (tx) => {
    await tx.cycles.setIntakePaused(cycle.id, input.paused);
    // Outbox: pausing cancels pending deadline reminders (the planner revives them on resume).
    if (input.paused) await cancelFor(tx, { type: 'intake_paused', cycleId: cycle.id }, now);
    await tx.audit.append({
      at: now,
      actorId: actor.personId,
      action: input.paused ? 'pause_intake' : 'open_intake',
      entityKind: 'cycle',
      entityId: cycle.id,
      fromState: cycle.intakePaused ? 'paused' : 'open',
      toState: input.paused ? 'paused' : 'open',
    });
  });
  return { ...cycle, intakePaused: input.paused };
}

/** The organisations whose folders a provisioning run covers: every live application of the cycle. */
export async function provisioningTargets(
  svc: Services,
  actor: Actor,
  cycleId?: string,
): Promise<{ cycle: Cycle; organisationIds: string[] }> {
  authorise(actor, 'provision_folders', { kind: 'cycle' });
  if (!svc.evidence)
    throw new DomainError(
      'VALIDATION',
      'Evidence folders are not set up in this installation (no SharePoint connection).',
      {},
    );
  const cycle = cycleId ? await loadCycle(svc, cycleId) : await currentCycle(svc);
  const apps = await svc.store.applications.listByCycle(cycle.id);
  const organisationIds = [
    ...new Set(apps.filter((a) => !TERMINAL_STATES.includes(a.state)).map((a) => a.organisationId)),
  ];
  return { cycle, organisationIds };
}

/** Run provisioning (background work) and audit its outcome. */
export async function runProvisioning(
  svc: Services,
  actor: Actor,
  cycleId: string,
  organisationIds: readonly string[],
  onProgress: (p: { done: number; total: number; failed: number }) => void,
): Promise<ProvisionSummary> {
  if (!svc.evidence) throw new Error('no evidence folder port');
  const summary = await svc.evidence.provision(cycleId, organisationIds, onProgress);
  await svc.store.audit.append({
    at: svc.clock.now(),
    actorId: actor.personId,
    action: 'provision_folders',
    entityKind: 'cycle',
    entityId: cycleId,
    fromState: null,
    toState: null,
    details: { total: summary.total, succeeded: summary.succeeded, failed: summary.failed.length },
  });
  return summary;
}

/**
 * A run whose heartbeat is older than the work lease (default 60 s) belongs to an instance that
 * stopped: it is interrupted. The instance running it beats four times per lease.
 */
export const PROVISIONING_STALE_MS = 60_000;
const staleMsOf = (svc: Services) => svc.workLeaseMs ?? PROVISIONING_STALE_MS;

/** What the progress card shows, read from the database (any instance answers). */
export interface ProvisioningRunView {
  runId: string;
  cycleName: string;
  total: number;
  done: number;
  failed: number;
  status: ProvisioningRun['status'];
  startedAt: Date;
  failures: { organisation: string; reason: string }[];
}

async function runView(svc: Services, run: ProvisioningRun, cycleName?: string): Promise<ProvisioningRunView> {
  const name = cycleName ?? (await loadCycle(svc, run.cycleId)).name;
  const orgs =
    run.failures.length > 0
      ? new Map((await svc.store.organisations.list()).map((o) => [o.id, o.name]))
      : new Map<string, string>();
  return {
    runId: run.id,
    cycleName: name,
    total: run.total,
    done: run.done,
    failed: run.failed,
    status: run.status,
    startedAt: run.startedAt,
    failures: run.failures.map((f) => ({
      organisation: orgs.get(f.organisationId) ?? f.organisationId,
      reason: f.reason,
    })),
  };
}

/**
 * Start provisioning the cycle's folders: the run (its progress shown by any instance) and the
 * job that does the work are written in one transaction, so the work is durable: the job runs on
 * whichever instance picks it up, and again after a crash. A click while a run is active (on any
 * instance) shows that run instead of starting another.
 */
export async function startProvisioningRun(
  svc: Services,
  actor: Actor,
  origin?: CardOrigin,
): Promise<{ view: ProvisioningRunView; started: boolean }> {
  const { cycle, organisationIds } = await provisioningTargets(svc, actor);
  const jobs = svc.jobs;
  if (!jobs) throw new DomainError('VALIDATION', 'Background jobs are not running in this installation.', {});
  const now = svc.clock.now();
  const { run, started } = await svc.store.transaction(async (tx) => {
    const r = await tx.provisioningRuns.start({
      id: randomUUID(),
      cycleId: cycle.id,
      startedBy: actor.personId,
      total: organisationIds.length,
      owner: instanceIdOf(svc),
      now,
      staleMs: staleMsOf(svc),
    });
    if (r.started)
      await jobs.enqueue(tx, {
        name: 'provisioning',
        data: {
          runId: r.run.id,
          cycleId: cycle.id,
          organisationIds,
          actorId: actor.personId,
          ...(origin ? { origin } : {}),
        },
      });
    return r;
  });
  return { view: await runView(svc, run, cycle.name), started };
}

/**
 * The provisioning job: take the run over (see ProvisioningRunRepository.takeOver), provision
 * with a heartbeat, record the outcome. Null when there is nothing to do (the run finished, is
 * being done by a live instance, or was replaced by a later run).
 */
export async function performProvisioningRun(
  svc: Services,
  data: { runId: string; cycleId: string; organisationIds: readonly string[]; actorId: string },
  onProgress?: (view: ProvisioningRunView) => void,
): Promise<ProvisioningRunView | null> {
  const run = await svc.store.provisioningRuns.takeOver(data.runId, instanceIdOf(svc), svc.clock.now(), staleMsOf(svc));
  if (!run) return null;
  const person = await svc.store.people.get(data.actorId);
  if (!person) throw new Error('the admin who started the run no longer exists');
  const actor = actorFor(person);
  const view = await runView(svc, run);
  let latest = { done: 0, failed: 0 };
  let writing: Promise<unknown> = Promise.resolve();
  const record = () => {
    const p = { ...latest, now: svc.clock.now() };
    writing = writing.then(() => svc.store.provisioningRuns.progress(run.id, p)).catch(() => undefined);
  };
  record();
  const heartbeat = setInterval(record, staleMsOf(svc) / 4);
  heartbeat.unref();
  try {
    const summary = await runProvisioning(svc, actor, data.cycleId, data.organisationIds, (p) => {
      latest = { done: p.done, failed: p.failed };
      record();
      onProgress?.({ ...view, status: 'running', done: p.done, failed: p.failed });
    });
    clearInterval(heartbeat);
    await writing;
    await svc.store.provisioningRuns.finish(run.id, {
      status: 'finished',
      done: summary.total,
      failed: summary.failed.length,
      failures: summary.failed.map((f) => ({ organisationId: f.organisationId, reason: f.reason })),
      now: svc.clock.now(),
    });
  } catch (err) {
    clearInterval(heartbeat);
    await writing;
    await svc.store.provisioningRuns.finish(run.id, {
      status: 'failed',
      ...latest,
      failures: [],
      now: svc.clock.now(),
    });
    throw err;
  }
  return provisioningRunStatus(svc, actor, run.id);
}

/** The progress of a provisioning run, from whichever instance runs it. */
export async function provisioningRunStatus(svc: Services, actor: Actor, runId: string): Promise<ProvisioningRunView> {
  authorise(actor, 'provision_folders', { kind: 'cycle' });
  const run = await svc.store.provisioningRuns.get(runId, svc.clock.now(), staleMsOf(svc));
  if (!run) throw new DomainError('NOT_FOUND', 'That provisioning run is not known.', {});
  return runView(svc, run);
}
