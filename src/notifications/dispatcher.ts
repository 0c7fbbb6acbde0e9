/**
 * The notification dispatcher: sends what the outbox says (reminders and the messages actions
 * cause), exactly once per row, within Teams' limits. It runs as the job `reminders.dispatch`
 * (src/jobs/app-jobs.ts).
 *
 * Claiming. Each lane claims a small batch of due rows in one short statement
 * (`FOR UPDATE SKIP LOCKED`, see ReminderRepository.claimDue) and takes a lease on them. Several
 * processes (and lanes) can run against one PostgreSQL server: no two ever hold the same row.
 * A process killed with its claims is replaced by whoever claims after the lease has run out.
 *
 * Exactly once. A row is marked `sent` only after the Bot Connector accepted the message, and a
 * sender never starts a send it could not finish inside its lease (it gives the row back
 * instead), so while processes stay alive no row is sent by two of them. The one window left is
 * a crash (or lost answer) between the connector accepting a message and the database recording
 * it: the row is sent again after its lease, with the same `idempotencyKey` (the row id), so a
 * connector that honours the key (the local emulator does) delivers it once; the benchmark counts
 * those re-sends separately so the window is measured, not hidden.
 *
 * Pacing. Every send reserves a slot on the shared pacing row just before it goes
 * (ReminderRepository.reserveSlots): all instances together stay under the per-app-per-tenant
 * rate (default 47/s, under Teams' ~50/s), and a late sender never fires a bunch of past slots.
 * Locally, a sliding window per conversation keeps to 7/1 s, 8/2 s, 60/30 s, 1,800/h, and a
 * sliding window over the app keeps timer jitter from bunching sends.
 *
 * Throttling. 429/412/502/503/504 set a shared back-off ("throttled until", in this process and on
 * the pacing row for the others): exponential with jitter, at least Retry-After. The row goes back
 * to pending for after the back-off. The exponent counts throttle episodes, not answers: sends
 * already in flight when the first 429 came back are refused together and do not multiply the
 * back-off. A throttle voids the slots this process had reserved, so it reserves only a short
 * way ahead (reserveAheadMs): what a 429 costs stays a few slots, not a pipeline's worth. Network errors and other 5xx are retried per row with
 * exponential back-off. 403 (MessageWritesBlocked) marks the recipient unreachable; bounded
 * attempts end in `dead_lettered` with the last reason. Nothing is dropped silently. A fault of
 * the app's own set-up (a Graph permission never consented, the app not in the organisation's
 * catalogue) blames nobody: the row waits, uncounted, and is tried again later; admins are told
 * once per episode (notification_alerts, a `delivery_problem` message) until a send works again.
 *
 * Time scale: against the emulator with time scale S, rates are S× and windows/back-offs S×
 * shorter in real time. Leases and timeouts are real time (they are about processes).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as realSleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { Clock } from '../domain/time.js';
import type { Logger } from '../log.js';
import type { OutboxRow } from '../store/reminder-repository.js';
import type { Store } from '../store/store.js';
import { deliveryProblemMessage, withJoinLink } from './content.js';
import { isNotificationMessage, type Messenger, type SendOutcome } from './messenger.js';
import { notify } from './outbox.js';
import {
  backoffMs,
  Permits,
  scaleLimits,
  SlidingWindows,
  TEAMS_PER_CONVERSATION,
  type WindowLimit,
} from './rate-limit.js';

/**
 * Real time as the dispatcher sees it: leases, pacing, back-offs and timeouts. Tests pass a
 * virtual one (time moves only when something sleeps), so pacing is checked exactly, not against
 * the wall clock.
 */
export interface DispatchTimer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Lanes after the first, while nothing is due, poll at most once per this many of the first lane's polls. */
const IDLE_LANE_BACKSTOP = 30;

export const realTimer: DispatchTimer = { now: () => Date.now(), sleep: (ms) => realSleep(Math.max(0, ms)) };

