/** Synthetic cycle input for benchmarks and tests (no real people: example.org addresses). */
import { DEFAULT_SECTIONS, type CycleInput } from '../../src/graph/evidence-folders.js';

export function demoCycle(orgCount: number, cycleId = '2025-26'): CycleInput {
  return {
    cycle: { id: cycleId, name: `Cycle ${cycleId}` },
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
