import type { Kysely, Selectable } from 'kysely';
import type { Cycle } from '../domain/types.js';
import type { CyclesTable, DB } from './schema.js';

export class CycleRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async create(c: Cycle): Promise<void> {
    await this.db
      .insertInto('cycles')
      .values({
        id: c.id,
        name: c.name,
        submission_deadline: c.submissionDeadline,
        grace_minutes: c.graceMinutes,
        review_start: c.reviewStart,
        review_end: c.reviewEnd,
        decision_start: c.decisionStart,
        decision_end: c.decisionEnd,
        intake_paused: c.intakePaused,
        framework_version: c.frameworkVersion,
      })
      .execute();
  }

  async get(id: string): Promise<Cycle | null> {
    const r = await this.db.selectFrom('cycles').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toCycle(r) : null;
  }

  async list(): Promise<Cycle[]> {
    const rows = await this.db.selectFrom('cycles').selectAll().orderBy('submission_deadline').execute();
    return rows.map(toCycle);
  }

  /** The cycle people are working in now: the earliest one whose decision window has not ended. */
  async current(now: Date): Promise<Cycle | null> {
    const r = await currentCycleQuery(this.db, now).executeTakeFirst();
    return r ? toCycle(r) : null;
  }

  /** Points a cycle at another framework version (callers check it has no applications yet). */
  async setFrameworkVersion(id: string, version: string): Promise<void> {
    await this.db.updateTable('cycles').set({ framework_version: version }).where('id', '=', id).execute();
  }

  async setIntakePaused(id: string, paused: boolean): Promise<void> {
    await this.db.updateTable('cycles').set({ intake_paused: paused }).where('id', '=', id).execute();
  }
}

/**
 * The current cycle's row (see `current`), as a query other statements can embed so that the
 * rule stays here.
 */
export function currentCycleQuery(db: Kysely<DB>, now: Date) {
  return db.selectFrom('cycles').selectAll().where('decision_end', '>=', now).orderBy('submission_deadline').limit(1);
}

export function toCycle(r: Selectable<CyclesTable>): Cycle {
  return {
    id: r.id,
    name: r.name,
    submissionDeadline: r.submission_deadline,
    graceMinutes: r.grace_minutes,
    reviewStart: r.review_start,
    reviewEnd: r.review_end,
    decisionStart: r.decision_start,
    decisionEnd: r.decision_end,
    intakePaused: r.intake_paused,
    frameworkVersion: r.framework_version,
  };
}
