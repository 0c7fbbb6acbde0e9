/**
 * CardDelivery (src/workflows/ports.ts) over the Bot Framework adapter: proactive cards to
 * people's personal chats (stored conversation references) and in-place updates of a card the
 * user clicked (`updateActivity` on the invoke's replyToId).
 * https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages
 */
import { CardFactory, MessageFactory, type CloudAdapter, type ConversationReference } from 'botbuilder';
import type { Logger } from '../src/log.js';
import type { Store } from '../src/store/store.js';
import type { CardDelivery, CardOrigin } from '../src/workflows/ports.js';

export class AdapterCardDelivery implements CardDelivery {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
    private readonly store: Store,
    private readonly log: Logger,
    readonly userSpecificViews = true,
  ) {}

  async toPeople(personIds: readonly string[], card: object): Promise<{ delivered: string[]; unreachable: string[] }> {
    const delivered: string[] = [];
    const unreachable: string[] = [];
    for (const personId of new Set(personIds)) {
      const conv = await this.store.conversations.personal(personId);
      if (!conv) {
        unreachable.push(personId);
        continue;
      }
      try {
        await this.adapter.continueConversationAsync(
          this.appId,
          conv.reference as unknown as ConversationReference,
          async (ctx) => {
            await ctx.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
          },
        );
        delivered.push(personId);
      } catch (err) {
        unreachable.push(personId);
        this.log.warn(
          { personId, err: err instanceof Error ? { type: err.name, message: err.message } : String(err) },
          'proactive card not delivered',
        );
      }
    }
    return { delivered, unreachable };
  }

  async update(origin: CardOrigin, card: object): Promise<void> {
    await this.adapter.continueConversationAsync(
      this.appId,
      origin.reference as unknown as ConversationReference,
      async (ctx) => {
        const activity = MessageFactory.attachment(CardFactory.adaptiveCard(card));
        activity.id = origin.activityId;
        await ctx.updateActivity(activity);
      },
    );
  }
}
