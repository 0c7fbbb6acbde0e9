/**
 * Who may open an organisation's evidence folder, and who may add to it: its applicants (view
 * and upload), the reviewers assigned to its application in the current cycle (view), admins
 * (view). The same people the folder is shared with in SharePoint.
 */
import { can } from '../domain/authorisation.js';
import type { Actor } from '../domain/types.js';
import type { Services } from './services.js';

export interface FolderAccess {
  view: boolean;
  upload: boolean;
}

export async function evidenceFolderAccess(svc: Services, actor: Actor, organisationId: string): Promise<FolderAccess> {
  const cycle = await svc.store.cycles.current(svc.clock.now());
  const application = cycle ? await svc.store.applications.forOrganisation(organisationId, cycle.id) : null;
  const assignedReviewerIds = application ? await svc.store.reviews.reviewersFor(application.id) : [];
  const resource = { kind: 'organisation' as const, organisationId, assignedReviewerIds };
  return {
    view: can(actor, 'view_organisation', resource),
    upload: can(actor, 'edit_commentary', resource),
  };
}
