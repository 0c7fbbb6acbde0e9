/**
 * The reminder schedule computed against the store: reads cycles, applications, bookings,
 * assignments and awards, asks the pure rules (src/domain/reminders.ts) what is due, renders each
 * message and writes the outbox in one transaction. Idempotent: planning twice inserts nothing
 * the second time (the outbox's unique identity). Reconciling: a pending planner row that the
 * rules no longer produce (application submitted, booking cancelled, person no longer in the
 * team ...) is cancelled, so the schedule self-heals even if a workflow did not cancel.
 */
import {
  adminDecisionReminders,
  applicantDeadlineReminders,
  awardExpiryReminders,
  dropInReminders,
  reminderKey,
  resolveReminderSettings,
  reviewerReminders,
  sendTimeFor,
  type PlannedReminder,
  type ReminderKind,
  type ReminderSettings,
} from '../domain/reminders.js';
import { assessReadiness } from '../domain/readiness.js';
import { daysLeftLondon } from '../domain/time.js';
import type { Cycle, Person } from '../domain/types.js';
import type { OutboxDraft } from '../store/reminder-repository.js';
import type { Store } from '../store/store.js';
import {
  awardExpiryMessage,
  deadlineMessage,
  decisionMessage,
  dropInMessage,
  reviewClosingMessage,
  type DecisionCounts,
  type ReadinessView,
} from './content.js';
import type { ReminderMessage } from './messenger.js';

export interface PlanOptions {
  /** Overrides of the defaults for every cycle (e.g. quiet hours from config); per-cycle settings win. */
  settings?: Partial<ReminderSettings>;
  /** Cancel pending planner rows the rules no longer produce. Default true. */
  reconcile?: boolean;
}

export interface PlanResult {
  planned: number;
  inserted: number;
  updated: number;
  cancelled: number;
}

const APPLICANT_ROLES = ['applicant_lead', 'applicant_contributor'] as const;

function applicantTeam(people: Person[]): string[] {
  return people.filter((p) => p.roles.some((r) => (APPLICANT_ROLES as readonly string[]).includes(r))).map((p) => p.id);
}

/** A planned reminder and how to render it (the renderer is reused by "send now"). */
interface Item {
  plan: PlannedReminder;
  render: (r: PlannedReminder) => ReminderMessage;
}

function draft(r: PlannedReminder, message: ReminderMessage): OutboxDraft {
  return {
    kind: r.kind,
    cycleId: r.cycleId,
    recipientId: r.recipientId,
    subjectKind: r.subject.kind,
    subjectId: r.subject.id,
    dueAt: r.dueAt,
    sendAfter: r.sendAfter,
    expiresAt: r.expiresAt,
    planned: true,
    applicationId: r.applicationId ?? null,
    bookingId: r.bookingId ?? null,
    sessionId: r.sessionId ?? null,
    payload: { ...(message as unknown as Record<string, unknown>), offsetLabel: r.offsetLabel },
  };
}

async function settingsFor(
  store: Store,
  cycleId: string | null,
  base: Partial<ReminderSettings> | undefined,
): Promise<ReminderSettings> {
  const own = cycleId ? ((await store.reminders.settings(cycleId)) as Partial<ReminderSettings> | null) : null;
  return resolveReminderSettings({ ...(base ?? {}), ...(own ?? {}) });
}

/** Readiness for the reminder text; robust when there is no level, framework, commentary or listing. */
async function readinessFor(
  store: Store,
  app: { id: string; targetLevel: ReadinessView['targetLevel'] },
  cycle: Cycle,
  now: Date,
): Promise<ReadinessView> {
  if (!app.targetLevel) return { targetLevel: null, readiness: null, documentsKnown: false };
  try {
    const framework = await store.frameworks.get(cycle.frameworkVersion);
    if (!framework) return { targetLevel: app.targetLevel, readiness: null, documentsKnown: false };
    const commentary = await store.applications.commentary(app.id);
    const listedAt = await store.evidence.lastListedAt(app.id);
    const documents = listedAt
      ? (await store.evidence.documents(app.id)).filter((d) => (d as { present?: boolean }).present !== false)
      : [];
    return {
      targetLevel: app.targetLevel,
      readiness: assessReadiness({ framework, targetLevel: app.targetLevel, commentary, documents, at: now }),
      documentsKnown: listedAt !== null,
    };
  } catch {
    return { targetLevel: app.targetLevel, readiness: null, documentsKnown: false };
  }
}

