/**
 * Inspection results per document version, dismissed warnings and the delta cursor per
 * application. Results hold kinds, pages and masked hints only.
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import {
  dismissalKey,
  normaliseDocumentName,
  type DocumentInspection,
  type FindingCode,
  type StoredFinding,
} from '../domain/evidence-findings.js';
import { hasOpenFindings } from '../domain/readiness.js';
import type { AuditRepository } from './audit-repository.js';
import type { DB, EvidenceDismissalsTable, EvidenceInspectionsTable } from './schema.js';

/** What is stored of one inspection (the command line's shape plus masked hints). */
export interface StoredInspection {
  format: string | null;
  pages: number | null;
  textlessPages: number[];
  blankTemplate: boolean;
  completeness: number | null;
  personalData: { kind: string; page: number | null; hint: string }[];
  documentDate: string | null;
  duplicateOf: string | null;
  problems: { code: FindingCode; severity: 'hard' | 'warning'; pages: number[]; message: string }[];
  error: string | null;
}

export interface InspectedVersion {
  itemId: string;
  versionKey: string;
  name: string;
  inspectedAt: Date;
  result: StoredInspection;
}

export interface Dismissal {
  documentName: string;
  findingKey: string;
  reason: string;
  dismissedBy: string;
  dismissedAt: Date;
}

