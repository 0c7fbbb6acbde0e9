import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

export interface StoredConversation {
  key: string;
  personId: string | null;
  aadObjectId: string | null;
  scope: 'personal' | 'groupChat' | 'channel';
  reference: Record<string, unknown>;
  updatedAt: Date;
}

/** Conversation references for proactive messages, shared by every app instance. */
export class ConversationRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async upsert(c: StoredConversation): Promise<void> {
    const reference = JSON.stringify(c.reference);
    await this.db
      .insertInto('conversation_refs')
      .values({
        key: c.key,
        person_id: c.personId,
        aad_object_id: c.aadObjectId,
        scope: c.scope,
        reference,
        updated_at: c.updatedAt,
      })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          person_id: c.personId,
          aad_object_id: c.aadObjectId,
          reference,
          updated_at: c.updatedAt,
        }),
      )
      .execute();
  }

  async personal(personId: string): Promise<StoredConversation | null> {
    const r = await this.db
      .selectFrom('conversation_refs')
      .selectAll()
      .where('person_id', '=', personId)
      .where('scope', '=', 'personal')
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r
      ? {
          key: r.key,
          personId: r.person_id,
          aadObjectId: r.aad_object_id,
          scope: r.scope,
          reference: r.reference,
          updatedAt: r.updated_at,
        }
      : null;
  }
}
