/**
 * A dispatcher with nothing to send: one lane polls the outbox, the others wait until it claims
 * work; and after a long time idle (an instance idle overnight polls tens of thousands of times)
 * it can still be woken ("send now") and stopped (SIGTERM): what each idle pause leaves behind
 * does not accumulate. On virtual time, so the hours pass in a moment.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { fixedClock } from '../../src/domain/time.js';
import { Dispatcher, type Claims, type DispatchTimer } from '../../src/notifications/dispatcher.js';
import type { Messenger } from '../../src/notifications/messenger.js';
import type { Store } from '../../src/store/store.js';
import { T0 } from '../support/fixtures.js';
import { VirtualTimer } from '../support/time.js';

describe('a long-idle dispatcher', () => {
  it('is woken and stopped after 40,000 idle polls (about 11 hours at one a second per lane)', async () => {
    const IDLE_POLLS = 40_000;
    let polls = 0;
    let reached: () => void = () => undefined;
    const idleLongEnough = new Promise<void>((resolve) => (reached = resolve));
    const claims: Claims = {
      claim: async () => {
        polls++;
        if (polls === IDLE_POLLS) reached();
        return [];
      },
    };
    const messenger: Messenger = { send: async () => ({ status: 'sent', activityId: null, conversationId: null }) };
    const d = new Dispatcher({
      store: {} as Store, // nothing is ever claimed, so the store is never read
      messenger,
      clock: fixedClock(T0),
      log: silentLogger,
      claims,
      timer: new VirtualTimer(),
      pollMs: 1_000,
      lanes: 2,
    });
    d.start();
    await idleLongEnough;
    expect(() => d.wake()).not.toThrow();
    await d.stop();
    // Stopped, the lanes look no more.
    const after = polls;
    await new Promise((r) => setImmediate(r));
    expect(polls).toBe(after);
  }, 60_000);

  it('polls with one lane while nothing is due; the others wait for it (or half a minute), and for a stop', async () => {
    let polls = 0;
    const pollTimes: number[] = [];
    let reached: () => void = () => undefined;
    const thousandPolls = new Promise<void>((resolve) => (reached = resolve));
    const claims: Claims = {
      claim: async () => {
        pollTimes.push(t);
        if (++polls === 1_000) reached();
        return [];
      },
    };
    // Virtual time shared by the lanes: each sleep ends in turn, earliest first, time moving to its end.
    let t = Date.UTC(2026, 11, 2, 9);
    const sleeping: { until: number; end: () => void }[] = [];
    const next = () => {
      sleeping.sort((a, b) => a.until - b.until);
      const first = sleeping.shift();
      if (!first) return;
      t = Math.max(t, first.until);
      first.end();
    };
    const timer: DispatchTimer = {
      now: () => t,
      sleep: (ms) =>
        new Promise<void>((end) => {
          sleeping.push({ until: t + Math.max(0, ms), end });
          setImmediate(next);
        }),
    };
    const d = new Dispatcher({
      store: {} as Store,
      messenger: { send: async () => ({ status: 'sent', activityId: null, conversationId: null }) },
      clock: fixedClock(T0),
      log: silentLogger,
      claims,
      timer,
      pollMs: 1_000,
      lanes: 3,
    });
    d.start();
    await thousandPolls;
    // The first lane polled once a (virtual) second; the other two about once every 30 s, not every second.
    const elapsedS = (pollTimes.at(-1)! - pollTimes[0]!) / 1_000;
    expect(elapsedS).toBeGreaterThan(900);
    expect(polls).toBeLessThan(elapsedS * 1.1);
    await d.stop();
  });
});
