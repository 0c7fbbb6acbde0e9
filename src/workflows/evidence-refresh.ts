/**
 * Keeping evidence listings fresh: the readiness check, the status card and the deadline reminders
 * ("what is still missing") read the folder listing kept in the database. A person refreshing a
 * card re-reads their folder; this background job re-reads the folders of open applications whose
 * listing is older than `staleAfterMs`, a few at a time, so what reminders say stays true even
 * when nobody opens a card. Idempotent: a listing is replaced by the folder as it is now.
 */
import { refreshEvidence } from './application-journey.js';
import type { Services } from './services.js';

export interface EvidenceRefreshSummary {
  /** Open applications looked at. */
  checked: number;
  refreshed: number;
  failed: number;
}

export const EVIDENCE_STALE_AFTER_MS = 6 * 60 * 60_000;

export async function refreshStaleEvidence(
  svc: Services,
  now: Date,
  opts: { staleAfterMs?: number; limit?: number } = {},
): Promise<EvidenceRefreshSummary> {
  const summary: EvidenceRefreshSummary = { checked: 0, refreshed: 0, failed: 0 };
  if (!svc.evidence) return summary;
  const cycle = await svc.store.cycles.current(now);
  if (!cycle) return summary;
  const staleBefore = now.getTime() - (opts.staleAfterMs ?? EVIDENCE_STALE_AFTER_MS);
  const limit = opts.limit ?? 50;
  for (const app of await svc.store.applications.listByCycle(cycle.id)) {
    if (app.state !== 'open') continue;
    summary.checked++;
    const listedAt = await svc.store.evidence.lastListedAt(app.id);
    if (listedAt && listedAt.getTime() > staleBefore) continue;
    if (summary.refreshed + summary.failed >= limit) break;
    if (!(await svc.evidence.folderFor(app.cycleId, app.organisationId))) continue;
    try {
      await refreshEvidence(svc, app.id);
      summary.refreshed++;
    } catch (err) {
      summary.failed++;
      svc.log.warn(
        { applicationId: app.id, err: err instanceof Error ? { type: err.name } : { value: String(err) } },
        'evidence listing refresh failed',
      );
    }
  }
  return summary;
}
