/**
 * When a Teams client (an Agents Playground process) that has not answered yet is given up on: a
 * client waiting for the CPU on a busy machine (started at a lower priority) is slow, not broken,
 * so where its CPU time can be read it is judged by that, not by the clock.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  cpuTimeMs,
  START_CPU_LIMIT_MS,
  START_IDLE_LIMIT_MS,
  START_TIMEOUT_MS,
  startGivenUp,
} from '../../src/local/playground.js';

describe('giving up on a Teams client that has not answered', () => {
  it('keeps waiting for a client that is using the CPU, however long the wait has been', () => {
    expect(startGivenUp({ elapsedMs: 10 * START_TIMEOUT_MS, cpuMs: 4_000, idleMs: 200 })).toBeNull();
  });

  it('gives up on a client that has used a minute of CPU without answering', () => {
    expect(startGivenUp({ elapsedMs: 90_000, cpuMs: START_CPU_LIMIT_MS + 10, idleMs: 0 })).toBe(
      `after ${START_CPU_LIMIT_MS} ms of CPU time`,
    );
  });

  it('gives up on a client that has used no CPU for a minute (waiting on nothing)', () => {
    expect(startGivenUp({ elapsedMs: 70_000, cpuMs: 1_500, idleMs: START_IDLE_LIMIT_MS + 10 })).toBe(
      `and used no CPU for ${START_IDLE_LIMIT_MS} ms`,
    );
    expect(startGivenUp({ elapsedMs: 70_000, cpuMs: 1_500, idleMs: START_IDLE_LIMIT_MS - 10 })).toBeNull();
  });

  it('falls back to the wall clock where CPU time cannot be read', () => {
    expect(startGivenUp({ elapsedMs: START_TIMEOUT_MS - 10, cpuMs: null, idleMs: 0 })).toBeNull();
    expect(startGivenUp({ elapsedMs: START_TIMEOUT_MS + 10, cpuMs: null, idleMs: 0 })).toBe(
      `within ${START_TIMEOUT_MS} ms`,
    );
    expect(startGivenUp({ elapsedMs: 5_010, cpuMs: null, idleMs: 0 }, 5_000)).toBe('within 5000 ms');
  });
});

describe('a process’s CPU time (/proc, Linux)', () => {
  it('reads what a process has used, including a name with spaces and parentheses', async () => {
    // A child named "(busy) worker )" that uses 300 ms of CPU, then waits to be read.
    const busy =
      "process.title = '(busy) worker )'; while (process.cpuUsage().user < 300_000); process.stdout.write('done'); setInterval(() => {}, 1000);";
    const child = spawn(process.execPath, ['-e', busy], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      const used = cpuTimeMs(child.pid!);
      expect(used).not.toBeNull();
      expect(used!).toBeGreaterThanOrEqual(250);
      expect(used!).toBeLessThan(START_CPU_LIMIT_MS);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('is null for a process that is not there', () => {
    expect(cpuTimeMs(2 ** 22 + 12_345)).toBeNull();
  });
});
