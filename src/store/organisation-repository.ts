import type { Kysely, Selectable } from 'kysely';
import type { Organisation } from '../domain/types.js';
import type { DB, OrganisationsTable } from './schema.js';

export class OrganisationRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async upsert(o: Organisation): Promise<void> {
    await this.db
      .insertInto('organisations')
      .values({ id: o.id, name: o.name, code: o.code })
      .onConflict((oc) => oc.column('id').doUpdateSet({ name: o.name, code: o.code }))
      .execute();
  }

  async get(id: string): Promise<Organisation | null> {
    const r = await this.db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toOrganisation(r) : null;
  }

  async list(): Promise<Organisation[]> {
    const rows = await this.db.selectFrom('organisations').selectAll().orderBy('name').execute();
    return rows.map(toOrganisation);
  }
}

export function toOrganisation(r: Pick<Selectable<OrganisationsTable>, 'id' | 'name' | 'code'>): Organisation {
  return { id: r.id, name: r.name, code: r.code };
}
