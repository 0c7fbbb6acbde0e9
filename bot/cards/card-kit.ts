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
  const out: CardElement[] = [
    { type: 'TextBlock', text, size: 'Large', weight: 'Bolder', wrap: true, style: 'heading' },
  ];
  if (subtle) out.push({ type: 'TextBlock', text: subtle, isSubtle: true, wrap: true, spacing: 'None' });
  return out;
}

export function text(
  value: string,
  opts: Partial<{
    weight: 'Bolder';
    color: 'Attention' | 'Good' | 'Warning' | 'Accent';
    isSubtle: boolean;
    size: 'Small' | 'Medium';
  }> = {},
): CardElement {
  return { type: 'TextBlock', text: value, wrap: true, ...opts };
}

export function facts(pairs: [string, string][]): CardElement {
  return { type: 'FactSet', facts: pairs.map(([title, value]) => ({ title, value })) };
}

export function bulletList(items: string[]): CardElement {
  return text(items.map((i) => `- ${i}`).join('\r'));
}

/** Universal Action: Teams sends `adaptiveCard/action` with this verb and data to the bot. */
export function execute(
  title: string,
  verb: string,
  data: Record<string, unknown> = {},
  style?: 'positive' | 'destructive',
): CardAction {
  return { type: 'Action.Execute', title, verb, data: { verb, ...data }, ...(style ? { style } : {}) };
}

export function openUrl(title: string, url: string): CardAction {
  return { type: 'Action.OpenUrl', title, url };
}

export function actionSet(actions: CardAction[]): CardElement {
  return { type: 'ActionSet', actions };
}

export function container(
  items: CardElement[],
  style?: 'emphasis' | 'good' | 'attention' | 'warning' | 'accent',
): CardElement {
  return { type: 'Container', items, ...(style ? { style } : {}) };
}

/** Teams shows a user-specific, up-to-date view to these users (max 60) by invoking `verb` when the card is displayed. */
export function withRefresh(
  c: AdaptiveCard,
  verb: string,
  data: Record<string, unknown>,
  userIds: readonly string[],
): AdaptiveCard {
  const ids = [...new Set(userIds)].slice(0, 60);
  if (ids.length === 0) return c;
  return {
    ...c,
    refresh: { action: { type: 'Action.Execute', title: 'Refresh', verb, data: { verb, ...data } }, userIds: ids },
  };
}

/**
 * For a card in a group chat or channel that each person should see in their own version (e.g.
 * the help menu of their role): in conversations of fewer than 60 people Teams refreshes a card
 * without `userIds` automatically for everyone who views it, invoking `verb` as that person.
 * https://learn.microsoft.com/javascript/api/teams-sdk-typescript/@microsoft/teams.cards/irefreshdefinition
 */
export function withRefreshForEveryone(
  c: AdaptiveCard,
  verb: string,
  data: Record<string, unknown> = {},
): AdaptiveCard {
  return { ...c, refresh: { action: { type: 'Action.Execute', title: 'Refresh', verb, data: { verb, ...data } } } };
}

/** A highlighted line at the top of a card (what changed, what was saved). */
export function notice(message: string, tone: 'good' | 'warning' | 'attention' = 'warning'): CardElement {
  const color = tone === 'good' ? 'Good' : tone === 'attention' ? 'Attention' : 'Warning';
  return container([text(message, { color, weight: 'Bolder' })], tone === 'good' ? 'good' : tone);
}

export function textInput(
  id: string,
  label: string,
  opts: {
    value?: string;
    placeholder?: string;
    multiline?: boolean;
    maxLength?: number;
    required?: boolean;
    errorMessage?: string;
  } = {},
): CardElement {
  return {
    type: 'Input.Text',
    id,
    ...(label.trim() ? { label } : {}),
    ...(opts.value ? { value: opts.value } : {}),
    ...(opts.placeholder ? { placeholder: opts.placeholder } : {}),
    ...(opts.multiline ? { isMultiline: true } : {}),
    ...(opts.maxLength ? { maxLength: opts.maxLength } : {}),
    ...(opts.required ? { isRequired: true, errorMessage: opts.errorMessage ?? `${label} is required.` } : {}),
  };
}

export function choiceInput(
  id: string,
  label: string,
  choices: readonly { title: string; value: string }[],
  opts: {
    value?: string;
    style?: 'compact' | 'expanded';
    multi?: boolean;
    placeholder?: string;
    required?: boolean;
  } = {},
): CardElement {
  return {
    type: 'Input.ChoiceSet',
    id,
    ...(label.trim() ? { label } : {}),
    choices: choices.map((c) => ({ title: c.title, value: c.value })),
    style: opts.style ?? 'compact',
    ...(opts.value ? { value: opts.value } : {}),
    ...(opts.multi ? { isMultiSelect: true } : {}),
    ...(opts.placeholder ? { placeholder: opts.placeholder } : {}),
    ...(opts.required
      ? { isRequired: true, errorMessage: `Choose ${label.trim().toLowerCase() || 'an option'}.` }
      : {}),
  };
}

export function dateInput(id: string, label: string, value?: string): CardElement {
  return { type: 'Input.Date', id, label, ...(value ? { value } : {}) };
}

export function toggleInput(id: string, title: string, value: boolean): CardElement {
  return { type: 'Input.Toggle', id, title, value: value ? 'true' : 'false', valueOn: 'true', valueOff: 'false' };
}

export function columns(cols: { items: CardElement[]; width?: 'auto' | 'stretch' | string }[]): CardElement {
  return {
    type: 'ColumnSet',
    columns: cols.map((c) => ({ type: 'Column', width: c.width ?? 'stretch', items: c.items })),
  };
}

/** Shorten long user text for display (cards stay small). */
export function truncate(value: string, max: number): string {
  const v = value.trim();
  return v.length <= max ? v : `${v.slice(0, max - 1).trimEnd()}…`;
}

export function cardBytes(c: AdaptiveCard): number {
  return Buffer.byteLength(JSON.stringify(c), 'utf8');
}
