/**
 * How the Teams face runs a turn (bot/teams-bot.ts): a card action is answered by its invoke
 * response straight from the router, without ActivityHandler's handler chain; every other
 * activity still goes through ActivityHandler (a message reaches the bot's onMessage handler).
 */
import {
  ActivityHandler,
  BotAdapter,
  TurnContext,
  type Activity,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { card as makeCard, CARD_CONTENT_TYPE, text } from '../../bot/cards/card-kit.js';
import type { CommandRouter, IncomingRequest } from '../../bot/router.js';
import { WexqsBot } from '../../bot/teams-bot.js';
import type { Services } from '../../src/workflows/services.js';

/** An adapter that keeps what the turn sends (an invoke response included, as CloudAdapter does). */
class RecordingAdapter extends BotAdapter {
  readonly sent: Partial<Activity>[] = [];
  async sendActivities(_context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    this.sent.push(...activities);
    return activities.map((_, i) => ({ id: `sent-${i}` }));
  }
  async updateActivity(): Promise<void> {}
  async deleteActivity(): Promise<void> {}
  async continueConversation(_reference: Partial<ConversationReference>): Promise<void> {}
}

const card = makeCard([text('Status')]);

/** Runs one activity through the bot; what the router was asked and what the turn sent. */
async function turn(activity: Record<string, unknown>) {
  const requests: IncomingRequest[] = [];
  const router = {
    handle: async (request: IncomingRequest) => {
      requests.push(request);
      return { card, outcome: 'status' };
    },
  } as unknown as CommandRouter;
  // Another tenant than the activity's: the bot keeps no conversation reference (no store needed).
  const svc = { tenantId: '00000000-0000-0000-0000-00000000ffff' } as unknown as Services;
  const adapter = new RecordingAdapter();
  await new WexqsBot(svc, router).run(new TurnContext(adapter, activity as unknown as Activity));
  return { requests, sent: adapter.sent };
}

/** A spy on one of ActivityHandler's own steps (protected in its types). */
const spyOnHandler = (step: 'onInvokeActivity' | 'onTurnActivity') =>
  vi.spyOn(ActivityHandler.prototype as unknown as Record<typeof step, () => unknown>, step);

const base = {
  channelId: 'msteams',
  serviceUrl: 'https://smba.example/teams/',
  from: { id: '29:ada', aadObjectId: '11111111-1111-1111-1111-111111111111' },
  recipient: { id: '28:bot' },
  conversation: { id: 'a:1', conversationType: 'personal', tenantId: '00000000-0000-0000-0000-000000000001' },
};

afterEach(() => vi.restoreAllMocks());

describe('a turn of the Teams bot', () => {
  it('answers a card action with the router’s card as its invoke response, without ActivityHandler’s invoke chain', async () => {
    const chain = spyOnHandler('onInvokeActivity');
    const { requests, sent } = await turn({
      ...base,
      type: 'invoke',
      name: 'adaptiveCard/action',
      replyToId: 'msg-1',
      value: {
        action: { type: 'Action.Execute', verb: 'status', data: { verb: 'status', page: 2 } },
        trigger: 'manual',
      },
    });
    expect(chain).not.toHaveBeenCalled();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      kind: 'invoke',
      verb: 'status',
      data: { verb: 'status', page: 2 },
      origin: { activityId: 'msg-1' },
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      type: 'invokeResponse',
      value: { status: 200, body: { statusCode: 200, type: CARD_CONTENT_TYPE, value: card } },
    });
  });

  it('runs any other activity through ActivityHandler: a message gets the router’s card as a reply', async () => {
    const handlers = spyOnHandler('onTurnActivity');
    const { requests, sent } = await turn({ ...base, type: 'message', text: 'status' });
    expect(handlers).toHaveBeenCalledTimes(1);
    expect(requests).toEqual([expect.objectContaining({ kind: 'message', text: 'status' })]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      type: 'message',
      attachments: [{ contentType: CARD_CONTENT_TYPE, content: card }],
    });
  });
});
