/**
 * A database that cannot be used at start-up is one line naming the setting and an exit code,
 * never a stack trace or a password: for `npm run serve` (src/main.ts), `npm start`
 * (src/local/start.ts) and the admin CLI.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { DatabaseUnavailableError, openDatabase, unreachableServerMessage } from '../src/store/database.js';
import { describeStartupError, EXIT_CONFIG, EXIT_DATABASE, EXIT_OTHER } from '../src/startup-errors.js';
import { freePort } from './support/local-stack.js';

const PASSWORD = 'pa55-Word-never-shown';

/** Run a script the way npm does, without the developer's env files deciding the database. */
function run(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      env: {
        ...process.env,
        APP_ENV: 'local',
        LOG_LEVEL: 'silent',
        GRAPH_EMULATOR: 'false',
        PLAYGROUND: 'false',
        SEED_DEMO_DATA: 'false',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function oneLine(text: string): string {
  const lines = text.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at |\.ts:\d+:\d+|node_modules/);
  return lines[0]!;
}

describe('start-up errors', () => {
  it('maps each kind of failure to one line and an exit code', () => {
    expect(describeStartupError(new ConfigError([{ variable: 'PORT', reason: 'bad' }]))).toMatchObject({
      exitCode: EXIT_CONFIG,
    });
    expect(describeStartupError(new DatabaseUnavailableError('DATA_DIR', 'locked'))).toEqual({
      message: 'locked',
      exitCode: EXIT_DATABASE,
    });
    const inUse = Object.assign(new Error('listen EADDRINUSE'), {
      code: 'EADDRINUSE',
      address: '127.0.0.1',
      port: 3978,
    });
    expect(describeStartupError(inUse)).toEqual({
      message: 'Port 127.0.0.1:3978 is already in use: stop what is using it, or set PORT (and HOST) to a free one.',
      exitCode: EXIT_CONFIG,
    });
    expect(describeStartupError(Object.assign(new Error('x'), { code: 'EACCES' })).message).toMatch(
      /Not allowed to listen/,
    );
    expect(describeStartupError(new Error('first line\n    at somewhere (file.ts:1:1)'))).toEqual({
      message: 'WEx QS could not start: first line',
      exitCode: EXIT_OTHER,
    });
  });

  it('says why a server could not be used, never with the password', () => {
    const url = `postgres://wexqs:${PASSWORD}@db.example.nhs.uk:5432/wexqs`;
    const cases: [unknown, RegExp][] = [
      [{ code: 'ECONNREFUSED' }, /connection refused/],
      [{ code: 'ENOTFOUND' }, /does not resolve/],
      [{ errors: [{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }] }, /connection refused/],
      [{ code: '28P01' }, /refused the user name or password/],
      [{ code: '3D000' }, /database does not exist/],
      [{ message: 'Connection terminated due to connection timeout' }, /no connection within 10 s/],
      [{ code: 'EWHATEVER' }, /the connection failed \(EWHATEVER\)/],
      [null, /the connection failed\./],
    ];
    for (const [err, why] of cases) {
      const message = unreachableServerMessage(url, err);
      expect(message).toMatch(why);
      expect(message).toMatch(/^Cannot use the database at DATABASE_URL \(db\.example\.nhs\.uk:5432\/wexqs\)/);
      expect(message).not.toContain(PASSWORD);
    }
    expect(unreachableServerMessage('not a url', { code: 'ECONNREFUSED' })).toContain('(the configured server)');
  });

  it('opening an unreachable server or an unusable directory throws DatabaseUnavailableError naming the setting', async () => {
    const port = await freePort();
    const err = await openDatabase({ databaseUrl: `postgres://u:${PASSWORD}@127.0.0.1:${port}/x` }).catch((e) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err.setting).toBe('DATABASE_URL');
    expect(err.message).toMatch(/connection refused/);
    expect(err.message).not.toContain(PASSWORD);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'wexqs-notadir-')), 'file');
    writeFileSync(file, 'not a directory');
    const dirErr = await openDatabase({ pgliteDir: path.join(file, 'pglite') }).catch((e) => e);
    expect(dirErr).toBeInstanceOf(DatabaseUnavailableError);
    expect(dirErr.setting).toBe('DATA_DIR');
    expect(dirErr.message).toMatch(/check DATA_DIR/);
  });

  const server = process.env.TEST_DATABASE_URL;
  if (server)
    it('names a database that does not exist on a reachable server', async () => {
      const url = new URL(server);
      url.pathname = '/wexqs_no_such_database';
      const err = await openDatabase({ databaseUrl: url.toString() }).catch((e) => e);
      expect(err).toBeInstanceOf(DatabaseUnavailableError);
      expect(err.message).toMatch(/that database does not exist on the server/);
    });

  it('npm run serve with an unreachable DATABASE_URL: one line on stderr, exit code 3', async () => {
    const dbPort = await freePort();
    const r = await run('src/main.ts', [], {
      PORT: String(await freePort()),
      DATABASE_URL: `postgres://wexqs:${PASSWORD}@127.0.0.1:${dbPort}/wexqs`,
    });
    expect(r.code).toBe(EXIT_DATABASE);
    expect(oneLine(r.stderr)).toBe(
      `Cannot use the database at DATABASE_URL (127.0.0.1:${dbPort}/wexqs): nothing accepts connections there (connection refused). Check DATABASE_URL and that the PostgreSQL server is running and reachable.`,
    );
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
  }, 60_000);

  it('npm start and the admin CLI with the embedded database in use by another process: one line, exit code 3', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wexqs-locked-'));
    mkdirSync(path.join(dataDir, 'pglite'));
    // This test process holds the lock, as a running `npm start` would.
    writeFileSync(path.join(dataDir, 'pglite.lock'), String(process.pid));
    const env = { DATA_DIR: dataDir, DATABASE_URL: '', PORT: String(await freePort()) };
    const start = await run('src/local/start.ts', [], env);
    expect(start.code).toBe(EXIT_DATABASE);
    expect(oneLine(start.stderr)).toMatch(
      new RegExp(
        `^The local database \\(.*pglite\\) is in use by another process \\(pid ${process.pid}\\)\\. .*DATA_DIR`,
      ),
    );
    const cli = await run('src/cli/admin.ts', ['list-cycles'], env);
    expect(cli.code).toBe(EXIT_DATABASE);
    expect(oneLine(cli.stdout)).toMatch(/is in use by another process/);
    expect(cli.stderr).toBe('');
  }, 90_000);
});
