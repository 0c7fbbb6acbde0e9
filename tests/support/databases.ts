/**
 * The database engines tests run on: always embedded PGlite; also a real PostgreSQL server when
 * TEST_DATABASE_URL is set (CI starts one). Each call makes a fresh, migrated, empty database so
 * test files never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';

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
  const name = `wexqs_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), poolSize: 20 });
  return {
    ...handle,
    async close() {
      await handle.close();
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}