export class EvidenceInspectionRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
  ) {}

  /** item id → version key of the current inspections (what need not be read again). */
  async currentVersions(applicationId: string): Promise<Map<string, string>> {
    const rows = await this.db
      .selectFrom('evidence_inspections')
      .select(['item_id', 'version_key'])
      .where('application_id', '=', applicationId)
      .where('current', '=', true)
      .execute();
    return new Map(rows.map((r) => [r.item_id, r.version_key]));
  }

  /** Store a new version's result; it becomes the file's current one. Re-storing the same version is a no-op update. */
  async record(applicationId: string, v: InspectedVersion): Promise<void> {
    await this.db
      .updateTable('evidence_inspections')
      .set({ current: false })
      .where('application_id', '=', applicationId)
      .where('item_id', '=', v.itemId)
      .where('version_key', '<>', v.versionKey)
      .execute();
    await this.db
      .insertInto('evidence_inspections')
      .values({
        application_id: applicationId,
        item_id: v.itemId,
        version_key: v.versionKey,
        name: v.name,
        name_key: normaliseDocumentName(v.name),
        inspected_at: v.inspectedAt,
        result: JSON.stringify(v.result),
        current: true,
      })
      .onConflict((oc) =>
        oc.columns(['application_id', 'item_id', 'version_key']).doUpdateSet({
          name: v.name,
          name_key: normaliseDocumentName(v.name),
          result: JSON.stringify(v.result),
          current: true,
        }),
      )
      .execute();
  }

  /** Files no longer in the folder (or renamed) stop being current. */
  async keepOnly(applicationId: string, present: { itemId: string; name: string }[]): Promise<void> {
    const rows = await this.db
      .selectFrom('evidence_inspections')
      .select(['item_id', 'name'])
      .where('application_id', '=', applicationId)
      .where('current', '=', true)
      .execute();
    const names = new Map(present.map((p) => [p.itemId, p.name]));
    for (const r of rows) {
      const name = names.get(r.item_id);
      if (name === undefined)
        await this.db
          .updateTable('evidence_inspections')
          .set({ current: false })
          .where('application_id', '=', applicationId)
          .where('item_id', '=', r.item_id)
          .execute();
      else if (name !== r.name)
        await this.db
          .updateTable('evidence_inspections')
          .set({ name, name_key: normaliseDocumentName(name) })
          .where('application_id', '=', applicationId)
          .where('item_id', '=', r.item_id)
          .where('current', '=', true)
          .execute();
    }
  }

  async current(applicationId: string): Promise<InspectedVersion[]> {
    const rows = await this.db
      .selectFrom('evidence_inspections')
      .selectAll()
      .where('application_id', '=', applicationId)
      .where('current', '=', true)
      .orderBy('name_key')
      .execute();
    return rows.map(toInspectedVersion);
  }

  /** The current inspections as readiness consumes them. */
  async forReadiness(applicationId: string): Promise<DocumentInspection[]> {
    return (await this.current(applicationId)).map((v) => toDocumentInspection(v));
  }

  async cursor(applicationId: string): Promise<Record<string, unknown> | null> {
    const r = await this.db
      .selectFrom('evidence_scan_state')
      .select('cursor')
      .where('application_id', '=', applicationId)
      .executeTakeFirst();
    if (!r) return null;
    return (typeof r.cursor === 'string' ? JSON.parse(r.cursor) : r.cursor) as Record<string, unknown>;
  }

  /**
   * The stored cursor, read inside a transaction under a lock per application (held until the
   * transaction ends), so that runs storing their results do so one at a time.
   */
  async cursorForUpdate(applicationId: string): Promise<Record<string, unknown> | null> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`evidence-scan:${applicationId}`}, 0))`.execute(this.db);
    return this.cursor(applicationId);
  }

  async saveCursor(applicationId: string, cursor: Record<string, unknown>, now: Date): Promise<void> {
    await this.db
      .insertInto('evidence_scan_state')
      .values({ application_id: applicationId, cursor: JSON.stringify(cursor), updated_at: now })
      .onConflict((oc) => oc.column('application_id').doUpdateSet({ cursor: JSON.stringify(cursor), updated_at: now }))
      .execute();
  }

  /** Dismiss a warning with a reason; audited. Returns false when it was already dismissed. */
  async dismiss(
    applicationId: string,
    d: { documentName: string; findingKey: string; reason: string },
    actorId: string,
    now: Date,
  ): Promise<boolean> {
    const r = await this.db
      .insertInto('evidence_dismissals')
      .values({
        application_id: applicationId,
        name_key: normaliseDocumentName(d.documentName),
        finding_key: d.findingKey,
        reason: d.reason,
        dismissed_by: actorId,
        dismissed_at: now,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
    await this.audit.append({
      at: now,
      actorId,
      action: 'dismiss_evidence_warning',
      entityKind: 'application',
      entityId: applicationId,
      fromState: null,
      toState: null,
      details: { document: d.documentName, finding: d.findingKey, reason: d.reason },
    });
    return true;
  }

  async dismissals(applicationId: string): Promise<Dismissal[]> {
    const rows = await this.db
      .selectFrom('evidence_dismissals')
      .selectAll()
      .where('application_id', '=', applicationId)
      .orderBy('dismissed_at')
      .execute();
    return rows.map(toDismissal);
  }

  /** Readiness' set of dismissed warnings: `<name key>|<finding key>`. */
  async dismissedKeys(applicationId: string): Promise<Set<string>> {
    return new Set((await this.dismissals(applicationId)).map((d) => dismissalKey(d.documentName, d.findingKey)));
  }

  /**
   * How many applications of the cycle (withdrawn and lapsed ones aside) have open findings at
   * `at`, as the domain decides it (hasOpenFindings): the admins' dashboard count.
   */
  async applicationsWithOpenFindings(cycleId: string, at: Date): Promise<number> {
    const { rows } = await this.db
      .selectNoFrom(openFindingsCandidates(this.db, sql.val(cycleId)).as('rows'))
      .executeTakeFirstOrThrow();
    return countWithOpenFindings(rows, at);
  }
}

/** An application with current inspections: those inspections and its dismissed warnings (JSON: timestamps as strings). */
export interface OpenFindingsCandidate {
  inspections: { item_id: string; version_key: string; name: string; inspected_at: string; result: unknown }[];
  dismissals: { name_key: string; finding_key: string }[];
}

/**
 * The cycle's applications (withdrawn and lapsed ones aside) with current inspections, aggregated
 * to one JSON value: what countWithOpenFindings counts. An expression of the cycle's id, so that
 * the dashboard's statement can embed it with the cycle it reads (report-repository.ts).
 */
export function openFindingsCandidates(
  db: Kysely<DB>,
  cycleId: Expression<string>,
): RawBuilder<OpenFindingsCandidate[]> {
  const current = (eb: ExpressionBuilder<DB, 'applications'>) =>
    eb
      .selectFrom('evidence_inspections as i')
      .whereRef('i.application_id', '=', 'applications.id')
      .where('i.current', '=', true);
  return jsonArrayFrom(
    db
      .selectFrom('applications')
      .select((eb) => [
        jsonArrayFrom(current(eb).select(['i.item_id', 'i.version_key', 'i.name', 'i.inspected_at', 'i.result'])).as(
          'inspections',
        ),
        jsonArrayFrom(
          eb
            .selectFrom('evidence_dismissals as d')
            .select(['d.name_key', 'd.finding_key'])
            .whereRef('d.application_id', '=', 'applications.id'),
        ).as('dismissals'),
      ])
      .where('cycle_id', '=', cycleId)
      .where('state', 'not in', ['withdrawn', 'lapsed'])
      .where((eb) => eb.exists(current(eb).select('i.item_id'))),
  ) as unknown as RawBuilder<OpenFindingsCandidate[]>;
}

/** How many of openFindingsCandidates' applications have open findings at `at`, as the domain decides it (hasOpenFindings). */
export function countWithOpenFindings(rows: readonly OpenFindingsCandidate[], at: Date): number {
  let n = 0;
  for (const r of rows) {
    const inspections = r.inspections.map((i) =>
      toDocumentInspection({
        itemId: i.item_id,
        versionKey: i.version_key,
        name: i.name,
        // A JSON string here (aggregated to JSON).
        inspectedAt: new Date(i.inspected_at),
        result: (typeof i.result === 'string' ? JSON.parse(i.result) : i.result) as StoredInspection,
      }),
    );
    const dismissed = new Set(r.dismissals.map((d) => dismissalKey(d.name_key, d.finding_key)));
    if (hasOpenFindings(inspections, dismissed, at)) n++;
  }
  return n;
}

export function toDocumentInspection(v: InspectedVersion): DocumentInspection {
  const findings: StoredFinding[] = v.result.problems.map((p) => ({
    code: p.code,
    pages: p.pages,
    message: p.message,
  }));
  if (v.result.error)
    findings.push({ code: 'not_readable', pages: [], message: `Not checked automatically: ${v.result.error}` });
  return {
    documentName: v.name,
    pages: v.result.pages,
    documentDate: v.result.documentDate,
    findings,
    personalData: v.result.personalData,
  };
}

export function toDismissal(r: Selectable<EvidenceDismissalsTable>): Dismissal {
  return {
    documentName: r.name_key,
    findingKey: r.finding_key,
    reason: r.reason,
    dismissedBy: r.dismissed_by,
    dismissedAt: r.dismissed_at,
  };
}

export function toInspectedVersion(r: Selectable<EvidenceInspectionsTable>): InspectedVersion {
  return {
    itemId: r.item_id,
    versionKey: r.version_key,
    name: r.name,
    inspectedAt: r.inspected_at,
    result: (typeof r.result === 'string' ? JSON.parse(r.result) : r.result) as StoredInspection,
  };
}
