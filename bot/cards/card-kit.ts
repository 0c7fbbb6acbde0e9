/**
 * The small set of Adaptive Card builders every card is made from. Cards are schema 1.5 (the
 * version Teams renders) and use Universal Actions (`Action.Execute` with a verb), so the same
 * card works in personal chats, group chats and channels.
 * https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/overview
 */

export const CARD_VERSION = '1.5';
export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export type CardElement = Record<string, unknown> & { type: string };
export type CardAction = Record<string, unknown> & { type: string };

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: CardElement[];
  actions?: CardAction[];
  refresh?: { action: CardAction; userIds?: string[] };
  msteams?: { width?: 'Full' };
  fallbackText?: string;
}

export function card(body: CardElement[], actions: CardAction[] = [], fallbackText?: string): AdaptiveCard {
  const c: AdaptiveCard = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body,
  };
  if (actions.length > 0) c.actions = actions;
  if (fallbackText) c.fallbackText = fallbackText;
  return c;
}

export function heading(text: string, subtle?: string): CardElement[] {
  const out: CardElement[] = [{ type: 'TextBlock', text, size: 'Large', weight: 'Bolder', wrap: true, style: 'heading' }];
  if (subtle) out.push({ type: 'TextBlock', text: subtle, isSubtle: true, wrap: true, spacing: 'None' });
  return out;
}

export function text(value: string, opts: Partial<{ weight: 'Bolder'; color: 'Attention' | 'Good' | 'Warning' | 'Accent'; isSubtle: boolean; size: 'Small' | 'Medium' }> = {}): CardElement {
  return { type: 'TextBlock', text: value, wrap: true, ...opts };
}

export function facts(pairs: [string, string][]): CardElement {
  return { type: 'FactSet', facts: pairs.map(([title, value]) => ({ title, value })) };
}

export function bulletList(items: string[]): CardElement {
  return text(items.map((i) => `- ${i}`).join('\r'));
}

/** Universal Action: Teams sends `adaptiveCard/action` with this verb and data to the bot. */
export function execute(title: string, verb: string, data: Record<string, unknown> = {}, style?: 'positive' | 'destructive'): CardAction {
  return { type: 'Action.Execute', title, verb, data: { verb, ...data }, ...(style ? { style } : {}) };
}

export function openUrl(title: string, url: string): CardAction {
  return { type: 'Action.OpenUrl', title, url };
}

export function actionSet(actions: CardAction[]): CardElement {
  return { type: 'ActionSet', actions };
}

export function container(items: CardElement[], style?: 'emphasis' | 'good' | 'attention' | 'warning' | 'accent'): CardElement {
  return { type: 'Container', items, ...(style ? { style } : {}) };
}
