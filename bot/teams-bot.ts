/**
 * The Teams face of the app: turns activities into router requests and router cards into
 * replies. Typed messages get a new card; `adaptiveCard/action` invokes get the card back in the
 * invoke response, which Teams puts in place of the card that was clicked.
 * https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards
 */
import {
  ActivityTypes,
  CardFactory,
  MessageFactory,
  TeamsActivityHandler,
  TeamsInfo,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
} from 'botbuilder';
import { instruments, tracer } from '../src/telemetry.js';
import { isConfiguredTenant, normaliseId } from '../src/workflows/identity.js';
import type { Services } from '../src/workflows/services.js';
import { CARD_CONTENT_TYPE, withRefreshForEveryone, type AdaptiveCard } from './cards/card-kit.js';
import type { CommandRouter, IncomingRequest, RouterResult } from './router.js';

/** Router outcomes whose card is the menu of the person who asked (help, not understood, no access). */
const MENU_OUTCOMES: ReadonlySet<string> = new Set(['help', 'not_understood', 'unknown_user']);

/**
 * In a group chat or channel everyone sees the bot's reply, but a menu is about one person's role:
 * let Teams refresh it for each viewer with `help`, so every member sees their own role's buttons.
 */
function menuForEachViewer(context: TurnContext, result: RouterResult): AdaptiveCard {
  const type = context.activity.conversation?.conversationType;
  const shared = type !== undefined && type !== 'personal';
  return shared && MENU_OUTCOMES.has(result.outcome) ? withRefreshForEveryone(result.card, 'help') : result.card;
}

export class WexqsBot extends TeamsActivityHandler {
  constructor(
    private readonly svc: Services,
    private readonly router: CommandRouter,
  ) {
    super();

    this.onMessage(async (context, next) => {
      const text = context.activity.text ?? '';
      const result = await this.router.handle({ kind: 'message', identity: await this.identity(context), text });
      await context.sendActivity(
        MessageFactory.attachment(CardFactory.adaptiveCard(menuForEachViewer(context, result))),
      );
      await this.rememberConversation(context);
      await next();
    });

    // Installing the app in personal scope sends both an installationUpdate and a
    // conversationUpdate (bot added): greet once, on the latter; keep the reference on both.
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.rememberConversation(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botAdded = (context.activity.membersAdded ?? []).some((m) => m.id === context.activity.recipient.id);
      if (botAdded && context.activity.conversation.conversationType === 'personal') await this.greet(context);
      await next();
    });
  }

  /**
   * Runs a turn. A card action (`adaptiveCard/action`, nearly every activity the bot receives) goes
   * straight to onAdaptiveCardInvoke and its invoke response, as ActivityHandler would take it there
   * (the bot registers no turn or dialog handlers it would run first), without the handler chain's
   * per-turn cost; every other activity goes through ActivityHandler.
   */
  override async run(context: TurnContext): Promise<void> {
    const activity = context.activity;
    if (activity?.type !== ActivityTypes.Invoke || activity.name !== 'adaptiveCard/action') return super.run(context);
    // The edge (src/server/activity-schema.ts) let through only an Action.Execute with a verb.
    const invokeValue = activity.value as AdaptiveCardInvokeValue;
    const response = await this.onAdaptiveCardInvoke(context, invokeValue);
    await context.sendActivity({
      type: ActivityTypes.InvokeResponse,
      value: { status: response.statusCode, body: response },
    });
  }

  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    invokeValue: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    // One span per card action, and its latency by outcome (the command that answered, from a
    // fixed set: never the raw verb or data a client sent, never who clicked).
    return tracer.startActiveSpan('card.invoke', async (span) => {
      const started = performance.now();
      let outcome = 'error';
      try {
        const action = invokeValue?.action ?? ({} as AdaptiveCardInvokeValue['action']);
        const data = (action.data ?? {}) as Record<string, unknown>;
        const result = await this.router.handle({
          kind: 'invoke',
          identity: await this.identity(context),
          verb: typeof action.verb === 'string' ? action.verb : '',
          data,
          ...(context.activity.replyToId
            ? {
                origin: {
                  reference: TurnContext.getConversationReference(context.activity) as unknown as Record<
                    string,
                    unknown
                  >,
                  activityId: context.activity.replyToId,
                },
              }
            : {}),
        });
        outcome = result.outcome;
        return { statusCode: 200, type: CARD_CONTENT_TYPE, value: result.card as unknown as Record<string, unknown> };
      } finally {
        span.setAttribute('wexqs.outcome', outcome);
        instruments().cardInvokeDuration.record(performance.now() - started, { 'wexqs.outcome': outcome });
        span.end();
      }
    });
  }

  private async greet(context: TurnContext): Promise<void> {
    const result = await this.router.handle({
      kind: 'invoke',
      identity: await this.identity(context),
      verb: 'help',
      data: { greeting: true },
    });
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(result.card)));
    await this.rememberConversation(context);
  }

  /**
   * Who is talking, as the activity says: Entra object id, tenant, and the roster email (asked for
   * only when the object id matches nobody). src/workflows/identity.ts decides who that is.
   */
  private async identity(context: TurnContext): Promise<IncomingRequest['identity']> {
    const from = context.activity.from;
    return {
      entraObjectId: from.aadObjectId ?? null,
      tenantId: tenantOf(context),
      name: from.name,
      lookupEmail: async () => {
        const member = await TeamsInfo.getMember(context, from.id);
        return member.email ?? member.userPrincipalName ?? null;
      },
    };
  }

  /** Keep the personal conversation reference so reminders can reach this person later. */
  private async rememberConversation(context: TurnContext): Promise<void> {
    const activity = context.activity;
    if (activity.conversation?.conversationType && activity.conversation.conversationType !== 'personal') return;
    if (!isConfiguredTenant(this.svc, tenantOf(context))) return;
    const person = await this.svc.store.people.findByEntraObjectId(activity.from.aadObjectId ?? '');
    if (!person) return;
    const reference = TurnContext.getConversationReference(activity);
    await this.svc.store.conversations.upsert({
      key: `personal:${activity.conversation.id}`,
      personId: person.id,
      aadObjectId: activity.from.aadObjectId ?? null,
      scope: 'personal',
      reference: reference as unknown as Record<string, unknown>,
      updatedAt: this.svc.clock.now(),
    });
  }
}

/** The tenant of an activity: Teams puts it in channelData.tenant.id (and conversation.tenantId). */
function tenantOf(context: TurnContext): string | null {
  const channelData = context.activity.channelData as { tenant?: { id?: unknown } } | undefined;
  const fromChannel = typeof channelData?.tenant?.id === 'string' ? channelData.tenant.id : null;
  const fromConversation = context.activity.conversation?.tenantId ?? null;
  // Two different tenants in one activity: trust neither (no tenant is never the configured one).
  if (fromChannel && fromConversation && normaliseId(fromChannel) !== normaliseId(fromConversation)) return null;
  return fromChannel ?? fromConversation;
}
