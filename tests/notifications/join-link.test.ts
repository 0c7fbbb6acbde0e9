/**
 * Local mode: a drop-in reminder's join button opens the local meeting page, chosen when the
 * reminder is sent (the stored message keeps the session's Teams join link, which a tenant uses);
 * other buttons and other reminders are sent as stored.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { JOIN_DROPIN_TITLE } from '../../src/notifications/content.js';
import { Dispatcher } from '../../src/notifications/dispatcher.js';
import type { Messenger, ReminderMessage, SendOutcome, SendRequest } from '../../src/notifications/messenger.js';
import { enqueue } from '../../src/notifications/outbox.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { systemClock } from '../../src/workflows/services.js';
import { message, seedRecipients } from './helpers.js';

const TEAMS_JOIN = 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0';

const dropIn: ReminderMessage = {
  kind: 'dropin_upcoming',
  title: 'Your drop-in session is tomorrow',
  lines: ['Join from the link below when it starts.'],
  facts: [['Session', 'WEx QS drop-in']],
  actions: [
    { type: 'url', title: JOIN_DROPIN_TITLE, url: TEAMS_JOIN },
    { type: 'execute', title: 'My bookings', verb: 'sessions' },
  ],
  summary: 'WEx QS drop-in',
};

class CapturingMessenger implements Messenger {
  readonly sent: SendRequest[] = [];
  send(req: SendRequest): Promise<SendOutcome> {
    this.sent.push(req);
    return Promise.resolve({ status: 'sent', activityId: `a-${this.sent.length}`, conversationId: null });
  }
}

describe('the join link of a drop-in reminder', () => {
  let handle: DatabaseHandle;
  let store: Store;
  let recipient: string;

  beforeAll(async () => {
    handle = await openDatabase({ pgliteDir: 'memory://' });
    store = new Store(handle.db);
    recipient = (await seedRecipients(store, { url: 'http://127.0.0.1:9/unused' }, 1, 'join'))[0]!;
  });
  afterAll(async () => {
    await handle?.close();
  });
  beforeEach(async () => {
    await sql`DELETE FROM reminder_outbox; DELETE FROM notification_pacing;`.execute(handle.db);
    const dueAt = new Date(Date.now() - 60_000);
    await store.transaction((tx) =>
      enqueue(
        tx,
        [
          {
            kind: 'dropin_upcoming',
            recipientId: recipient,
            dueAt,
            subject: { kind: 'booking', id: 'booking-1' },
            sessionId: 'dropin-next-week',
            message: dropIn,
          },
          {
            kind: 'submission_deadline',
            recipientId: recipient,
            dueAt,
            subject: { kind: 'application', id: 'app-1' },
            message: message(),
          },
        ],
        new Date(),
        { quietHours: null },
      ),
    );
  });

  const send = async (joinLink?: (sessionId: string) => string) => {
    const messenger = new CapturingMessenger();
    const dispatcher = new Dispatcher({
      store,
      messenger,
      clock: systemClock,
      log: silentLogger,
      pollMs: 20,
      ...(joinLink ? { joinLink } : {}),
    });
    expect(await dispatcher.drain()).toBe(2);
    const byKind = (kind: string) => messenger.sent.find((r) => r.message.kind === kind)!.message as ReminderMessage;
    return { dropIn: byKind('dropin_upcoming'), deadline: byKind('submission_deadline') };
  };

  it('opens the local meeting page of its session when a join link is given (local mode)', async () => {
    const sent = await send((sessionId) => `http://127.0.0.1:3978/local/dropins?session=${sessionId}`);
    expect(sent.dropIn.actions).toEqual([
      { type: 'url', title: JOIN_DROPIN_TITLE, url: 'http://127.0.0.1:3978/local/dropins?session=dropin-next-week' },
      { type: 'execute', title: 'My bookings', verb: 'sessions' },
    ]);
    expect(sent.deadline).toEqual(message());
    // The outbox keeps the message as planned.
    const [row] = (await store.reminders.list({ status: 'sent' })).filter((r) => r.kind === 'dropin_upcoming');
    expect(row?.payload).toEqual(dropIn);
  });

  it('keeps the Teams join link without one (tenant mode)', async () => {
    const sent = await send();
    expect(sent.dropIn).toEqual(dropIn);
    expect(sent.deadline).toEqual(message());
  });
});
