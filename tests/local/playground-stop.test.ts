/**
 * Stopping a Teams client (an Agents Playground process): SIGTERM, SIGKILL two seconds later if it
 * is still there, and never a wait without end: a process whose exit is not reported within five
 * seconds is given up on, so Ctrl-C on `npm start` always finishes. On fake timers.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stopChild } from '../../src/local/playground.js';

/** A child process that records the signals it is sent and exits only when told to. */
function fakeChild(exitOn: NodeJS.Signals | null) {
  const signals: string[] = [];
  const child = Object.assign(new EventEmitter(), {
    pid: 4242,
    exitCode: null as number | null,
    signalCode: null as NodeJS.Signals | null,
    kill(signal: NodeJS.Signals) {
      signals.push(signal);
      if (signal === exitOn) setTimeout(() => child.emit('exit', null, signal), 10);
      return true;
    },
  });
  return { child: child as unknown as ChildProcess, signals };
}

describe('stopping a Teams client process', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends SIGTERM and is done when the process exits', async () => {
    const { child, signals } = fakeChild('SIGTERM');
    const stopped = stopChild(child);
    await vi.advanceTimersByTimeAsync(10);
    await expect(stopped).resolves.toBeUndefined();
    expect(signals).toEqual(['SIGTERM']);
  });

  it('sends SIGKILL after two seconds when SIGTERM does not end it', async () => {
    const { child, signals } = fakeChild('SIGKILL');
    const stopped = stopChild(child);
    await vi.advanceTimersByTimeAsync(1999);
    expect(signals).toEqual(['SIGTERM']);
    await vi.advanceTimersByTimeAsync(11);
    await expect(stopped).resolves.toBeUndefined();
    expect(signals).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('gives up after five seconds when no exit is reported, naming the process', async () => {
    const { child, signals } = fakeChild(null);
    const stopped = stopChild(child);
    const outcome = expect(stopped).rejects.toThrow(/process 4242 did not report its exit within 5 s/);
    await vi.advanceTimersByTimeAsync(5000);
    await outcome;
    expect(signals).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('does nothing for a process that has already exited', async () => {
    const { child, signals } = fakeChild(null);
    (child as { exitCode: number | null }).exitCode = 0;
    await stopChild(child);
    expect(signals).toEqual([]);
  });
});
