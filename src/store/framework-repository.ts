import { isDeepStrictEqual } from 'node:util';
import type { Kysely } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { parseFramework, type Framework } from '../domain/framework.js';
import type { DB } from './schema.js';

export class FrameworkRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Import a framework version. A version that no cycle uses yet may be replaced; once a cycle
   * uses it, it is frozen (applications were written against its criteria) and a new version
   * must be imported instead.
   */
  async save(framework: Framework, opts: { replace?: boolean } = {}): Promise<'created' | 'replaced' | 'unchanged'> {
    const existing = await this.db
      .selectFrom('frameworks')
      .select(['version', 'document'])
      .where('version', '=', framework.version)
      .executeTakeFirst();
    const document = JSON.stringify(framework);
    if (!existing) {
      await this.db
        .insertInto('frameworks')
        .values({ version: framework.version, title: framework.title, illustrative: framework.illustrative, document })
        .onConflict((oc) => oc.column('version').doNothing())
        .execute();
      return 'created';
    }
    // jsonb does not keep key order: compare as values.
    if (isDeepStrictEqual(existing.document, JSON.parse(document))) return 'unchanged';
    if (!opts.replace) {
      throw new DomainError('VALIDATION', `Framework version ${framework.version} already exists.`, {
        version: framework.version,
      });
    }
    const used = await this.db
      .selectFrom('cycles')
      .select('id')
      .where('framework_version', '=', framework.version)
      .executeTakeFirst();
    if (used) {
      throw new DomainError(
        'VALIDATION',
        `Framework version ${framework.version} is used by a cycle and cannot be replaced; import it under a new version.`,
        { version: framework.version },
      );
    }
    await this.db
      .updateTable('frameworks')
      .set({ title: framework.title, illustrative: framework.illustrative, document })
      .where('version', '=', framework.version)
      .execute();
    return 'replaced';
  }

  /** Every framework version stored, and those a cycle uses (for replaceFrameworkVersion). */
  async versions(): Promise<{ all: string[]; usedByCycles: string[] }> {
    const all = await this.db.selectFrom('frameworks').select('version').orderBy('created_at').execute();
    const used = await this.db.selectFrom('cycles').select('framework_version').distinct().execute();
    return { all: all.map((r) => r.version), usedByCycles: used.map((r) => r.framework_version) };
  }

  async get(version: string): Promise<Framework | null> {
    const r = await this.db
      .selectFrom('frameworks')
      .select('document')
      .where('version', '=', version)
      .executeTakeFirst();
    return r ? parseFramework(r.document) : null;
  }
}
