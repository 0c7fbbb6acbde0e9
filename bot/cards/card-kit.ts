/**
 * The small set of Adaptive Card builders every card is made from. Cards are schema 1.5 (the
 * version Teams renders) and use Universal Actions (`Action.Execute` with a verb), so the same
 * card works in personal chats, group chats and channels.
 * https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/overview
 *
 * Text people typed or named (commentary, questions, answers, feedback, notes, document names,
 * what someone typed to the bot) is never read as Markdown: it goes in `rich` runs (a TextRun has
 * no Markdown, https://learn.microsoft.com/adaptive-cards/schema-explorer/text-run), or, in the
 * few places that only take Markdown text (headings, facts), through `escapeMarkdown`. `text` is
 * for the app's own words. Status is shown with container styles, which Teams themes in its
 * default, dark and high-contrast themes, never with coloured body text.
 * https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format
 */

import { londonDateKey } from '../../src/domain/time.js';
import { CARD_BUDGET_UTF16_BYTES } from './constants.js';

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

/**
 * Backslash-escapes what Markdown would read as formatting (emphasis, links, code, lists), for
 * data in the places that only take Markdown text (headings, facts). CommonMark lets any ASCII
 * punctuation be escaped this way.
 */
export function escapeMarkdown(value: string): string {
  return value
    .replace(/[\\`*_[\]()<>#~|!]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([-+])(?=\s)/gm, '$1\\$2')
    .replace(/^(\s*\d+)\.(?=\s)/gm, '$1\\.');
}

/** The card's title (a heading for screen readers) and an optional line under it; both shown as written. */
export function heading(title: string, subtle?: string): CardElement[] {
  const out: CardElement[] = [
    {
      type: 'TextBlock',
      text: escapeMarkdown(title),
      size: 'Large',
      weight: 'Bolder',
      wrap: true,
      style: 'heading',
    },
  ];
  if (subtle)
    out.push({ type: 'TextBlock', text: escapeMarkdown(subtle), isSubtle: true, wrap: true, spacing: 'None' });
  return out;
}

type TextOptions = Partial<{ weight: 'Bolder'; isSubtle: boolean; size: 'Small' | 'Medium' }>;

/** The app's own words, with Markdown (**bold**, lists). Data goes in `rich` instead. */
export function text(value: string, opts: TextOptions = {}): CardElement {
  return { type: 'TextBlock', text: value, wrap: true, ...opts };
}

/** A run of text, shown exactly as written (never Markdown). */
export type Run = string | ({ text: string } & Partial<{ weight: 'Bolder'; isSubtle: boolean; italic: boolean }>);

/** A bold run (a label before data). */
export const strong = (value: string): Run => ({ text: value, weight: 'Bolder' });

/**
 * A paragraph of runs, none read as Markdown: for anything people typed or named. Runs of an
 * empty string are dropped (a TextRun needs text).
 */
export function rich(
  runs: readonly Run[],
  opts: Partial<{ isSubtle: boolean; size: 'Small' | 'Medium' }> = {},
): CardElement {
  const inlines = runs
    .map((r) => (typeof r === 'string' ? { text: r } : r))
    .filter((r) => r.text !== '')
    .map((r) => ({
      type: 'TextRun',
      ...r,
      ...(opts.isSubtle ? { isSubtle: true } : {}),
      ...(opts.size ? { size: opts.size } : {}),
    }));
  return { type: 'RichTextBlock', inlines: inlines.length > 0 ? inlines : [{ type: 'TextRun', text: ' ' }] };
}

/** Text someone typed or named, shown as written. */
export function plain(value: string, opts: Partial<{ isSubtle: boolean; size: 'Small' | 'Medium' }> = {}): CardElement {
  return rich([value], opts);
}

/** Label and value pairs; both shown as written. */
export function facts(pairs: [string, string][]): CardElement {
  return {
    type: 'FactSet',
    facts: pairs.map(([title, value]) => ({ title: escapeMarkdown(title), value: escapeMarkdown(value) })),
  };
}

/** One line per item, each shown as written. */
export function bulletList(items: string[]): CardElement {
  return rich(items.flatMap((item, i) => (i === 0 ? [`• ${item}`] : [`\n• ${item}`])));
}

/** "1 criterion", "2 criteria". */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
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

export type Tone = 'good' | 'warning' | 'attention';

/**
 * Status set apart: a container in the tone's style (Teams themes its background and keeps the
 * text readable in every theme); the text itself keeps the default colour.
 */
export function callout(tone: Tone, items: CardElement[]): CardElement {
  return container(items, tone);
}

/** A highlighted line at the top of a card (what changed, what was saved); shown as written. */
export function notice(message: string, tone: Tone = 'warning'): CardElement {
  return callout(tone, [rich([strong(message)])]);
}

/**
 * A text box, always labelled (the label is what screen readers announce) and with the message
 * Teams shows when what was typed does not pass (required, pattern).
 */
export function textInput(
  id: string,
  label: string,
  opts: {
    value?: string;
    placeholder?: string;
    multiline?: boolean;
    maxLength?: number;
    required?: boolean;
    /** A pattern the value must match (Teams checks it before sending). */
    regex?: string;
    errorMessage?: string;
  } = {},
): CardElement {
  const errorMessage =
    opts.errorMessage ??
    (opts.required
      ? `Enter ${lowerFirst(label)}.`
      : `${label} can be up to ${opts.maxLength ?? 'a few thousand'} characters.`);
  return {
    type: 'Input.Text',
    id,
    label,
    ...(opts.value ? { value: opts.value } : {}),
    ...(opts.placeholder ? { placeholder: opts.placeholder } : {}),
    ...(opts.multiline ? { isMultiline: true } : {}),
    ...(opts.maxLength ? { maxLength: opts.maxLength } : {}),
    ...(opts.regex ? { regex: opts.regex } : {}),
    ...(opts.required ? { isRequired: true } : {}),
    errorMessage,
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
    errorMessage?: string;
  } = {},
): CardElement {
  return {
    type: 'Input.ChoiceSet',
    id,
    label,
    choices: choices.map((c) => ({ title: c.title, value: c.value })),
    style: opts.style ?? 'compact',
    ...(opts.value ? { value: opts.value } : {}),
    ...(opts.multi ? { isMultiSelect: true } : {}),
    ...(opts.placeholder ? { placeholder: opts.placeholder } : {}),
    ...(opts.required ? { isRequired: true } : {}),
    errorMessage: opts.errorMessage ?? `Choose ${lowerFirst(label)}.`,
  };
}

/** What a UK date looks like in a text box: 19/09/2025 (day first). */
export const UK_DATE_PATTERN = '^\\s*\\d{1,2}/\\d{1,2}/\\d{4}\\s*$';

/**
 * A date, typed and shown day first (19/09/2025) whatever the device's language: Input.Date
 * shows the browser's or device's own date format (US month-first in many), so people in the UK
 * would pick dates in a format they do not use.
 */
export function ukDateInput(id: string, label: string, value?: Date): CardElement {
  return textInput(id, `${label} (DD/MM/YYYY)`, {
    ...(value ? { value: formatUkDate(value) } : {}),
    placeholder: 'DD/MM/YYYY, e.g. 19/09/2025',
    regex: UK_DATE_PATTERN,
    maxLength: 10,
    errorMessage: `Enter ${lowerFirst(label)} as day/month/year, e.g. 19/09/2025.`,
  });
}

/** The London calendar date of an instant as DD/MM/YYYY. */
export function formatUkDate(d: Date): string {
  const [y, m, day] = londonDateKey(d).split('-');
  return `${day}/${m}/${y}`;
}

export function toggleInput(id: string, label: string, title: string, value: boolean): CardElement {
  return {
    type: 'Input.Toggle',
    id,
    label,
    title,
    value: value ? 'true' : 'false',
    valueOn: 'true',
    valueOff: 'false',
    errorMessage: `Tick or untick ${lowerFirst(title)}.`,
  };
}

function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s;
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

/**
 * A card's size as Teams counts a message: UTF-16, two bytes per code unit. Older versions of
 * Teams' limit page say 40 KB; the builders keep every card well under it (MAX_CARD_UTF16_BYTES).
 * https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages
 */
export function cardBytes(c: AdaptiveCard): number {
  return JSON.stringify(c).length * 2;
}

/** Which part of a long list a card shows. */
export interface PagePosition {
  index: number;
  count: number;
}

/**
 * Splits `items` into pages whose cards stay under the size budget (CARD_BUDGET_UTF16_BYTES):
 * greedily, each page as long as its card fits and at most `maxPerPage` items. `build` renders
 * a page; it is measured with the largest page numbers, so the real card is never bigger.
 * A card only grows with its items, so each page is found by measuring the longest page first
 * (usually all that is needed) and otherwise by halving, not by measuring every length in turn.
 */
export function pageBySize<T>(
  items: readonly T[],
  build: (slice: readonly T[], page: PagePosition) => AdaptiveCard,
  opts: { maxPerPage?: number; budget?: number } = {},
): T[][] {
  const budget = opts.budget ?? CARD_BUDGET_UTF16_BYTES;
  const max = opts.maxPerPage ?? Number.POSITIVE_INFINITY;
  const worst: PagePosition = { index: items.length, count: items.length };
  const pages: T[][] = [];
  const fits = (start: number, n: number) => cardBytes(build(items.slice(start, start + n), worst)) < budget;
  for (let start = 0; start < items.length;) {
    // The first item always has a page; the longest page that fits is taken.
    let n = Math.min(max, items.length - start);
    if (n > 1 && !fits(start, n)) {
      let lo = 1; // fits (or is the single item a page always has)
      let hi = n; // does not fit
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (fits(start, mid)) lo = mid;
        else hi = mid;
      }
      n = lo;
    }
    pages.push(items.slice(start, start + n));
    start += n;
  }
  if (pages.length === 0) pages.push([]);
  return pages;
}

/** "Previous" and "Next" buttons for a paged card (Next first: it is the way on). */
export function pageButtons(
  page: PagePosition,
  verb: string,
  data: (index: number) => Record<string, unknown>,
  labels: { next?: string; previous?: string } = {},
): CardAction[] {
  return [
    ...(page.index + 1 < page.count ? [execute(labels.next ?? 'Next page', verb, data(page.index + 1))] : []),
    ...(page.index > 0 ? [execute(labels.previous ?? 'Previous page', verb, data(page.index - 1))] : []),
  ];
}
