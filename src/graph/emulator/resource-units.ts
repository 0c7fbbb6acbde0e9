/**
 * SharePoint resource-unit (RU) model and the per-minute budget.
 *
 * Source: https://learn.microsoft.com/en-us/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online
 *  - 1 RU: single item query (GET an item), delta with a token, file download;
 *  - 2 RU: multi-item query (list children, delta without token), create, update, delete, upload;
 *  - 5 RU: any permission operation, including `$expand=permissions`;
 *  - requests inside `$batch` are charged individually;
 *  - budget per app per tenant, smallest tenant: 1,250 RU/min and 1,200,000 RU/24 h;
 *  - throttled requests still count against usage;
 *  - 429 (or 503) with Retry-After; `RateLimit-Limit/Remaining/Reset` headers once 80% of the
 *    budget in the window is used.
 *
 * Time scale: with `timeScale = S` one budget minute passes in 60/S real seconds. Every duration the
 * emulator reports (Retry-After, RateLimit-Reset, retry-after-ms) is in REAL (wall-clock) time after
 * scaling, so a client needs no knowledge of the scale to honour them. With S = 1 Retry-After is an
 * integer number of seconds like Graph's; with S > 1 it may be fractional (e.g. "0.250"), which the
 * Graph SDK's RetryHandler accepts (it uses `Number(retryAfter)` seconds). `retry-after-ms` carries the
 * same delay in integer milliseconds for clients that want precision.
 */
export type RequestClass = 'get' | 'list' | 'write' | 'permission' | 'deltaToken' | 'free';

export const RU_COST: Record<RequestClass, number> = {
  get: 1,
  deltaToken: 1,
  list: 2,
  write: 2,
  permission: 5,
  free: 0,
};

export interface BudgetDecision {
  allowed: boolean;
  /** real ms until the current window resets */
  resetMs: number;
  remaining: number;
  limit: number;
  used: number;
}

export class RuBudget {
  private windowStart: number;
  private usedInWindow = 0;
  private dayStart: number;
  private usedInDay = 0;
  readonly windowMs: number;
  readonly dayMs: number;

  constructor(
    readonly perMinute: number,
    readonly timeScale: number,
    readonly perDay: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowMs = 60_000 / timeScale;
    this.dayMs = (24 * 3_600_000) / timeScale;
    this.windowStart = now();
    this.dayStart = this.windowStart;
  }

  private roll(t: number): void {
    if (t - this.windowStart >= this.windowMs) {
      const n = Math.floor((t - this.windowStart) / this.windowMs);
      this.windowStart += n * this.windowMs;
      this.usedInWindow = 0;
    }
    if (t - this.dayStart >= this.dayMs) {
      const n = Math.floor((t - this.dayStart) / this.dayMs);
      this.dayStart += n * this.dayMs;
      this.usedInDay = 0;
    }
  }

  /** Charges `ru` (throttled requests count too) and says whether the request may proceed. */
  charge(ru: number): BudgetDecision {
    const t = this.now();
    this.roll(t);
    const overMinute = this.usedInWindow + ru > this.perMinute;
    const overDay = this.usedInDay + ru > this.perDay;
    this.usedInWindow += ru;
    this.usedInDay += ru;
    const resetMs = overDay && !overMinute ? this.dayStart + this.dayMs - t : this.windowStart + this.windowMs - t;
    return {
      allowed: !overMinute && !overDay,
      resetMs: Math.max(1, resetMs),
      remaining: Math.max(0, this.perMinute - this.usedInWindow),
      limit: this.perMinute,
      used: this.usedInWindow,
    };
  }

  /** Headers for a response given the latest decision (RateLimit-* only past 80% of the window). */
  headers(d: BudgetDecision, throttled: boolean): Record<string, string> {
    const h: Record<string, string> = {};
    if (d.used >= 0.8 * d.limit) {
      h['ratelimit-limit'] = String(d.limit);
      h['ratelimit-remaining'] = String(d.remaining);
      h['ratelimit-reset'] = this.formatSeconds(d.resetMs);
    }
    if (throttled) {
      h['retry-after'] = this.formatSeconds(d.resetMs);
      h['retry-after-ms'] = String(Math.ceil(d.resetMs));
    }
    return h;
  }

  formatSeconds(ms: number): string {
    if (this.timeScale === 1) return String(Math.max(1, Math.ceil(ms / 1000)));
    return Math.max(0.001, ms / 1000).toFixed(3);
  }
}