async function planCycle(
  store: Store,
  cycle: Cycle,
  now: Date,
  base: Partial<ReminderSettings> | undefined,
): Promise<Item[]> {
  const settings = await settingsFor(store, cycle.id, base);
  const out: Item[] = [];

  // Applicant teams.
  for (const app of await store.applications.listByCycle(cycle.id)) {
    if (app.state !== 'open') continue;
    const team = applicantTeam(await store.people.listByOrganisation(app.organisationId));
    const planned = applicantDeadlineReminders({ cycle, application: app, recipients: team, settings, now });
    if (planned.length === 0) continue;
    const org = await store.organisations.get(app.organisationId);
    const view = await readinessFor(store, app, cycle, now);
    for (const r of planned)
      out.push({ plan: r, render: (x) => deadlineMessage(x, cycle, org?.name ?? 'Your organisation', view) });
  }

  // Reviewers with outstanding assessments: assigned, application submitted or in review, no recommendation yet.
  if (now.getTime() <= cycle.reviewEnd.getTime()) {
    const rows = await store.db
      .selectFrom('reviewer_assignments as ra')
      .innerJoin('applications as a', 'a.id', 'ra.application_id')
      .leftJoin('recommendations as rec', (j) =>
        j.onRef('rec.application_id', '=', 'ra.application_id').onRef('rec.reviewer_id', '=', 'ra.reviewer_id'),
      )
      .select(['ra.reviewer_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('a.cycle_id', '=', cycle.id)
      .where('a.state', 'in', ['submitted', 'in_review', 'clarification_requested'])
      .where('rec.reviewer_id', 'is', null)
      .groupBy('ra.reviewer_id')
      .execute();
    const reviewers = rows.map((r) => ({ personId: r.reviewer_id, outstanding: Number(r.n) }));
    for (const r of reviewerReminders({ cycle, reviewers, settings, now })) {
      const n = reviewers.find((x) => x.personId === r.recipientId)?.outstanding ?? 0;
      out.push({ plan: r, render: (x) => reviewClosingMessage(x, cycle, n) });
    }
  }

  // Admins before the decision window opens and closes, with counts.
  if (now.getTime() <= cycle.decisionEnd.getTime()) {
    const admins = (await store.people.listByRole('admin')).map((p) => p.id);
    const planned = adminDecisionReminders({ cycle, admins, settings, now });
    if (planned.length > 0) {
      const apps = await store.applications.listByCycle(cycle.id);
      const counts: DecisionCounts = {
        recommended: apps.filter((a) => a.state === 'recommended').length,
        inReview: apps.filter((a) => ['submitted', 'in_review', 'clarification_requested'].includes(a.state)).length,
        decided: apps.filter((a) => ['decided', 'communicated'].includes(a.state)).length,
      };
      for (const r of planned) out.push({ plan: r, render: (x) => decisionMessage(x, cycle, counts) });
    }
  }
  return out;
}

async function sessionItems(store: Store, sessionId: string, now: Date, settings: ReminderSettings): Promise<Item[]> {
  const session = await store.dropIns.getSession(sessionId);
  if (!session || session.cancelled || session.startsAt.getTime() <= now.getTime()) return [];
  const bookings = await store.dropIns.bookingsForSession(sessionId);
  return dropInReminders({ session, bookings, settings, now }).map((r) => ({
    plan: r,
    render: (x: PlannedReminder) => dropInMessage(x, session, now),
  }));
}

/** Plan (or re-plan) one drop-in session's reminders in the caller's transaction. */
export async function planSession(
  tx: Store,
  sessionId: string,
  now: Date,
  opts: { quietHours?: ReminderSettings['quietHours'] } = {},
): Promise<{ inserted: number; updated: number }> {
  const settings = resolveReminderSettings(opts.quietHours === undefined ? {} : { quietHours: opts.quietHours });
  const muted = new Set(await tx.reminders.mutedKinds());
  const drafts = (await sessionItems(tx, sessionId, now, settings))
    .filter((i) => !muted.has(i.plan.kind))
    .map((i) => draft(i.plan, i.render(i.plan)));
  return drafts.length ? tx.reminders.insert(drafts, now) : { inserted: 0, updated: 0 };
}

async function collect(store: Store, now: Date, opts: PlanOptions): Promise<Item[]> {
  const items: Item[] = [];
  for (const cycle of await store.cycles.list()) {
    if (cycle.decisionEnd.getTime() < now.getTime()) continue;
    items.push(...(await planCycle(store, cycle, now, opts.settings)));
  }
  const general = await settingsFor(store, null, opts.settings);
  for (const s of await store.dropIns.listUpcoming(now)) items.push(...(await sessionItems(store, s.id, now, general)));

  // Awards expiring: the organisation's applicant team (a revoked award has nothing to renew).
  const awards = await store.db
    .selectFrom('awards')
    .selectAll()
    .where('valid_until', '>', now)
    .where('revoked_at', 'is', null)
    .execute();
  for (const a of awards) {
    const team = applicantTeam(await store.people.listByOrganisation(a.organisation_id));
    const planned = awardExpiryReminders({
      award: { id: a.id, validUntil: a.valid_until },
      recipients: team,
      settings: general,
      now,
    });
    if (planned.length === 0) continue;
    const org = await store.organisations.get(a.organisation_id);
    for (const r of planned)
      items.push({
        plan: r,
        render: (x) =>
          awardExpiryMessage(x, { level: a.level, validUntil: a.valid_until }, org?.name ?? 'Your organisation'),
      });
  }
  const muted = new Set<ReminderKind>(await store.reminders.mutedKinds());
  return items.filter((i) => !muted.has(i.plan.kind));
}

/** Everything the rules say should be pending, rendered. Pure read. */
export async function computeSchedule(store: Store, now: Date, opts: PlanOptions = {}): Promise<OutboxDraft[]> {
  return (await collect(store, now, opts)).map((i) => draft(i.plan, i.render(i.plan)));
}

/** "3 days", "1 day", "5 hours", "less than an hour": time from now to `at` for a message sent now. */
export function remainingLabel(now: Date, at: Date): string {
  const days = daysLeftLondon(now, at);
  if (days >= 2) return `${days} days`;
  const hours = Math.floor((at.getTime() - now.getTime()) / 3_600_000);
  if (days === 1 && hours >= 24) return '1 day';
  if (hours >= 2) return `${hours} hours`;
  if (hours === 1) return '1 hour';
  return 'less than an hour';
}

/**
 * "Send now": for each person, kind and subject the schedule has coming up, one reminder due
 * now (minute precision, so a second click in the same minute adds nothing), saying how long is
 * actually left. Quiet hours still apply. Written as event rows (not planner rows).
 */
export async function sendNow(
  store: Store,
  now: Date,
  opts: PlanOptions = {},
): Promise<{ queued: number; recipients: number; sendAt: Date }> {
  return store.transaction(async (tx) => {
    const items = await collect(tx, now, opts);
    const first = new Map<string, Item>();
    for (const i of items) {
      const k = `${i.plan.recipientId}|${i.plan.kind}|${i.plan.subject.id}`;
      const seen = first.get(k);
      if (!seen || i.plan.dueAt.getTime() < seen.plan.dueAt.getTime()) first.set(k, i);
    }
    const dueAt = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    const quiet = resolveReminderSettings(opts.settings).quietHours;
    const sendAt = sendTimeFor(dueAt, quiet);
    const drafts: OutboxDraft[] = [];
    for (const i of first.values()) {
      if (sendAt.getTime() >= i.plan.expiresAt.getTime()) continue;
      const r: PlannedReminder = {
        ...i.plan,
        dueAt,
        sendAfter: sendAt,
        offsetLabel: remainingLabel(now, i.plan.expiresAt),
      };
      drafts.push({ ...draft(r, i.render(r)), planned: false });
    }
    const { inserted } = await tx.reminders.insert(drafts, now);
    return { queued: inserted, recipients: new Set(drafts.map((d) => d.recipientId)).size, sendAt };
  });
}

/**
 * Compute the schedule and write it to the outbox in one transaction; optionally cancel pending
 * planner rows (within the planning horizon) that the rules no longer produce.
 */
export async function planReminders(store: Store, now: Date, opts: PlanOptions = {}): Promise<PlanResult> {
  return store.transaction(async (tx) => {
    const drafts = await computeSchedule(tx, now, opts);
    const { inserted, updated } = await tx.reminders.insert(drafts, now);
    let cancelled = 0;
    if (opts.reconcile ?? true) {
      const horizon = new Date(now.getTime() - resolveReminderSettings(opts.settings).catchUpMinutes * 60_000);
      const wanted = new Set(
        drafts.map((d) =>
          reminderKey({
            cycleId: d.cycleId,
            recipientId: d.recipientId,
            kind: d.kind as ReminderKind,
            dueAt: d.dueAt,
            subject: { kind: 'cycle', id: d.subjectId },
          }),
        ),
      );
      const stale = (await tx.reminders.pendingPlanned(horizon)).filter(
        (r) =>
          !wanted.has(
            reminderKey({
              cycleId: r.cycleId,
              recipientId: r.recipientId,
              kind: r.kind as ReminderKind,
              dueAt: r.dueAt,
              subject: { kind: 'cycle', id: r.subjectId },
            }),
          ),
      );
      cancelled = await tx.reminders.cancelByIds(
        stale.map((r) => r.id),
        'no longer due',
        now,
      );
    }
    return { planned: drafts.length, inserted, updated, cancelled };
  });
}
