/**
 * Statements built and compiled by Kysely once, then run with each call's values. Building a
 * Kysely query and compiling it to SQL is the largest part of a read's cost on the app's side
 * (immutable builders, parsers, the compiler's walk of the whole tree), and for the statements
 * each card action runs the SQL is the same every time: only the values change.
 *
 * `build` is given a placeholder for each value and must use each only as a value (a parameter of
 * the statement), never to decide the statement's shape; `prepare` checks that every placeholder
 * became a parameter, so a value used in any other way fails the first run instead of running the
 * wrong SQL. Every database here is PostgreSQL through Kysely's PostgreSQL compiler with no
 * plugin that rewrites queries, so the SQL compiled on the first run is the SQL for every one.
 * Statements still pass through the driver, so the text guard (text-guard.ts) checks each run's
 * values as it checks any statement's.
 */
import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { DB } from './schema.js';

/** A value the statement will receive: its position among `build`'s arguments. */
class Placeholder {
  constructor(readonly index: number) {}
}

/** The statement's parameters: a placeholder's argument, or a constant of the statement itself. */
type ParameterSource = { argument: number } | { constant: unknown };

/** A query builder's statement or a raw one (`sql`…``): both compile with the database given. */
interface Statement<R> {
  compile(db: Kysely<DB>): CompiledQuery<R>;
}

export interface Prepared<A extends readonly unknown[], R> {
  /** Runs the statement with these values; its rows. */
  execute(db: Kysely<DB>, ...args: A): Promise<R[]>;
  /** Runs a statement that always answers one row (e.g. a SELECT without FROM); that row. */
  one(db: Kysely<DB>, ...args: A): Promise<R>;
}

/**
 * A statement compiled on its first run and run with each call's values after that. `arity` is
 * the number of values `build` takes (checked against the placeholders found).
 */
export function prepare<A extends readonly unknown[], R>(
  arity: A['length'],
  build: (db: Kysely<DB>, ...args: A) => Statement<R>,
): Prepared<A, R> {
  let compiled: { template: CompiledQuery<R>; parameters: ParameterSource[] } | null = null;
  const compile = (db: Kysely<DB>) => {
    const placeholders = Array.from({ length: arity }, (_, i) => new Placeholder(i));
    const q = build(db, ...(placeholders as unknown as A)).compile(db);
    const used = new Set<number>();
    const parameters = q.parameters.map((p): ParameterSource => {
      if (!(p instanceof Placeholder)) return { constant: p };
      used.add(p.index);
      return { argument: p.index };
    });
    if (used.size !== arity)
      throw new Error(`a prepared statement uses ${used.size} of its ${arity} values as parameters: ${q.sql}`);
    return { template: q, parameters };
  };
  const prepared: Prepared<A, R> = {
    async one(db, ...args) {
      const [row] = await prepared.execute(db, ...args);
      if (row === undefined) throw new Error('a prepared statement that answers one row answered none');
      return row;
    },
    async execute(db, ...args) {
      compiled ??= compile(db);
      const { template, parameters } = compiled;
      const statement: CompiledQuery<R> = {
        ...template,
        parameters: parameters.map((p) => ('argument' in p ? args[p.argument] : p.constant)),
      };
      const result: QueryResult<R> = await db.executeQuery(statement);
      return result.rows;
    },
  };
  return prepared;
}
