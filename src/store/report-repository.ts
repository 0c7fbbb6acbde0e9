/**
 * Read-only queries for the admin console and the exports. Exports read in pages by key (never
 * OFFSET, never everything at once), so a cycle of any size streams with flat memory on both
 * engines (PGlite has no cursors).
 */
import { sql, type Expression, type Kysely } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Application, ApplicationState, AssessmentOutcome, Cycle, Organisation } from '../domain/types.js';
import { currentCycleQuery, toCycle } from './cycle-repository.js';
import { countWithOpenFindings, openFindingsCandidates } from './evidence-inspection-repository.js';
import { toOrganisation } from './organisation-repository.js';
import { prepare } from './prepared.js';
import type { DB } from './schema.js';

export const EXPORT_PAGE_SIZE = 500;

/** What a row of the dashboard or the list of applications shows of an application. */
export type ApplicationSummary = Pick<
  Application,
  'id' | 'organisationId' | 'cycleId' | 'state' | 'version' | 'requestedAt'
>;

export interface PipelineExportRow {
  applicationId: string;
  organisationName: string;
  organisationCode: string | null;
  state: string;
  targetLevel: string | null;
  requestedAt: Date;
  submittedAt: Date | null;
  submittedLate: boolean;
  reviewers: string[];
  decisionLevel: string | null;
  decided: boolean;
  decidedAt: Date | null;
  awardCode: string | null;
  awardValidFrom: Date | null;
  awardValidUntil: Date | null;
  awardRevokedAt: Date | null;
}

export interface AssessmentExportRow {
  applicationId: string;
  organisationName: string;
  reviewerName: string;
  criterionId: string;
  outcome: AssessmentOutcome;
  note: string;
  updatedAt: Date;
}

export interface AuditExportRow {
  id: string;
  at: Date;
  actorId: string;
  actorName: string | null;
  action: string;
  entityKind: string;
  entityId: string;
  organisationName: string | null;
  fromState: string | null;
  toState: string | null;
  details: Record<string, unknown>;
}

