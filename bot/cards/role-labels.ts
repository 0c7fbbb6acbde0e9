import type { Role } from '../../src/domain/types.js';

export const ROLE_LABELS: Record<Role, string> = {
  applicant_lead: 'applicant lead',
  applicant_contributor: 'applicant contributor',
  reviewer: 'reviewer',
  admin: 'admin',
};

export function describeRoles(roles: readonly Role[]): string {
  const labels = roles.map((r) => ROLE_LABELS[r]);
  return labels.length <= 1 ? (labels[0] ?? 'no role') : `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;
}

/** Who a command is for, as the refusal card says it: "admins", "reviewers", "the applicant lead". */
const AUDIENCE: Record<Role, string> = {
  applicant_lead: 'the applicant lead',
  applicant_contributor: 'applicant contributors',
  reviewer: 'reviewers',
  admin: 'admins',
};

export function audience(roles: readonly Role[]): string {
  if (roles.includes('applicant_lead') && roles.includes('applicant_contributor')) {
    const rest = roles.filter((r) => r !== 'applicant_lead' && r !== 'applicant_contributor').map((r) => AUDIENCE[r]);
    return joinAnd(["an organisation's applicant lead and contributors", ...rest]);
  }
  return joinAnd(roles.map((r) => AUDIENCE[r]));
}

function joinAnd(parts: readonly string[]): string {
  return parts.length <= 1 ? (parts[0] ?? 'nobody') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}
