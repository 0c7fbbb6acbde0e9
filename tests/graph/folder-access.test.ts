/**
 * Evidence folders verified private, and access that follows people, against the emulator's
 * real-tenant behaviours: site groups left behind by a tenant that ignores
 * retainInheritedPermissions, deletions refused, per-person permission ids with parallel batches,
 * 207s and people Graph cannot invite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { graphCall } from '../../src/graph/client.js';
import type { CycleInput } from '../../src/graph/evidence-folders.js';
import { NEW_GUEST_REFUSED } from '../../src/graph/emulator/index.js';
import {
  InMemoryLedger,
  Provisioner,
  applyMutation,
  type CycleLedgerState,
  type LedgerMutation,
} from '../../src/graph/provisioning/index.js';
import { ASSESSMENT_GROUP, harness, smallCycle, verifyCycle, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** What the folder's permissions were at the moment the ledger was told it is private. */
class WatchingLedger extends InMemoryLedger {
  readonly seenWhenPrivate = new Map<string, string[]>();
  constructor(private readonly look: (folderId: string) => string[]) {
    super();
  }
  override async recordAll(mutations: readonly LedgerMutation[]): Promise<void> {
    for (const m of mutations) {
      if (m.t === 'verified' && m.private) {
        const st = await this.loadCycle(m.cycleId);
        this.seenWhenPrivate.set(m.orgId, this.look(st.orgs[m.orgId]!.folder!.id));
      }
      await super.recordAll([m]);
    }
  }
}

const kinds = (hh: Harness, folderId: string) =>
  hh.emu.drive
    .permissions(folderId)
    .map((p) => `${p.rec.kind}:${p.rec.displayName ?? ''}`)
    .sort();

function run(hh: Harness, ledger: InMemoryLedger, input: CycleInput) {
  return new Provisioner({
    client: hh.client,
    ledger,
    metrics: hh.metrics,
    pacer: { ruPerMinute: 1250, timeScale: 60 },
    backoffBaseMs: 20,
  }).run(input);
}

async function folderOf(ledger: InMemoryLedger, orgId: string, cycle = 'c1'): Promise<string> {
  return (await ledger.loadCycle(cycle)).orgs[orgId]!.folder!.id;
}

