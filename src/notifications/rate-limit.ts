/**
 * Local pacing helpers for the dispatcher (the connector emulator has its own, independent
 * implementation of the same documented limits, so a bug here shows up as 429s there).
 *
 * - SlidingWindows: "at most N per window" for several windows at once, per key (a conversation,
 *   or the whole app). `delayFor` says how long to wait before the next send may go; `record`
 *   notes a send. Windows are given in real milliseconds (already divided by the time scale).
 * - backoffMs: exponential back-off with jitter ("equal jitter": half fixed, half random), capped.
 */

export interface WindowLimit {
  count: number;
  windowMs: number;
}

/** Teams' documented per-bot, per-conversation limits for sends (connector time). */
export const TEAMS_PER_CONVERSATION: readonly WindowLimit[] = [
  { count: 7, windowMs: 1_000 },
  { count: 8, windowMs: 2_000 },
  { count: 60, windowMs: 30_000 },
  { count: 1_800, windowMs: 3_600_000 },
];

export function scaleLimits(limits: readonly WindowLimit[], timeScale: number): WindowLimit[] {
  return limits.map((l) => ({ count: l.count, windowMs: l.windowMs / timeScale }));
}

export class SlidingWindows {
  private readonly byKey = new Map<string, number[]>();
  private readonly longest: number;

  constructor(private readonly limits: readonly WindowLimit[]) {
    this.longest = Math.max(...limits.map((l) => l.windowMs));
  }

  /** Milliseconds until one more send for `key` stays within every window (0 = now). */
  delayFor(key: string, now: number): number {
    const times = this.prune(key, now);
    let wait = 0;
    for (const l of this.limits) {
      let n = 0;
      for (let i = times.length - 1; i >= 0 && times[i]! > now - l.windowMs; i--) n++;
      if (n >= l.count) {
        const oldestThatMustLeave = times[times.length - n + (n - l.count)]!;
        wait = Math.max(wait, oldestThatMustLeave + l.windowMs - now + 0.5);
      }
    }
    return Math.max(0, wait);
  }

  record(key: string, now: number): void {
    const times = this.prune(key, now);
    times.push(now);
    this.byKey.set(key, times);
  }

  private prune(key: string, now: number): number[] {
    const times = this.byKey.get(key);
    if (!times) return [];
    let i = 0;
    while (i < times.length && times[i]! <= now - this.longest) i++;
    if (i > 0) times.splice(0, i);
    if (times.length === 0) this.byKey.delete(key);
    return times;
  }

  /** Keys currently tracked (for tests and memory checks). */
  size(): number {
    return this.byKey.size;
  }
}

/** Exponential back-off with equal jitter: base·2^(n-1), half of it random, capped. n ≥ 1. */
export function backoffMs(
  n: number,
  opts: { baseMs: number; capMs: number },
  random: () => number = Math.random,
): number {
  const exp = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, n - 1));
  return exp / 2 + random() * (exp / 2);
}

/** A counting semaphore: at most `n` holders at once; waiters are served in arrival order. */
export class Permits {
  private free: number;
  private readonly waiters: (() => void)[] = [];

  constructor(n: number) {
    this.free = Math.max(1, Math.floor(n));
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}
