/**
 * Time for tests that must not depend on the wall clock.
 *
 * - `VirtualTimer`: real time as the dispatcher sees it, moved only by sleeping. A sleep yields to
 *   the event loop (database and HTTP work carries on) and then moves the time to at least
 *   `now + ms`, so every check the code makes against `now()` sees exactly what it waited for,
 *   however busy the machine is.
 * - `ManualClock`: the scheduling clock (what is due), moved by the test.
 */
import type { Clock } from '../../src/domain/time.js';
import type { DispatchTimer } from '../../src/notifications/dispatcher.js';

export class VirtualTimer implements DispatchTimer {
  constructor(private t = Date.UTC(2026, 2, 2, 10, 0, 0)) {}

  now(): number {
    return this.t;
  }

  /** Whole milliseconds, as a Date (and so the database) holds them. */
  async sleep(ms: number): Promise<void> {
    const target = this.t + Math.max(0, Math.ceil(ms));
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.t < target) this.t = target;
  }
}

export class ManualClock implements Clock {
  constructor(private at: Date) {}

  now(): Date {
    return new Date(this.at.getTime());
  }

  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}
