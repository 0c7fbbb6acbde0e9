import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Application, ApplicationState, Commentary, Level } from '../domain/types.js';
import type { ReadAfterChange } from './application-record-repository.js';
import { toAuditRecord, type AuditRecord, type AuditRepository } from './audit-repository.js';
import { prepare } from './prepared.js';
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

  /** Compare-and-set on the version; the audit row goes in the same statement. */
  async setTargetLevel(req: {
    applicationId: string;
    expectedVersion: number;
    level: Level;
    actorId: string;
    now: Date;
  }): Promise<Application> {
    const update = this.db
      .updateTable('applications')
      .set((eb) => ({
        target_level: req.level,
        version: eb('version', '+', 1),
        updated_at: req.now,
        updated_by: req.actorId,
      }))
      .where('id', '=', req.applicationId)
      .where('version', '=', req.expectedVersion)
      .returningAll();
    const [row] = await this.audit.withChange<Selectable<ApplicationsTable>>(update, {
      at: req.now,
      actorId: req.actorId,
      action: 'set_target_level',
      entityKind: 'application',
      entityId: req.applicationId,
      fromState: sql`(SELECT state FROM changed)`,
      toState: sql`(SELECT state FROM changed)`,
      details: { level: req.level },
    });
    if (!row) throw await this.stale(req.applicationId, req.expectedVersion);
    return toApplication(row);
  }

  /**
   * Upsert commentary; a criterion whose text and references are unchanged is not written. When
   * any is, the audit row (`save_commentary`, its details `details` and the criteria written) goes
   * in the same statement. Returns the criteria written, in the order given (a criterion given
   * twice: the last wins).
   */
  async saveCommentary(
    applicationId: string,
    items: Commentary[],
    actorId: string,
    now: Date,
    details: Record<string, unknown> = {},
  ): Promise<string[]> {
    return (await this.writeCommentary(applicationId, items, actorId, now, details, null)).written;
  }

  /** saveCommentary, and in the same statement what `read` reads after it (e.g. the application's record). */
  async saveCommentaryThen<T>(
    applicationId: string,
    items: Commentary[],
    actorId: string,
    now: Date,
    details: Record<string, unknown>,
    read: ReadAfterChange<T>,
  ): Promise<{ written: string[]; read: T }> {
    const { written, row } = await this.writeCommentary(applicationId, items, actorId, now, details, read);
    return { written, read: read.map(row) };
  }

  /** The criteria written (given, changed and in the order given), and `read`'s row when given. */
  private async writeCommentary(
    applicationId: string,
    items: Commentary[],
    actorId: string,
    now: Date,
    details: Record<string, unknown>,
    read: ReadAfterChange<unknown> | null,
  ): Promise<{ written: string[]; row?: Record<string, unknown> }> {
    const last = new Map(items.map((c) => [c.criterionId, c]));
    const given = [...last.keys()];
    // Nothing given: nothing written, and only what `read` reads.
    const upsert =
      last.size === 0
        ? this.db
            .selectFrom('commentary')
            .selectAll()
            .where(sql<boolean>`false`)
        : this.db
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
            // Whole rows: what a read after the change puts in place of the rows it changed.
            .returningAll();
    const entry = {
      at: now,
      actorId,
      action: 'save_commentary',
      entityKind: 'application',
      entityId: applicationId,
      fromState: null,
      toState: null,
      // The criteria written, in the order given.
      details: sql`${JSON.stringify(details)}::jsonb || jsonb_build_object('criteria', (
        SELECT jsonb_agg(g.id ORDER BY g.n) FROM jsonb_array_elements_text(${JSON.stringify(given)}::jsonb)
          WITH ORDINALITY AS g(id, n)
        WHERE g.id IN (SELECT criterion_id FROM changed)))`,
    };
    const inOrder = (changed: readonly string[]) => {
      const written = new Set(changed);
      return given.filter((id) => written.has(id));
    };
    if (!read) {
      const rows = await this.audit.withChange<{ criterion_id: string }>(upsert, entry);
      return { written: inOrder(rows.map((r) => r.criterion_id)) };
    }
    const [row] = await this.audit.withChange(upsert, entry, read.select('commentary'));
    return { written: inOrder(read.changedKeys(row)), ...(row ? { row } : {}) };
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

  /**
   * The application as it is now and its latest audit entry with the name of who made it (null:
   * the system, or nobody known by that id), in one statement: what a STALE answer tells.
   */
  async latestChange(
    applicationId: string,
  ): Promise<{ application: Application; last: (AuditRecord & { actorName: string | null }) | null } | null> {
    const [r] = await LATEST_CHANGE.execute(this.db, applicationId);
    if (!r) return null;
    const last =
      r.audit_id === null || r.audit_id === undefined
        ? null
        : {
            ...toAuditRecord({
              id: r.audit_id,
              at: r.audit_at!,
              actor_id: r.audit_actor_id!,
              action: r.audit_action!,
              entity_kind: r.audit_entity_kind!,
              entity_id: r.audit_entity_id!,
              from_state: r.audit_from_state,
              to_state: r.audit_to_state,
              details: r.audit_details!,
            }),
            actorName: r.audit_actor_name ?? null,
          };
    return { application: toApplication(r), last };
  }

  /** A STALE error saying what the application is now and who changed it last. */
  private async stale(applicationId: string, seenVersion: number): Promise<DomainError> {
    const found = await this.latestChange(applicationId);
    if (!found) return new DomainError('NOT_FOUND', 'That application does not exist.', { applicationId });
    const { application: current, last } = found;
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

/** latestChange's statement, compiled once (prepared.ts). */
const LATEST_CHANGE = prepare(1, (db, applicationId: string) =>
  db
    .selectFrom('applications as a')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('audit_log as l')
          .leftJoin('people as p', 'p.id', 'l.actor_id')
          .selectAll('l')
          .select('p.display_name as actor_name')
          .where('l.entity_kind', '=', 'application')
          .whereRef('l.entity_id', '=', 'a.id')
          .orderBy('l.id', 'desc')
          .limit(1)
          .as('last'),
      (join) => join.onTrue(),
    )
    .selectAll('a')
    .select([
      'last.id as audit_id',
      'last.at as audit_at',
      'last.actor_id as audit_actor_id',
      'last.action as audit_action',
      'last.entity_kind as audit_entity_kind',
      'last.entity_id as audit_entity_id',
      'last.from_state as audit_from_state',
      'last.to_state as audit_to_state',
      'last.details as audit_details',
      'last.actor_name as audit_actor_name',
    ])
    .where('a.id', '=', applicationId),
);
