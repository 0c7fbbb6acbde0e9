/**
 * RU pacer: keeps the app within the tenant's SharePoint resource-unit budget
 * (https://learn.microsoft.com/en-us/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online).
 *
 * A token bucket refilled at `targetUtilisation × ruPerMinute` per budget minute (a budget minute is
 * 60/timeScale real seconds against a time-scaled emulator, 60 s against Graph), with a small burst.
 * `ruPerMinute` starts from the tenant's licence band (sharepoint-budget.ts). It learns the real
 * budget from the service:
 *  - `RateLimit-Limit` (sent once 80% of the minute's budget is used) replaces the budget, larger or
 *    smaller, and from then on the pacer follows it;
 *  - until the service has said anything, a minute in which the pacer itself was the bottleneck
 *    (it spent ~all it allowed itself) with no RateLimit header and no throttling is evidence the
 *    budget is larger: the rate grows by a quarter (never beyond the largest band), so a large
 *    tenant configured too low is not provisioned at a fraction of its speed; the first header tells
 *    the true budget, and a 429 without one steps the rate back down and stops the probing;
 *  - `RateLimit-Remaining` below `lowWaterRu` holds all requests until `RateLimit-Reset`;
 *  - a 429/503 with `Retry-After` holds everything for max(Retry-After, RateLimit-Reset), as the
 *    docs advise when both are present.
 * Header durations are read as real seconds (the emulator reports them already scaled).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LARGEST_TENANT_RU_PER_MINUTE } from './sharepoint-budget.js';

export interface PacerOptions {
  ruPerMinute: number;
  timeScale?: number;
  /** fraction of the budget to aim for; default 0.96 */
  targetUtilisation?: number;
  /** bucket capacity in RU; default 3% of the budget (at least 25) */
  burstRu?: number;
  /** hold when RateLimit-Remaining falls below this; default 2 × burst */
  lowWaterRu?: number;
  /** raise the rate while the service gives no signal (see above); default true */
  probe?: boolean;
  now?: () => number;
  /** injectable for tests; default timers/promises setTimeout */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface PacerStats {
  acquiredRu: number;
  refundedRu: number;
  waits: number;
  holds: number;
  /** times the rate grew without a signal from the service */
  probes: number;
  /** the budget the service announced in RateLimit-Limit, once seen */
  learnedRuPerMinute: number | null;
}

export class RuPacer {
  private tokens: number;
  private last: number;
  private ratePerMs: number;
  private holdUntil = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly capacity: number;
  private readonly lowWater: number;
  private readonly timeScale: number;
  private readonly target: number;
  private readonly windowMs: number;
  private windowStart: number;
  private windowAcquired = 0;
  private windowSignal = false;
  private probing: boolean;
  readonly stats: PacerStats = {
    acquiredRu: 0,
    refundedRu: 0,
    waits: 0,
    holds: 0,
    probes: 0,
    learnedRuPerMinute: null,
  };

