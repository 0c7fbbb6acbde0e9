/**
 * Pacing, checked exactly on virtual time (VirtualTimer: time moves only when the dispatcher
 * sleeps, so a busy machine changes nothing): sends are spaced by the shared slots, one
 * conversation keeps to Teams' per-conversation windows, sends already in flight when the first
 * 429 comes back are one throttle episode (the back-off does not grow with each of their
 * answers), and slots are reserved only a short way ahead, so a throttle voids a few of them, not
 * the whole pipeline. Throughput against the connector is measured by `npm run bench:reminders`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { silentLogger } from '../../src/log.js';
import { Dispatcher, type DispatchEvent, type DispatchTimer } from '../../src/notifications/dispatcher.js';
import type { Messenger, SendOutcome, SendRequest } from '../../src/notifications/messenger.js';
import { TEAMS_PER_CONVERSATION } from '../../src/notifications/rate-limit.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { systemClock } from '../../src/workflows/services.js';
import { engines } from '../support/databases.js';
import { ManualClock, VirtualTimer } from '../support/time.js';
import { enqueueDue, statusCounts } from './helpers.js';

const SCALE = 10;
const RATE = 47;
const INTERVAL = 1000 / (RATE * SCALE);

/** Answers `sent`, except that the first `refuse` sends wait until all of them have started and are then throttled together. */
class BurstThrottle implements Messenger {
  private waiting: (() => void)[] = [];
  constructor(private refuse: number) {}
  async send(req: SendRequest): Promise<SendOutcome> {
    if (this.refuse > 0) {
      this.refuse--;
      const all = new Promise<void>((r) => this.waiting.push(r));
      if (this.refuse === 0) for (const w of this.waiting) w();
      await all;
      return { status: 'throttled', httpStatus: 429, retryAfterMs: 0, reason: '429 TooManyRequests' };
    }
    return { status: 'sent', activityId: `a-${req.outboxId}`, conversationId: null };
  }
}

