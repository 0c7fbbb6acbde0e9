import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Application, ApplicationState, Commentary, Level } from '../domain/types.js';
import type { AuditRepository } from './audit-repository.js';
import type { ApplicationsTable, CommentaryTable, DB } from './schema.js';

export interface TransitionRequest {
  applicationId: string;
  /** The version the actor saw (carried by the card they clicked). */
  expectedVersion: number;
  from: ApplicationState;
  to: ApplicationState;
  action: string;
  actorId: string;
  now: Date;
  patch?: { submittedAt?: Date; submittedLate?: boolean };
  details?: Record<string, unknown>;
}

/**
 * Applications. Uniqueness per (organisation, cycle) is the database's constraint; every change
 * is a compare-and-set on (state, version), so a second click on an old card changes nothing and
 * is reported as STALE. Each change writes its audit row; call inside `store.transaction`.
 */
export class ApplicationRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
  ) {}

  async create(req: { organisationId: string; cycleId: string; actorId: string; now: Date }): Promise<Application> {
    const row = await this.db
      .insertInto('applications')
      .values({
        id: randomUUID(),
        organisation_id: req.organisationId,
        cycle_id: req.cycleId,
        state: 'requested',
        requested_at: req.now,
        updated_at: req.now,
        updated_by: req.actorId,
      })
      .onConflict((oc) => oc.constraint('applications_one_per_org_cycle').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      throw new DomainError('ALREADY_APPLIED', undefined, { organisationId: req.organisationId, cycleId: req.cycleId });
    }
    await this.audit.append({
      at: req.now,
      actorId: req.actorId,
      action: 'request',
      entityKind: 'application',
      entityId: row.id,
      fromState: null,
      toState: 'requested',
      details: { organisationId: req.organisationId, cycleId: req.cycleId },
    });
    return toApplication(row);
  }

  async get(id: string): Promise<Application | null> {
    const r = await this.db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toApplication(r) : null;
  }

  async forOrganisation(organisationId: string, cycleId: string): Promise<Application | null> {
    const r = await this.db
      .selectFrom('applications')
      .selectAll()
      .where('organisation_id', '=', organisationId)
      .where('cycle_id', '=', cycleId)
      .executeTakeFirst();
    return r ? toApplication(r) : null;
  }

  async listByCycle(cycleId: string): Promise<Application[]> {
    const rows = await this.db
      .selectFrom('applications')
      .selectAll()
      .where('cycle_id', '=', cycleId)
      .orderBy('requested_at')
      .execute();
    return rows.map(toApplication);
  }

  async transition(req: TransitionRequest): Promise<Application> {
    const row = await this.db
      .updateTable('applications')
      .set((eb) => ({
        state: req.to,
        version: eb('version', '+', 1),
        updated_at: req.now,
        updated_by: req.actorId,
        ...(req.patch?.submittedAt ? { submitted_at: req.patch.submittedAt } : {}),
        ...(req.patch?.submittedLate !== undefined ? { submitted_late: req.patch.submittedLate } : {}),
      }))
      .where('id', '=', req.applicationId)
      .where('version', '=', req.expectedVersion)
      .where('state', '=', req.from)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw await this.stale(req.applicationId, req.expectedVersion);
    await this.audit.append({
      at: req.now,
      actorId: req.actorId,
      action: req.action,
      entityKind: 'application',
      entityId: req.applicationId,
      fromState: req.from,
      toState: req.to,
      ...(req.details ? { details: req.details } : {}),
    });
    return toApplication(row);
  }

  async setTargetLevel(req: {
    applicationId: string;
    expectedVersion: number;
    level: Level;
    actorId: string;
    now: Date;
  }): Promise<Application> {
    const row = await this.db
      .updateTable('applications')
      .set((eb) => ({
        target_level: req.level,
        version: eb('version', '+', 1),
        updated_at: req.now,
        updated_by: req.actorId,
      }))
      .where('id', '=', req.applicationId)
      .where('version', '=', req.expectedVersion)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw await this.stale(req.applicationId, req.expectedVersion);
    await this.audit.append({
      at: req.now,
      actorId: req.actorId,
      action: 'set_target_level',
      entityKind: 'application',
      entityId: req.applicationId,
      fromState: row.state,
      toState: row.state,
      details: { level: req.level },
    });
    return toApplication(row);
  }

  /**
   * Upsert commentary in one statement; a criterion whose text and references are unchanged is not
   * written. Returns the criteria written, in the order given (a criterion given twice: the last wins).
   */
  async saveCommentary(applicationId: string, items: Commentary[], actorId: string, now: Date): Promise<string[]> {
    const last = new Map(items.map((c) => [c.criterionId, c]));
    if (last.size === 0) return [];
    const rows = await this.db
      .insertInto('commentary')
      .values(
        [...last.values()].map((c) => ({
          application_id: applicationId,
          criterion_id: c.criterionId,
          text: c.text,
          evidence_refs: JSON.stringify(c.references),
          updated_at: now,
          updated_by: actorId,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['application_id', 'criterion_id'])
          .doUpdateSet((eb) => ({
            text: eb.ref('excluded.text'),
            evidence_refs: eb.ref('excluded.evidence_refs'),
            updated_at: eb.ref('excluded.updated_at'),
            updated_by: eb.ref('excluded.updated_by'),
          }))
          .where((eb) =>
            eb.or([
              eb('commentary.text', 'is distinct from', eb.ref('excluded.text')),
              eb('commentary.evidence_refs', 'is distinct from', eb.ref('excluded.evidence_refs')),
            ]),
          ),
      )
      .returning('criterion_id')
      .execute();
    const written = new Set(rows.map((r) => r.criterion_id));
    return [...last.keys()].filter((id) => written.has(id));
  }

  async commentary(applicationId: string): Promise<Commentary[]> {
    const rows = await this.db
      .selectFrom('commentary')
      .selectAll()
      .where('application_id', '=', applicationId)
      .orderBy('criterion_id')
      .execute();
    return rows.map(toCommentary);
  }

  /** A STALE error saying what the application is now and who changed it last. */
  private async stale(applicationId: string, seenVersion: number): Promise<DomainError> {
    const current = await this.get(applicationId);
    if (!current) return new DomainError('NOT_FOUND', 'That application does not exist.', { applicationId });
    const last = await this.audit.latest('application', applicationId);
    return new DomainError('STALE', undefined, {
      applicationId,
      seenVersion,
      currentVersion: current.version,
      currentState: current.state,
      changedBy: last?.actorId ?? null,
      changedAt: last?.at.toISOString() ?? null,
      lastAction: last?.action ?? null,
    });
  }
}

export function toApplication(r: Selectable<ApplicationsTable>): Application {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    cycleId: r.cycle_id,
    state: r.state as ApplicationState,
    targetLevel: r.target_level as Level | null,
    version: r.version,
    requestedAt: r.requested_at,
    submittedAt: r.submitted_at,
    submittedLate: r.submitted_late,
  };
}

export function toCommentary(r: Selectable<CommentaryTable>): Commentary {
  return { criterionId: r.criterion_id, text: r.text, references: r.evidence_refs };
}
