/**
 * The authorisation policy: who may do what to which resource. This is the one place that says
 * which roles an action needs; the application state machine refers to it for its transitions.
 *
 * - Applicants (lead, contributor) see and act only on their own organisation. Contributors can
 *   edit commentary and answer clarification but cannot submit or withdraw.
 * - Reviewers act only on applications assigned to them, and never on their own organisation
 *   (refused with CONFLICT_OF_INTEREST).
 * - Admins do everything administrative; they too cannot take review or decision actions on an
 *   organisation they belong to.
 */
import { DomainError, type ErrorCode } from './errors.js';
import type { Actor, Role } from './types.js';

export const DOMAIN_ACTIONS = [
  'view_organisation',
  'view_application',
  'edit_commentary',
  'submit_application',
  'withdraw_application',
  'request_application',
  'answer_clarification',
  'view_dropins',
  'book_dropin',
  'manage_dropins',
  'open_application',
  'view_review_queue',
  'start_review',
  'assess',
  'request_clarification',
  'recommend',
  'decide',
  'communicate',
  'lapse_application',
  'assign_reviewers',
  'manage_cycle',
  'manage_framework',
  'provision_folders',
  'view_dashboard',
  'manage_people',
  'view_audit',
  'view_award',
  'revoke_award',
  'export_cycle',
  'view_history',
  'declare_conflict',
  'view_calibration',
] as const;
export type DomainAction = (typeof DOMAIN_ACTIONS)[number];

export type Resource = {
  kind: 'organisation' | 'application' | 'cycle' | 'dropin' | 'system';
  organisationId?: string | null;
  assignedReviewerIds?: string[];
};

/**
 * Who an action is for.
 * - applicant_of_org: applicant lead or contributor whose organisation is the resource's organisation.
 * - lead_of_org: applicant lead whose organisation is the resource's organisation.
 * - applicant_own_org: applicant with an organisation, acting for it (the resource names no other organisation).
 * - assigned_reviewer: reviewer assigned to the resource, not from its organisation.
 * - reviewer: any reviewer.
 * - admin: admin (for review/decision actions, not from the resource's organisation).
 * - anyone: any person with at least one role.
 */
export type Audience =
  'applicant_of_org' | 'lead_of_org' | 'applicant_own_org' | 'assigned_reviewer' | 'reviewer' | 'admin' | 'anyone';

export const ACTION_AUDIENCES: Readonly<Record<DomainAction, readonly Audience[]>> = {
  view_organisation: ['applicant_of_org', 'assigned_reviewer', 'admin'],
  view_application: ['applicant_of_org', 'assigned_reviewer', 'admin'],
  edit_commentary: ['applicant_of_org'],
  submit_application: ['lead_of_org'],
  withdraw_application: ['lead_of_org', 'admin'],
  request_application: ['applicant_of_org'],
  answer_clarification: ['applicant_of_org'],
  view_dropins: ['anyone'],
  book_dropin: ['applicant_own_org', 'admin'],
  manage_dropins: ['admin'],
  open_application: ['admin'],
  view_review_queue: ['reviewer', 'admin'],
  start_review: ['assigned_reviewer', 'admin'],
  assess: ['assigned_reviewer'],
  request_clarification: ['assigned_reviewer'],
  recommend: ['assigned_reviewer'],
  decide: ['admin'],
  communicate: ['admin'],
  lapse_application: ['admin'],
  assign_reviewers: ['admin'],
  manage_cycle: ['admin'],
  manage_framework: ['admin'],
  provision_folders: ['admin'],
  view_dashboard: ['admin'],
  manage_people: ['admin'],
  view_audit: ['admin'],
  view_award: ['applicant_of_org', 'admin'],
  revoke_award: ['admin'],
  export_cycle: ['admin'],
  view_history: ['applicant_of_org', 'admin'],
  declare_conflict: ['reviewer'],
  view_calibration: ['admin'],
};

/** Review and decision actions: never by someone from the application's own organisation. */
export const CONFLICT_SENSITIVE_ACTIONS: ReadonlySet<DomainAction> = new Set<DomainAction>([
  'start_review',
  'assess',
  'request_clarification',
  'recommend',
  'decide',
]);

export type AuthorisationResult =
  | { allowed: true }
  | { allowed: false; code: Extract<ErrorCode, 'FORBIDDEN' | 'CONFLICT_OF_INTEREST'>; reason: string };

const has = (actor: Actor, role: Role): boolean => actor.roles.includes(role);
const isApplicantRole = (actor: Actor): boolean => has(actor, 'applicant_lead') || has(actor, 'applicant_contributor');

function sameOrg(actor: Actor, resource: Resource): boolean {
  return (
    actor.organisationId != null && resource.organisationId != null && actor.organisationId === resource.organisationId
  );
}

