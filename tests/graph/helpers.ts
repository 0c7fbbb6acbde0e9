import { startGraphEmulator, type GraphEmulatorOptions, type GraphEmulator } from '../../src/graph/emulator/index.js';
import { createGraphClient, createGraphMetrics, type GraphMetrics } from '../../src/graph/client.js';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { CycleInput } from '../../src/graph/evidence-folders.js';
import { planOrgFolders } from '../../src/graph/evidence-folders.js';
import type { CycleLedgerState } from '../../src/graph/provisioning/ledger.js';

export interface Harness {
  emu: GraphEmulator;
  client: Client;
  metrics: GraphMetrics;
  close(): Promise<void>;
}

/** The test tenant's own domains (every address there is a member) and its assessment team. */
export const TEST_TENANT_DOMAINS = ['t.example.org', 'nhs.example.org', 'example.org'];
export const ASSESSMENT_GROUP = { id: '7f0c2a51-3c1e-4b7a-9d2e-5a8b6c4d3e21', displayName: 'WEx QS assessment team' };

export async function harness(
  opts: GraphEmulatorOptions = {},
  clientOpts: { requestTimeoutMs?: number } = {},
): Promise<Harness> {
  const emu = await startGraphEmulator({
    acceptedToken: 'test-token',
    directory: { tenantDomains: TEST_TENANT_DOMAINS, groups: [ASSESSMENT_GROUP] },
    ...opts,
  });
  const metrics = createGraphMetrics();
  const client = createGraphClient({
    mode: 'local',
    staticToken: 'test-token',
    baseUrl: emu.url,
    appVersion: '0.0.0-test',
    requestTimeoutMs: clientOpts.requestTimeoutMs ?? 5000,
    retry: { delaySeconds: 0.02, maxRetries: 3 },
    onResponse: metrics.onResponse,
  });
  return { emu, client, metrics, close: () => emu.close() };
}

export function smallCycle(n: number, id = 'c1'): CycleInput {
  return {
    cycle: { id, name: `Cycle ${id}` },
    assessmentGroup: { objectId: ASSESSMENT_GROUP.id },
    sections: [
      '1 Healthcare organisation',
      '2 Pre-placement',
      '3 Placement induction',
      '4 During placement',
      '5 Reflection and review',
      '6 Post placement',
    ],
    orgs: Array.from({ length: n }, (_, i) => ({
      id: `o${i}`,
      name: `Org ${i} / Trust`,
      applicants: [{ email: `a${i}@t.example.org` }, { email: `b${i}@t.example.org` }],
      reviewers: [{ email: `r${i % 3}@nhs.example.org` }],
    })),
  };
}

/**
 * Checks the emulator's drive directly (no HTTP): each org folder exists once under the cycle
 * folder, has the sections (each inheriting from it), is private (no inherited permission, no site
 * group), carries exactly the expected grants (one per person or group, with its role) and the
 * ledger records it private. Returns a list of problems (empty = correct).
 */
export function verifyCycle(emu: GraphEmulator, input: CycleInput, ledger: CycleLedgerState): string[] {
  const problems: string[] = [];
  const d = emu.drive;
  const cycleId = ledger.cycleFolder?.id;
  if (!cycleId) return ['no cycle folder in ledger'];
  const children = d.children(cycleId);
  const names = children.map((c) => c.name.toLowerCase());
  if (new Set(names).size !== names.length) problems.push('duplicate org folder names');
  const plans = planOrgFolders(input);
  if (children.length !== plans.length) problems.push(`expected ${plans.length} org folders, found ${children.length}`);
  for (const p of plans) {
    const f = children.find((c) => c.name === p.folderName);
    if (!f) {
      problems.push(`${p.orgId}: folder missing`);
      continue;
    }
    if (ledger.orgs[p.orgId]?.folder?.id !== f.id) problems.push(`${p.orgId}: ledger folder id mismatch`);
    const subs = d
      .children(f.id)
      .filter((c) => c.kind === 'folder')
      .map((c) => c.name)
      .sort();
    if (JSON.stringify(subs) !== JSON.stringify([...p.sections].sort()))
      problems.push(`${p.orgId}: sections ${JSON.stringify(subs)}`);
    for (const s of d.children(f.id)) {
      const perms = d.permissions(s.id);
      if (perms.some((x) => x.inheritedFrom?.id !== f.id))
        problems.push(`${p.orgId}: section ${s.name} does not inherit from the org folder`);
    }
    const perms = d.permissions(f.id);
    if (perms.some((x) => x.inheritedFrom !== null)) problems.push(`${p.orgId}: not private (inherits)`);
    if (perms.some((x) => x.rec.kind === 'siteGroup')) problems.push(`${p.orgId}: site group still has access`);
    const got = perms
      .filter((x) => x.rec.kind === 'user' || x.rec.kind === 'group')
      .map((x) => `${x.rec.roles[0]}|${x.rec.kind === 'group' ? x.rec.groupId : x.rec.email}`)
      .sort();
    const want = p.grants.map((g) => `${g.role}|${g.objectId ?? g.email}`).sort();
    if (JSON.stringify(got) !== JSON.stringify(want))
      problems.push(`${p.orgId}: grants ${got.length} vs ${want.length}`);
    const ledgerGrants = (ledger.orgs[p.orgId]?.grants ?? []).map((g) => `${g.role}|${g.objectId ?? g.email}`).sort();
    if (JSON.stringify(ledgerGrants) !== JSON.stringify(want)) problems.push(`${p.orgId}: ledger grants differ`);
    if (!ledger.orgs[p.orgId]?.private) problems.push(`${p.orgId}: not recorded private`);
  }
  return problems;
}
