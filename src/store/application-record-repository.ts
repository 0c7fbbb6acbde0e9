/**
 * One application and everything stored about it (its cycle, organisation, evidence folder,
 * reviewers, commentary, documents, reviews, decision, award, inspections and dismissals) in one
 * statement: each part is aggregated to JSON by PostgreSQL, so a card costs one round trip instead
 * of one per table. Each part is mapped by its own repository's row mapper, after its timestamps
 * (JSON strings) are turned back into Dates, so what is read here is what the repositories read
 * one by one.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { IssuedAward } from '../domain/award.js';
import type { Application, Commentary, Cycle, Decision, Organisation, Person } from '../domain/types.js';
import { toApplication, toCommentary } from './application-repository.js';
import { toAward } from './award-repository.js';
import { currentCycleQuery, toCycle } from './cycle-repository.js';
import { toDecision } from './decision-repository.js';
import { toDoc, type StoredEvidenceDocument } from './evidence-repository.js';
import {
  toDismissal,
  toInspectedVersion,
  type Dismissal,
  type InspectedVersion,
} from './evidence-inspection-repository.js';
import { toOrganisation } from './organisation-repository.js';
import { toPerson } from './people-repository.js';
import {
  toAssessment,
  toClarification,
  toRecommendation,
  type Assessment,
  type Clarification,
  type Recommendation,
} from './review-repository.js';
import { prepare } from './prepared.js';
import type { DB } from './schema.js';

export interface ApplicationRecord {
  application: Application;
  cycle: Cycle | null;
  organisation: Organisation | null;
  /**
   * The organisation's evidence folder for the cycle as provisioning recorded it (the ledger's
   * evidence_folders table), or null before it is provisioned.
   */
  folder: { webUrl: string } | null;
  /** Every assigned reviewer's id (assignment order), whether or not the person still exists. */
  reviewerIds: string[];
  /** The assigned reviewers that exist, in the same order. */
  reviewers: Person[];
  commentary: Commentary[];
  /** The documents present at the last listing. */
  documents: StoredEvidenceDocument[];
  /** When the folder was last listed (null: never). */
  listedAt: Date | null;
  assessments: Assessment[];
  recommendations: Recommendation[];
  clarifications: Clarification[];
  decision: Decision | null;
  award: IssuedAward | null;
  /** The current inspection of each document. */
  inspections: InspectedVersion[];
  dismissals: Dismissal[];
}

type JsonRow = Record<string, unknown>;

/** The row with these columns (JSON timestamps) as Dates, nulls kept. */
function dated<T>(row: JsonRow, columns: readonly string[]): T {
  const out: JsonRow = { ...row };
  for (const c of columns) {
    const v = row[c];
    if (v !== null && v !== undefined) out[c] = new Date(v as string);
  }
  return out as T;
}

const mapAll = <T>(rows: unknown, columns: readonly string[], to: (r: never) => T): T[] =>
  (rows as JsonRow[]).map((r) => to(dated<never>(r, columns)));

export class ApplicationRecordRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async get(applicationId: string): Promise<ApplicationRecord | null> {
    const [r] = await RECORD_BY_ID.execute(this.db, applicationId);
    return r ? toRecord(r) : null;
  }

  /**
   * The current cycle (the rule is CycleRepository's) and the organisation's application in it, in
   * one statement: what the applicant's own status card reads. `cycle` null: there is no current
   * cycle; `record` null: the organisation has no application in it.
   */
  async forOrganisationInCurrentCycle(
    organisationId: string,
    now: Date,
  ): Promise<{ cycle: Cycle | null; record: ApplicationRecord | null }> {
    const [r] = await RECORD_IN_CURRENT_CYCLE.execute(this.db, organisationId, now);
    if (!r) return { cycle: null, record: null };
    return { cycle: cycleFromJson(r.current_cycle), record: r.application_id === null ? null : toRecord(r) };
  }

  /**
   * For an edit of one of the application's tables: the edit's statement also reads the record as
   * it stands after the edit (see ReadAfterChange), instead of a second statement reading it again.
   */
  afterChange(applicationId: string): ReadAfterChange<ApplicationRecord | null> {
    return {
      select: (table) => sql<JsonRow>`
        SELECT (SELECT coalesce(json_agg(changed.${sql.ref(EDITED_TABLES[table])}), '[]') FROM changed) AS changed_keys,
          ${RECORD_COLUMNS_AFTER[table]}
        FROM applications a WHERE a.id = ${applicationId}`,
      changedKeys: (row) => (row?.changed_keys as string[] | undefined) ?? [],
      map: (row) => (row ? toRecord(row) : null),
    };
  }
}

