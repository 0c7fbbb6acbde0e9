/**
 * The database engines tests run on: always embedded PGlite; also a real PostgreSQL server when
 * TEST_DATABASE_URL is set (CI starts one). Each call makes a fresh, migrated, empty database so
 * test files never see each other's rows.
 */
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { createFreshDatabase } from './postgres.js';

export interface Engine {
  name: 'pglite' | 'postgres';
  open(): Promise<DatabaseHandle>;
}

export function engines(): Engine[] {
  const list: Engine[] = [{ name: 'pglite', open: () => openDatabase({ pgliteDir: 'memory://' }) }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) list.push({ name: 'postgres', open: () => freshServerDatabase(url) });
  return list;
}

async function freshServerDatabase(adminUrl: string): Promise<DatabaseHandle> {
  const fresh = await createFreshDatabase(adminUrl);
  const handle = await openDatabase({ databaseUrl: fresh.url, poolSize: 20 });
  return {
    ...handle,
    async close() {
      await handle.close();
      await fresh.drop();
    },
  };
}
