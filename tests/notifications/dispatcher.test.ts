/**
 * The dispatcher against the local Bot Connector emulator, through the real SDK path
 * (BotMessenger → CloudAdapter.continueConversationAsync, auth disabled), on both engines.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createAdapter } from '../../bot/adapter.js';
import { BotMessenger } from '../../bot/messenger.js';
import {
  EmulatorCredentialsFactory,
  startConnectorEmulator,
  type ConnectorEmulator,
} from '../../src/connector-emulator/index.js';
import { systemClock } from '../../src/workflows/services.js';
import { Dispatcher, type DispatchEvent, type DispatcherOptions } from '../../src/notifications/dispatcher.js';
import type { Messenger, SendOutcome, SendRequest } from '../../src/notifications/messenger.js';
import { silentLogger } from '../../src/log.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { engines } from '../support/databases.js';
import { enqueueDue, seedRecipients, statusCounts } from './helpers.js';

const SCALE = 10;
// The bot signs its calls with its token, which the local connector requires.
const adapter = createAdapter(
  { appId: '', appPassword: '', appType: 'MultiTenant', tenantId: '' },
  silentLogger,
  new EmulatorCredentialsFactory(),
);

/** Records when each send started and what came back. */
class SpyMessenger implements Messenger {
  readonly calls: { at: number; doneAt: number; id: string; outcome: SendOutcome }[] = [];
  constructor(private readonly inner: Messenger) {}
  async send(req: SendRequest): Promise<SendOutcome> {
    const at = Date.now();
    const outcome = await this.inner.send(req);
    this.calls.push({ at, doneAt: Date.now(), id: req.outboxId, outcome });
    return outcome;
  }
}

