import { sql, type Kysely, type OperationNodeSource, type RawBuilder, type Selectable } from 'kysely';
import type { AuditLogTable, DB } from './schema.js';

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

/** An audit entry whose states and details may be SQL over the rows of the change it records. */
export interface AuditEntryOfChange extends Omit<AuditEntry, 'fromState' | 'toState' | 'details'> {
  fromState: string | null | RawBuilder<string | null>;
  toState: string | null | RawBuilder<string | null>;
  details: Record<string, unknown> | RawBuilder<unknown>;
}

/** Append-only: the database refuses UPDATE, DELETE and TRUNCATE on audit_log. */
export class AuditRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * A change and the audit row that records it in one statement (a data-modifying WITH), so they
   * commit together without a transaction of their own: `change` is an INSERT, UPDATE or DELETE
   * with RETURNING, and the row is written only when it returned rows. The entry's states and
   * details may be SQL over those rows, named `changed` (e.g. `(SELECT count(*) FROM changed)`).
   * Returns the rows the change returned, or with `then` the rows of that SELECT instead (it may
   * read `changed`, and reads the tables as they were before the change).
   */
  async withChange<R>(change: OperationNodeSource, e: AuditEntryOfChange, then?: RawBuilder<R>): Promise<R[]> {
    const details = isSql(e.details) ? e.details : sql`${JSON.stringify(e.details)}::jsonb`;
    const { rows } = await sql<R>`
      WITH changed AS (${change}),
      audited AS (
        INSERT INTO audit_log (at, actor_id, action, entity_kind, entity_id, from_state, to_state, details)
        SELECT ${e.at}::timestamptz, ${e.actorId}::text, ${e.action}::text, ${e.entityKind}::text,
          ${e.entityId}::text, ${e.fromState}::text, ${e.toState}::text, ${details}
        WHERE EXISTS (SELECT 1 FROM changed)
      )
      ${then ?? sql`SELECT * FROM changed`}
    `.execute(this.db);
    return rows;
  }

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
    return rows.map(toAuditRecord);
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
    return r ? toAuditRecord(r) : null;
  }
}

export function toAuditRecord(r: Selectable<AuditLogTable>): AuditRecord {
  return {
    id: String(r.id),
    at: r.at,
    actorId: r.actor_id,
    action: r.action,
    entityKind: r.entity_kind,
    entityId: r.entity_id,
    fromState: r.from_state,
    toState: r.to_state,
    details: r.details,
  };
}

function isSql(v: unknown): v is RawBuilder<unknown> {
  return typeof v === 'object' && v !== null && 'toOperationNode' in v;
}
