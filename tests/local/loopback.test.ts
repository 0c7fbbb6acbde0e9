/**
 * Fail closed: local mode never listens beyond this machine. The app refuses a non-loopback HOST
 * unless APP_MODE=tenant (npm run serve and npm start both exit naming the setting), and every
 * local stand-in (the Agents Playground through its preload, the Graph and Bot Connector
 * emulators) listens on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startConnectorEmulator } from '../../src/connector-emulator/server.js';
import { LOOPBACK_PRELOAD } from '../../src/local/playground.js';
import { assertLoopback, hostForUrl, isLoopbackHost } from '../../src/loopback.js';

const require = createRequire(import.meta.url);
const TSX = pathToFileURL(require.resolve('tsx')).href;

function run(args: string[], env: Record<string, string | undefined>, cwd = process.cwd()) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const clean = Object.fromEntries(
      Object.entries({ ...process.env, ...env }).filter(
        ([k, v]) => v !== undefined && !(k in env && env[k] === undefined),
      ),
    ) as Record<string, string>;
    const child = spawn(process.execPath, args, { cwd, env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('loopback addresses', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.10.0.3', true],
    ['localhost', true],
    [' LocalHost ', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.1.2.3', false],
    ['::ffff:10.0.0.1', false],
    ['fe80::1', false],
    ['wexqs.example.nhs.uk', false],
    ['', false],
  ])('%s → %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it('names the setting when refusing, and brackets IPv6 in URLs', () => {
    expect(() => assertLoopback('0.0.0.0', 'PLAYGROUND_HOST')).toThrow('PLAYGROUND_HOST is "0.0.0.0"');
    expect(() => assertLoopback('127.0.0.1', 'X')).not.toThrow();
    expect(hostForUrl('::1')).toBe('[::1]');
    expect(hostForUrl('127.0.0.1')).toBe('127.0.0.1');
  });
});

describe('the Playground preload', () => {
  it('puts every server that names no host on 127.0.0.1 and refuses a non-loopback host', async () => {
    const script = `
      const net = require('node:net');
      const http = require('node:http');
      const addr = (s) => new Promise((r) => s.once('listening', () => { r(s.address().address); s.close(); }));
      (async () => {
        const out = [];
        let s = http.createServer(); s.listen(0); out.push(await addr(s));
        s = net.createServer(); s.listen(0, () => {}); out.push(await addr(s));
        s = net.createServer(); s.listen({ port: 0 }); out.push(await addr(s));
        s = net.createServer(); s.listen(0, undefined, 511, () => {}); out.push(await addr(s));
        s = net.createServer(); s.listen(() => {}); out.push(await addr(s));
        s = net.createServer(); s.listen(0, '127.0.0.1'); out.push(await addr(s));
        for (const bad of [[0, '0.0.0.0'], [{ port: 0, host: '::' }]]) {
          try { net.createServer().listen(...bad); out.push('listened'); } catch (e) { out.push(e.message); }
        }
        console.log(JSON.stringify(out));
      })();`;
    const r = await run(['--import', LOOPBACK_PRELOAD, '-e', script], {});
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.trim())).toEqual([
      '127.0.0.1',
      '127.0.0.1',
      '127.0.0.1',
      '127.0.0.1',
      '127.0.0.1',
      '127.0.0.1',
      'refusing to listen on 0.0.0.0: this local stand-in listens on 127.0.0.1 only',
      'refusing to listen on ::: this local stand-in listens on 127.0.0.1 only',
    ]);
  });
});

describe('the Bot Connector emulator', () => {
  it('listens on loopback only', async () => {
    await expect(startConnectorEmulator({ host: '0.0.0.0' })).rejects.toThrow(
      'The Bot Connector emulator host is "0.0.0.0", which is not a loopback address',
    );
  });
});

describe('starting with a non-loopback HOST', () => {
  it('`npm run serve` with no APP_MODE exits non-zero naming HOST (no env files, as a deployment from dist/ is)', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'wexqs-serve-'));
    const r = await run(
      ['--import', TSX, path.resolve('src/main.ts')],
      { HOST: '0.0.0.0', APP_MODE: undefined, APP_ENV: undefined },
      cwd,
    );
    expect(r.code).toBe(2);
    expect(r.out).toContain('HOST: is not a loopback address; without APP_MODE=tenant the app runs in local mode');
  });

  it('`npm start` exits non-zero naming HOST', async () => {
    const r = await run(['--import', TSX, 'src/local/start.ts'], {
      HOST: '0.0.0.0',
      APP_MODE: undefined,
      APP_ENV: undefined,
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'wexqs-start-')),
    });
    expect(r.code).toBe(2);
    expect(r.out).toContain('HOST: is not a loopback address');
  });
});