/** Where claimed rows come from; by default the outbox itself (ReminderRepository.claimDue). */
export interface Claims {
  claim(o: { dueBy: Date; now: Date; limit: number; owner: string; leaseUntil: Date }): Promise<OutboxRow[]>;
  /** The row is settled (sent, final or given back); called once per claimed row. */
  settled?(rowId: string): Promise<void>;
}

export interface DispatcherOptions {
  store: Store;
  messenger: Messenger;
  /** Decides what is due (send_after ≤ now). Leases, pacing and timeouts use real time. */
  clock: Clock;
  log: Logger;
  instanceId?: string;
  /** Sends per connector-second for the whole app in this tenant, all instances together. Default 47 (Teams: ~50). */
  ratePerSecond?: number;
  /** Connector seconds per real second (the emulator's time scale). Default 1. */
  timeScale?: number;
  perConversation?: readonly WindowLimit[];
  /** Rows per claim. Default 20. */
  batchSize?: number;
  /** Claim loops running side by side (keeps the pipeline full between claims). Default 2. */
  lanes?: number;
  /** Sends in flight per lane. Default 8. */
  concurrency?: number;
  /** Real ms a claim is held. Default 60 s. */
  leaseMs?: number;
  /** Real ms a send may take before it is abandoned (the message may still arrive). Default 15 s. */
  sendTimeoutMs?: number;
  /** Real ms between polls when nothing is due (by the first lane; the others wait until it claims work). Default 1 s. */
  pollMs?: number;
  /** Attempts before a row is dead-lettered. Default 6. */
  maxAttempts?: number;
  /**
   * Real ms a message waits when the app itself cannot reach people (a configuration fault such
   * as a missing Graph consent) before it is tried again; such tries are not counted. Default 10 minutes.
   */
  misconfiguredRetryMs?: number;
  /** Back-off base and cap in connector ms (at least Retry-After when given). Default 250 ms and 60 s. */
  backoff?: { baseMs: number; capMs: number };
  /**
   * Safety margin on the local windows (fraction of each window), so that network jitter between
   * this process and the connector does not make a burst look bigger there. Default 0.05.
   */
  windowMargin?: number;
  /** Most sends this process starts in any connector second (burst guard under Teams' ~50/s). Default 49. */
  appBurstLimit?: number;
  /**
   * How far ahead (connector ms) this process reserves send slots on the shared pacing row.
   * A throttle voids the slots reserved so far, and they have already pushed the next free slot
   * on: a short look-ahead keeps what one 429 costs small. Default 250 ms (12 slots at 47/s).
   */
  reserveAheadMs?: number;
  /** Shared pacing row (one per app per tenant). Default 'teams'. */
  pacingId?: string;
  random?: () => number;
  /** Real time (leases, pacing, back-off). Default: the system's. */
  timer?: DispatchTimer;
  /** Where rows are claimed. Default: the outbox (FOR UPDATE SKIP LOCKED with a lease). */
  claims?: Claims;
  /** Observability hook (counts, ids only). */
  onEvent?: (e: DispatchEvent) => void;
  /** Local mode only: where a drop-in reminder's join button leads (the local meeting page), by session. */
  joinLink?: (sessionId: string) => string;
}

export type DispatchEvent =
  | { type: 'claimed'; count: number }
  /** A lane found nothing due and waits for the next poll (or a wake). */
  | { type: 'idle' }
  /** A send starts now (`at`: the timer reading the pacing and back-off checks used). */
  | { type: 'sending'; id: string; at: number; conversation: string }
  | { type: 'sent'; id: string; attempts: number }
  /** `until`: nobody here sends before this timer reading. */
  | { type: 'throttled'; id: string; httpStatus: number; backoffMs: number; until: number }
  | { type: 'retry'; id: string; reason: string; backoffMs: number }
  | { type: 'released'; id: string; why: string }
  | { type: 'final'; id: string; status: 'failed' | 'unreachable' | 'dead_lettered' | 'cancelled'; reason: string }
  /** The app cannot reach people until its configuration is fixed: the row waits, admins are told. */
  | { type: 'misconfigured'; id: string; code: string };