for (const engine of engines()) {
  describe(`dispatcher on ${engine.name} against the connector emulator`, () => {
    let emulator: ConnectorEmulator;
    let handle: DatabaseHandle;
    let store: Store;
    let spy: SpyMessenger;
    let events: DispatchEvent[];

    beforeAll(async () => {
      emulator = await startConnectorEmulator({ timeScale: SCALE, blockedUsers: ['blocked-0'] });
      handle = await engine.open();
      store = new Store(handle.db);
    });
    afterAll(async () => {
      await emulator?.close();
      await handle?.close();
    });
    beforeEach(async () => {
      emulator.reset();
      emulator.setFaults({});
      // Each test starts with an empty outbox (people and conversations use distinct prefixes).
      await sql`DELETE FROM reminder_outbox; DELETE FROM notification_pacing;`.execute(handle.db);
      spy = new SpyMessenger(new BotMessenger(adapter, { appId: '', timeoutMs: 2_000 }));
      events = [];
    });

    const dispatcher = (o: Partial<DispatcherOptions> = {}) =>
      new Dispatcher({
        store,
        messenger: spy,
        clock: systemClock,
        log: silentLogger,
        timeScale: SCALE,
        leaseMs: 10_000,
        sendTimeoutMs: 2_000,
        pollMs: 20,
        backoff: { baseMs: 300, capMs: 3_000 },
        onEvent: (e) => events.push(e),
        ...o,
      });

    it('delivers every due row exactly once within the app rate, marking sent after the connector accepted', async () => {
      const ids = await seedRecipients(store, emulator, 120);
      await enqueueDue(store, ids);
      const d = dispatcher();
      const t0 = Date.now();
      expect(await d.drain()).toBe(120);
      const realS = (Date.now() - t0) / 1000;
      const counts = emulator.receivedCounts();
      expect(ids.every((id) => counts.get(id) === 1)).toBe(true);
      expect(await statusCounts(store)).toEqual({ sent: 120 });
      const st = emulator.stats();
      expect(st.throttled).toBe(0);
      expect(st.maxPerSecond).toBeLessThanOrEqual(50);
      // Paced: 120 messages at 47/s take ≥ 2.5 connector seconds.
      expect(realS * SCALE).toBeGreaterThan(2.3);
      // Every sent row carries the connector's activity id: it was recorded after acceptance.
      const rows = await store.reminders.list({ status: 'sent' });
      const accepted = new Set(emulator.activities().map((a) => a.id));
      expect(rows.every((r) => r.activityId !== null && accepted.has(r.activityId))).toBe(true);
      // The card carries the status button (Action.Execute, verb status) and the idempotency key.
      const a = emulator.activities()[0]!.activity as {
        attachments: { content: { actions: { type: string; verb: string }[] } }[];
        channelData: { idempotencyKey: string };
      };
      expect(a.attachments[0]!.content.actions[0]).toMatchObject({ type: 'Action.Execute', verb: 'status' });
      expect(rows.map((r) => r.id)).toContain(a.channelData.idempotencyKey);
    });

    it('keeps to the per-conversation limits (7/1 s, 8/2 s) for one busy recipient', async () => {
      const [id] = await seedRecipients(store, emulator, 1, 'busy');
      await enqueueDue(store, [id!], { perRecipient: 20 });
      await dispatcher().drain();
      expect(emulator.receivedBy(id!)).toBe(20);
      const st = emulator.stats();
      expect(st.throttledConversation).toBe(0);
      expect(st.maxPerConversationSecond).toBeLessThanOrEqual(7);
      const times = emulator.activities().map((x) => x.receivedAt);
      // Any 2-second (connector) window holds at most 8.
      for (const t of times) expect(times.filter((u) => u >= t && u < t + 2000 / SCALE).length).toBeLessThanOrEqual(8);
    });

    it('backs everybody off after a 429 (at least Retry-After), then delivers everything once', async () => {
      const ids = await seedRecipients(store, emulator, 40);
      await enqueueDue(store, ids);
      emulator.setFaults({ rate429: 0.25, retryAfterSeconds: 2 });
      const d = dispatcher({ lanes: 1, concurrency: 4, maxAttempts: 20 });
      for (let i = 0; i < 50 && (await statusCounts(store)).sent !== 40; i++) await d.drain();
      expect(await statusCounts(store)).toEqual({ sent: 40 });
      expect(ids.every((id) => emulator.receivedBy(id) === 1)).toBe(true);
      const throttles = events.filter(
        (e): e is Extract<DispatchEvent, { type: 'throttled' }> => e.type === 'throttled',
      );
      expect(throttles.length).toBeGreaterThan(0);
      // Retry-After was 2 connector seconds = 200 ms real: every back-off honours it.
      expect(throttles.every((t) => t.backoffMs >= 200 - 1)).toBe(true);
      // Shared: after a throttled answer, no send starts until its back-off has passed.
      const answered = spy.calls.filter((c) => c.outcome.status === 'throttled');
      for (const t of answered) {
        const ev = throttles.find((e) => e.id === t.id)!;
        const replyAt = t.doneAt; // the back-off starts when the throttled answer came back
        const early = spy.calls.filter((c) => c.at > replyAt + 30 && c.at < replyAt + ev.backoffMs - 30);
        expect(early).toEqual([]);
      }
    });

    it('403 MessageWritesBlocked marks the recipient unreachable; others are delivered', async () => {
      const ids = await seedRecipients(store, emulator, 5, 'blocked');
      emulator.registerConversation('conv-blocked-0', 'blocked-0');
      await enqueueDue(store, ids, { perRecipient: 2 });
      await dispatcher({ lanes: 1, concurrency: 1 }).drain();
      const rows = await store.reminders.list({ recipientId: 'blocked-0' });
      expect(rows.map((r) => r.status)).toEqual(['unreachable', 'unreachable']);
      expect(rows[0]!.lastError).toMatch(/403.*MessageWritesBlocked/);
      expect(spy.calls.filter((c) => c.outcome.status === 'unreachable')).toHaveLength(1); // the second was not even tried
      expect(ids.slice(1).every((id) => emulator.receivedBy(id) === 2)).toBe(true);
      expect(emulator.receivedBy('blocked-0')).toBe(0);
    });

    it('bounded attempts end in dead-letter with the reason; nothing is marked sent', async () => {
      const ids = await seedRecipients(store, emulator, 3, 'dead');
      await enqueueDue(store, ids);
      emulator.setFaults({ rate502: 1 });
      const d = dispatcher({ maxAttempts: 3, backoff: { baseMs: 100, capMs: 200 } });
      for (let i = 0; i < 40 && (await statusCounts(store)).pending; i++) {
        await d.drain();
        await new Promise((r) => setTimeout(r, 20));
      }
      const rows = await store.reminders.list({});
      expect(rows.map((r) => r.status)).toEqual(['dead_lettered', 'dead_lettered', 'dead_lettered']);
      expect(rows.every((r) => r.attempts === 3 && /gave up after 3 attempts; last: 502/.test(r.lastError ?? ''))).toBe(
        true,
      );
      expect(emulator.stats().accepted).toBe(0);
    });

    it('a lost answer is not counted as sent; the re-send carries the same key and is delivered once', async () => {
      const ids = await seedRecipients(store, emulator, 6, 'lost');
      await enqueueDue(store, ids);
      // Every connection is dropped, after the message was accepted half of the time.
      emulator.setFaults({ rateDrop: 1, dropAfterAccept: 0.5 });
      const d = dispatcher({ backoff: { baseMs: 100, capMs: 200 }, maxAttempts: 50 });
      await d.drain();
      expect((await statusCounts(store)).sent ?? 0).toBe(0);
      expect(
        (await store.reminders.list({})).every(
          (r) => r.status === 'pending' && r.attempts >= 1 && r.lastError !== null,
        ),
      ).toBe(true);
      const acceptedBefore = emulator.stats().faults.dropAccepted;
      expect(acceptedBefore).toBeGreaterThan(0);
      emulator.setFaults({});
      for (let i = 0; i < 40 && (await statusCounts(store)).pending; i++) {
        await d.drain();
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await statusCounts(store)).toEqual({ sent: 6 });
      expect(ids.every((id) => emulator.receivedBy(id) === 1)).toBe(true);
      expect(emulator.stats().dedupedResends).toBe(acceptedBefore);
    });

    it('reports unreachable when nobody can be reached, and does not send expired reminders', async () => {
      await store.people.upsert({
        id: 'no-ref',
        displayName: 'No Ref',
        email: 'noref@example.org',
        entraObjectId: 'aad-no-ref',
        organisationId: null,
        roles: [],
      });
      await enqueueDue(store, ['no-ref']);
      const [late] = await seedRecipients(store, emulator, 1, 'late');
      await enqueueDue(store, [late!], { expiresAt: new Date(Date.now() - 1000) });
      await dispatcher().drain();
      const rows = await store.reminders.list({});
      expect(rows.find((r) => r.recipientId === 'no-ref')).toMatchObject({ status: 'unreachable' });
      expect(rows.find((r) => r.recipientId === 'no-ref')!.lastError).toMatch(/no conversation/);
      expect(rows.find((r) => r.recipientId === late)).toMatchObject({
        status: 'cancelled',
        lastError: 'expired before it could be sent',
      });
      expect(emulator.stats().accepted).toBe(0);
    });

    it('opens a 1:1 conversation when none is stored (createConversationAsync) and remembers it', async () => {
      await store.people.upsert({
        id: 'new-user',
        displayName: 'New User',
        email: 'new@example.org',
        entraObjectId: 'aad-new-user',
        organisationId: null,
        roles: [],
      });
      await enqueueDue(store, ['new-user']);
      spy = new SpyMessenger(new BotMessenger(adapter, { appId: '', serviceUrl: emulator.url, tenantId: 'tenant-x' }));
      await dispatcher().drain();
      expect(await statusCounts(store)).toEqual({ sent: 1 });
      expect(emulator.receivedBy('aad-new-user')).toBe(1);
      expect(emulator.stats().conversationsCreated).toBe(1);
      const ref = await store.conversations.personal('new-user');
      expect(ref?.reference).toMatchObject({ serviceUrl: emulator.url, conversation: { tenantId: 'tenant-x' } });
    });

    it('two dispatchers sharing the database never send a row twice and stay under the app rate together', async () => {
      const ids = await seedRecipients(store, emulator, 150, 'two');
      await enqueueDue(store, ids);
      const a = dispatcher({ instanceId: 'a' });
      const b = dispatcher({ instanceId: 'b' });
      a.start();
      b.start();
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && (await statusCounts(store)).sent !== 150)
        await new Promise((r) => setTimeout(r, 50));
      await Promise.all([a.stop(), b.stop()]);
      expect(await statusCounts(store)).toEqual({ sent: 150 });
      expect(ids.every((id) => emulator.receivedBy(id) === 1)).toBe(true);
      expect(emulator.stats().dedupedResends).toBe(0);
      expect(a.counters.sent + b.counters.sent).toBe(150);
      expect(a.counters.sent).toBeGreaterThan(0);
      expect(b.counters.sent).toBeGreaterThan(0);
      expect(emulator.stats().maxPerSecond).toBeLessThanOrEqual(50);
    });
  });
}
