/**
 * A client for the Agents Playground's test API: send messages and card actions as any of the
 * config's users and collect the bot's replies from the conversation WebSocket.
 */
import WebSocket from 'ws';

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
  waitFor(pred: (m: PlaygroundMessage) => boolean, timeoutMs = 10_000, fromIndex = 0): Promise<PlaygroundMessage> {
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
    const res = await fetch(`${this.baseUrl}/_conversation/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
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
    });
    if (!res.ok) throw new Error(`Playground refused the message: ${res.status} ${await res.text()}`);
    const reply = await this.waitFor((m) => isCardFromBot(m) && m.conversation?.id === conversationId, 10_000, mark);
    return { id: String(reply.id), card: cardOf(reply) };
  }

  /**
   * Click an Action.Execute button on the card message `replyToId` as a user; returns the card
   * from the invoke response (the one Teams shows in place of the clicked card).
   */
  async execute(conversationId: string, userId: string, replyToId: string, verb: string, data: Record<string, unknown> = {}): Promise<any> {
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
}

export function isCardFromBot(m: PlaygroundMessage): boolean {
  return (m.attachments ?? []).some((a) => a.contentType === 'application/vnd.microsoft.card.adaptive');
}

export function cardOf(m: PlaygroundMessage): any {
  return m.attachments?.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
}

/** All text of a card, flattened, for assertions. */
export function cardText(card: any): string {
  const out: string[] = [];
  const walk = (n: any) => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(walk);
    if (typeof n.text === 'string') out.push(n.text);
    if (typeof n.title === 'string') out.push(n.title);
    if (typeof n.value === 'string' && n.type === undefined) out.push(n.value);
    for (const v of Object.values(n)) walk(v);
  };
  walk(card);
  return out.join('\n');
}
