/**
 * The dispatcher against the local Bot Connector emulator, through the real SDK path
 * (BotMessenger → CloudAdapter.continueConversationAsync, auth disabled), on both engines.
 * What is due is decided by a clock the tests move (retries become due when the test says so);
 * pacing itself is checked in dispatcher-pacing.test.ts on virtual time and measured by
 * `npm run bench:reminders`, never against the wall clock here.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createAdapter } from '../../bot/adapter.js';
import { BotMessenger } from '../../bot/messenger.js';
import { startConnectorEmulator, type ConnectorEmulator } from '../../src/connector-emulator/index.js';
import { Dispatcher, type DispatchEvent, type DispatcherOptions } from '../../src/notifications/dispatcher.js';
import { systemClock } from '../../src/workflows/services.js';
import type { Messenger, SendOutcome, SendRequest } from '../../src/notifications/messenger.js';
import { silentLogger } from '../../src/log.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { engines } from '../support/databases.js';
import { ManualClock } from '../support/time.js';
import { enqueueDue, seedRecipients, statusCounts } from './helpers.js';

const HOUR = 3_600_000;

const SCALE = 10;
const adapter = createAdapter({ appId: '', appPassword: '', appType: 'MultiTenant', tenantId: '' }, silentLogger);

/** Records what each send answered. */
class SpyMessenger implements Messenger {
  readonly calls: { id: string; outcome: SendOutcome }[] = [];
  constructor(private readonly inner: Messenger) {}
  async send(req: SendRequest): Promise<SendOutcome> {
    const outcome = await this.inner.send(req);
    this.calls.push({ id: req.outboxId, outcome });
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
    let clock: ManualClock;

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
      // Generous timeouts: a send that timed out may still have been accepted (and would then be
      // re-sent); on a busy machine that must not happen in a test about something else.
      spy = new SpyMessenger(new BotMessenger(adapter, { appId: '', timeoutMs: 30_000 }));
      events = [];
      clock = new ManualClock(new Date());
    });

    /** Drain what is due, then move the clock on so every retry is due, until nothing is pending. */
    const drainAll = async (d: Dispatcher, rounds: number) => {
      for (let i = 0; i < rounds && (await statusCounts(store)).pending; i++) {
        await d.drain();
        clock.advance(HOUR);
      }
    };

    const dispatcher = (o: Partial<DispatcherOptions> = {}) =>
      new Dispatcher({
        store,
        messenger: spy,
        clock,
        log: silentLogger,
        timeScale: SCALE,
        leaseMs: 120_000,
        sendTimeoutMs: 30_000,
        pollMs: 20,
        backoff: { baseMs: 300, capMs: 3_000 },
        onEvent: (e) => events.push(e),
        ...o,
      });

    it('delivers every due row exactly once, marking sent after the connector accepted', async () => {
      const ids = await seedRecipients(store, emulator, 120);
      await enqueueDue(store, ids);
      const d = dispatcher({ maxAttempts: 20 });
      await drainAll(d, 20);
      const counts = emulator.receivedCounts();
      expect(ids.every((id) => counts.get(id) === 1)).toBe(true);
      expect(await statusCounts(store)).toEqual({ sent: 120 });
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

    it('backs everybody off after a 429 (at least Retry-After), then delivers everything once', async () => {
      const ids = await seedRecipients(store, emulator, 40);
      await enqueueDue(store, ids);
      emulator.setFaults({ rate429: 0.25, retryAfterSeconds: 2 });
      const d = dispatcher({ lanes: 1, concurrency: 4, maxAttempts: 40 });
      await drainAll(d, 50);
      expect(await statusCounts(store)).toEqual({ sent: 40 });
      expect(ids.every((id) => emulator.receivedBy(id) === 1)).toBe(true);
      const throttles = events.filter(
        (e): e is Extract<DispatchEvent, { type: 'throttled' }> => e.type === 'throttled',
      );
      expect(throttles.length).toBeGreaterThan(0);
      // Retry-After was 2 connector seconds = 200 ms real: every back-off honours it.
      expect(throttles.every((t) => t.backoffMs >= 200)).toBe(true);
      // Shared: once a throttled answer is in, no send starts before its back-off has passed
      // (compared on the readings the dispatcher itself decided by, in the order it decided).
      events.forEach((e, i) => {
        if (e.type !== 'throttled') return;
        const early = events
          .slice(i + 1)
          .filter((x): x is Extract<DispatchEvent, { type: 'sending' }> => x.type === 'sending' && x.at < e.until);
        expect(early).toEqual([]);
      });
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
      await drainAll(d, 10);
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
      // The retries are not due until the clock moves: one attempt each.
      await d.drain();
      expect((await statusCounts(store)).sent ?? 0).toBe(0);
      expect((await store.reminders.list({})).map((r) => [r.status, r.attempts, r.lastError !== null])).toEqual(
        Array.from({ length: 6 }, () => ['pending', 1, true]),
      );
      const acceptedBefore = emulator.stats().faults.dropAccepted;
      expect(acceptedBefore).toBeGreaterThan(0);
      emulator.setFaults({});
      clock.advance(HOUR);
      await drainAll(d, 5);
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
      // Both run their claim loops at once; the test waits for the 150th "sent" (no deadline of its own).
      let sent = 0;
      let allSent: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (allSent = resolve));
      const onEvent = (e: DispatchEvent) => {
        if (e.type === 'sent' && ++sent === 150) allSent();
      };
      // Retries (a 429 when the machine is slow) become due on the system clock here.
      const a = dispatcher({ instanceId: 'a', onEvent, maxAttempts: 50, clock: systemClock });
      const b = dispatcher({ instanceId: 'b', onEvent, maxAttempts: 50, clock: systemClock });
      a.start();
      b.start();
      await done;
      await Promise.all([a.stop(), b.stop()]);
      expect(await statusCounts(store)).toEqual({ sent: 150 });
      expect(ids.every((id) => emulator.receivedBy(id) === 1)).toBe(true);
      expect(emulator.stats().dedupedResends).toBe(0);
      expect(a.counters.sent + b.counters.sent).toBe(150);
      expect(a.counters.sent).toBeGreaterThan(0);
      expect(b.counters.sent).toBeGreaterThan(0);
    });
  });
}
