/**
 * Start-up benchmark: how long from the start command (what `npm start` runs) to the bot's help
 * card arriving in the Agents Playground, on a fresh data directory (migrate + seed) and on a
 * second start that keeps the data. The bound is 10 s. Last line: one JSON object.
 *
 *   npm run bench:startup
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLocalStack } from '../tests/support/local-stack.js';
import { cardText, PlaygroundClient } from '../tests/e2e/playground-client.js';

const BOUND_MS = 10_000;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wexqs-bench-startup-'));

async function startToHelp(): Promise<{ readyMs: number; helpMs: number }> {
  const t0 = performance.now();
  const stack = await startLocalStack({ dataDir });
  const readyMs = performance.now() - t0;
  const pg = new PlaygroundClient(stack.playgroundUrl);
  await pg.connect();
  const reply = await pg.say('personal-chat-wexqs', 'user-id-0', 'help');
  const helpMs = performance.now() - t0;
  if (!cardText(reply.card).includes('Priya')) throw new Error('help card did not greet the demo user');
  pg.close();
  const code = await stack.stop();
  if (code !== 0) throw new Error(`local stack exited with ${code} on Ctrl-C`);
  return { readyMs, helpMs };
}

const first = await startToHelp();
const second = await startToHelp();
rmSync(dataDir, { recursive: true, force: true });

const rows = [
  ['run', 'ready (ms)', 'help card (ms)', 'bound (ms)'],
  ['first start (migrate + seed)', first.readyMs.toFixed(0), first.helpMs.toFixed(0), String(BOUND_MS)],
  ['second start (data kept)', second.readyMs.toFixed(0), second.helpMs.toFixed(0), String(BOUND_MS)],
];
for (const r of rows) console.log(r.map((c, i) => c.padEnd(i === 0 ? 30 : 16)).join(''));
console.log(
  JSON.stringify({
    bench: 'startup',
    first_start_to_help_ms: Math.round(first.helpMs),
    second_start_to_help_ms: Math.round(second.helpMs),
    bound_ms: BOUND_MS,
    within_bound: first.helpMs < BOUND_MS && second.helpMs < BOUND_MS,
  }),
);
