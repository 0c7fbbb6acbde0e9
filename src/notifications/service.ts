/**
 * Reminders running inside an app instance: the planner every few minutes (idempotent, so every
 * instance may run it) and the dispatcher (safe to run on several instances at once).
 */
import type { ReminderSettings } from '../domain/reminders.js';
import type { Clock } from '../domain/time.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { Dispatcher, type DispatcherOptions } from './dispatcher.js';
import type { Messenger } from './messenger.js';
import { planReminders, type PlanResult } from './schedule.js';

export interface ReminderServiceOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  messenger: Messenger;
  /** Real ms between planner runs. Default 10 minutes. */
  planEveryMs?: number;
  settings?: Partial<ReminderSettings>;
  dispatcher?: Partial<Omit<DispatcherOptions, 'store' | 'clock' | 'log' | 'messenger'>>;
}

export class ReminderService {
  readonly dispatcher: Dispatcher;
  private timer: NodeJS.Timeout | null = null;
  private planning: Promise<unknown> | null = null;

  constructor(private readonly o: ReminderServiceOptions) {
    this.dispatcher = new Dispatcher({
      store: o.store,
      clock: o.clock,
      log: o.log,
      messenger: o.messenger,
      ...(o.dispatcher ?? {}),
    });
  }

  start(): void {
    this.dispatcher.start();
    void this.planNow();
    this.timer = setInterval(() => void this.planNow(), this.o.planEveryMs ?? 10 * 60_000);
    this.timer.unref();
  }

  /** Poll the outbox now instead of waiting (e.g. after "send now"). */
  wake(): void {
    this.dispatcher.wake();
  }

  /** Plan the schedule once (idempotent); errors are thrown. */
  async plan(): Promise<PlanResult> {
    const r = await planReminders(this.o.store, this.o.clock.now(), {
      ...(this.o.settings ? { settings: this.o.settings } : {}),
    });
    this.o.log.info({ ...r }, 'reminder schedule planned');
    return r;
  }

  /** Re-plan now (errors are logged, never thrown: the next run tries again). */
  async planNow(): Promise<void> {
    if (this.planning) return;
    this.planning = this.plan()
      .catch((err: unknown) =>
        this.o.log.error(
          { err: err instanceof Error ? { type: err.name, message: err.message } : String(err) },
          'reminder planning failed',
        ),
      )
      .finally(() => {
        this.planning = null;
      });
    await this.planning;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.planning;
    await this.dispatcher.stop();
  }
}
