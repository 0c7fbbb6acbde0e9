import { sql, type Kysely, type Selectable } from 'kysely';
import { normaliseDocumentName } from '../domain/readiness.js';
import type { EvidenceDocument, SectionNumber } from '../domain/types.js';
import type { ReadAfterChange } from './application-record-repository.js';
import type { AuditRepository } from './audit-repository.js';
import type { DB, EvidenceDocumentsTable } from './schema.js';

/** A document as the folder listing gave it (see EvidenceFolders.listDocuments). */
export interface ListedDocument {
  name: string;
  section: SectionNumber | null;
  lastModified: Date;
  webUrl: string | null;
}

export interface StoredEvidenceDocument extends EvidenceDocument {
  key: string;
  webUrl: string | null;
  listedAt: Date;
  declaredBy: string | null;
}

/**
 * The evidence documents of an application: the last listing of its folder plus what the
 * applicant declared of each document. Cards read only this table (never Graph); a listing is
 * merged in after the invoke has been answered. A document that disappears from the folder is
 * kept (present = false) so its declaration comes back if it is uploaded again.
 */
export class EvidenceRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
  ) {}

  /** Replace the listing: upsert what is listed, mark the rest absent. Returns how many are present. */
  async syncListing(applicationId: string, docs: readonly ListedDocument[], now: Date): Promise<number> {
    const seen = new Map<string, ListedDocument>();
    for (const d of docs) {
      const key = normaliseDocumentName(d.name);
      if (key !== '' && !seen.has(key)) seen.set(key, d);
    }
    for (const [key, d] of seen) {
      await this.db
        .insertInto('evidence_documents')
        .values({
          application_id: applicationId,
          name_key: key,
          name: d.name.trim(),
          section: d.section,
          web_url: d.webUrl,
          last_modified: d.lastModified,
          present: true,
          listed_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['application_id', 'name_key']).doUpdateSet({
            name: d.name.trim(),
            section: d.section,
            web_url: d.webUrl,
            last_modified: d.lastModified,
            present: true,
            listed_at: now,
          }),
        )
        .execute();
    }
    let q = this.db
      .updateTable('evidence_documents')
      .set({ present: false, listed_at: now })
      .where('application_id', '=', applicationId);
    if (seen.size > 0) q = q.where('name_key', 'not in', [...seen.keys()]);
    await q.execute();
    return seen.size;
  }

  /** Documents present in the folder at the last listing, by section then name. */
  async documents(applicationId: string): Promise<StoredEvidenceDocument[]> {
    const rows = await this.db
      .selectFrom('evidence_documents')
      .selectAll()
      .where('application_id', '=', applicationId)
      .where('present', '=', true)
      .orderBy(sql`coalesce(section, 99)`)
      .orderBy('name_key')
      .execute();
    return rows.map(toDoc);
  }

  /**
   * The documents present at the last listing (as `documents`) and when the folder was last listed
   * (as `lastListedAt`), in one statement: every row of the application is read, absent ones only
   * for their listing time.
   */
  async listing(applicationId: string): Promise<{ documents: StoredEvidenceDocument[]; listedAt: Date | null }> {
    const rows = await this.db
      .selectFrom('evidence_documents')
      .selectAll()
      .where('application_id', '=', applicationId)
      .orderBy(sql`coalesce(section, 99)`)
      .orderBy('name_key')
      .execute();
    let listedAt: number | null = null;
    for (const r of rows) {
      const at = new Date(r.listed_at).getTime();
      if (listedAt === null || at > listedAt) listedAt = at;
    }
    return {
      documents: rows.filter((r) => r.present).map(toDoc),
      listedAt: listedAt === null ? null : new Date(listedAt),
    };
  }

  async lastListedAt(applicationId: string): Promise<Date | null> {
    const r = await this.db
      .selectFrom('evidence_documents')
      .select(sql<Date | null>`max(listed_at)`.as('at'))
      .where('application_id', '=', applicationId)
      .executeTakeFirst();
    return r?.at ? new Date(r.at) : null;
  }

  /**
   * Record what the applicant says of documents (evidence date, completed and anonymised); a
   * document whose declaration is unchanged is not written. When any is, the audit row
   * (`declare_evidence`, with how many) goes in the same statement. Returns how many changed (a
   * document given twice: the last wins).
   */
  async declare(
    applicationId: string,
    items: readonly { name: string; evidenceDate: Date | null; completed: boolean }[],
    actorId: string,
    now: Date,
  ): Promise<number> {
    return (await this.writeDeclarations(applicationId, items, actorId, now, null)).changed;
  }

  /** declare, and in the same statement what `read` reads after it (e.g. the application's record). */
  async declareThen<T>(
    applicationId: string,
    items: readonly { name: string; evidenceDate: Date | null; completed: boolean }[],
    actorId: string,
    now: Date,
    read: ReadAfterChange<T>,
  ): Promise<{ changed: number; read: T }> {
    const { changed, row } = await this.writeDeclarations(applicationId, items, actorId, now, read);
    return { changed, read: read.map(row) };
  }

  /** How many documents changed, and `read`'s row when given. */
  private async writeDeclarations(
    applicationId: string,
    items: readonly { name: string; evidenceDate: Date | null; completed: boolean }[],
    actorId: string,
    now: Date,
    read: ReadAfterChange<unknown> | null,
  ): Promise<{ changed: number; row?: Record<string, unknown> }> {
    const last = new Map(items.map((it) => [normaliseDocumentName(it.name), it]));
    // Nothing given: nothing changed, and only what `read` reads.
    const update =
      last.size === 0
        ? sql`SELECT * FROM evidence_documents WHERE false`
        : sql`
        UPDATE evidence_documents AS d
        SET evidence_date = v.evidence_date, completed = v.completed, declared_by = ${actorId}, declared_at = ${now}
        FROM (VALUES ${sql.join(
          [...last].map(([key, it]) => sql`(${key}, ${it.evidenceDate}::timestamptz, ${it.completed}::boolean)`),
        )}) AS v (name_key, evidence_date, completed)
        WHERE d.application_id = ${applicationId} AND d.name_key = v.name_key
          AND (d.completed <> v.completed OR d.evidence_date IS DISTINCT FROM v.evidence_date)
        RETURNING d.*
      `;
    const entry = {
      at: now,
      actorId,
      action: 'declare_evidence',
      entityKind: 'application',
      entityId: applicationId,
      fromState: null,
      toState: null,
      details: sql`jsonb_build_object('documents', (SELECT count(*) FROM changed))`,
    };
    if (!read) return { changed: (await this.audit.withChange(update, entry)).length };
    const [row] = await this.audit.withChange(update, entry, read.select('evidence_documents'));
    return { changed: read.changedKeys(row).length, ...(row ? { row } : {}) };
  }
}

export function toDoc(r: Selectable<EvidenceDocumentsTable>): StoredEvidenceDocument {
  return {
    key: r.name_key,
    name: r.name,
    section: (r.section ?? null) as SectionNumber | null,
    evidenceDate: r.evidence_date,
    lastModified: r.last_modified,
    completed: r.completed,
    webUrl: r.web_url,
    listedAt: r.listed_at,
    declaredBy: r.declared_by,
  };
}
