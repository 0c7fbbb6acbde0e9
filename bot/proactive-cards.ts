/**
 * CardDelivery (src/workflows/ports.ts) over the Bot Framework adapter: an in-place update of a
 * card the user clicked (`updateActivity` on the invoke's replyToId), e.g. a progress card.
 * Messages to people go through the notification outbox and its dispatcher instead.
 * https://learn.microsoft.com/microsoftteams/platform/bots/how-to/update-and-delete-bot-messages
 *
 * An error inside `continueConversationAsync`'s callback goes to the adapter's onTurnError, not to
 * the caller (PLATFORM-FACTS "Teams bots, for real"): it is caught inside the callback, so a
 * refused update is reported as such.
 */
import { CardFactory, MessageFactory, type CloudAdapter, type ConversationReference } from 'botbuilder';
import type { Logger } from '../src/log.js';
import type { CardDelivery, CardOrigin } from '../src/workflows/ports.js';
import { classifyError } from './messenger.js';

export class AdapterCardDelivery implements CardDelivery {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
    private readonly log: Logger,
    readonly userSpecificViews = true,
  ) {}

  async update(origin: CardOrigin, card: object): Promise<boolean> {
    let failure: unknown = null;
    try {
      await this.adapter.continueConversationAsync(
        this.appId,
        origin.reference as unknown as ConversationReference,
        async (ctx) => {
          try {
            const activity = MessageFactory.attachment(CardFactory.adaptiveCard(card));
            activity.id = origin.activityId;
            await ctx.updateActivity(activity);
          } catch (err) {
            failure = err ?? new Error('update failed');
          }
        },
      );
    } catch (err) {
      failure = err;
    }
    if (failure === null) return true;
    const outcome = classifyError(failure);
    this.log.warn({ status: outcome.status, reason: 'reason' in outcome ? outcome.reason : '' }, 'card update refused');
    return false;
  }
}
