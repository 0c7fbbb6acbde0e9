/**
 * Hears of every change to people and roles (the `people_changed` notices of migration 0013) and
 * tells this instance's PersonCache (src/store/person-cache.ts), which keeps people only while
 * this feed listens.
 * - PostgreSQL server: one connection of its own, outside the pool, runs LISTEN and receives the
 *   notices (https://www.postgresql.org/docs/current/sql-listen.html; node-postgres emits them
 *   as `notification` events, https://node-postgres.com/apis/client#notification). When that
 *   connection is lost (server restart, failover, an operator ending it) the cache stops keeping
 *   at once and the feed connects again, retrying with backoff, until it is closed.
 * - PGlite: the embedded session itself listens (PGlite's `listen`), taken exclusively so the
 *   LISTEN never runs inside someone else's transaction.
 */
import pRetry from 'p-retry';
import pg from 'pg';
import type { Logger } from '../log.js';
import { CONNECT_TIMEOUT_MS, type DatabaseHandle } from './database.js';
import type { PersonCache } from './person-cache.js';

export const PEOPLE_CHANNEL = 'people_changed';
/** How the listening connection shows in pg_stat_activity. */
export const FEED_APPLICATION_NAME = 'wexqs-people-changes';

export interface PeopleChangeFeed {
  /** Resolves once the feed listens (at once when it does already). */
  listening(): Promise<void>;
  /** Resolves at the next notice this feed receives. */
  nextNotice(): Promise<void>;
  /** Resolves when the listening connection is next lost (the cache has stopped keeping by then). */
  nextLoss(): Promise<void>;
  close(): Promise<void>;
}

export async function followPeopleChanges(
  database: DatabaseHandle,
  cache: PersonCache,
  log: Logger,
): Promise<PeopleChangeFeed> {
  const noticeWaiters: (() => void)[] = [];
  const listenWaiters: (() => void)[] = [];
  const lossWaiters: (() => void)[] = [];
  const noticed = () => {
    cache.forget();
    for (const resolve of noticeWaiters.splice(0)) resolve();
  };
  const nowListening = () => {
    cache.startKeeping();
    for (const resolve of listenWaiters.splice(0)) resolve();
  };
  const waiters = {
    listening: () => (cache.active ? Promise.resolve() : new Promise<void>((r) => listenWaiters.push(r))),
    nextNotice: () => new Promise<void>((r) => noticeWaiters.push(r)),
    nextLoss: () => new Promise<void>((r) => lossWaiters.push(r)),
  };

  if (database.pglite) {
    const { client, exclusive } = database.pglite;
    const unlisten = await exclusive(() => client.listen(PEOPLE_CHANNEL, noticed));
    nowListening();
    return {
      ...waiters,
      close: async () => {
        cache.stopKeeping();
        await exclusive(() => unlisten()).catch(() => undefined);
      },
    };
  }

  const connectionString = database.connectionString;
  if (!connectionString) throw new Error('followPeopleChanges: the database has no server URL');
  let closed = false;
  let current: pg.Client | null = null;
  const stop = new AbortController();

  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: FEED_APPLICATION_NAME,
    });
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      void c.end().catch(() => undefined);
      if (current !== c) return;
      current = null;
      cache.stopKeeping();
      for (const resolve of lossWaiters.splice(0)) resolve();
      if (!closed) {
        log.warn('people change feed lost: identities are read from the database until it is back');
        reconnect();
      }
    };
    c.on('error', onLost);
    c.on('end', onLost);
    c.on('notification', (n) => {
      if (n.channel === PEOPLE_CHANNEL) noticed();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${PEOPLE_CHANNEL}`);
    } catch (err) {
      lost = true;
      await c.end().catch(() => undefined);
      throw err;
    }
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    current = c;
    nowListening();
  };

  const reconnect = () => {
    void pRetry(connect, {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 250,
      maxTimeout: 30_000,
      signal: stop.signal,
      onFailedAttempt: ({ attemptNumber }) => {
        if (attemptNumber === 1 || attemptNumber % 10 === 0)
          log.warn({ attempt: attemptNumber }, 'people change feed: cannot listen yet, trying again');
      },
    })
      .then(() => {
        if (!closed) log.info('people change feed listening again');
      })
      .catch(() => undefined); // aborted by close()
  };

  try {
    await connect();
  } catch {
    // The pool reached the server a moment ago; keep trying in the background, read meanwhile.
    log.warn('people change feed: cannot listen yet, identities are read from the database until it can');
    reconnect();
  }

  return {
    ...waiters,
    close: async () => {
      closed = true;
      stop.abort();
      cache.stopKeeping();
      const c = current;
      current = null;
      await c?.end().catch(() => undefined);
    },
  };
}
