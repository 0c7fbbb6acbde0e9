/**
 * A client for the Agents Playground's test API: send messages and card actions as any of the
 * config's users and collect the bot's replies from the conversation WebSocket.
 */
import WebSocket from 'ws';
import { unescapeMarkdown } from '../support/markdown.js';

/**
 * How long to wait for the bot's answer before giving up: a bound on patience, not a speed check
 * (the first answer after a cold start on a loaded 2-core machine has taken more than 10 s).
 */
const REPLY_PATIENCE_MS = 60_000;

export interface PlaygroundMessage {
  id?: string;
  conversation?: { id: string };
  text?: string;
  attachments?: { contentType: string; content: any }[];
  [k: string]: unknown;
}

export class PlaygroundClient {
  private ws: WebSocket | null = null;
  readonly received: PlaygroundMessage[] = [];
  private waiters: { pred: (m: PlaygroundMessage) => boolean; resolve: (m: PlaygroundMessage) => void }[] = [];

  constructor(readonly baseUrl: string) {}

  async connect(): Promise<void> {
    const wsUrl = this.baseUrl.replace(/^http/, 'ws') + '/_ws_conversation/v1/conversations/stream';
    const ws = new WebSocket(wsUrl);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', (raw) => {
      let evt: any;
      try {
        evt = JSON.parse(raw.toString());
      } catch {
        return;
      }
      if (evt?.action !== 'createMessage' && evt?.action !== 'updateMessage') return;
      const msg: PlaygroundMessage = {
        ...(evt.message as PlaygroundMessage),
        id: String(evt.message?.messageId ?? evt.message?.id ?? ''),
        conversation: { id: String(evt.actionConversationId ?? '') },
      };
      this.received.push(msg);
      this.waiters = this.waiters.filter((w) => {
        if (w.pred(msg)) {
          w.resolve(msg);
          return false;
        }
        return true;
      });
    });
    this.ws = ws;
  }

  close(): void {
    this.ws?.close();
  }

  async config(): Promise<any> {
    const res = await fetch(`${this.baseUrl}/_internal/v1/config`);
    return res.json();
  }

  /** Resolves with the first message (already received or arriving later) matching `pred`. */
  waitFor(
    pred: (m: PlaygroundMessage) => boolean,
    timeoutMs = REPLY_PATIENCE_MS,
    fromIndex = 0,
  ): Promise<PlaygroundMessage> {
    const existing = this.received.slice(fromIndex).find(pred);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Send a text message as a user; returns the first card the bot sends back, with its message id. */
  async say(
    conversationId: string,
    userId: string,
    text: string,
    opts: { mentionBot?: { id: string; name: string } } = {},
  ): Promise<{ id: string; card: any }> {
    const mark = this.received.length;
    const res = await fetch(
      `${this.baseUrl}/_conversation/v1/conversations/${encodeURIComponent(conversationId)}/messages`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          // In group chats and channels Teams only sends a bot the messages that @mention it.
          opts.mentionBot
            ? {
                text: `<at>${opts.mentionBot.name}</at> ${text}`,
                textFormat: 'plain',
                from: { id: userId },
                mentions: [{ mentioned: { id: opts.mentionBot.id }, text: `<at>${opts.mentionBot.name}</at>` }],
              }
            : { text, textFormat: 'plain', from: { id: userId } },
        ),
      },
    );
    if (!res.ok) throw new Error(`Playground refused the message: ${res.status} ${await res.text()}`);
    const reply = await this.waitFor(
      (m) => isCardFromBot(m) && m.conversation?.id === conversationId,
      REPLY_PATIENCE_MS,
      mark,
    );
    return { id: String(reply.id), card: cardOf(reply) };
  }

  /**
   * Click an Action.Execute button on the card message `replyToId` as a user; returns the card
   * from the invoke response (the one Teams shows in place of the clicked card).
   */
  async execute(
    conversationId: string,
    userId: string,
    replyToId: string,
    verb: string,
    data: Record<string, unknown> = {},
  ): Promise<any> {
    const res = await fetch(`${this.baseUrl}/_conversation/v1/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb, data: { verb, ...data } } },
        from: { id: userId },
        conversation: { id: conversationId },
        replyToId,
      }),
    });
    const body: any = await res.json().catch(() => null);
    if (!res.ok) throw new Error(`invoke failed: ${res.status} ${JSON.stringify(body)}`);
    return body?.value ?? body;
  }

  /**
   * Press a button on a shown card as `userId`, as Teams does for Action.Execute: the invoke
   * carries the button's data and the card's input values (changed by `fill`). Returns the same
   * message with the card Teams puts in its place.
   */
  async click(
    conversationId: string,
    userId: string,
    shown: ShownCard,
    verb: string,
    opts: ClickOptions = {},
  ): Promise<ShownCard> {
    const button = findButton(shown.card, verb, opts);
    const values: Record<string, unknown> = {};
    for (const input of cardInputs(shown.card)) if (input.value !== undefined) values[input.id] = input.value;
    const { verb: _verb, ...data } = { ...values, ...button.data, ...(opts.fill ?? {}) } as Record<string, unknown>;
    return { id: shown.id, card: await this.execute(conversationId, userId, shown.id, button.verb, data) };
  }

  /**
   * What Teams does when a person looks at a card with `refresh` in a shared chat: it invokes the
   * refresh action as that person (trigger "automatic") and shows them the card that comes back.
   */
  async refreshAs(conversationId: string, userId: string, shown: ShownCard): Promise<ShownCard> {
    const action = shown.card?.refresh?.action;
    if (!action || action.type !== 'Action.Execute')
      throw new Error(`the card "${cardText(shown.card).split('\n')[0]}" has no refresh action`);
    const res = await fetch(`${this.baseUrl}/_conversation/v1/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'adaptiveCard/action',
        value: {
          action: { type: 'Action.Execute', verb: action.verb, data: { ...(action.data ?? {}) } },
          trigger: 'automatic',
        },
        from: { id: userId },
        conversation: { id: conversationId },
        replyToId: shown.id,
      }),
    });
    const body: any = await res.json().catch(() => null);
    if (!res.ok) throw new Error(`refresh invoke failed: ${res.status} ${JSON.stringify(body)}`);
    return { id: shown.id, card: body?.value ?? body };
  }
}

