/** Synthetic cycle input for benchmarks and tests (no real people: example.org addresses). */
import { DEFAULT_SECTIONS, type CycleInput } from '../../src/graph/evidence-folders.js';

/** The synthetic tenant: its own domains (every address there is a member) and the assessment team. */
export const DEMO_TENANT = {
  tenantDomains: ['example.org'],
  groups: [{ id: '7f0c2a51-3c1e-4b7a-9d2e-5a8b6c4d3e21', displayName: 'WEx QS assessment team' }],
};

export function demoCycle(orgCount: number, cycleId = '2025-26'): CycleInput {
  return {
    cycle: { id: cycleId, name: `Cycle ${cycleId}` },
    assessmentGroup: { objectId: DEMO_TENANT.groups[0]!.id },
    sections: [...DEFAULT_SECTIONS],
    orgs: Array.from({ length: orgCount }, (_, i) => ({
      id: `org-${i + 1}`,
      name: `NHS Organisation ${i + 1}: Hospitals/Community Trust`,
      applicants: [
        { email: `applicant.a${i + 1}@trust.example.org` },
        { email: `applicant.b${i + 1}@trust.example.org` },
      ],
      reviewers: [{ email: `reviewer${(i % 25) + 1}@nhs.example.org` }],
    })),
  };
}
