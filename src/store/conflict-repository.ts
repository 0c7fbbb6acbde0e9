import type { Kysely } from 'kysely';
import type { AuditRepository } from './audit-repository.js';
import type { DB } from './schema.js';

export interface DeclaredConflict {
  reviewerId: string;
  organisationId: string;
  reason: string;
  declaredAt: Date;
}

/** Conflicts of interest reviewers declare with organisations (audited). */
export class ConflictRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
  ) {}

  /** Declare (or update the reason of) a conflict. */
  async declare(c: DeclaredConflict): Promise<void> {
    await this.db
      .insertInto('reviewer_conflicts')
      .values({
        reviewer_id: c.reviewerId,
        organisation_id: c.organisationId,
        reason: c.reason,
        declared_at: c.declaredAt,
      })
      .onConflict((oc) =>
        oc.columns(['reviewer_id', 'organisation_id']).doUpdateSet({ reason: c.reason, declared_at: c.declaredAt }),
      )
      .execute();
    await this.audit.append({
      at: c.declaredAt,
      actorId: c.reviewerId,
      action: 'declare_conflict',
      entityKind: 'organisation',
      entityId: c.organisationId,
      fromState: null,
      toState: null,
    });
  }

  async withdraw(reviewerId: string, organisationId: string, now: Date): Promise<boolean> {
    const r = await this.db
      .deleteFrom('reviewer_conflicts')
      .where('reviewer_id', '=', reviewerId)
      .where('organisation_id', '=', organisationId)
      .executeTakeFirst();
    const removed = Number(r.numDeletedRows) > 0;
    if (removed) {
      await this.audit.append({
        at: now,
        actorId: reviewerId,
        action: 'withdraw_conflict',
        entityKind: 'organisation',
        entityId: organisationId,
        fromState: null,
        toState: null,
      });
    }
    return removed;
  }

  async forReviewer(reviewerId: string): Promise<DeclaredConflict[]> {
    const rows = await this.db
      .selectFrom('reviewer_conflicts')
      .selectAll()
      .where('reviewer_id', '=', reviewerId)
      .orderBy('organisation_id')
      .execute();
    return rows.map(toConflict);
  }

  /** Reviewer ids who declared a conflict with the organisation. */
  async reviewersConflictedWith(organisationId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('reviewer_conflicts')
      .select('reviewer_id')
      .where('organisation_id', '=', organisationId)
      .execute();
    return rows.map((r) => r.reviewer_id);
  }

  async all(): Promise<DeclaredConflict[]> {
    const rows = await this.db
      .selectFrom('reviewer_conflicts')
      .selectAll()
      .orderBy('reviewer_id')
      .orderBy('organisation_id')
      .execute();
    return rows.map(toConflict);
  }
}

function toConflict(r: { reviewer_id: string; organisation_id: string; reason: string; declared_at: Date }) {
  return { reviewerId: r.reviewer_id, organisationId: r.organisation_id, reason: r.reason, declaredAt: r.declared_at };
}