export class ReportRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Every application of a cycle (in the order requested: what identifies it and its state) with
   * its organisation and how many reviewers are assigned to it, in one statement: the dashboard's
   * and the list cards' rows. Only the columns those show are read (a cycle has hundreds).
   */
  async cycleApplications(cycleId: string): Promise<CycleApplicationRow[]> {
    const { rows } = await this.db
      .selectNoFrom(cycleApplicationsJson(this.db, sql.val(cycleId)).as('rows'))
      .executeTakeFirstOrThrow();
    return rows.map(toCycleApplicationRow);
  }

  /**
   * What the admins' dashboard reads, in one statement: the cycle (the current one at `now`, as
   * CycleRepository decides it, or the one given), its applications as cycleApplications lists
   * them, and how many of them have open findings
   * (EvidenceInspectionRepository.applicationsWithOpenFindings). Null: there is no such cycle.
   */
  async cycleOverview(
    which: { cycleId: string } | { currentAt: Date },
    now: Date,
  ): Promise<{ cycle: Cycle; applications: CycleApplicationRow[]; withOpenFindings: number } | null> {
    const [row] =
      'cycleId' in which
        ? await OVERVIEW_OF_CYCLE.execute(this.db, which.cycleId)
        : await OVERVIEW_OF_CURRENT_CYCLE.execute(this.db, which.currentAt);
    if (!row) return null;
    const { applications, candidates, ...columns } = row;
    return {
      cycle: toCycle(columns),
      applications: applications.map(toCycleApplicationRow),
      withOpenFindings: countWithOpenFindings(candidates, now),
    };
  }

  /** Every assessment of a cycle's applications (calibration). */
  async cycleAssessments(cycleId: string) {
    const rows = await this.db
      .selectFrom('assessments as s')
      .innerJoin('applications as a', 'a.id', 's.application_id')
      .select(['s.application_id', 's.reviewer_id', 's.criterion_id', 's.outcome'])
      .where('a.cycle_id', '=', cycleId)
      .execute();
    return rows.map((r) => ({
      applicationId: r.application_id,
      reviewerId: r.reviewer_id,
      criterionId: r.criterion_id,
      outcome: r.outcome,
    }));
  }

  /** Evidence folders of a cycle: how many exist, and how many are private (inheritance broken). */
  async folderCounts(cycleId: string, organisationIds: readonly string[]): Promise<{ ready: number; private: number }> {
    if (organisationIds.length === 0) return { ready: 0, private: 0 };
    const rows = await this.db
      .selectFrom('evidence_folders')
      .select(['is_private'])
      .where('cycle_id', '=', cycleId)
      .where('organisation_id', 'in', organisationIds)
      .execute();
    return { ready: rows.length, private: rows.filter((r) => r.is_private).length };
  }

  async *pipeline(cycleId: string): AsyncGenerator<PipelineExportRow> {
    let after = '';
    for (;;) {
      const page = await this.db
        .selectFrom('applications as a')
        .leftJoin('organisations as o', 'o.id', 'a.organisation_id')
        .leftJoin('decisions as d', 'd.application_id', 'a.id')
        .leftJoin('awards as w', 'w.application_id', 'a.id')
        .select([
          'a.id',
          'o.name as organisation_name',
          'o.code as organisation_code',
          'a.state',
          'a.target_level',
          'a.requested_at',
          'a.submitted_at',
          'a.submitted_late',
          'd.level as decision_level',
          'd.decided_at',
          'w.verification_code',
          'w.valid_from',
          'w.valid_until',
          'w.revoked_at',
        ])
        .where('a.cycle_id', '=', cycleId)
        .where('a.id', '>', after)
        .orderBy('a.id')
        .limit(EXPORT_PAGE_SIZE)
        .execute();
      if (page.length === 0) return;
      const reviewers = await this.db
        .selectFrom('reviewer_assignments as ra')
        .innerJoin('people as p', 'p.id', 'ra.reviewer_id')
        .select(['ra.application_id', 'p.display_name'])
        .where(
          'ra.application_id',
          'in',
          page.map((r) => r.id),
        )
        .orderBy('ra.application_id')
        .orderBy('p.display_name')
        .execute();
      for (const r of page) {
        yield {
          applicationId: r.id,
          organisationName: r.organisation_name ?? '',
          organisationCode: r.organisation_code ?? null,
          state: r.state,
          targetLevel: r.target_level,
          requestedAt: r.requested_at,
          submittedAt: r.submitted_at,
          submittedLate: r.submitted_late,
          reviewers: reviewers.filter((x) => x.application_id === r.id).map((x) => x.display_name),
          decisionLevel: r.decision_level ?? null,
          decided: r.decided_at !== null,
          decidedAt: r.decided_at ?? null,
          awardCode: r.verification_code ?? null,
          awardValidFrom: r.valid_from ?? null,
          awardValidUntil: r.valid_until ?? null,
          awardRevokedAt: r.revoked_at ?? null,
        };
      }
      after = page[page.length - 1]!.id;
    }
  }

  async *assessments(cycleId: string): AsyncGenerator<AssessmentExportRow> {
    let after: [string, string, string] = ['', '', ''];
    for (;;) {
      const [a0, r0, c0] = after;
      const page = await this.db
        .selectFrom('assessments as s')
        .innerJoin('applications as a', 'a.id', 's.application_id')
        .leftJoin('organisations as o', 'o.id', 'a.organisation_id')
        .leftJoin('people as p', 'p.id', 's.reviewer_id')
        .select([
          's.application_id',
          's.reviewer_id',
          's.criterion_id',
          's.outcome',
          's.note',
          's.updated_at',
          'o.name as organisation_name',
          'p.display_name as reviewer_name',
        ])
        .where('a.cycle_id', '=', cycleId)
        .where((eb) =>
          eb.or([
            eb('s.application_id', '>', a0),
            eb.and([eb('s.application_id', '=', a0), eb('s.reviewer_id', '>', r0)]),
            eb.and([eb('s.application_id', '=', a0), eb('s.reviewer_id', '=', r0), eb('s.criterion_id', '>', c0)]),
          ]),
        )
        .orderBy('s.application_id')
        .orderBy('s.reviewer_id')
        .orderBy('s.criterion_id')
        .limit(EXPORT_PAGE_SIZE)
        .execute();
      if (page.length === 0) return;
      for (const r of page) {
        yield {
          applicationId: r.application_id,
          organisationName: r.organisation_name ?? '',
          reviewerName: r.reviewer_name ?? r.reviewer_id,
          criterionId: r.criterion_id,
          outcome: r.outcome,
          note: r.note,
          updatedAt: r.updated_at,
        };
      }
      const last = page[page.length - 1]!;
      after = [last.application_id, last.reviewer_id, last.criterion_id];
    }
  }

  /** The audit log of a cycle: its own entries and those of its applications, oldest first. */
  async *audit(cycleId: string): AsyncGenerator<AuditExportRow> {
    let after = 0n;
    for (;;) {
      const page = await this.db
        .selectFrom('audit_log as l')
        .leftJoin('applications as a', (j) =>
          j.onRef('a.id', '=', 'l.entity_id').on('l.entity_kind', '=', 'application'),
        )
        .leftJoin('organisations as o', 'o.id', 'a.organisation_id')
        .leftJoin('people as p', 'p.id', 'l.actor_id')
        .select([
          'l.id',
          'l.at',
          'l.actor_id',
          'p.display_name as actor_name',
          'l.action',
          'l.entity_kind',
          'l.entity_id',
          'o.name as organisation_name',
          'l.from_state',
          'l.to_state',
          'l.details',
        ])
        .where((eb) =>
          eb.or([
            eb('a.cycle_id', '=', cycleId),
            eb.and([eb('l.entity_kind', '=', 'cycle'), eb('l.entity_id', '=', cycleId)]),
          ]),
        )
        .where('l.id', '>', String(after))
        .orderBy('l.id')
        .limit(EXPORT_PAGE_SIZE)
        .execute();
      if (page.length === 0) return;
      for (const r of page) {
        yield {
          id: String(r.id),
          at: r.at,
          actorId: r.actor_id,
          actorName: r.actor_name ?? null,
          action: r.action,
          entityKind: r.entity_kind,
          entityId: r.entity_id,
          organisationName: r.organisation_name ?? null,
          fromState: r.from_state,
          toState: r.to_state,
          details: r.details,
        };
      }
      after = BigInt(String(page[page.length - 1]!.id));
    }
  }
}

