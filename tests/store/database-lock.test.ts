import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';

describe('the embedded database directory', () => {
  it('refuses a second process while the first has it open, and frees it on close', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'wexqs-lock-')), 'pglite');
    const first = await openDatabase({ pgliteDir: dir });
    const script = `import { openDatabase } from './src/store/database.ts';
      try { await openDatabase({ pgliteDir: ${JSON.stringify(dir)} }); console.log('OPENED'); }
      catch (e) { console.log('REFUSED: ' + e.message); }`;
    const second = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(second.stdout).toContain('REFUSED');
    expect(second.stdout).toMatch(/in use by another process \(pid \d+\)\. Stop `npm start` first/);
    await first.close();
    expect(existsSync(`${dir}.lock`)).toBe(false);
    const again = await openDatabase({ pgliteDir: dir });
    await again.close();
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'wexqs-lock-')), 'pglite');
    writeFileSync(`${dir}.lock`, '999999999');
    const handle = await openDatabase({ pgliteDir: dir });
    await handle.close();
  });
});
