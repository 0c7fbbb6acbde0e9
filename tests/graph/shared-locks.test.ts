/**
 * Two app instances changing one drop-in's attendees at once: each change replaces the event's
 * whole attendee list, so the instances serialise per event through a PostgreSQL advisory lock
 * and no booking's attendee is lost (the job queue also runs one attendee sync per session at a
 * time; the lock keeps out any other writer of the event).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphMeetings } from '../../src/graph/graph-ports.js';
import { silentLogger } from '../../src/log.js';
import { withAdvisoryLock } from '../../src/store/advisory-lock.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { createSession } from '../../src/workflows/dropins.js';
import { engines } from '../support/databases.js';
import { seedBasics, services, T0 } from '../support/fixtures.js';
import { harness, type Harness } from './helpers.js';

const ADMIN = { personId: 'admin-1', displayName: 'Adam Admin', roles: ['admin' as const], organisationId: null };
const ORGANISER = 'organiser@wexqs.example';

describe.each(engines())('locks shared by instances on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  let h: Harness;

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    await seedBasics(store);
    h = await harness();
  });
  afterAll(async () => {
    await h.close();
    await handle.close();
  });

  it('holders of one key never overlap; other keys are not blocked', async () => {
    let inside = 0;
    let most = 0;
    const hold = (key: string) =>
      withAdvisoryLock(handle.db, key, async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setImmediate(r));
        inside--;
      });
    await Promise.all(Array.from({ length: 8 }, () => hold('same-key')));
    expect(most).toBe(1);
    expect(await withAdvisoryLock(handle.db, 'other-key', async () => 'free')).toBe('free');
  });

  it('two instances adding 20 attendees to one meeting at once keep all 20', async () => {
    const startsAt = new Date(T0.getTime() + 10 * 86_400_000);
    const session = await createSession(services(store), ADMIN, {
      title: 'Busy clinic',
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3_600_000),
      capacity: 30,
    });
    const instance = () =>
      new GraphMeetings({ store, client: h.client, organiser: ORGANISER, log: silentLogger, sharedLocks: true });
    const [a, b] = [instance(), instance()];
    const { eventId } = await a.ensureMeeting(session.id);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).syncAttendees(session.id, {
          booked: [{ email: `person${i}@trust.example`, name: `Person ${i}` }],
          released: [],
        }),
      ),
    );
    const event = (await h.client.api(`/users/${ORGANISER}/events/${eventId}`).get()) as {
      attendees: { emailAddress: { address: string } }[];
    };
    expect(event.attendees.map((x) => x.emailAddress.address).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `person${i}@trust.example`).sort(),
    );
  });
});
