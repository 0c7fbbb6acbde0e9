import type { Kysely, Selectable } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { IssuedAward } from '../domain/award.js';
import type { Level } from '../domain/types.js';
import type { AuditRepository } from './audit-repository.js';
import type { AwardsTable, DB } from './schema.js';

export type NewAward = Omit<IssuedAward, 'revokedAt' | 'revokedBy' | 'revokeReason'>;

/** Awards (at most one per application), looked up by id, application or verification code. */
export class AwardRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
  ) {}

  /** Insert the award; a second award for the same application is refused with STALE. */
  async create(a: NewAward): Promise<IssuedAward> {
    const row = await this.db
      .insertInto('awards')
      .values({
        id: a.id,
        organisation_id: a.organisationId,
        application_id: a.applicationId,
        cycle_id: a.cycleId,
        level: a.level,
        valid_from: a.validFrom,
        valid_until: a.validUntil,
        verification_code: a.verificationCode,
        organisation_name: a.organisationName,
        illustrative: a.illustrative,
        issued_at: a.issuedAt,
      })
      .onConflict((oc) => oc.column('application_id').where('application_id', 'is not', null).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row)
      throw new DomainError('STALE', 'An award has already been issued for this application.', {
        applicationId: a.applicationId,
      });
    return toAward(row);
  }

  async get(id: string): Promise<IssuedAward | null> {
    const r = await this.db.selectFrom('awards').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toAward(r) : null;
  }

  async forApplication(applicationId: string): Promise<IssuedAward | null> {
    const r = await this.db
      .selectFrom('awards')
      .selectAll()
      .where('application_id', '=', applicationId)
      .executeTakeFirst();
    return r ? toAward(r) : null;
  }

  /** By canonical verification code (see parseVerificationCode). */
  async byCode(code: string): Promise<IssuedAward | null> {
    const r = await this.db.selectFrom('awards').selectAll().where('verification_code', '=', code).executeTakeFirst();
    return r ? toAward(r) : null;
  }

  async listByCycle(cycleId: string): Promise<IssuedAward[]> {
    const rows = await this.db
      .selectFrom('awards')
      .selectAll()
      .where('cycle_id', '=', cycleId)
      .orderBy('organisation_name')
      .orderBy('id')
      .execute();
    return rows.map(toAward);
  }

  /** Revoke (once: a revoked award stays revoked with its first reason), audited in the same statement's transaction. */
  async revoke(id: string, by: string, reason: string, now: Date): Promise<IssuedAward> {
    const row = await this.db
      .updateTable('awards')
      .set({ revoked_at: now, revoked_by: by, revoke_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      const existing = await this.get(id);
      if (!existing) throw new DomainError('NOT_FOUND', 'That award does not exist.', { awardId: id });
      throw new DomainError('STALE', 'This award has already been revoked.', { awardId: id });
    }
    const award = toAward(row);
    await this.audit.append({
      at: now,
      actorId: by,
      action: 'revoke_award',
      entityKind: 'application',
      entityId: award.applicationId ?? award.id,
      fromState: null,
      toState: null,
      details: { awardId: award.id, reason },
    });
    return award;
  }
}

export function toAward(r: Selectable<AwardsTable>): IssuedAward {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    applicationId: r.application_id,
    cycleId: r.cycle_id,
    level: r.level as Level,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    verificationCode: r.verification_code,
    organisationName: r.organisation_name ?? '',
    illustrative: r.illustrative,
    issuedAt: r.issued_at,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
    revokeReason: r.revoke_reason,
  };
}