for (const engine of engines()) {
  describe(`dispatcher pacing under throttling on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let store: Store;
    const ids = Array.from({ length: 40 }, (_, i) => `pace-${i}`);

    beforeAll(async () => {
      handle = await engine.open();
      store = new Store(handle.db);
      await store.db
        .insertInto('people')
        .values(
          ids.map((id) => ({
            id,
            display_name: id,
            email: `${id}@example.org`,
            entra_object_id: `aad-${id}`,
            organisation_id: null,
          })),
        )
        .execute();
      // Stored conversations, so no conversation is created (the fake messenger ignores them).
      await store.db
        .insertInto('conversation_refs')
        .values(
          ids.map((id) => ({
            key: `personal:c-${id}`,
            person_id: id,
            aad_object_id: `aad-${id}`,
            scope: 'personal' as const,
            reference: JSON.stringify({ conversation: { id: `c-${id}` } }),
            updated_at: new Date(),
          })),
        )
        .execute();
    });
    afterAll(async () => {
      await handle?.close();
    });
    beforeEach(async () => {
      await sql`DELETE FROM reminder_outbox; DELETE FROM notification_pacing;`.execute(handle.db);
    });

    it('8 sends refused together are one throttle episode: the back-off stays at its first step', async () => {
      await enqueueDue(store, ids.slice(0, 20));
      const events: DispatchEvent[] = [];
      const messenger = new BurstThrottle(8);
      const base = 400; // connector ms → 40 ms real; the first step is between 20 and 40 ms
      // The retries are scheduled on this clock, moved on between rounds (not on the wall clock,
      // which a fast machine's 20 rounds would not move past the back-off).
      const clock = new ManualClock(new Date());
      const d = new Dispatcher({
        store,
        messenger,
        clock,
        log: silentLogger,
        timeScale: SCALE,
        ratePerSecond: RATE,
        lanes: 1,
        concurrency: 10,
        batchSize: 20,
        maxAttempts: 10,
        leaseMs: 10_000,
        sendTimeoutMs: 2_000,
        backoff: { baseMs: base, capMs: 60_000 },
        random: () => 1,
        timer: new VirtualTimer(),
        onEvent: (e) => events.push(e),
      });
      for (let i = 0; i < 20 && (await statusCounts(store)).sent !== 20; i++) {
        await d.drain();
        clock.advance(1_000);
      }
      expect(await statusCounts(store)).toEqual({ sent: 20 });
      const backoffs = events
        .filter((e): e is Extract<DispatchEvent, { type: 'throttled' }> => e.type === 'throttled')
        .map((e) => e.backoffMs);
      expect(backoffs).toHaveLength(8);
      // random() = 1: step n waits base·2^(n-1) connector ms. Answer-counting would have reached 2^7.
      expect(Math.max(...backoffs)).toBeCloseTo(base / SCALE, 5);
    });

    it('reserves only a few slots ahead, so a throttle cannot push sending far out; sends keep to their slots', async () => {
      await enqueueDue(store, ids);
      const timer = new VirtualTimer();
      const leads: number[] = [];
      const starts: number[] = [];
      const reserve = store.reminders.reserveSlots.bind(store.reminders);
      store.reminders.reserveSlots = async (...args: Parameters<typeof reserve>) => {
        const slot = await reserve(...args);
        leads.push(slot.startAt.getTime() - timer.now());
        starts.push(slot.startAt.getTime());
        return slot;
      };
      const sends: number[] = [];
      try {
        // 24 sends in flight could hold 24 future slots; a look-ahead of 4 slots keeps 4.
        const aheadMs = (4 / RATE) * 1000;
        const d = new Dispatcher({
          store,
          messenger: new BurstThrottle(0),
          clock: systemClock,
          log: silentLogger,
          timeScale: SCALE,
          ratePerSecond: RATE,
          lanes: 3,
          concurrency: 8,
          leaseMs: 10_000,
          sendTimeoutMs: 2_000,
          reserveAheadMs: aheadMs,
          timer,
          onEvent: (e) => void (e.type === 'sending' && sends.push(e.at)),
        });
        await d.drain();
        expect(await statusCounts(store)).toEqual({ sent: 40 });
        expect(leads).toHaveLength(40);
        // Reserved no further ahead than 4 slots. Slot times come back as whole milliseconds (a
        // JavaScript Date) while the interval is 2.13 ms: the comparisons allow that rounding only.
        const MS = 1;
        expect(Math.max(...leads)).toBeLessThanOrEqual(4 * INTERVAL + MS);
        // Paced: the slots are one interval apart, and the k-th send goes no earlier than the k-th slot.
        const slots = [...starts].sort((a, b) => a - b);
        for (let k = 1; k < slots.length; k++) expect(slots[k]! - slots[k - 1]!).toBeGreaterThanOrEqual(INTERVAL - MS);
        const sorted = [...sends].sort((a, b) => a - b);
        sorted.forEach((t, k) => expect(t).toBeGreaterThanOrEqual(slots[k]!));
      } finally {
        store.reminders.reserveSlots = reserve;
      }
    });

    it('a failed send is retried only after its back-off, even when the process was descheduled for longer than that meanwhile', async () => {
      await enqueueDue(store, ids.slice(0, 3));
      // A process that keeps losing the CPU: a second of real time passes between any two looks at
      // the time (much longer than the 10-40 ms back-off).
      let t = Date.UTC(2027, 0, 10, 10);
      const timer: DispatchTimer = {
        now: () => (t += 1000),
        sleep: async (ms) => {
          await new Promise<void>((resolve) => setImmediate(resolve));
          t += Math.max(0, ms);
        },
      };
      // Every send fails with a transient error.
      const messenger: Messenger = {
        send: () => Promise.resolve({ status: 'transient', httpStatus: null, reason: 'socket hang up' }),
      };
      const clock = new ManualClock(new Date('2027-01-10T10:00:00Z'));
      const d = new Dispatcher({
        store,
        messenger,
        clock,
        log: silentLogger,
        timeScale: SCALE,
        leaseMs: 60_000,
        sendTimeoutMs: 2_000,
        backoff: { baseMs: 200, capMs: 400 },
        timer,
      });
      await d.drain();
      // One attempt each: no retry was due on the scheduling clock, which has not moved.
      const rows = await store.reminders.list({});
      expect(rows.map((r) => [r.status, r.attempts])).toEqual(Array.from({ length: 3 }, () => ['pending', 1]));
      for (const r of rows) expect(r.sendAfter.getTime()).toBeGreaterThan(clock.now().getTime());
      expect(await d.runOnce()).toBe(0);
      clock.advance(1000);
      messenger.send = (req) =>
        Promise.resolve({ status: 'sent', activityId: `a-${req.outboxId}`, conversationId: null });
      await d.drain();
      expect(await statusCounts(store)).toEqual({ sent: 3 });
    });

    it("keeps one busy conversation within Teams' per-conversation windows (7 per 1 s, 8 per 2 s)", async () => {
      await enqueueDue(store, [ids[0]!], { perRecipient: 20 });
      const sends: number[] = [];
      const d = new Dispatcher({
        store,
        messenger: new BurstThrottle(0),
        clock: systemClock,
        log: silentLogger,
        timeScale: SCALE,
        ratePerSecond: RATE,
        leaseMs: 60_000,
        sendTimeoutMs: 2_000,
        timer: new VirtualTimer(),
        onEvent: (e) => void (e.type === 'sending' && sends.push(e.at)),
      });
      for (let i = 0; i < 10 && (await statusCounts(store)).sent !== 20; i++) await d.drain();
      expect(await statusCounts(store)).toEqual({ sent: 20 });
      expect(sends).toHaveLength(20);
      for (const limit of TEAMS_PER_CONVERSATION.slice(0, 2)) {
        const window = limit.windowMs / SCALE;
        for (const t of sends)
          expect(sends.filter((u) => u >= t && u < t + window).length).toBeLessThanOrEqual(limit.count);
      }
    });
  });
}