export function isCardFromBot(m: PlaygroundMessage): boolean {
  return (m.attachments ?? []).some((a) => a.contentType === 'application/vnd.microsoft.card.adaptive');
}

export function cardOf(m: PlaygroundMessage): any {
  return m.attachments?.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
}

/**
 * All text of a card, flattened, for assertions, as Teams shows it: Markdown escapes undone in
 * TextBlocks and facts (emphasis markers such as `**` are kept, so a test can see what is bold); a
 * RichTextBlock's runs, never Markdown, as written and as one line, the paragraph Teams shows.
 * Fact titles and values, button titles and choices each on their own line.
 */
export function cardText(card: any): string {
  const out: string[] = [];
  const walk = (n: any) => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(walk);
    if (n.type === 'RichTextBlock' && Array.isArray(n.inlines)) {
      out.push(n.inlines.map((r: any) => (typeof r === 'string' ? r : String(r?.text ?? ''))).join(''));
      return;
    }
    if (n.type === 'FactSet' && Array.isArray(n.facts)) {
      for (const f of n.facts)
        out.push(unescapeMarkdown(String(f?.title ?? '')), unescapeMarkdown(String(f?.value ?? '')));
      return;
    }
    if (typeof n.text === 'string') out.push(n.type === 'TextBlock' ? unescapeMarkdown(n.text) : n.text);
    if (typeof n.title === 'string') out.push(n.title);
    if (typeof n.value === 'string' && n.type === undefined) out.push(n.value);
    for (const v of Object.values(n)) walk(v);
  };
  walk(card);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Clicking as a person would: find a button on the card shown, send its data with the card's
// input values (what Teams does for Action.Execute), and keep the card Teams shows in its place.

/** A card message in a Playground conversation: its id and the card it shows now. */
export interface ShownCard {
  id: string;
  card: any;
}

export interface ExecuteButton {
  title: string;
  verb: string;
  data: Record<string, unknown>;
}

/** Every Action.Execute of a card (top-level actions, ActionSets in containers and columns), not the refresh action. */
export function executeButtons(card: any): ExecuteButton[] {
  const out: ExecuteButton[] = [];
  const walk = (n: any) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    if (n.type === 'Action.Execute')
      out.push({ title: String(n.title ?? ''), verb: String(n.verb), data: { ...(n.data ?? {}) } });
    for (const [k, v] of Object.entries(n)) if (k !== 'refresh') walk(v);
  };
  walk(card);
  return out;
}

/** The Action.OpenUrl buttons of a card. */
export function openUrlButtons(card: any): { title: string; url: string }[] {
  const out: { title: string; url: string }[] = [];
  const walk = (n: any) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    if (n.type === 'Action.OpenUrl') out.push({ title: String(n.title ?? ''), url: String(n.url) });
    for (const v of Object.values(n)) walk(v);
  };
  walk(card);
  return out;
}

export interface CardInput {
  id: string;
  type: string;
  value?: string;
  choices?: { title: string; value: string }[];
}

/** Every Input.* of a card with its current value. */
export function cardInputs(card: any): CardInput[] {
  const out: CardInput[] = [];
  const walk = (n: any) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    if (typeof n.type === 'string' && n.type.startsWith('Input.') && typeof n.id === 'string') {
      out.push({
        id: n.id,
        type: n.type,
        ...(n.value !== undefined ? { value: String(n.value) } : {}),
        ...(Array.isArray(n.choices)
          ? { choices: n.choices.map((c: any) => ({ title: String(c.title), value: String(c.value) })) }
          : {}),
      });
    }
    for (const v of Object.values(n)) walk(v);
  };
  walk(card);
  return out;
}

/**
 * The button with this verb: optionally with this title, and/or inside the card's Container that
 * mentions `near` (e.g. the dashboard row of one organisation). Throws, listing the buttons, when absent.
 */
export function findButton(
  card: any,
  verb: string,
  opts: { title?: string | RegExp; near?: string } = {},
): ExecuteButton {
  const scopes: any[] = [];
  if (opts.near) {
    const walk = (n: any) => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (!n || typeof n !== 'object') return;
      if (n.type === 'Container' && cardText(n).includes(opts.near!)) scopes.push(n);
      for (const v of Object.values(n)) walk(v);
    };
    walk(card);
  } else scopes.push(card);
  const titleOk = (t: string) =>
    opts.title === undefined || (typeof opts.title === 'string' ? t === opts.title : opts.title.test(t));
  for (const scope of scopes) {
    const found = executeButtons(scope).find((b) => b.verb === verb && titleOk(b.title));
    if (found) return found;
  }
  const all = executeButtons(card)
    .map((b) => `${b.verb}:"${b.title}"`)
    .join(', ');
  throw new Error(
    `no ${verb} button${opts.title ? ` titled ${String(opts.title)}` : ''}${opts.near ? ` near "${opts.near}"` : ''} on the card "${cardText(card).split('\n')[0]}"; buttons: ${all}`,
  );
}

export interface ClickOptions {
  title?: string | RegExp;
  near?: string;
  /** What the person typed or chose in the card's inputs (by input id); the rest keep their values. */
  fill?: Record<string, string>;
}
