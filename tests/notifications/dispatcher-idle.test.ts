/**
 * A dispatcher that has found nothing to send for a long time (an instance idle overnight polls
 * the outbox tens of thousands of times) can still be woken ("send now") and stopped (SIGTERM):
 * what each idle pause leaves behind does not accumulate. On virtual time (VirtualTimer), so the
 * hours pass in a moment.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { fixedClock } from '../../src/domain/time.js';
import { Dispatcher, type Claims } from '../../src/notifications/dispatcher.js';
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
});
