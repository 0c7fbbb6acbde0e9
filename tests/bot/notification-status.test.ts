/**
 * Event notifications are accounted for like reminders: after an admin opens an application, the
 * team's "application open" cards go through the outbox; one that cannot be delivered is shown to
 * the admin as not delivered, with the reason, beside the one that was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { cardText, click, harness, invoke, say, type Harness } from './helpers.js';

describe('notifications in the admin’s reminder status', () => {
  let handle: DatabaseHandle;
  let h: Harness;
  beforeAll(async () => {
    handle = await openDatabase({ pgliteDir: 'memory://' });
    h = await harness(handle);
  });
  afterAll(async () => handle.close());

  it('a card that could not be delivered is listed as not delivered, with why; the one that went is counted sent', async () => {
    await say(h, 'lead', 'request our application');
    const dash = await say(h, 'admin', 'dashboard');
    await click(h, 'admin', dash.card, 'open_application');
    h.messenger.unreachable.add('contrib-a');
    await h.deliver();
    expect(h.messenger.to('lead-a')).toHaveLength(1);
    expect(h.messenger.to('contrib-a')).toHaveLength(0);
    const status = cardText((await invoke(h, 'admin', 'reminders_status')).card);
    expect(status).toContain('**Application opened, with the folder link (applicant teams)**: 1 sent, 1 unreachable');
    expect(status).toMatch(
      /Cara Contributor: Application opened, with the folder link \(applicant teams\): unreachable \(403 ConversationBlockedByUser\/MessageWritesBlocked\)/,
    );
  });
});
