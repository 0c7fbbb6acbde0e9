/**
 * The review panel for admins: calibration per reviewer (share of criteria met against the
 * panel, agreement with co-reviewers) and each application's history.
 */
import { authorise } from '../domain/authorisation.js';
import { calibrate, type Calibration } from '../domain/calibration.js';
import { applicationHistory, type HistoryEntry, type HistoryPerson } from '../domain/history.js';
import { isApplicant } from '../domain/people.js';
import type { Actor } from '../domain/types.js';
import { loadApplication, loadCycle } from './application-view.js';
import type { Services } from './services.js';

export interface CycleCalibration extends Calibration {
  cycleId: string;
  names: Record<string, string>;
}

export async function cycleCalibration(svc: Services, actor: Actor, cycleId: string): Promise<CycleCalibration> {
  authorise(actor, 'view_calibration', { kind: 'cycle' });
  await loadCycle(svc, cycleId);
  const result = calibrate(await svc.store.reports.cycleAssessments(cycleId));
  const names: Record<string, string> = {};
  for (const r of result.reviewers)
    names[r.reviewerId] = (await svc.store.people.get(r.reviewerId))?.displayName ?? r.reviewerId;
  return { ...result, cycleId, names };
}

/**
 * The application's history. Admins see every entry; the applicant team sees the steps of its own
 * application (see src/domain/history.ts for what is shown to whom).
 */
export async function historyOf(svc: Services, actor: Actor, applicationId: string): Promise<HistoryEntry[]> {
  const app = await loadApplication(svc, applicationId);
  authorise(actor, 'view_history', { kind: 'application', organisationId: app.organisationId });
  const records = await svc.store.audit.forEntity('application', app.id);
  const people = new Map<string, HistoryPerson>();
  for (const id of new Set(records.map((r) => r.actorId))) {
    const p = await svc.store.people.get(id);
    if (p) people.set(id, p);
  }
  const asApplicant = !actor.roles.includes('admin') && isApplicant(actor);
  return applicationHistory(
    records,
    people,
    asApplicant
      ? { kind: 'applicant', personId: actor.personId, organisationId: app.organisationId }
      : { kind: 'admin' },
  );
}
