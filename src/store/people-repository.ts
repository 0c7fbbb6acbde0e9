import { sql, type Kysely } from 'kysely';
import type { Person, Role } from '../domain/types.js';
import type { PersonCache } from './person-cache.js';
import type { DB } from './schema.js';

export class PeopleRepository {
  /** `cache`: the instance's recently identified people (never inside a transaction). */
  constructor(
    private readonly db: Kysely<DB>,
    private readonly cache?: PersonCache,
  ) {}

  /** Insert or update a person and replace their roles. */
  async upsert(p: Person): Promise<void> {
    await this.db
      .insertInto('people')
      .values({
        id: p.id,
        display_name: p.displayName,
        email: p.email.trim(),
        entra_object_id: p.entraObjectId,
        organisation_id: p.organisationId,
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          display_name: p.displayName,
          email: p.email.trim(),
          entra_object_id: p.entraObjectId,
          organisation_id: p.organisationId,
        }),
      )
      .execute();
    await this.db.deleteFrom('person_roles').where('person_id', '=', p.id).execute();
    if (p.roles.length > 0) {
      await this.db
        .insertInto('person_roles')
        .values(p.roles.map((role) => ({ person_id: p.id, role })))
        .execute();
    }
  }

  /**
   * Bind a person to an Entra object id (stored lower-case) the first time they are matched by
   * email. Only binds a person not yet bound to any account; returns whether it did.
   */
  async linkEntraObjectId(personId: string, entraObjectId: string): Promise<boolean> {
    const r = await this.db
      .updateTable('people')
      .set({ entra_object_id: entraObjectId.trim().toLowerCase() })
      .where('id', '=', personId)
      .where('entra_object_id', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async get(id: string): Promise<Person | null> {
    const found = await this.query().where('p.id', '=', id).executeTakeFirst();
    return found ? toPerson(found) : null;
  }

  /** The person bound to this Entra object id (GUIDs compare case-insensitively). */
  async findByEntraObjectId(entraObjectId: string): Promise<Person | null> {
    const oid = entraObjectId.trim().toLowerCase();
    if (!oid) return null;
    const read = async () => {
      const r = await this.query()
        .where(sql<string>`lower(p.entra_object_id)`, '=', oid)
        .executeTakeFirst();
      return r ? toPerson(r) : null;
    };
    return this.cache ? this.cache.lookup(oid, read) : read();
  }

  /** The person with this email address (unique, case-insensitive), bound or not. */
  async findByEmail(email: string): Promise<Person | null> {
    const e = email.trim().toLowerCase();
    if (!e) return null;
    const r = await this.query()
      .where(sql<string>`lower(p.email)`, '=', e)
      .executeTakeFirst();
    return r ? toPerson(r) : null;
  }

  /**
   * Look-up for admin tools and imports: Entra object id first, then email. Not for deciding who
   * a Teams user is (that is src/workflows/identity.ts, which never lets an email match a person
   * bound to another account).
   */
  async findByIdentity(identity: { entraObjectId?: string | null; email?: string | null }): Promise<Person | null> {
    const byOid = identity.entraObjectId ? await this.findByEntraObjectId(identity.entraObjectId) : null;
    if (byOid) return byOid;
    return identity.email ? this.findByEmail(identity.email) : null;
  }

  /** E-mail address and name of each of these people (those that exist), in one query. */
  async contacts(ids: Iterable<string>): Promise<{ id: string; email: string; name: string }[]> {
    const list = [...new Set(ids)];
    if (list.length === 0) return [];
    const rows = await this.db
      .selectFrom('people')
      .select(['id', 'email', 'display_name'])
      .where('id', 'in', list)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, email: r.email, name: r.display_name }));
  }

  async listByRole(role: Role): Promise<Person[]> {
    const rows = await this.query()
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('person_roles as r')
            .whereRef('r.person_id', '=', 'p.id')
            .where('r.role', '=', role)
            .select('r.role'),
        ),
      )
      .orderBy('p.display_name')
      .execute();
    return rows.map(toPerson);
  }

  async listByOrganisation(organisationId: string): Promise<Person[]> {
    const rows = await this.query().where('p.organisation_id', '=', organisationId).orderBy('p.display_name').execute();
    return rows.map(toPerson);
  }

  private query() {
    return this.db.selectFrom('people as p').select([
      'p.id',
      'p.display_name',
      'p.email',
      'p.entra_object_id',
      'p.organisation_id',
      (eb) =>
        eb
          .selectFrom('person_roles as r')
          .whereRef('r.person_id', '=', 'p.id')
          .select(sql<string[]>`coalesce(array_agg(r.role ORDER BY r.role), '{}')`.as('roles'))
          .as('roles'),
    ]);
  }
}

export function toPerson(r: {
  id: string;
  display_name: string;
  email: string;
  entra_object_id: string | null;
  organisation_id: string | null;
  roles: string[] | null;
}): Person {
  return {
    id: r.id,
    displayName: r.display_name,
    email: r.email,
    entraObjectId: r.entra_object_id,
    organisationId: r.organisation_id,
    roles: (r.roles ?? []) as Role[],
  };
}