describe('private folders, verified', () => {
  it('removes the site groups a tenant left behind before a folder counts as private; the assessment team keeps access', async () => {
    h = await harness({ timeScale: 60, sharing: { ignoreRetainOnCreateLinkRate: 1 } });
    const input = smallCycle(3);
    // a look at the emulator's drive at the moment "private" is recorded
    const ledger = new WatchingLedger((folderId) => kinds(h!, folderId));
    const report = await run(h, ledger, input);
    expect(report.failed).toEqual([]);
    expect(report.created).toBe(3);
    for (const org of input.orgs) {
      const seen = ledger.seenWhenPrivate.get(org.id)!;
      expect(seen.some((k) => k.startsWith('siteGroup'))).toBe(false);
      expect(seen).toContain(`group:${ASSESSMENT_GROUP.displayName}`);
      const folderId = await folderOf(ledger, org.id);
      const team = h.emu.drive.permissions(folderId).find((p) => p.rec.groupId === ASSESSMENT_GROUP.id)!;
      expect(team.rec.roles).toEqual(['write']);
    }
    // The copies of the three site groups were deleted on every folder.
    expect(h.emu.stats().drive.permissionsDeleted).toBe(3 * 3);
    expect(verifyCycle(h.emu, input, await ledger.loadCycle('c1'))).toEqual([]);
    // Sections follow their folder.
    const st = (await ledger.loadCycle('c1')).orgs.o0!;
    const section = Object.values(st.sections)[0]!.id;
    expect(kinds(h, section)).toEqual(kinds(h, st.folder!.id));
  });

  it('reports a folder failed, with the reason, when the site groups cannot be removed; a re-run repairs it', async () => {
    h = await harness({
      timeScale: 60,
      sharing: { ignoreRetainOnCreateLinkRate: 1 },
      faults: { rules: [{ method: 'DELETE', pathIncludes: '/permissions/', status: 403, code: 'accessDenied' }] },
    });
    const input = smallCycle(2);
    const ledger = new InMemoryLedger();
    const report = await run(h, ledger, input);
    expect(report.failed).toHaveLength(2);
    expect(report.failed[0]!.reason).toMatch(
      /not private: site group 'WExQS (Owners|Members|Visitors)' still has access/,
    );
    expect(report.failed[0]!.reason).toContain('403 accessDenied');
    const state = await ledger.loadCycle('c1');
    expect(state.orgs.o0!.private).toBe(false);
    expect(state.orgs.o0!.completedFingerprint).toBeUndefined();

    h.emu.setFaults({});
    const again = await run(h, ledger, input);
    expect(again.failed).toEqual([]);
    expect(again.updated).toBe(2);
    const repaired = await ledger.loadCycle('c1');
    expect(repaired.orgs.o0!.private).toBe(true);
    expect(kinds(h, repaired.orgs.o0!.folder!.id).some((k) => k.startsWith('siteGroup'))).toBe(false);
    expect(verifyCycle(h.emu, input, repaired)).toEqual([]);
    // and the run after that costs one request
    const before = h.emu.stats().requests;
    expect((await run(h, ledger, input)).alreadyThere).toBe(2);
    expect(h.emu.stats().requests - before).toBe(1);
  });

  it('treats access a folder shares with the cycle folder, that the app did not grant, as inherited and removes it', async () => {
    h = await harness({ timeScale: 60 });
    const ledger = new InMemoryLedger();
    const input = smallCycle(1);
    await run(h, ledger, input);
    // Someone is given access to the whole cycle folder by hand; then a new organisation comes in
    // on a tenant that copies inherited access when the link is created.
    const cycleFolder = (await ledger.loadCycle('c1')).cycleFolder!.id;
    await graphCall(h.client, 'POST', `/drives/${h.emu.driveId}/items/${cycleFolder}/invite`, {
      recipients: [{ email: 'everyone.here@t.example.org' }],
      roles: ['read'],
      requireSignIn: true,
      sendInvitation: false,
    });
    h.emu.setSharing({ ignoreRetainOnCreateLinkRate: 1 });
    const bigger = smallCycle(2);
    const report = await run(h, ledger, bigger);
    expect(report.failed).toEqual([]);
    const folder = await folderOf(ledger, 'o1');
    expect(h.emu.drive.permissions(folder).some((p) => p.rec.email === 'everyone.here@t.example.org')).toBe(false);
    expect(verifyCycle(h.emu, bigger, await ledger.loadCycle('c1'))).toEqual([]);
  });

  it('never sends retainInheritedPermissions on invite, so a tenant that refuses it changes nothing', async () => {
    h = await harness({ timeScale: 60, sharing: { refuseRetainOnInviteRate: 1 } });
    const input = smallCycle(3);
    const ledger = new InMemoryLedger();
    const report = await run(h, ledger, input);
    expect(report.failed).toEqual([]);
    expect(report.notInvited).toEqual([]);
    expect(verifyCycle(h.emu, input, await ledger.loadCycle('c1'))).toEqual([]);
  });

  it('checks folders an earlier version recorded private without looking', async () => {
    h = await harness({ timeScale: 60, sharing: { ignoreRetainOnCreateLinkRate: 1 } });
    const input = smallCycle(1);
    const ledger = new InMemoryLedger();
    await run(h, ledger, input);
    const folderId = await folderOf(ledger, 'o0');
    // Someone puts a site group back by hand; an older journal says "private" without a check.
    const cycles: Record<string, CycleLedgerState> = {};
    applyMutation(cycles, { t: 'private', cycleId: 'c1', orgId: 'o0' });
    expect(cycles.c1!.orgs.o0!.private).toBe(false);
    await ledger.recordVerified('c1', 'o0', false);
    await ledger.recordComplete('c1', 'o0', null);
    await graphCall(h.client, 'POST', `/drives/${h.emu.driveId}/items/${folderId}/invite`, {
      recipients: [{ email: 'ann@example.org' }],
      roles: ['read'],
      requireSignIn: true,
      sendInvitation: false,
    });
    const again = await run(h, ledger, input);
    expect(again.failed).toEqual([]);
    expect((await ledger.loadCycle('c1')).orgs.o0!.private).toBe(true);
    // A person someone added by hand is not a leak the app removes: it only removes inherited access.
    expect(h.emu.drive.permissions(folderId).some((p) => p.rec.email === 'ann@example.org')).toBe(true);
  });
});

