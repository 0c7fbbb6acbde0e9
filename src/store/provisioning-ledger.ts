/**
 * The provisioning ledger in PostgreSQL: an append-only journal of the steps Graph confirmed
 * (replayed with the engine's own `applyMutation`, so every ledger implementation means the same
 * thing) plus the current evidence folder per organisation, updated in the same transaction.
 * Each record is committed before its promise resolves (recordAll: all in one transaction).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import {
  applyMutation,
  type CycleLedgerState,
  type FolderRef,
  type GrantRecord,
  type LedgerMutation,
  type ProvisioningLedger,
  type StepOutcome,
} from '../graph/provisioning/ledger.js';
import type { DB } from './schema.js';

export interface EvidenceFolderRow {
  cycleId: string;
  organisationId: string;
  folderId: string;
  webUrl: string;
  isPrivate: boolean;
}

export class PostgresProvisioningLedger implements ProvisioningLedger {
  constructor(private readonly db: Kysely<DB>) {}

  async loadCycle(cycleId: string): Promise<CycleLedgerState> {
    const rows = await this.db
      .selectFrom('provisioning_journal')
      .select('mutation')
      .where('cycle_id', '=', cycleId)
      .orderBy('seq')
      .execute();
    const cycles: Record<string, CycleLedgerState> = {};
    for (const r of rows) applyMutation(cycles, r.mutation as unknown as LedgerMutation);
    return cycles[cycleId] ?? { cycleId, orgs: {} };
  }

  recordCycle(cycleId: string, info: { driveId?: string; rootFolder?: FolderRef; cycleFolder?: FolderRef | null }) {
    return this.append({ t: 'cycle', cycleId, ...info });
  }
  recordOrgFolder(cycleId: string, orgId: string, folder: FolderRef | null) {
    return this.append({ t: 'folder', cycleId, orgId, folder });
  }
  recordSection(cycleId: string, orgId: string, section: string, folder: FolderRef) {
    return this.append({ t: 'section', cycleId, orgId, section, folder });
  }
  recordPrivate(cycleId: string, orgId: string, privacyLinkId?: string) {
    return this.append({ t: 'private', cycleId, orgId, ...(privacyLinkId ? { privacyLinkId } : {}) });
  }
  recordVerified(cycleId: string, orgId: string, isPrivate: boolean) {
    return this.append({ t: 'verified', cycleId, orgId, private: isPrivate });
  }
  recordGrant(cycleId: string, orgId: string, grant: GrantRecord) {
    return this.append({ t: 'grant', cycleId, orgId, grant });
  }
  recordRevoke(cycleId: string, orgId: string, permissionId: string) {
    return this.append({ t: 'revoke', cycleId, orgId, permissionId });
  }
  recordStep(cycleId: string, orgId: string, outcome: StepOutcome) {
    return this.append({ t: 'step', cycleId, orgId, outcome });
  }
  recordComplete(cycleId: string, orgId: string, fingerprint: string | null) {
    return this.append({ t: 'complete', cycleId, orgId, fingerprint, at: new Date().toISOString() });
  }

  /** The organisation's evidence folder in a cycle, once provisioned. */
  async folderFor(cycleId: string, organisationId: string): Promise<EvidenceFolderRow | null> {
    const r = await this.db
      .selectFrom('evidence_folders')
      .selectAll()
      .where('cycle_id', '=', cycleId)
      .where('organisation_id', '=', organisationId)
      .executeTakeFirst();
    return r
      ? {
          cycleId: r.cycle_id,
          organisationId: r.organisation_id,
          folderId: r.folder_id,
          webUrl: r.web_url,
          isPrivate: r.is_private,
        }
      : null;
  }

  /** One transaction for all of them: a batch's confirmed steps cost one commit. */
  async recordAll(mutations: readonly LedgerMutation[]): Promise<void> {
    if (mutations.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      for (const m of mutations) await this.write(tx, m);
    });
  }

  private async append(m: LedgerMutation): Promise<void> {
    await this.db.transaction().execute((tx) => this.write(tx, m));
  }

  private async write(tx: Transaction<DB>, m: LedgerMutation): Promise<void> {
    const orgId = 'orgId' in m ? m.orgId : null;
    await tx
      .insertInto('provisioning_journal')
      .values({ cycle_id: m.cycleId, organisation_id: orgId, mutation: JSON.stringify(m) })
      .execute();
    if (m.t === 'folder') {
      if (m.folder) {
        await tx
          .insertInto('evidence_folders')
          .values({
            cycle_id: m.cycleId,
            organisation_id: m.orgId,
            folder_id: m.folder.id,
            web_url: m.folder.webUrl,
            is_private: false,
          })
          .onConflict((oc) =>
            oc.columns(['cycle_id', 'organisation_id']).doUpdateSet({
              folder_id: m.folder!.id,
              web_url: m.folder!.webUrl,
              is_private: false,
              updated_at: sql`now()`,
            }),
          )
          .execute();
      } else {
        await tx
          .deleteFrom('evidence_folders')
          .where('cycle_id', '=', m.cycleId)
          .where('organisation_id', '=', m.orgId)
          .execute();
      }
    } else if (m.t === 'verified') {
      await tx
        .updateTable('evidence_folders')
        .set({ is_private: m.private, updated_at: sql`now()` })
        .where('cycle_id', '=', m.cycleId)
        .where('organisation_id', '=', m.orgId)
        .execute();
    } else if (m.t === 'cycle' && m.cycleFolder === null) {
      await tx.deleteFrom('evidence_folders').where('cycle_id', '=', m.cycleId).execute();
    }
  }
}
