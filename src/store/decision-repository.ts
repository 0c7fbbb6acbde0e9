import type { Kysely, Selectable } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Decision, Level } from '../domain/types.js';
import type { DB, DecisionsTable } from './schema.js';

/** Decisions (one per application). The awards they grant are in award-repository.ts. */
export class DecisionRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async save(d: Decision): Promise<void> {
    const row = await this.db
      .insertInto('decisions')
      .values({
        application_id: d.applicationId,
        level: d.level,
        feedback_strengths: d.feedbackStrengths,
        feedback_improvements: d.feedbackImprovements,
        decided_at: d.decidedAt,
        decided_by: d.decidedBy,
      })
      .onConflict((oc) => oc.column('application_id').doNothing())
      .returning('application_id')
      .executeTakeFirst();
    if (!row)
      throw new DomainError('STALE', 'A decision has already been recorded for this application.', {
        applicationId: d.applicationId,
      });
  }

  async get(applicationId: string): Promise<Decision | null> {
    const r = await this.db
      .selectFrom('decisions')
      .selectAll()
      .where('application_id', '=', applicationId)
      .executeTakeFirst();
    return r ? toDecision(r) : null;
  }
}

export function toDecision(r: Selectable<DecisionsTable>): Decision {
  return {
    applicationId: r.application_id,
    level: r.level as Level | null,
    feedbackStrengths: r.feedback_strengths,
    feedbackImprovements: r.feedback_improvements,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
  };
}