describe('access follows people', () => {
  const org = (applicants: string[], reviewers: string[]): CycleInput => ({
    cycle: { id: 'c1', name: 'Cycle c1' },
    sections: ['1 Healthcare organisation'],
    assessmentGroup: { objectId: ASSESSMENT_GROUP.id },
    orgs: [
      {
        id: 'o0',
        name: 'Org 0',
        applicants: applicants.map((email) => ({ email })),
        reviewers: reviewers.map((email) => ({ email })),
      },
    ],
  });
  const access = (hh: Harness, folderId: string) =>
    Object.fromEntries(
      hh.emu.drive
        .permissions(folderId)
        .filter((p) => p.rec.kind === 'user' || p.rec.kind === 'group')
        .map((p) => [p.rec.email ?? `group:${p.rec.groupId}`, { id: p.rec.id, role: p.rec.roles.join() }]),
    );

  it('gives each person one grant with their highest role; role changes keep that permission; removals revoke only it', async () => {
    h = await harness({ timeScale: 60 });
    const ledger = new InMemoryLedger();
    const A = 'a@t.example.org';
    const B = 'b@t.example.org';
    const R = 'r@nhs.example.org';
    const team = `group:${ASSESSMENT_GROUP.id}`;
    // A is both applicant and reviewer: one grant, write.
    await run(h, ledger, org([A, B], [A, R]));
    const folderId = await folderOf(ledger, 'o0');
    const first = access(h, folderId);
    expect(Object.fromEntries(Object.entries(first).map(([k, v]) => [k, v.role]))).toEqual({
      [A]: 'write',
      [B]: 'write',
      [R]: 'read',
      [team]: 'write',
    });
    expect((await ledger.loadCycle('c1')).orgs.o0!.grants).toHaveLength(4);
    // A manual grant made in SharePoint: never the app's to touch.
    await graphCall(h.client, 'POST', `/drives/${h.emu.driveId}/items/${folderId}/invite`, {
      recipients: [{ email: 'manual@t.example.org' }],
      roles: ['read'],
      requireSignIn: true,
      sendInvitation: false,
    });

    // R (reviewer) becomes an applicant; B (applicant) becomes a reviewer only.
    const changed = await run(h, ledger, org([A, R], [B]));
    expect(changed.failed).toEqual([]);
    const second = access(h, folderId);
    expect(second[R]).toEqual({ id: first[R]!.id, role: 'write' }); // same permission, higher role
    expect(second[B]).toEqual({ id: first[B]!.id, role: 'read' }); // same permission, lower role
    expect(second[A]).toEqual(first[A]);
    expect(second[team]).toEqual(first[team]);
    expect(h.emu.stats().drive.permissionsDeleted).toBe(0); // nobody's only access was deleted

    // The reviewer (B) is removed: only their permission goes.
    await run(h, ledger, org([A, R], []));
    const third = access(h, folderId);
    expect(Object.keys(third).sort()).toEqual([A, 'manual@t.example.org', R, team].sort());
    expect(third['manual@t.example.org']!.role).toBe('read');
    const ledgerGrants = (await ledger.loadCycle('c1')).orgs.o0!.grants;
    expect(ledgerGrants.map((g) => g.objectId ?? g.email).sort()).toEqual([A, R, ASSESSMENT_GROUP.id].sort());
  });

  it('re-invites someone whose permission was removed by hand when their role goes down', async () => {
    h = await harness({ timeScale: 60 });
    const ledger = new InMemoryLedger();
    const A = 'a@t.example.org';
    await run(h, ledger, org([A], []));
    const folderId = await folderOf(ledger, 'o0');
    await graphCall(
      h.client,
      'DELETE',
      `/drives/${h.emu.driveId}/items/${folderId}/permissions/${access(h, folderId)[A]!.id}`,
    );
    const report = await run(h, ledger, org([], [A]));
    expect(report.failed).toEqual([]);
    expect(access(h, folderId)[A]!.role).toBe('read');
  });

  it('a role change and a removal in the same run, batches racing, leave exactly the right permissions', async () => {
    // Many organisations at once, so several parallel batches are in flight; the emulator runs
    // their entries in random order.
    h = await harness({ timeScale: 60, seed: 99 });
    const ledger = new InMemoryLedger();
    const input = smallCycle(12);
    await run(h, ledger, input);
    for (const o of input.orgs) {
      const [a, b] = o.applicants;
      o.reviewers = [a!, ...o.reviewers]; // a stays write (highest role)
      o.applicants = [{ email: o.reviewers[1]!.email }]; // the reviewer becomes an applicant
      o.reviewers = [b!]; // b becomes a reviewer; a and the old reviewer's read go
    }
    const report = await run(h, ledger, input);
    expect(report.failed).toEqual([]);
    expect(verifyCycle(h.emu, input, await ledger.loadCycle('c1'))).toEqual([]);
  });

  it('lists someone Graph cannot invite with the reason and provisions the folder for everybody else', async () => {
    h = await harness({ timeScale: 60, users: [{ mail: 'guest@partner.example.com', userType: 'Guest' }] });
    const ledger = new InMemoryLedger();
    const stranger = 'stranger@elsewhere.example.com';
    const input = org(['a@t.example.org', stranger, 'guest@partner.example.com'], ['r@nhs.example.org']);
    const report = await run(h, ledger, input);
    expect(report.failed).toEqual([]);
    expect(report.created).toBe(1);
    expect(report.notInvited).toEqual([
      { orgId: 'o0', recipient: stranger, reason: `accessDenied: ${NEW_GUEST_REFUSED}` },
    ]);
    const folderId = await folderOf(ledger, 'o0');
    expect(Object.keys(access(h, folderId)).sort()).toEqual(
      ['a@t.example.org', 'guest@partner.example.com', 'r@nhs.example.org', `group:${ASSESSMENT_GROUP.id}`].sort(),
    );
    const st = (await ledger.loadCycle('c1')).orgs.o0!;
    expect(st.private).toBe(true);
    expect(st.completedFingerprint).toBeUndefined(); // tried again next time

    // Alone in an invite, the refusal is the whole answer (403): still listed, still not failed.
    const alone = await run(h, ledger, input);
    expect(alone.failed).toEqual([]);
    expect(alone.notInvited.map((n) => n.recipient)).toEqual([stranger]);

    // Once they are a guest of the tenant, the next run invites them.
    h.emu.calendar.seedUsers([{ mail: stranger, userType: 'Guest' }]);
    const later = await run(h, ledger, input);
    expect(later.notInvited).toEqual([]);
    expect(access(h, folderId)[stranger]!.role).toBe('write');
    expect((await ledger.loadCycle('c1')).orgs.o0!.completedFingerprint).toBeDefined();
  });
});