  constructor(opts: PacerOptions) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms, signal) => sleep(ms, undefined, { signal }));
    this.timeScale = opts.timeScale ?? 1;
    this.target = opts.targetUtilisation ?? 0.96;
    this.ratePerMs = this.rateFor(opts.ruPerMinute);
    this.capacity = opts.burstRu ?? Math.max(25, Math.round(opts.ruPerMinute * 0.03));
    this.lowWater = opts.lowWaterRu ?? 2 * this.capacity;
    this.tokens = this.capacity;
    this.last = this.now();
    this.windowMs = 60_000 / this.timeScale;
    this.windowStart = this.last;
    this.probing = opts.probe ?? true;
  }

  /** The budget per minute the pacer currently works to (before the target utilisation). */
  get ruPerMinute(): number {
    return (this.ratePerMs * 60_000) / (this.target * this.timeScale);
  }

  /** At the end of each budget minute: grow the rate if the pacer was the only thing holding back. */
  private roll(t: number): void {
    if (t - this.windowStart < this.windowMs) return;
    const allowance = this.ratePerMs * (t - this.windowStart);
    if (this.probing && !this.windowSignal && this.windowAcquired >= 0.9 * allowance) {
      const next = Math.min(this.ruPerMinute * 1.25, LARGEST_TENANT_RU_PER_MINUTE);
      if (next > this.ruPerMinute) {
        this.ratePerMs = this.rateFor(next);
        this.stats.probes++;
      }
    }
    this.windowStart = t;
    this.windowAcquired = 0;
    this.windowSignal = false;
  }

  private rateFor(ruPerMinute: number): number {
    return (ruPerMinute * this.target * this.timeScale) / 60_000;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (t - this.last) * this.ratePerMs);
    this.last = t;
  }

  /** Waits until `ru` may be spent (FIFO). Requests larger than the bucket run when it is full. */
  acquire(ru: number, signal?: AbortSignal): Promise<void> {
    const run = async () => {
      for (;;) {
        signal?.throwIfAborted();
        this.refill();
        const t = this.now();
        if (this.holdUntil > t) {
          this.stats.waits++;
          await this.sleep(this.holdUntil - t, signal);
          continue;
        }
        this.roll(t);
        const need = Math.min(ru, this.capacity);
        if (this.tokens >= need) {
          this.tokens -= ru;
          this.stats.acquiredRu += ru;
          this.windowAcquired += ru;
          return;
        }
        this.stats.waits++;
        await this.sleep(Math.max(1, Math.ceil((need - this.tokens) / this.ratePerMs)), signal);
      }
    };
    const p = this.queue.then(run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Gives back RU that were reserved but not charged (e.g. 424 entries, which never ran). */
  refund(ru: number): void {
    this.refill();
    this.tokens = Math.min(this.capacity, this.tokens + ru);
    this.stats.refundedRu += ru;
  }

  /** Holds every request for `ms`. */
  holdFor(ms: number): void {
    const until = this.now() + ms;
    if (until > this.holdUntil) {
      this.holdUntil = until;
      this.stats.holds++;
    }
  }

  /** Reads RateLimit-* and Retry-After from a response (or batch entry) header set. */
  observe(status: number, headers: Headers | Record<string, string | undefined>): void {
    const get = (k: string): string | undefined =>
      headers instanceof Headers
        ? (headers.get(k) ?? undefined)
        : (headers[k] ??
          headers[k.toLowerCase()] ??
          Object.entries(headers).find(([h]) => h.toLowerCase() === k.toLowerCase())?.[1]);
    const limit = Number(get('ratelimit-limit'));
    const remaining = Number(get('ratelimit-remaining'));
    const resetS = Number(get('ratelimit-reset'));
    if (Number.isFinite(limit) && limit > 0) {
      // The service said what the budget is: follow it, and stop guessing.
      const r = this.rateFor(limit);
      if (Math.abs(r - this.ratePerMs) / this.ratePerMs > 0.01) this.ratePerMs = r;
      this.stats.learnedRuPerMinute = limit;
      this.probing = false;
      this.windowSignal = true;
    } else if (status === 429 || status === 503) {
      this.windowSignal = true;
      if (this.probing && this.stats.probes > 0) {
        // Probed past the budget without the service naming it: step back and stay there.
        this.ratePerMs = this.rateFor(this.ruPerMinute / 1.25);
        this.probing = false;
      }
    }
    if (
      get('ratelimit-remaining') !== undefined &&
      Number.isFinite(remaining) &&
      remaining < this.lowWater &&
      Number.isFinite(resetS)
    ) {
      this.holdFor(resetS * 1000);
    }
    if (status === 429 || status === 503) {
      const ra = retryAfterMs(headers);
      if (ra !== undefined) this.holdFor(Math.max(ra, Number.isFinite(resetS) ? resetS * 1000 : 0));
    }
  }
}

/** Retry-After (seconds, possibly fractional, or an HTTP date) as ms; `retry-after-ms` wins if present. */
export function retryAfterMs(headers: Headers | Record<string, string | undefined>): number | undefined {
  const get = (k: string): string | undefined =>
    headers instanceof Headers
      ? (headers.get(k) ?? undefined)
      : Object.entries(headers).find(([h]) => h.toLowerCase() === k)?.[1];
  const ms = get('retry-after-ms');
  if (ms !== undefined && Number.isFinite(Number(ms))) return Number(ms);
  const ra = get('retry-after');
  if (ra === undefined) return undefined;
  const n = Number(ra);
  if (Number.isFinite(n)) return n * 1000;
  const d = Date.parse(ra);
  return Number.isFinite(d) ? Math.max(0, d - Date.now()) : undefined;
}
