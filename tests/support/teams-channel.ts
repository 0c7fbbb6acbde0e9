/**
 * Plays Teams' part in tests: posts activities to the app's /api/messages as Teams' channel does
 * (personal chat, message or adaptiveCard/action invoke, the tenant in channelData and in the
 * conversation, the serviceUrl of the Bot Connector), signed with a channel token when a token
 * service is given, and reads the bot's replies from the local Bot Connector emulator.
 * Activity shapes: https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/conversations/conversation-messages
 * and https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards
 */
import { randomUUID } from 'node:crypto';
import type { ConnectorEmulator } from '../../src/connector-emulator/server.js';
import type { BotTokenServiceStandIn } from './bot-token-service.js';

export interface TeamsUser {
  /** Teams user id (29:…). */
  id: string;
  name: string;
  /** Entra object id; absent for a user Teams sends none for. */
  aadObjectId?: string;
  email: string;
}

export interface SendOptions {
  /** The tenant the activity says it comes from (default: the channel's). */
  tenantId?: string | null;
  /** Overrides the Authorization header (null: none). */
  authorization?: string | null;
  /** Sign the channel token for this audience instead of the bot's app id. */
  audience?: string;
  /** Sign a token that expired this long ago (seconds). */
  expiredSecondsAgo?: number;
}

export class TeamsChannel {
  constructor(
    private readonly o: {
      appUrl: string;
      appId: string;
      tenantId: string;
      connector: ConnectorEmulator;
      tokens: BotTokenServiceStandIn | null;
    },
  ) {}

  get serviceUrl(): string {
    return `${this.o.connector.url}/`;
  }

  /** Puts the user on the connector's roster (what TeamsInfo.getMember answers). */
  addToRoster(u: TeamsUser): void {
    this.o.connector.addMember({
      id: u.id,
      name: u.name,
      aadObjectId: u.aadObjectId ?? '',
      email: u.email,
      userPrincipalName: u.email,
      tenantId: this.o.tenantId,
    });
  }

  conversationOf(u: TeamsUser): string {
    return `a:personal-${u.id.replace(/[^A-Za-z0-9-]/g, '')}`;
  }

  private activity(u: TeamsUser, extra: Record<string, unknown>, opts: SendOptions): Record<string, unknown> {
    const tenantId = opts.tenantId === undefined ? this.o.tenantId : opts.tenantId;
    return {
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      channelId: 'msteams',
      serviceUrl: this.serviceUrl,
      from: { id: u.id, name: u.name, ...(u.aadObjectId ? { aadObjectId: u.aadObjectId } : {}) },
      conversation: {
        id: this.conversationOf(u),
        conversationType: 'personal',
        ...(tenantId ? { tenantId } : {}),
      },
      recipient: { id: `28:${this.o.appId}`, name: 'WEx QS' },
      channelData: tenantId ? { tenant: { id: tenantId } } : {},
      locale: 'en-GB',
      ...extra,
    };
  }

  private async authorization(opts: SendOptions): Promise<string | null> {
    if (opts.authorization !== undefined) return opts.authorization;
    if (!this.o.tokens) return null;
    const expired = opts.expiredSecondsAgo;
    const token = await this.o.tokens.channelToken({
      audience: opts.audience ?? this.o.appId,
      serviceUrl: this.serviceUrl,
      ...(expired !== undefined ? { issuedSecondsAgo: expired + 3600, expiresInSeconds: 3600 } : {}),
    });
    return `Bearer ${token}`;
  }

  async post(activity: Record<string, unknown>, opts: SendOptions = {}): Promise<Response> {
    const auth = await this.authorization(opts);
    return fetch(`${this.o.appUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify(activity),
    });
  }

  /** Types a message; returns the HTTP status and the cards the bot replied with. */
  async say(u: TeamsUser, text: string, opts: SendOptions = {}): Promise<{ status: number; cards: any[] }> {
    const before = this.o.connector.activities(this.conversationOf(u)).length;
    const res = await this.post(this.activity(u, { type: 'message', text }, opts), opts);
    await res.arrayBuffer();
    const replies = this.o.connector.activities(this.conversationOf(u)).slice(before);
    return { status: res.status, cards: replies.flatMap((r) => cardsOf(r.activity)) };
  }

  /** Clicks an Action.Execute button: the card comes back in the invoke response. */
  async invoke(
    u: TeamsUser,
    verb: string,
    data: Record<string, unknown> = {},
    opts: SendOptions = {},
  ): Promise<{ status: number; card: any }> {
    const res = await this.post(
      this.activity(
        u,
        {
          type: 'invoke',
          name: 'adaptiveCard/action',
          value: { action: { type: 'Action.Execute', verb, data: { verb, ...data } }, trigger: 'manual' },
        },
        opts,
      ),
      opts,
    );
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('json') && text;
    const body = json ? (JSON.parse(text) as { value?: unknown }) : {};
    return { status: res.status, card: body.value };
  }
}

export function cardsOf(activity: Record<string, unknown>): any[] {
  const attachments = (activity.attachments as { content?: unknown }[] | undefined) ?? [];
  return attachments.map((a) => a.content).filter(Boolean);
}
