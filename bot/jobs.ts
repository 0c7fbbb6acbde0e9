/**
 * The background jobs whose result is a card the user clicked, updated in place: a provisioning
 * run (its progress read from the database, so any instance shows it) and a re-check of an
 * application's evidence folder. They run in the job library (src/jobs), on whichever instance
 * picks them up; the card update is best effort (the card shows the current state whenever it is
 * refreshed anyway).
 */
import { actorFor } from '../src/domain/people.js';
import { refreshEvidence } from '../src/workflows/application-journey.js';
import { loadApplicationView } from '../src/workflows/application-view.js';
import { performProvisioningRun, provisioningRunStatus, type ProvisioningRunView } from '../src/workflows/admin.js';
import type { CardOrigin } from '../src/workflows/ports.js';
import type { Services } from '../src/workflows/services.js';
import { provisioningCard } from './cards/admin-cards.js';
import { cardForViewer } from './commands/command-support.js';

/** Do a provisioning run, updating the admin's progress card as folders are made (at most once a second). */
export async function provisionFolders(
  svc: Services,
  data: { runId: string; cycleId: string; organisationIds: string[]; actorId: string; origin?: CardOrigin },
): Promise<{ total: number; done: number; failed: number }> {
  let lastUpdate = 0;
  let updating: Promise<unknown> = Promise.resolve();
  const push = (view: ProvisioningRunView, force: boolean) => {
    const { cards } = svc;
    const { origin } = data;
    if (!cards || !origin) return;
    const t = Date.now();
    if (!force && t - lastUpdate < 1000) return;
    lastUpdate = t;
    const snapshot = provisioningCard(view);
    updating = updating.then(() => cards.update(origin, snapshot));
  };
  try {
    const view = await performProvisioningRun(svc, data, (v) => push(v, false));
    if (!view) return { total: 0, done: 0, failed: 0 }; // finished, replaced, or being done elsewhere
    push(view, true);
    return { total: view.total, done: view.done, failed: view.failed };
  } catch (err) {
    const person = await svc.store.people.get(data.actorId);
    if (person) push(await provisioningRunStatus(svc, actorFor(person), data.runId), true);
    throw err;
  } finally {
    await updating;
  }
}

/** List (and inspect) the application's folder again; show the result on the card the applicant clicked. */
export async function recheckEvidence(
  svc: Services,
  data: { applicationId: string; actorId?: string; origin?: CardOrigin },
): Promise<{ documents: number }> {
  const n = (await refreshEvidence(svc, data.applicationId)) ?? 0;
  const person = data.actorId ? await svc.store.people.get(data.actorId) : null;
  if (svc.cards && data.origin && person) {
    const actor = actorFor(person);
    const fresh = await loadApplicationView(svc, actor, data.applicationId);
    await svc.cards.update(
      data.origin,
      cardForViewer(actor, fresh, {
        as: 'applicant',
        notice: { message: `Folder checked: ${n} document${n === 1 ? '' : 's'} found.`, tone: 'good' },
      }),
    );
  }
  return { documents: n };
}
