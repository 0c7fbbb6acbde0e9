/**
 * How the bot's senders read Teams' answers: both error body shapes (the Bot Framework's and
 * Teams' own `errorCode` 209 with the sub-code inside a JSON string), a card that cannot be made
 * (its subject gone: failed; anything else: tried again), and an in-place card update refused by
 * the connector reported as refused (the error is caught inside continueConversationAsync's
 * callback, where the adapter would otherwise swallow it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../../bot/adapter.js';
import { BotMessenger, classifyError, errorDetail } from '../../bot/messenger.js';
import { NothingToSend } from '../../bot/notification-cards.js';
import { AdapterCardDelivery } from '../../bot/proactive-cards.js';
import {
  EmulatorCredentialsFactory,
  startConnectorEmulator,
  type ConnectorEmulator,
} from '../../src/connector-emulator/index.js';
import { silentLogger } from '../../src/log.js';
import { applicationNotice } from '../../src/notifications/content.js';
import type { SendRequest } from '../../src/notifications/messenger.js';

// The bot signs its calls with its token, which the local connector requires.
const adapter = createAdapter(
  { appId: '', appPassword: '', appType: 'MultiTenant', tenantId: '' },
  silentLogger,
  new EmulatorCredentialsFactory(),
);

describe('Bot Connector error bodies', () => {
  it("reads Teams' blocked-user body: errorCode 209 with the sub-code in a JSON string", () => {
    const teams = { errorCode: 209, message: '{"subCode":"MessageWritesBlocked","details":"Thread is blocked"}' };
    expect(errorDetail(teams)).toEqual({ code: '209', subCode: 'MessageWritesBlocked' });
    // Cut short (not JSON any more): the sub-code is still found.
    expect(errorDetail({ errorCode: 209, message: '{"subCode":"MessageWritesBlocked","details":"Thre' })).toEqual({
      code: '209',
      subCode: 'MessageWritesBlocked',
    });
    expect(errorDetail({ error: { code: 'ConversationBlockedByUser', subCode: 'MessageWritesBlocked' } })).toEqual({
      code: 'ConversationBlockedByUser',
      subCode: 'MessageWritesBlocked',
    });
    expect(errorDetail(null)).toEqual({});
    expect(errorDetail({ message: 'plain words' })).toEqual({});
  });

  it('classifies a 403 with that body as unreachable, naming the code and sub-code', () => {
    const err = {
      statusCode: 403,
      response: {
        status: 403,
        headers: {},
        bodyAsText: JSON.stringify({ errorCode: 209, message: '{"subCode":"MessageWritesBlocked"}' }),
      },
    };
    expect(classifyError(err)).toEqual({
      status: 'unreachable',
      httpStatus: 403,
      reason: '403 209/MessageWritesBlocked',
    });
    expect(classifyError({ code: 'ECONNRESET' })).toMatchObject({ status: 'transient', httpStatus: null });
  });
});

describe('BotMessenger and card updates against the local Bot Connector', () => {
  let connector: ConnectorEmulator;
  beforeAll(async () => {
    connector = await startConnectorEmulator({ timeScale: 10 });
    connector.registerConversation('c-1', '29:one');
  });
  afterAll(async () => {
    await connector?.close();
  });

  const request = (): SendRequest => ({
    outboxId: 'row-1',
    recipient: { personId: 'p-1', aadObjectId: 'aad-1' },
    conversation: {
      serviceUrl: connector.url,
      channelId: 'msteams',
      conversation: { id: 'c-1', conversationType: 'personal' },
      user: { id: '29:one' },
      bot: { id: '28:bot' },
    },
    message: applicationNotice('reviewer_assigned', 'app-1'),
  });

  it('a notification whose subject is gone fails; a card that cannot be made now is tried again', async () => {
    const gone = new BotMessenger(adapter, {
      appId: '',
      render: async () => {
        throw new NothingToSend('the application or the person no longer exists');
      },
    });
    expect(await gone.send(request())).toMatchObject({
      status: 'failed',
      reason: 'the card could not be made: the application or the person no longer exists',
    });
    const busy = new BotMessenger(adapter, {
      appId: '',
      render: async () => {
        throw new Error('database busy');
      },
    });
    expect(await busy.send(request())).toMatchObject({ status: 'transient' });
    // Without a renderer only reminders' text can be sent.
    expect(await new BotMessenger(adapter, { appId: '' }).send(request())).toMatchObject({ status: 'failed' });
    expect(connector.stats().accepted).toBe(0);
    // With one, the card goes.
    const ok = new BotMessenger(adapter, {
      appId: '',
      render: async () => ({ type: 'AdaptiveCard', version: '1.5', body: [] }),
    });
    expect(await ok.send(request())).toMatchObject({ status: 'sent', conversationId: 'c-1' });
    expect(connector.receivedBy('29:one')).toBe(1);
  });

  it('an in-place update the connector refuses is reported as refused, not as done', async () => {
    const cards = new AdapterCardDelivery(adapter, '', silentLogger);
    const origin = {
      reference: {
        serviceUrl: connector.url,
        channelId: 'msteams',
        conversation: { id: 'c-1' },
        user: { id: '29:one' },
        bot: { id: '28:bot' },
      },
      activityId: 'no-such-activity',
    };
    expect(await cards.update(origin, { type: 'AdaptiveCard', version: '1.5', body: [] })).toBe(false);
    const sent = connector.activities('c-1')[0]!;
    expect(await cards.update({ ...origin, activityId: sent.id }, { type: 'AdaptiveCard', version: '1.5' })).toBe(true);
    expect(connector.stats().updates).toBe(1);
  });
});
