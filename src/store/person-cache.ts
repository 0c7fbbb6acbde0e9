/**
 * The people this instance has recently identified, kept in memory so that a click does not read
 * its sender's record and roles from the database each time (who is talking is the first thing
 * every card and tab request decides: src/workflows/identity.ts).
 *
 * Kept only while this instance hears of every change: it listens on the `people_changed` channel
 * (PostgreSQL LISTEN; migration 0013 notifies on any change to people or person_roles, whoever
 * makes it, when it commits) and forgets everything it keeps on each notice
 * (src/store/people-change-feed.ts). While it is not listening (starting, or its listening
 * connection lost and not yet back) it keeps nothing and every lookup reads the database. A
 * lookup that began before a notice (or before listening began) is not kept, so a record read
 * before a change never outlives the notice of that change.
 *
 * What that means for a role taken away: another instance stops using it when the notice
 * arrives, milliseconds after the change commits; the same holds for a click already in flight
 * when it commits. Entries also expire after PERSON_CACHE_TTL_MS, and at most PERSON_CACHE_MAX
 * are kept, least recently used first out.
 *
 * Only positive answers are kept (someone unknown is looked up each time: their first visit
 * binds them, src/workflows/identity.ts). Kept records are frozen: callers share them.
 */
import { LRUCache } from 'lru-cache';
import type { Person } from '../domain/types.js';

export const PERSON_CACHE_MAX = 10_000;
export const PERSON_CACHE_TTL_MS = 5 * 60_000;

export class PersonCache {
  // ttlResolution 0: the clock is read on each lookup (performance.now, sub-microsecond), rather
  // than remembered for a millisecond behind a timer that every lookup would otherwise start.
  private readonly entries = new LRUCache<string, Person>({
    max: PERSON_CACHE_MAX,
    ttl: PERSON_CACHE_TTL_MS,
    ttlResolution: 0,
  });
  private generation = 0;
  private listening = false;

  /** Whether lookups are being kept (the change feed is listening). */
  get active(): boolean {
    return this.listening;
  }

  /** How many people are kept now. */
  get size(): number {
    return this.entries.size;
  }

  /** The change feed listens from now on: every later change will be noticed. */
  startKeeping(): void {
    this.forget();
    this.listening = true;
  }

  /** The change feed is lost or closed: keep nothing until it listens again. */
  stopKeeping(): void {
    this.listening = false;
    this.forget();
  }

  /** People or roles changed somewhere: forget everyone (and any lookup still under way). */
  forget(): void {
    this.generation++;
    this.entries.clear();
  }

  /** The person under `key` (a normalised Entra object id), kept or read with `load`. */
  async lookup(key: string, load: () => Promise<Person | null>): Promise<Person | null> {
    const generation = this.generation;
    if (this.listening) {
      const kept = this.entries.get(key);
      if (kept) return kept;
    }
    const found = await load();
    if (!found || !this.listening || generation !== this.generation) return found;
    const kept = frozen(found);
    this.entries.set(key, kept);
    return kept;
  }
}

function frozen(p: Person): Person {
  return Object.freeze({ ...p, roles: Object.freeze([...p.roles]) as Person['roles'] });
}