/** The statements a card reads an application with, compiled once (prepared.ts). */
const RECORD_BY_ID = prepare(
  1,
  (_db, applicationId: string) =>
    sql<JsonRow>`SELECT ${RECORD_COLUMNS} FROM applications a WHERE a.id = ${applicationId}`,
);
const RECORD_IN_CURRENT_CYCLE = prepare(
  2,
  (db, organisationId: string, now: Date) => sql<JsonRow>`
      SELECT row_to_json(cc) AS current_cycle, a.id AS application_id, ${RECORD_COLUMNS}
      FROM ${currentCycleQuery(db, now)} AS cc
      LEFT JOIN applications a ON a.cycle_id = cc.id AND a.organisation_id = ${organisationId}`,
);

/** The tables an edit of an application writes, with the column that identifies a row of one application. */
const EDITED_TABLES = { commentary: 'criterion_id', evidence_documents: 'name_key' } as const;
export type EditedTable = keyof typeof EDITED_TABLES;

/**
 * How an edit's statement reads something after the edit. The edit is a data-modifying WITH named
 * `changed`, RETURNING the whole rows of `table` it wrote; `select` is the statement's final
 * SELECT, which also gives the written rows' keys (`changedKeys`); `map` turns its row
 * (undefined: none) into what was read.
 */
export interface ReadAfterChange<T> {
  select(table: EditedTable): RawBuilder<JsonRow>;
  /** The keys of the rows the edit wrote, from `select`'s row (none without a row). */
  changedKeys(row: JsonRow | undefined): string[];
  map(row: JsonRow | undefined): T;
}

/**
 * Everything stored about the application `a`, each part aggregated to JSON. With `edited`, the
 * columns are read in the statement of an edit of that table (ReadAfterChange): a statement reads
 * the tables as they were when it began, so the edited table is read with the rows the edit
 * returned (`changed`) in place of theirs, which is the table as the edit left it.
 */
function buildRecordColumns(edited?: EditedTable): RawBuilder<unknown> {
  const source = (table: EditedTable) => {
    if (table !== edited) return sql.table(table);
    const key = sql.ref(EDITED_TABLES[table]);
    return sql`(SELECT t.* FROM ${sql.table(table)} t
      WHERE NOT EXISTS (SELECT 1 FROM changed c WHERE c.application_id = t.application_id AND c.${key} = t.${key})
      UNION ALL SELECT * FROM changed)`;
  };
  return sql`
        row_to_json(a) AS application,
        (SELECT row_to_json(c) FROM cycles c WHERE c.id = a.cycle_id) AS cycle,
        (SELECT row_to_json(o) FROM organisations o WHERE o.id = a.organisation_id) AS organisation,
        (SELECT f.web_url FROM evidence_folders f
          WHERE f.cycle_id = a.cycle_id AND f.organisation_id = a.organisation_id) AS folder_url,
        (SELECT coalesce(json_agg(json_build_object(
            'reviewer_id', ra.reviewer_id,
            'person', CASE WHEN p.id IS NULL THEN NULL ELSE json_build_object(
              'id', p.id, 'display_name', p.display_name, 'email', p.email,
              'entra_object_id', p.entra_object_id, 'organisation_id', p.organisation_id,
              'roles', (SELECT coalesce(array_agg(r.role ORDER BY r.role), '{}') FROM person_roles r WHERE r.person_id = p.id)
            ) END
          ) ORDER BY ra.assigned_at, ra.reviewer_id), '[]')
          FROM reviewer_assignments ra LEFT JOIN people p ON p.id = ra.reviewer_id
          WHERE ra.application_id = a.id) AS reviewers,
        (SELECT coalesce(json_agg(x ORDER BY x.criterion_id), '[]')
          FROM ${source('commentary')} x WHERE x.application_id = a.id) AS commentary,
        (SELECT coalesce(json_agg(x ORDER BY coalesce(x.section, 99), x.name_key), '[]')
          FROM ${source('evidence_documents')} x WHERE x.application_id = a.id) AS documents,
        (SELECT coalesce(json_agg(x ORDER BY x.criterion_id), '[]')
          FROM assessments x WHERE x.application_id = a.id) AS assessments,
        (SELECT coalesce(json_agg(x ORDER BY x.recommended_at), '[]')
          FROM recommendations x WHERE x.application_id = a.id) AS recommendations,
        (SELECT coalesce(json_agg(x ORDER BY x.asked_at), '[]')
          FROM clarifications x WHERE x.application_id = a.id) AS clarifications,
        (SELECT row_to_json(x) FROM decisions x WHERE x.application_id = a.id) AS decision,
        (SELECT row_to_json(x) FROM awards x WHERE x.application_id = a.id LIMIT 1) AS award,
        (SELECT coalesce(json_agg(x ORDER BY x.name_key), '[]')
          FROM evidence_inspections x WHERE x.application_id = a.id AND x.current) AS inspections,
        (SELECT coalesce(json_agg(x ORDER BY x.dismissed_at), '[]')
          FROM evidence_dismissals x WHERE x.application_id = a.id) AS dismissals`;
}

