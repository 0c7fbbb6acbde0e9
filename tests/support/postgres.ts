/**
 * A throwaway PostgreSQL 15 server from Debian's package (for benchmarks when no server URL is
 * given) and fresh, empty databases on a server (for tests and benchmarks that must not see each
 * other's rows). initdb refuses to run as root, so the server runs as the `postgres` user.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './local-stack.js';

const BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  url: string;
  stop(): Promise<void>;
}

export async function startThrowawayPostgres(): Promise<PostgresServer> {
  if (!existsSync(`${BIN}/initdb`)) {
    throw new Error(
      `No PostgreSQL 15 at ${BIN}: apt-get install postgresql-15, or set BENCH_DATABASE_URL to a server.`,
    );
  }
  const root = mkdtempSync(path.join(tmpdir(), 'wexqs-pg-'));
  const data = path.join(root, 'data');
  const sock = path.join(root, 'sock');
  mkdirSync(data);
  mkdirSync(sock);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', root]);
  const run = (cmd: string) =>
    asRoot
      ? execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', cmd], { stdio: 'ignore' })
      : execFileSync('/bin/sh', ['-c', cmd], { stdio: 'ignore' });
  const port = await freePort();
  run(`${BIN}/initdb -D ${data} -U postgres --auth=trust -E UTF8`);
  run(
    `${BIN}/pg_ctl -D ${data} -l ${root}/server.log -o "-p ${port} -k ${sock} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off" -w start`,
  );
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        run(`${BIN}/pg_ctl -D ${data} -m fast -w stop`);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

/** A new empty database on the server at `adminUrl`; `drop()` removes it (closing its sessions). */
export async function createFreshDatabase(
  adminUrl: string,
  prefix = 'wexqs_test',
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const sql = async (statement: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(statement);
    } finally {
      await c.end();
    }
  };
  await sql(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
