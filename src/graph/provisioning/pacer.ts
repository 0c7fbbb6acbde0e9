/**
 * RU pacer: keeps the app within the tenant's SharePoint resource-unit budget
 * (https://learn.microsoft.com/en-us/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online).
 *
 * A token bucket refilled at `targetUtilisation × ruPerMinute` per budget minute (a budget minute is
 * 60/timeScale real seconds against a time-scaled emulator, 60 s against Graph), with a small burst.
 * It adapts to the service:
 *  - `RateLimit-Limit` replaces the configured budget (the tenant may have a larger one);
 *  - `RateLimit-Remaining` below `lowWaterRu` holds all requests until `RateLimit-Reset`;
 *  - a 429/503 with `Retry-After` holds everything for max(Retry-After, RateLimit-Reset), as the
 *    docs advise when both are present.
 * Header durations are read as real seconds (the emulator reports them already scaled).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface PacerOptions {
  ruPerMinute: number;
  timeScale?: number;
  /** fraction of the budget to aim for; default 0.96 */
  targetUtilisation?: number;
  /** bucket capacity in RU; default 3% of the budget (at least 25) */
  burstRu?: number;
  /** hold when RateLimit-Remaining falls below this; default 2 × burst */
  lowWaterRu?: number;
  now?: () => number;
  /** injectable for tests; default timers/promises setTimeout */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface PacerStats {
  acquiredRu: number;
  refundedRu: number;
  waits: number;
  holds: number;
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
  readonly stats: PacerStats = { acquiredRu: 0, refundedRu: 0, waits: 0, holds: 0 };

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
        const need = Math.min(ru, this.capacity);
        if (this.tokens >= need) {
          this.tokens -= ru;
          this.stats.acquiredRu += ru;
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
      const r = this.rateFor(limit);
      if (Math.abs(r - this.ratePerMs) / this.ratePerMs > 0.01) this.ratePerMs = r;
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