const RECORD_COLUMNS = buildRecordColumns();
const RECORD_COLUMNS_AFTER: Record<EditedTable, RawBuilder<unknown>> = {
  commentary: buildRecordColumns('commentary'),
  evidence_documents: buildRecordColumns('evidence_documents'),
};

function cycleFromJson(json: unknown): Cycle {
  return toCycle(
    dated(json as JsonRow, [
      'submission_deadline',
      'review_start',
      'review_end',
      'decision_start',
      'decision_end',
      'created_at',
    ]),
  );
}

function toRecord(r: JsonRow): ApplicationRecord {
  const reviewers = r.reviewers as { reviewer_id: string; person: Parameters<typeof toPerson>[0] | null }[];
  const allDocuments = r.documents as JsonRow[];
  let listedAt: number | null = null;
  for (const d of allDocuments) {
    const at = new Date(d.listed_at as string).getTime();
    if (listedAt === null || at > listedAt) listedAt = at;
  }
  return {
    application: toApplication(dated(r.application as JsonRow, ['requested_at', 'submitted_at', 'updated_at'])),
    cycle: r.cycle ? cycleFromJson(r.cycle) : null,
    organisation: r.organisation ? toOrganisation(r.organisation as Parameters<typeof toOrganisation>[0]) : null,
    folder: typeof r.folder_url === 'string' ? { webUrl: r.folder_url } : null,
    reviewerIds: reviewers.map((x) => x.reviewer_id),
    reviewers: reviewers.flatMap((x) => (x.person ? [toPerson(x.person)] : [])),
    commentary: mapAll(r.commentary, ['updated_at'], toCommentary),
    documents: mapAll(
      allDocuments.filter((d) => d.present),
      ['last_modified', 'listed_at', 'evidence_date', 'declared_at'],
      toDoc,
    ),
    listedAt: listedAt === null ? null : new Date(listedAt),
    assessments: mapAll(r.assessments, ['updated_at'], toAssessment),
    recommendations: mapAll(r.recommendations, ['recommended_at'], toRecommendation),
    clarifications: mapAll(r.clarifications, ['asked_at', 'answered_at'], toClarification),
    decision: r.decision ? toDecision(dated(r.decision as JsonRow, ['decided_at'])) : null,
    award: r.award
      ? toAward(dated(r.award as JsonRow, ['valid_from', 'valid_until', 'issued_at', 'revoked_at']))
      : null,
    inspections: mapAll(r.inspections, ['inspected_at'], toInspectedVersion),
    dismissals: mapAll(r.dismissals, ['dismissed_at'], toDismissal),
  };
}