/** One application of cycleApplications: what identifies it and its state, its organisation, how many reviewers it has. */
export interface CycleApplicationRow {
  application: ApplicationSummary;
  organisation: Organisation | null;
  reviewers: number;
}

/**
 * The cycle's applications in the order requested, each with its organisation and reviewer count,
 * aggregated to one JSON value by PostgreSQL: a cycle's hundreds of rows cost one value to parse
 * instead of a row each (its timestamps arrive as JSON strings). Only the columns the dashboard
 * and the list cards show are read. An expression of the cycle's id, so that the dashboard's
 * statement can embed it with the cycle it reads.
 */
function cycleApplicationsJson(db: Kysely<DB>, cycleId: Expression<string>) {
  return jsonArrayFrom(
    db
      .selectFrom('applications as a')
      .leftJoin('organisations as o', 'o.id', 'a.organisation_id')
      .select((eb) => [
        'a.id',
        'a.organisation_id',
        'a.cycle_id',
        'a.state',
        'a.version',
        'a.requested_at',
        'o.name as organisation_name',
        'o.code as organisation_code',
        eb
          .selectFrom('reviewer_assignments as ra')
          .whereRef('ra.application_id', '=', 'a.id')
          .select(sql<number>`count(*)::int`.as('n'))
          .as('reviewers'),
      ])
      .where('a.cycle_id', '=', cycleId)
      .orderBy('a.requested_at'),
  );
}

function toCycleApplicationRow(r: {
  id: string;
  organisation_id: string;
  cycle_id: string;
  state: string;
  version: number;
  requested_at: Date | string;
  organisation_name: string | null;
  organisation_code: string | null;
  reviewers: number | null;
}): CycleApplicationRow {
  return {
    application: {
      id: r.id,
      organisationId: r.organisation_id,
      cycleId: r.cycle_id,
      state: r.state as ApplicationState,
      version: r.version,
      requestedAt: new Date(r.requested_at),
    },
    organisation:
      r.organisation_name === null
        ? null
        : toOrganisation({ id: r.organisation_id, name: r.organisation_name, code: r.organisation_code }),
    reviewers: r.reviewers ?? 0,
  };
}

/** The dashboard's statement (cycleOverview) over the rows of `cycle`, a query of one cycle. */
function overview(db: Kysely<DB>, cycle: ReturnType<typeof currentCycleQuery>) {
  return db
    .selectFrom(cycle.as('c'))
    .selectAll('c')
    .select([
      cycleApplicationsJson(db, sql.ref<string>('c.id')).as('applications'),
      openFindingsCandidates(db, sql.ref<string>('c.id')).as('candidates'),
    ]);
}

/** The dashboard's statements, of a cycle given and of the current cycle, compiled once (prepared.ts). */
const OVERVIEW_OF_CYCLE = prepare(1, (db, cycleId: string) =>
  overview(db, db.selectFrom('cycles').selectAll().where('id', '=', cycleId)),
);
const OVERVIEW_OF_CURRENT_CYCLE = prepare(1, (db, now: Date) => overview(db, currentCycleQuery(db, now)));
