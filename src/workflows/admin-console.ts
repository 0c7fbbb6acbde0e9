/**
 * The admin console in the personal tab: the pipeline of a cycle per state (the chart and its
 * table), the lists an admin acts on (overdue, unassigned, awaiting moderation, ready to
 * communicate), provisioning progress, reminder status and the cycle's awards; and "communicate
 * all decided", previewed first (who gets what) and then sent through the outbox.
 */
import { STATE_LABELS, TERMINAL_STATES } from '../domain/application-state.js';
import { authorise } from '../domain/authorisation.js';
import { cyclePhase, inDecisionWindow, type CyclePhase } from '../domain/cycle.js';
import { DomainError, isDomainError } from '../domain/errors.js';
import { REMINDER_STATUSES, type ReminderStatus } from '../domain/reminders.js';
import { formatLondon } from '../domain/time.js';
import { APPLICATION_STATES, type Actor, type ApplicationState, type Cycle, type Level } from '../domain/types.js';
import { communicate, dashboard, recommendationsDisagree, type DashboardRow } from './admin.js';
import { applicantTeam, loadCycle } from './application-view.js';
import { currentCycle } from './applications.js';
import { cycleAwards } from './awards.js';
import type { Services } from './services.js';

export interface ConsoleRow {
  applicationId: string;
  version: number;
  organisation: string;
  state: ApplicationState;
  stateLabel: string;
  reason: string;
  reviewers: number;
}

export interface ConsoleSummary {
  cycle: { id: string; name: string; phase: CyclePhase; decisionWindow: string; inDecisionWindow: boolean };
  cycles: { id: string; name: string }[];
  generatedAt: string;
  total: number;
  /** One bar per state, in workflow order (the chart and its table). */
  pipeline: { state: ApplicationState; label: string; count: number }[];
  /** Applications whose evidence has open findings (withdrawn and lapsed ones aside). */
  withOpenFindings: number;
  overdue: ConsoleRow[];
  unassigned: ConsoleRow[];
  awaitingModeration: ConsoleRow[];
  readyToCommunicate: ConsoleRow[];
  provisioning: { organisations: number; foldersReady: number; foldersPrivate: number };
  reminders: { counts: Record<ReminderStatus, number>; problems: { kind: string; status: string; reason: string }[] };
  awards: {
    id: string;
    applicationId: string | null;
    organisation: string;
    level: Level;
    validUntil: string;
    status: string;
    revokeReason: string | null;
  }[];
}

const row = (r: DashboardRow, reason = r.reason): ConsoleRow => ({
  applicationId: r.application.id,
  version: r.application.version,
  organisation: r.organisation?.name ?? r.application.organisationId,
  state: r.application.state,
  stateLabel: STATE_LABELS[r.application.state],
  reason,
  reviewers: r.reviewers,
});

export async function consoleSummary(svc: Services, actor: Actor, cycleId?: string): Promise<ConsoleSummary> {
  authorise(actor, 'view_dashboard', { kind: 'cycle' });
  const cycle = cycleId ? await loadCycle(svc, cycleId) : await currentCycle(svc);
  const d = await dashboard(svc, actor, cycle.id);
  const now = svc.clock.now();
  const apps = await svc.store.applications.listByCycle(cycle.id);
  const moderation: ConsoleRow[] = [];
  for (const r of d.toAct.filter((x) => x.application.state === 'recommended')) {
    const recs = await svc.store.reviews.recommendations(r.application.id);
    moderation.push(
      row(r, recommendationsDisagree(recs) ? 'reviewers disagree: moderate' : 'reviewers agree: confirm'),
    );
  }
  const live = [...new Set(apps.filter((a) => !TERMINAL_STATES.includes(a.state)).map((a) => a.organisationId))];
  const folders = await svc.store.reports.folderCounts(cycle.id, live);
  const counts = Object.fromEntries(REMINDER_STATUSES.map((s) => [s, 0])) as Record<ReminderStatus, number>;
  for (const c of await svc.store.reminders.statusCounts()) counts[c.status] += c.count;
  const problems = (await svc.store.reminders.problems(5)).map((p) => ({
    kind: p.kind,
    status: p.status,
    reason: p.lastError ?? '',
  }));
  const awards = await cycleAwards(svc, actor, cycle.id);
  return {
    cycle: {
      id: cycle.id,
      name: cycle.name,
      phase: cyclePhase(cycle, now),
      decisionWindow: `${formatLondon(cycle.decisionStart)} to ${formatLondon(cycle.decisionEnd)}`,
      inDecisionWindow: inDecisionWindow(cycle, now),
    },
    cycles: (await svc.store.cycles.list()).map((c) => ({ id: c.id, name: c.name })),
    generatedAt: formatLondon(now),
    total: d.total,
    pipeline: APPLICATION_STATES.map((s) => ({ state: s, label: STATE_LABELS[s], count: d.counts[s] })),
    withOpenFindings: d.withOpenFindings,
    overdue: d.overdue.map((r) => row(r)),
    unassigned: d.unassigned.map((r) => row(r)),
    awaitingModeration: moderation,
    readyToCommunicate: d.toAct.filter((x) => x.application.state === 'decided').map((r) => row(r)),
    provisioning: { organisations: live.length, foldersReady: folders.ready, foldersPrivate: folders.private },
    reminders: { counts, problems },
    awards: awards.map((a) => ({
      id: a.id,
      applicationId: a.applicationId,
      organisation: a.organisationName,
      level: a.level,
      validUntil: formatLondon(a.validUntil, 'date'),
      status: a.status,
      revokeReason: a.revokeReason,
    })),
  };
}