export interface DispatchCounters {
  claimed: number;
  sent: number;
  throttled: number;
  retried: number;
  released: number;
  failed: number;
  unreachable: number;
  deadLettered: number;
  expired: number;
  misconfigured: number;
}

export class Dispatcher {
  readonly instanceId: string;
  readonly counters: DispatchCounters = {
    claimed: 0,
    sent: 0,
    throttled: 0,
    retried: 0,
    released: 0,
    failed: 0,
    unreachable: 0,
    deadLettered: 0,
    expired: 0,
    misconfigured: 0,
  };
  private readonly o: Required<
    Omit<DispatcherOptions, 'onEvent' | 'instanceId' | 'perConversation' | 'claims' | 'joinLink'>
  > &
    Pick<DispatcherOptions, 'onEvent' | 'joinLink'>;
  private readonly claims: Claims;
  private readonly timer: DispatchTimer;
  private readonly perConversation: SlidingWindows;
  private readonly app: SlidingWindows;
  /** Slots reserved ahead and not yet reached (see reserveAheadMs). */
  private readonly ahead: Permits;
  private readonly intervalMs: number;
  private throttledUntil = 0;
  private readonly convInFlight = new Map<string, Promise<void>>();
  /** Recipients the connector refused (403) recently: their other claimed rows are not tried. */
  private readonly blocked = new Map<string, { reason: string; at: number }>();
  private consecutiveThrottles = 0;
  /** When the last throttled answer came back (real ms): sends started before it belong to that episode. */
  private lastThrottleAnswerAt = 0;
  private running = false;
  private lanes: Promise<void>[] = [];
  /** The lanes pausing now, each woken by calling its entry (once). */
  private readonly sleepers = new Set<() => void>();
  /** The lanes after the first that found nothing to send: the first wakes them when it claims work. */
  private readonly idleLanes = new Set<() => void>();
  private readonly stopController = new AbortController();

  constructor(opts: DispatcherOptions) {
    this.instanceId = opts.instanceId ?? `dispatcher-${randomBytes(4).toString('hex')}`;
    this.o = {
      store: opts.store,
      messenger: opts.messenger,
      clock: opts.clock,
      log: opts.log,
      ratePerSecond: opts.ratePerSecond ?? 47,
      timeScale: opts.timeScale ?? 1,
      batchSize: opts.batchSize ?? 20,
      lanes: opts.lanes ?? 2,
      concurrency: opts.concurrency ?? 8,
      leaseMs: opts.leaseMs ?? 60_000,
      sendTimeoutMs: opts.sendTimeoutMs ?? 15_000,
      pollMs: opts.pollMs ?? 1_000,
      maxAttempts: opts.maxAttempts ?? 6,
      misconfiguredRetryMs: opts.misconfiguredRetryMs ?? 10 * 60_000,
      backoff: opts.backoff ?? { baseMs: 250, capMs: 60_000 },
      pacingId: opts.pacingId ?? 'teams',
      windowMargin: opts.windowMargin ?? 0.05,
      appBurstLimit: opts.appBurstLimit ?? 49,
      reserveAheadMs: opts.reserveAheadMs ?? 250,
      random: opts.random ?? Math.random,
      timer: opts.timer ?? realTimer,
      onEvent: opts.onEvent,
      ...(opts.joinLink ? { joinLink: opts.joinLink } : {}),
    };
    this.timer = this.o.timer;
    this.claims = opts.claims ?? { claim: (c) => this.o.store.reminders.claimDue(c) };
    if (this.o.leaseMs <= this.o.sendTimeoutMs) throw new Error('leaseMs must be longer than sendTimeoutMs');
    const scale = this.o.timeScale;
    this.intervalMs = 1000 / (this.o.ratePerSecond * scale);
    const margin = (l: WindowLimit) => ({ count: l.count, windowMs: l.windowMs * (1 + this.o.windowMargin) + 2 });
    this.perConversation = new SlidingWindows(
      scaleLimits(opts.perConversation ?? TEAMS_PER_CONVERSATION, scale).map(margin),
    );
    // Burst guard over this process's sends: pacing is by slots (ratePerSecond); this only keeps
    // timer jitter from packing more than appBurstLimit into any one (connector) second.
    this.app = new SlidingWindows([{ count: this.o.appBurstLimit, windowMs: (1000 / scale) * 1.01 + 2 }]);
    this.ahead = new Permits(Math.max(2, Math.ceil((this.o.reserveAheadMs / 1000) * this.o.ratePerSecond)));
  }