function isAssigned(actor: Actor, resource: Resource): boolean {
  return (resource.assignedReviewerIds ?? []).includes(actor.personId);
}

function matches(aud: Audience, actor: Actor, action: DomainAction, resource: Resource): boolean {
  switch (aud) {
    case 'applicant_of_org':
      return isApplicantRole(actor) && sameOrg(actor, resource);
    case 'lead_of_org':
      return has(actor, 'applicant_lead') && sameOrg(actor, resource);
    case 'applicant_own_org':
      return (
        isApplicantRole(actor) &&
        actor.organisationId != null &&
        (resource.organisationId == null || resource.organisationId === actor.organisationId)
      );
    case 'assigned_reviewer':
      return has(actor, 'reviewer') && isAssigned(actor, resource) && !sameOrg(actor, resource);
    case 'reviewer':
      return has(actor, 'reviewer');
    case 'admin':
      return has(actor, 'admin') && !(CONFLICT_SENSITIVE_ACTIONS.has(action) && sameOrg(actor, resource));
    case 'anyone':
      return actor.roles.length > 0;
  }
}

/** The full answer, with the reason and error code when refused. */
export function checkAuthorisation(actor: Actor, action: DomainAction, resource: Resource): AuthorisationResult {
  const audiences = ACTION_AUDIENCES[action];
  if (audiences.some((a) => matches(a, actor, action, resource))) return { allowed: true };
  const reviewerOrAdmin =
    (audiences.includes('assigned_reviewer') && has(actor, 'reviewer')) ||
    (audiences.includes('admin') && has(actor, 'admin'));
  if (
    reviewerOrAdmin &&
    sameOrg(actor, resource) &&
    (CONFLICT_SENSITIVE_ACTIONS.has(action) || audiences.includes('assigned_reviewer'))
  ) {
    return {
      allowed: false,
      code: 'CONFLICT_OF_INTEREST',
      reason: 'You cannot review or decide an application from your own organisation.',
    };
  }
  let reason = 'You do not have permission to do this.';
  if (audiences.includes('assigned_reviewer') && has(actor, 'reviewer') && !isAssigned(actor, resource)) {
    reason = 'This application is not assigned to you.';
  } else if (
    (audiences.includes('applicant_of_org') || audiences.includes('lead_of_org')) &&
    isApplicantRole(actor) &&
    !sameOrg(actor, resource)
  ) {
    reason = 'You can only act for your own organisation.';
  } else if (audiences.includes('lead_of_org') && has(actor, 'applicant_contributor')) {
    reason = 'Only your organisation’s applicant lead can do this.';
  }
  return { allowed: false, code: 'FORBIDDEN', reason };
}

export function can(actor: Actor, action: DomainAction, resource: Resource): boolean {
  return checkAuthorisation(actor, action, resource).allowed;
}

/** Throws FORBIDDEN (or CONFLICT_OF_INTEREST for review/decision on one's own organisation). */
export function authorise(actor: Actor, action: DomainAction, resource: Resource): void {
  const r = checkAuthorisation(actor, action, resource);
  if (!r.allowed) {
    throw new DomainError(r.code, r.reason, {
      action,
      resourceKind: resource.kind,
      organisationId: resource.organisationId ?? null,
      personId: actor.personId,
    });
  }
}

/**
 * Whether a person may be assigned to review an organisation's application: a reviewer, not from
 * it, and who has not declared a conflict of interest with it (`declaredConflicts`: the
 * organisation ids the reviewer declared).
 */
export function canBeAssignedReviewer(
  reviewer: Pick<Actor, 'roles' | 'organisationId'>,
  organisationId: string,
  declaredConflicts: readonly string[] = [],
): boolean {
  return assignmentBlock(reviewer, organisationId, declaredConflicts) === null;
}

export type AssignmentBlock = 'not_reviewer' | 'own_organisation' | 'declared_conflict';

/** Why a person cannot review an organisation's application, or null when they can. */
export function assignmentBlock(
  reviewer: Pick<Actor, 'roles' | 'organisationId'>,
  organisationId: string,
  declaredConflicts: readonly string[] = [],
): AssignmentBlock | null {
  if (!reviewer.roles.includes('reviewer')) return 'not_reviewer';
  if (reviewer.organisationId === organisationId) return 'own_organisation';
  if (declaredConflicts.includes(organisationId)) return 'declared_conflict';
  return null;
}

export const ASSIGNMENT_BLOCK_REASONS: Readonly<Record<AssignmentBlock, string>> = {
  not_reviewer: 'not a reviewer',
  own_organisation: 'from the applicant organisation',
  declared_conflict: 'declared a conflict of interest',
};
