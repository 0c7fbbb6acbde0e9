import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { AssessmentOutcome, Level } from '../domain/types.js';
import type { AuditRepository } from './audit-repository.js';
import { prepare } from './prepared.js';
import type { AssessmentsTable, DB, RecommendationsTable } from './schema.js';

export interface Assessment {
  applicationId: string;
  reviewerId: string;
  criterionId: string;
  outcome: AssessmentOutcome;
  note: string;
  updatedAt: Date;
}

export interface Recommendation {
  applicationId: string;
  reviewerId: string;
  /** null: the reviewer recommends no award. */
  level: Level | null;
  strengths: string;
  improvements: string;
  recommendedAt: Date;
}

export interface Clarification {
  id: string;
  applicationId: string;
  askedBy: string;
  question: string;
  askedAt: Date;
  answer: string | null;
  answeredBy: string | null;
  answeredAt: Date | null;
}

/**
 * Reviewer assignments, assessments, recommendations and clarification threads. Every change
 * writes an audit row naming the actor; call inside `store.transaction` together with the
 * application transition it belongs to.
 */
export class ReviewRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
  ) {}

  // --- assignments

  async reviewersFor(applicationId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('reviewer_assignments')
      .select('reviewer_id')
      .where('application_id', '=', applicationId)
      .orderBy('assigned_at')
      .orderBy('reviewer_id')
      .execute();
    return rows.map((r) => r.reviewer_id);
  }

  /** Replace the reviewers of an application (audited with who was added and removed). */
  async setReviewers(
    applicationId: string,
    reviewerIds: readonly string[],
    actorId: string,
    now: Date,
  ): Promise<{ added: string[]; removed: string[] }> {
    const current = await this.reviewersFor(applicationId);
    const want = [...new Set(reviewerIds)];
    const added = want.filter((r) => !current.includes(r));
    const removed = current.filter((r) => !want.includes(r));
    if (removed.length > 0) {
      await this.db
        .deleteFrom('reviewer_assignments')
        .where('application_id', '=', applicationId)
        .where('reviewer_id', 'in', removed)
        .execute();
    }
    if (added.length > 0) {
      await this.db
        .insertInto('reviewer_assignments')
        .values(added.map((reviewer_id) => ({ application_id: applicationId, reviewer_id, assigned_at: now })))
        .onConflict((oc) => oc.columns(['application_id', 'reviewer_id']).doNothing())
        .execute();
    }
    if (added.length + removed.length > 0) {
      await this.audit.append({
        at: now,
        actorId,
        action: 'assign_reviewers',
        entityKind: 'application',
        entityId: applicationId,
        fromState: null,
        toState: null,
        details: { added, removed },
      });
    }
    return { added, removed };
  }

  /**
   * One query for the review queue: each assigned application with its organisation's name, its
   * cycle's name and framework version, and this reviewer's assessed count.
   */
  async queueRows(reviewerId: string) {
    return QUEUE_ROWS.execute(this.db, reviewerId);
  }

  /** Applications assigned to a reviewer, with their ids. */
  async assignedTo(reviewerId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('reviewer_assignments')
      .select('application_id')
      .where('reviewer_id', '=', reviewerId)
      .execute();
    return rows.map((r) => r.application_id);
  }

  /** Open review load per reviewer in a cycle: applications assigned and not yet decided. */
  async loadByReviewer(cycleId: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('reviewer_assignments as ra')
      .innerJoin('applications as a', 'a.id', 'ra.application_id')
      .select(['ra.reviewer_id', sql<number>`count(*)::int`.as('n')])
      .where('a.cycle_id', '=', cycleId)
      .where('a.state', 'in', ['submitted', 'in_review', 'clarification_requested', 'recommended'])
      .groupBy('ra.reviewer_id')
      .execute();
    return new Map(rows.map((r) => [r.reviewer_id, r.n]));
  }

  // --- assessments

  async saveAssessments(
    applicationId: string,
    reviewerId: string,
    items: readonly { criterionId: string; outcome: AssessmentOutcome; note: string }[],
    now: Date,
  ): Promise<void> {
    // A criterion assessed the same as before (a second click) is not written, and when nothing
    // changed there is no audit row.
    const changed: (typeof items)[number][] = [];
    for (const it of items) {
      const row = await this.db
        .insertInto('assessments')
        .values({
          application_id: applicationId,
          reviewer_id: reviewerId,
          criterion_id: it.criterionId,
          outcome: it.outcome,
          note: it.note,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc
            .columns(['application_id', 'reviewer_id', 'criterion_id'])
            .doUpdateSet({ outcome: it.outcome, note: it.note, updated_at: now })
            .where((eb) =>
              eb.or([
                eb('assessments.outcome', 'is distinct from', eb.ref('excluded.outcome')),
                eb('assessments.note', 'is distinct from', eb.ref('excluded.note')),
              ]),
            ),
        )
        .returning('criterion_id')
        .executeTakeFirst();
      if (row) changed.push(it);
    }
    if (changed.length > 0) {
      await this.audit.append({
        at: now,
        actorId: reviewerId,
        action: 'assess',
        entityKind: 'application',
        entityId: applicationId,
        fromState: null,
        toState: null,
        details: { criteria: changed.map((i) => i.criterionId), outcomes: changed.map((i) => i.outcome) },
      });
    }
  }

  async assessments(applicationId: string, reviewerId?: string): Promise<Assessment[]> {
    let q = this.db.selectFrom('assessments').selectAll().where('application_id', '=', applicationId);
    if (reviewerId) q = q.where('reviewer_id', '=', reviewerId);
    const rows = await q.orderBy('criterion_id').execute();
    return rows.map(toAssessment);
  }

  // --- recommendations

  /** Record (or change) a reviewer's recommendation; the same recommendation again writes nothing. */
  async recommend(r: Omit<Recommendation, 'recommendedAt'>, now: Date): Promise<void> {
    const row = await this.db
      .insertInto('recommendations')
      .values({
        application_id: r.applicationId,
        reviewer_id: r.reviewerId,
        level: r.level,
        strengths: r.strengths,
        improvements: r.improvements,
        recommended_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['application_id', 'reviewer_id'])
          .doUpdateSet({ level: r.level, strengths: r.strengths, improvements: r.improvements, recommended_at: now })
          .where((eb) =>
            eb.or([
              eb('recommendations.level', 'is distinct from', eb.ref('excluded.level')),
              eb('recommendations.strengths', 'is distinct from', eb.ref('excluded.strengths')),
              eb('recommendations.improvements', 'is distinct from', eb.ref('excluded.improvements')),
            ]),
          ),
      )
      .returning('application_id')
      .executeTakeFirst();
    if (!row) return;
    await this.audit.append({
      at: now,
      actorId: r.reviewerId,
      action: 'record_recommendation',
      entityKind: 'application',
      entityId: r.applicationId,
      fromState: null,
      toState: null,
      details: { level: r.level },
    });
  }

  async recommendations(applicationId: string): Promise<Recommendation[]> {
    const rows = await this.db
      .selectFrom('recommendations')
      .selectAll()
      .where('application_id', '=', applicationId)
      .orderBy('recommended_at')
      .execute();
    return rows.map(toRecommendation);
  }

  // --- clarifications

  async ask(applicationId: string, askedBy: string, question: string, now: Date): Promise<Clarification> {
    const id = randomUUID();
    const row = await this.db
      .insertInto('clarifications')
      .values({ id, application_id: applicationId, asked_by: askedBy, question, asked_at: now })
      .onConflict((oc) => oc.column('application_id').where('answer', 'is', null).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row)
      throw new DomainError(
        'INVALID_TRANSITION',
        'A clarification question is already waiting for an answer on this application.',
        { applicationId },
      );
    return toClarification(row);
  }

  async answer(clarificationId: string, answeredBy: string, answer: string, now: Date): Promise<Clarification> {
    const row = await this.db
      .updateTable('clarifications')
      .set({ answer, answered_by: answeredBy, answered_at: now })
      .where('id', '=', clarificationId)
      .where('answer', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new DomainError('STALE', 'That question has already been answered.', { clarificationId });
    return toClarification(row);
  }

  async clarifications(applicationId: string): Promise<Clarification[]> {
    const rows = await this.db
      .selectFrom('clarifications')
      .selectAll()
      .where('application_id', '=', applicationId)
      .orderBy('asked_at')
      .execute();
    return rows.map(toClarification);
  }
}

export function toClarification(r: {
  id: string;
  application_id: string;
  asked_by: string;
  question: string;
  asked_at: Date;
  answer: string | null;
  answered_by: string | null;
  answered_at: Date | null;
}): Clarification {
  return {
    id: r.id,
    applicationId: r.application_id,
    askedBy: r.asked_by,
    question: r.question,
    askedAt: r.asked_at,
    answer: r.answer,
    answeredBy: r.answered_by,
    answeredAt: r.answered_at,
  };
}

export function toAssessment(r: Selectable<AssessmentsTable>): Assessment {
  return {
    applicationId: r.application_id,
    reviewerId: r.reviewer_id,
    criterionId: r.criterion_id,
    outcome: r.outcome,
    note: r.note,
    updatedAt: r.updated_at,
  };
}

export function toRecommendation(r: Selectable<RecommendationsTable>): Recommendation {
  return {
    applicationId: r.application_id,
    reviewerId: r.reviewer_id,
    level: r.level as Level | null,
    strengths: r.strengths,
    improvements: r.improvements,
    recommendedAt: r.recommended_at,
  };
}

/** The reviewer's queue (queueRows), compiled once (prepared.ts). */
const QUEUE_ROWS = prepare(1, (db, reviewerId: string) =>
  db
    .selectFrom('reviewer_assignments as ra')
    .innerJoin('applications as a', 'a.id', 'ra.application_id')
    .innerJoin('cycles as c', 'c.id', 'a.cycle_id')
    .leftJoin('organisations as o', 'o.id', 'a.organisation_id')
    .select([
      'a.id',
      'a.organisation_id',
      'a.cycle_id',
      'a.state',
      'a.target_level',
      'a.version',
      'a.requested_at',
      'a.submitted_at',
      'a.submitted_late',
      'o.name as organisation_name',
      'o.code as organisation_code',
      'c.name as cycle_name',
      'c.framework_version',
      (eb) =>
        eb
          .selectFrom('assessments as s')
          .whereRef('s.application_id', '=', 'a.id')
          .where('s.reviewer_id', '=', reviewerId)
          .select(sql<number>`count(*)::int`.as('n'))
          .as('assessed'),
    ])
    .where('ra.reviewer_id', '=', reviewerId),
);
