import type { Clock } from '../domain/time.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';

/** What every use case needs; one composition root builds it (src/app.ts). */
export interface Services {
  store: Store;
  clock: Clock;
  log: Logger;
}

export const systemClock: Clock = { now: () => new Date() };
