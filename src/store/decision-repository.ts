import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Award, Decision, Level } from '../domain/types.js';
import type { DB } from './schema.js';

/** Decisions (one per application) and the awards they grant (at most one per application). */
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
    return r
      ? {
          applicationId: r.application_id,
          level: r.level as Level | null,
          feedbackStrengths: r.feedback_strengths,
          feedbackImprovements: r.feedback_improvements,
          decidedAt: r.decided_at,
          decidedBy: r.decided_by,
        }
      : null;
  }

  async createAward(applicationId: string, award: Award): Promise<string> {
    const id = randomUUID();
    await this.db
      .insertInto('awards')
      .values({
        id,
        organisation_id: award.organisationId,
        application_id: applicationId,
        level: award.level,
        valid_from: award.validFrom,
        valid_until: award.validUntil,
      })
      .execute();
    return id;
  }

  /** The award's validity, restarted (it runs from when the decision is communicated). */
  async setAwardValidity(applicationId: string, award: Pick<Award, 'validFrom' | 'validUntil'>): Promise<void> {
    await this.db
      .updateTable('awards')
      .set({ valid_from: award.validFrom, valid_until: award.validUntil })
      .where('application_id', '=', applicationId)
      .execute();
  }

  async awardFor(applicationId: string): Promise<Award | null> {
    const r = await this.db
      .selectFrom('awards')
      .selectAll()
      .where('application_id', '=', applicationId)
      .executeTakeFirst();
    return r
      ? {
          organisationId: r.organisation_id,
          level: r.level as Level,
          validFrom: r.valid_from,
          validUntil: r.valid_until,
        }
      : null;
  }
}