export interface CommunicationPreview {
  cycleId: string;
  inDecisionWindow: boolean;
  decisionWindow: string;
  items: {
    applicationId: string;
    version: number;
    organisation: string;
    outcome: string;
    /** Who gets the decision (the applicant team) and who gets the outcome (the reviewers). */
    applicantRecipients: number;
    reviewerRecipients: number;
  }[];
  messages: number;
}

async function decided(svc: Services, cycle: Cycle) {
  return (await svc.store.applications.listByCycle(cycle.id)).filter((a) => a.state === 'decided');
}

/** Who gets what if every decided application of the cycle is communicated now. Sends nothing. */
export async function previewCommunicateAll(
  svc: Services,
  actor: Actor,
  cycleId?: string,
): Promise<CommunicationPreview> {
  authorise(actor, 'communicate', { kind: 'cycle' });
  const cycle = cycleId ? await loadCycle(svc, cycleId) : await currentCycle(svc);
  const items: CommunicationPreview['items'] = [];
  for (const a of await decided(svc, cycle)) {
    const [org, decision, team, reviewers] = await Promise.all([
      svc.store.organisations.get(a.organisationId),
      svc.store.decisions.get(a.id),
      applicantTeam(svc, a.organisationId),
      svc.store.reviews.reviewersFor(a.id),
    ]);
    const level = decision?.level;
    items.push({
      applicationId: a.id,
      version: a.version,
      organisation: org?.name ?? a.organisationId,
      outcome: level ? `${level.charAt(0).toUpperCase()}${level.slice(1)} award` : 'No award',
      applicantRecipients: team.length,
      reviewerRecipients: reviewers.length,
    });
  }
  items.sort((x, y) => x.organisation.localeCompare(y.organisation));
  return {
    cycleId: cycle.id,
    inDecisionWindow: inDecisionWindow(cycle, svc.clock.now()),
    decisionWindow: `${formatLondon(cycle.decisionStart)} to ${formatLondon(cycle.decisionEnd)}`,
    items,
    messages: items.reduce((n, i) => n + i.applicantRecipients + i.reviewerRecipients, 0),
  };
}

export interface CommunicateAllResult {
  communicated: string[];
  skipped: { applicationId: string; reason: string }[];
}

/**
 * Communicate the previewed decisions: exactly the applications (at the versions) the admin saw.
 * Each is its own transition (award + outbox in one transaction), so one that changed since the
 * preview is skipped with the reason and the rest still go. The outbox sends within Teams' limits.
 */
export async function communicateAll(
  svc: Services,
  actor: Actor,
  input: { cycleId: string; items: { applicationId: string; version: number }[] },
): Promise<CommunicateAllResult> {
  authorise(actor, 'communicate', { kind: 'cycle' });
  const cycle = await loadCycle(svc, input.cycleId);
  if (!inDecisionWindow(cycle, svc.clock.now()))
    throw new DomainError(
      'OUTSIDE_WINDOW',
      `Decisions for ${cycle.name} can be communicated from ${formatLondon(cycle.decisionStart)} to ${formatLondon(cycle.decisionEnd)}.`,
      { cycleId: cycle.id },
    );
  const result: CommunicateAllResult = { communicated: [], skipped: [] };
  for (const item of input.items) {
    const app = await svc.store.applications.get(item.applicationId);
    if (!app || app.cycleId !== cycle.id) {
      result.skipped.push({ applicationId: item.applicationId, reason: 'not an application of this cycle' });
      continue;
    }
    try {
      await communicate(svc, actor, item);
      result.communicated.push(item.applicationId);
    } catch (e) {
      if (!isDomainError(e)) throw e;
      result.skipped.push({
        applicationId: item.applicationId,
        reason: e.code === 'STALE' ? 'changed since the preview' : e.message,
      });
    }
  }
  await svc.store.audit.append({
    at: svc.clock.now(),
    actorId: actor.personId,
    action: 'communicate_all',
    entityKind: 'cycle',
    entityId: cycle.id,
    fromState: null,
    toState: null,
    details: { communicated: result.communicated.length, skipped: result.skipped.length },
  });
  return result;
}
