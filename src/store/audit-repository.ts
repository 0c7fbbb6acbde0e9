import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

export interface AuditEntry {
  at: Date;
  actorId: string;
  action: string;
  entityKind: string;
  entityId: string;
  fromState: string | null;
  toState: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  id: string;
  details: Record<string, unknown>;
}

/** Append-only: the database refuses UPDATE, DELETE and TRUNCATE on audit_log. */
export class AuditRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async append(e: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        at: e.at,
        actor_id: e.actorId,
        action: e.action,
        entity_kind: e.entityKind,
        entity_id: e.entityId,
        from_state: e.fromState,
        to_state: e.toState,
        details: JSON.stringify(e.details ?? {}),
      })
      .execute();
  }

  async forEntity(entityKind: string, entityId: string): Promise<AuditRecord[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_kind', '=', entityKind)
      .where('entity_id', '=', entityId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: String(r.id),
      at: r.at,
      actorId: r.actor_id,
      action: r.action,
      entityKind: r.entity_kind,
      entityId: r.entity_id,
      fromState: r.from_state,
      toState: r.to_state,
      details: r.details,
    }));
  }

  /** The latest entry for an entity, e.g. to tell a user who changed an application. */
  async latest(entityKind: string, entityId: string): Promise<AuditRecord | null> {
    const r = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_kind', '=', entityKind)
      .where('entity_id', '=', entityId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r
      ? {
          id: String(r.id),
          at: r.at,
          actorId: r.actor_id,
          action: r.action,
          entityKind: r.entity_kind,
          entityId: r.entity_id,
          fromState: r.from_state,
          toState: r.to_state,
          details: r.details,
        }
      : null;
  }
}
