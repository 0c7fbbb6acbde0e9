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