  /** Start the claim loops in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.lanes = Array.from({ length: this.o.lanes }, (_, i) => this.lane(i));
    this.o.log.info(
      {
        instance: this.instanceId,
        lanes: this.o.lanes,
        ratePerSecond: this.o.ratePerSecond,
        timeScale: this.o.timeScale,
      },
      'reminder dispatcher started',
    );
  }

  /** Stop claiming; sends in flight finish and are recorded. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopController.abort();
    this.wakeAll();
    await Promise.allSettled(this.lanes);
    this.lanes = [];
    this.o.log.info({ instance: this.instanceId, ...this.counters }, 'reminder dispatcher stopped');
  }

  /** Poll now instead of waiting (e.g. after "send now"). */
  wake(): void {
    this.wakeAll();
  }

  private wakeAll(): void {
    const woken = [...this.sleepers];
    this.sleepers.clear();
    for (const w of woken) w();
  }

  /** Claim and process one batch. Returns how many rows were claimed (0 = nothing due). */
  async runOnce(): Promise<number> {
    const waitThrottle = this.throttledUntil - this.timer.now();
    if (waitThrottle > 0) await this.pause(waitThrottle);
    const leaseUntil = this.timer.now() + this.o.leaseMs;
    const rows = await this.claims.claim({
      dueBy: this.o.clock.now(),
      now: new Date(this.timer.now()),
      limit: this.o.batchSize,
      owner: this.instanceId,
      leaseUntil: new Date(leaseUntil),
    });
    if (rows.length === 0) return 0;
    for (const w of this.idleLanes) w();
    this.counters.claimed += rows.length;
    this.o.onEvent?.({ type: 'claimed', count: rows.length });

    const conversations = await this.o.store.reminders.personalConversations(rows.map((r) => r.recipientId));
    const limit = pLimit(this.o.concurrency);
    await Promise.all(
      rows.map((row) =>
        limit(async () => {
          await this.process(row, leaseUntil, conversations.get(row.recipientId) ?? null);
          await this.claims.settled?.(row.id);
        }),
      ),
    );
    return rows.length;
  }

  /** Process everything due now (tests, "send now" from a CLI). */
  async drain(maxBatches = 10_000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await this.runOnce();
      if (n === 0) break;
      total += n;
    }
    return total;
  }

  private async lane(index: number): Promise<void> {
    // Stagger lanes so their claims interleave.
    if (index > 0) await this.pause((this.intervalMs * this.o.batchSize * index) / this.o.lanes);
    while (this.running) {
      try {
        const n = await this.runOnce();
        if (n === 0) {
          this.o.onEvent?.({ type: 'idle' });
          // While nothing is due one lane polls; the others wait until it claims work (or, should
          // it be held up, for IDLE_LANE_BACKSTOP polls' time).
          if (index === 0) await this.pause(this.o.pollMs);
          else await this.pause(this.o.pollMs * IDLE_LANE_BACKSTOP, { idleLane: true });
        }
      } catch (err) {
        this.o.log.error({ instance: this.instanceId, err: errInfo(err) }, 'reminder dispatch batch failed');
        await this.pause(this.o.pollMs);
      }
    }
  }

  /** Wait `ms` on the timer, or until woken (wake, stop; an idle lane also when work is claimed). */
  private async pause(ms: number, o: { idleLane?: boolean } = {}): Promise<void> {
    if (!this.running && this.lanes.length > 0) return;
    let woken: () => void = () => undefined;
    const wake = new Promise<void>((resolve) => (woken = resolve));
    this.sleepers.add(woken);
    if (o.idleLane) this.idleLanes.add(woken);
    try {
      await Promise.race([this.timer.sleep(Math.max(0, ms)), wake]);
    } finally {
      this.sleepers.delete(woken);
      this.idleLanes.delete(woken);
    }
  }

  private async process(
    row: OutboxRow,
    leaseUntil: number,
    conversation: { key: string; reference: Record<string, unknown>; aadObjectId: string | null } | null,
  ): Promise<void> {
    const s = this.o.store.reminders;
    const convKey = String(
      (conversation?.reference.conversation as { id?: string } | undefined)?.id ?? `person:${row.recipientId}`,
    );
    let holding = false;
    let done: () => void = () => undefined;
    const giveBack = async (why: string) => {
      // Cannot finish inside the lease (or stopping): give it back, uncounted.
      await s.release(
        row.id,
        this.instanceId,
        new Date(Math.max(this.o.clock.now().getTime(), row.sendAfter.getTime())),
        null,
        new Date(this.timer.now()),
        false,
      );
      this.counters.released++;
      this.o.onEvent?.({ type: 'released', id: row.id, why });
    };
    const leaseTooShort = (waitMs: number) =>
      this.timer.now() + Math.max(0, waitMs) + this.o.sendTimeoutMs >= leaseUntil ||
      (!this.running && this.lanes.length > 0);
    const sleep = (ms: number) => this.timer.sleep(ms);
    try {
      if (row.expiresAt && this.o.clock.now().getTime() >= row.expiresAt.getTime()) {
        await s.markFinal(
          row.id,
          this.instanceId,
          'cancelled',
          'expired before it could be sent',
          new Date(this.timer.now()),
        );
        this.counters.expired++;
        this.o.onEvent?.({ type: 'final', id: row.id, status: 'cancelled', reason: 'expired' });
        return;
      }
      const refused = this.blocked.get(row.recipientId);
      if (refused && this.timer.now() - refused.at < 10 * 60_000) {
        await this.final(row, 'unreachable', refused.reason);
        return;
      }
      const stored = row.payload;
      if (!isNotificationMessage(stored)) {
        await this.final(row, 'failed', 'payload is not a notification message');
        return;
      }
      // Local mode: a drop-in reminder's join button opens the local meeting page.
      const message =
        this.o.joinLink && row.sessionId && !('type' in stored)
          ? withJoinLink(stored, this.o.joinLink(row.sessionId))
          : stored;
      const aadObjectId = conversation?.aadObjectId ?? (conversation ? null : await this.aadOf(row.recipientId));
      // 1. One send at a time per conversation, within its windows (counted on answered sends).
      for (;;) {
        const busy = this.convInFlight.get(convKey);
        if (busy) {
          await busy;
          continue;
        }
        const t = this.timer.now();
        const wait = Math.max(this.throttledUntil - t, this.perConversation.delayFor(convKey, t));
        if (wait <= 0) break;
        if (leaseTooShort(wait)) return await giveBack('conversation busy beyond lease');
        await sleep(Math.min(wait, 250));
      }
      this.convInFlight.set(convKey, new Promise<void>((r) => (done = r)));
      holding = true;
      // 2. A slot on the shared pacing row, just in time (late slots never bunch up), then the
      //    local burst guard. A throttle seen meanwhile voids the slot.
      for (;;) {
        await this.ahead.acquire();
        try {
          const slot = await s.reserveSlots(this.o.pacingId, 1, this.intervalMs, new Date(this.timer.now()));
          this.throttledUntil = Math.max(this.throttledUntil, slot.throttledUntil.getTime());
          const slotWait = slot.startAt.getTime() - this.timer.now();
          if (leaseTooShort(slotWait)) return await giveBack('no slot within lease');
          if (slotWait > 0) await sleep(slotWait);
        } finally {
          this.ahead.release();
        }
        let burst = this.app.delayFor('app', this.timer.now());
        while (burst > 0) {
          await sleep(burst);
          burst = this.app.delayFor('app', this.timer.now());
        }
        if (this.throttledUntil <= this.timer.now()) break;
        const wait = this.throttledUntil - this.timer.now();
        if (leaseTooShort(wait)) return await giveBack('throttled beyond lease');
        await sleep(wait);
      }
      // Nothing awaited between the checks above and the send: what they saw holds when it starts.
      let outcome: SendOutcome;
      const startedAt = this.timer.now();
      try {
        this.app.record('app', startedAt);
        this.o.onEvent?.({ type: 'sending', id: row.id, at: startedAt, conversation: convKey });
        outcome = await this.o.messenger.send({
          outboxId: row.id,
          recipient: { personId: row.recipientId, aadObjectId },
          conversation: conversation?.reference ?? null,
          message,
        });
      } finally {
        // Counted when answered: the connector saw it at or before this moment.
        this.perConversation.record(convKey, this.timer.now());
      }
      await this.record(row, outcome, startedAt);
    } catch (err) {
      // Database trouble while recording: the lease runs out and the row is retried (same idempotency key).
      this.o.log.error({ instance: this.instanceId, outboxId: row.id, err: errInfo(err) }, 'reminder dispatch failed');
    } finally {
      if (holding) {
        this.convInFlight.delete(convKey);
        done();
      }
    }
  }

  private async record(row: OutboxRow, outcome: SendOutcome, startedAt: number): Promise<void> {
    const s = this.o.store.reminders;
    const now = new Date(this.timer.now());
    switch (outcome.status) {
      case 'sent': {
        await this.retryDb(() =>
          s.markSent(row.id, { activityId: outcome.activityId, conversationId: outcome.conversationId }, now),
        );
        this.counters.sent++;
        // Only a send that went out after the last throttle answer shows the back-off worked.
        if (this.consecutiveThrottles > 0 && startedAt > this.lastThrottleAnswerAt) {
          this.consecutiveThrottles = 0;
          await s.clearThrottle(this.o.pacingId);
        }
        if (outcome.newReference && outcome.conversationId) {
          // Reaching someone new worked: whatever kept the app from installing itself is fixed.
          await s.clearAlerts('teams-app', now);
          await this.o.store.conversations.upsert({
            key: `personal:${outcome.conversationId}`,
            personId: row.recipientId,
            aadObjectId:
              String((outcome.newReference.user as { aadObjectId?: string } | undefined)?.aadObjectId ?? '') || null,
            scope: 'personal',
            reference: outcome.newReference,
            updatedAt: now,
          });
        }
        this.o.onEvent?.({ type: 'sent', id: row.id, attempts: row.attempts });
        return;
      }
      case 'throttled': {
        // One throttle episode is one step of the exponent: sends already in flight when the first
        // 429 came back are refused together, and must not multiply the back-off (8 of them
        // would make it 2^7 times the base). A send started after that answer and refused again
        // is the next step.
        if (startedAt > this.lastThrottleAnswerAt || this.consecutiveThrottles === 0) this.consecutiveThrottles++;
        this.lastThrottleAnswerAt = this.timer.now();
        const wait = Math.max(
          outcome.retryAfterMs ?? 0,
          backoffMs(this.consecutiveThrottles, this.scaledBackoff(), this.o.random),
        );
        const until = this.timer.now() + wait;
        this.throttledUntil = Math.max(this.throttledUntil, until);
        this.counters.throttled++;
        this.o.onEvent?.({ type: 'throttled', id: row.id, httpStatus: outcome.httpStatus, backoffMs: wait, until });
        // Shared with the other instances (they read it when reserving slots). The exponent stays
        // local: it resets on this instance's next success.
        await s.throttle(this.o.pacingId, new Date(until), now).catch(() => undefined);
        await this.retryOrDeadLetter(row, outcome.reason, wait + this.o.random() * this.intervalMs * 4);
        return;
      }
      case 'transient': {
        const wait = backoffMs(row.attempts, this.scaledBackoff(), this.o.random);
        this.o.onEvent?.({ type: 'retry', id: row.id, reason: outcome.reason, backoffMs: wait });
        await this.retryOrDeadLetter(row, outcome.reason, wait);
        return;
      }
      case 'unreachable': {
        if (outcome.httpStatus === 403) {
          if (this.blocked.size > 10_000) this.blocked.clear();
          this.blocked.set(row.recipientId, { reason: outcome.reason, at: this.timer.now() });
        }
        await this.final(row, 'unreachable', outcome.reason);
        if (outcome.httpStatus === 403) await s.markRecipientUnreachable(row.recipientId, outcome.reason, now);
        return;
      }
      case 'failed':
        await this.final(row, 'failed', outcome.reason);
        return;
      case 'misconfigured': {
        // Nobody's fault but the app's: the message waits (the try is not counted) and goes once
        // the configuration is fixed; admins are told once per episode, not per message.
        this.counters.misconfigured++;
        const sendAfter = new Date(this.o.clock.now().getTime() + this.o.misconfiguredRetryMs);
        await this.retryDb(() => s.release(row.id, this.instanceId, sendAfter, outcome.reason, now, false));
        this.o.onEvent?.({ type: 'misconfigured', id: row.id, code: outcome.code });
        if (await s.raiseAlert(outcome.code, outcome.reason, now)) {
          const admins = (await this.o.store.people.listByRole('admin')).map((p) => p.id);
          await notify(
            this.o.store,
            {
              kind: 'delivery_problem',
              recipients: admins,
              subject: { kind: 'alert', id: outcome.code },
              message: deliveryProblemMessage(outcome.reason, await s.pendingCount()),
            },
            this.o.clock.now(),
          );
          this.o.log.error(
            { instance: this.instanceId, code: outcome.code },
            'notifications wait for a configuration fix',
          );
        }
        return;
      }
    }
  }

  /** Retry after `delayMs` of real time from when the outcome came back, or dead-letter it. */
  private async retryOrDeadLetter(row: OutboxRow, reason: string, delayMs: number): Promise<void> {
    if (row.attempts >= this.o.maxAttempts) {
      await this.final(row, 'dead_lettered', `gave up after ${row.attempts} attempts; last: ${reason}`);
      return;
    }
    this.counters.retried++;
    // Real-time delay expressed on the scheduling clock. The delay is the whole back-off, fixed
    // when the outcome came back: time this process spent descheduled since then must not make
    // the retry due at once (and so be claimed again by the same drain).
    const sendAfter = new Date(this.o.clock.now().getTime() + Math.max(1, Math.ceil(delayMs)));
    await this.retryDb(() =>
      this.o.store.reminders.release(row.id, this.instanceId, sendAfter, reason, new Date(this.timer.now()), true),
    );
  }

  private async final(
    row: OutboxRow,
    status: 'failed' | 'unreachable' | 'dead_lettered' | 'cancelled',
    reason: string,
  ): Promise<void> {
    await this.retryDb(() =>
      this.o.store.reminders.markFinal(row.id, this.instanceId, status, reason, new Date(this.timer.now())),
    );
    if (status === 'failed') this.counters.failed++;
    if (status === 'unreachable') this.counters.unreachable++;
    if (status === 'dead_lettered') this.counters.deadLettered++;
    this.o.log.warn(
      { instance: this.instanceId, outboxId: row.id, kind: row.kind, status, reason },
      'reminder not delivered',
    );
    this.o.onEvent?.({ type: 'final', id: row.id, status, reason });
  }

  private scaledBackoff(): { baseMs: number; capMs: number } {
    return { baseMs: this.o.backoff.baseMs / this.o.timeScale, capMs: this.o.backoff.capMs / this.o.timeScale };
  }

  private async retryDb<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        return await fn();
      } catch (err) {
        last = err;
        await this.timer.sleep(50 * (i + 1));
      }
    }
    throw last;
  }

  private async aadOf(personId: string): Promise<string | null> {
    const p = await this.o.store.people.get(personId);
    return p?.entraObjectId ?? null;
  }
}

function errInfo(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { type: err.name, message: err.message } : { value: String(err) };
}
