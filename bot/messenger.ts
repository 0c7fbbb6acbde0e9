/**
 * The Messenger port over botbuilder: proactive messages with `CloudAdapter.continueConversationAsync`
 * (stored personal conversation reference) or, when no reference is stored, either (tenant mode,
 * with an `installer`) the app is installed for the person through Graph and the message goes to
 * the 1:1 chat Graph names (continueConversationAsync with a reference built from the chat id),
 * or `createConversationAsync` opens the 1:1 chat with the person's Entra object id. The new
 * reference is returned so the dispatcher stores it. Works against Teams' Bot Connector in
 * tenant mode and, with auth disabled (empty app id, local only), against the Agents Playground's
 * `/_connector` or the local Bot Connector emulator: the reference's serviceUrl decides.
 *
 * Every message carries `channelData.idempotencyKey` = the outbox row id. Teams ignores it; the
 * local connector emulator honours it, and it is the key a re-send after a crash is traced by.
 * Failures are classified with the shared rules (src/notifications/messenger.ts); nothing about
 * the person is logged.
 */
import {
  CardFactory,
  MessageFactory,
  TeamsInfo,
  TurnContext,
  type CloudAdapter,
  type ConversationReference,
  type ConversationParameters,
} from 'botbuilder';
import {
  classifyHttpFailure,
  parseRetryAfter,
  type Messenger,
  type NotificationMessage,
  type PersonalChatOpener,
  type SendOutcome,
  type SendRequest,
} from '../src/notifications/messenger.js';
import { reminderCard } from './cards/reminder-cards.js';

export interface BotMessengerOptions {
  /** The bot's app id ('' locally, auth disabled). */
  appId: string;
  /** Tenant id for new 1:1 conversations. */
  tenantId?: string;
  /**
   * Bot Connector service URL for conversations the bot opens itself (e.g.
   * https://smba.trafficmanager.net/teams/), or a function giving it (tenant mode: the one last
   * seen on an incoming activity, see tenantServiceUrl in src/notifications/teams-installer.ts).
   */
  serviceUrl?: string | (() => Promise<string | null>);
  /** Give up waiting after this long (the request may still have been accepted). Default 15 s. */
  timeoutMs?: number;
  /**
   * Tenant mode: for someone with no stored conversation, install the app for them through Graph
   * and send to the 1:1 chat it opens (continueConversationAsync with a reference built from the
   * chat id and the service URL). Without it, a 1:1 conversation is created with the Bot
   * Connector (createConversationAsync), which needs the app to be installed already.
   */
  installer?: PersonalChatOpener;
  /**
   * The card for a message (application events, promotions: rendered from the database when they
   * are sent). Default: reminder text only. An error named `NothingToSend` fails the message (its
   * subject is gone); any other error leaves it to be tried again.
   */
  render?: (message: NotificationMessage, recipientId: string) => Promise<object>;
}

class Timeout extends Error {}

export class BotMessenger implements Messenger {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly opts: BotMessengerOptions,
  ) {}

  async send(req: SendRequest): Promise<SendOutcome> {
    let card: object;
    try {
      if (this.opts.render) card = await this.opts.render(req.message, req.recipient.personId);
      else if (!('type' in req.message)) card = reminderCard(req.message);
      else return { status: 'failed', httpStatus: null, reason: 'no card renderer for this notification' };
    } catch (err) {
      // Its subject is gone: final. Anything else (the database busy): try again later.
      const reason = `the card could not be made: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300);
      return err instanceof Error && err.name === 'NothingToSend'
        ? { status: 'failed', httpStatus: null, reason }
        : { status: 'transient', httpStatus: null, reason };
    }
    const activity = MessageFactory.attachment(CardFactory.adaptiveCard(card));
    activity.summary = req.message.summary;
    activity.channelData = { notification: { alert: true }, idempotencyKey: req.outboxId };
    const deadline = Date.now() + (this.opts.timeoutMs ?? 15_000);
    try {
      if (req.conversation)
        return await this.withTimeout(this.continueWith(req.conversation as Partial<ConversationReference>, activity));
      return await this.withTimeout(this.createAndSend(req, activity, deadline));
    } catch (err) {
      return classifyError(err);
    }
  }

  private async continueWith(
    reference: Partial<ConversationReference>,
    activity: ReturnType<typeof MessageFactory.attachment>,
    member?: string,
  ): Promise<SendOutcome & { teamsUserId?: string }> {
    let activityId: string | null = null;
    let failure: unknown = null;
    let teamsUserId: string | undefined;
    await this.adapter.continueConversationAsync(this.opts.appId, reference, async (context) => {
      // Caught here: the adapter's onTurnError would otherwise swallow it.
      try {
        disableSdkRetries(context);
        const r = await context.sendActivity(activity);
        activityId = r?.id ?? null;
      } catch (err) {
        failure = err ?? new Error('send failed');
        return;
      }
      if (member) teamsUserId = await teamsIdOf(context, member);
    });
    if (failure) return classifyError(failure);
    return {
      status: 'sent',
      activityId,
      conversationId: reference.conversation?.id ?? null,
      ...(teamsUserId ? { teamsUserId } : {}),
    };
  }

  private async createAndSend(
    req: SendRequest,
    activity: ReturnType<typeof MessageFactory.attachment>,
    deadline: number,
  ): Promise<SendOutcome> {
    const { tenantId } = this.opts;
    const aad = req.recipient.aadObjectId;
    if (!aad)
      return {
        status: 'unreachable',
        httpStatus: null,
        reason: 'no conversation with the app and no Entra id to open one',
      };
    const serviceUrl = typeof this.opts.serviceUrl === 'function' ? await this.opts.serviceUrl() : this.opts.serviceUrl;
    if (!serviceUrl || !tenantId)
      return {
        status: 'unreachable',
        httpStatus: null,
        reason: 'no conversation with the app (the person has not opened it)',
      };
    if (this.opts.installer) {
      const reach = await this.opts.installer.openChat(aad);
      if (reach.status !== 'ready') return reach;
      // The caller has given up by now (timeout): never start a send it would not record.
      if (Date.now() >= deadline)
        return { status: 'transient', httpStatus: null, reason: 'timeout while installing the app' };
      const reference = {
        channelId: 'msteams',
        serviceUrl,
        conversation: { id: reach.chatId, conversationType: 'personal', isGroup: false, tenantId },
        user: { id: aad, aadObjectId: aad },
        bot: { id: this.opts.appId ? `28:${this.opts.appId}` : 'bot' },
      } as unknown as Partial<ConversationReference>;
      const sent = await this.continueWith(reference, activity, aad);
      if (sent.status !== 'sent') return sent;
      const { teamsUserId, ...outcome } = sent;
      // The stored reference names the person by their Teams user id (what refresh.userIds need).
      const stored = { ...reference, user: { id: teamsUserId ?? aad, aadObjectId: aad } };
      return { ...outcome, newReference: stored as unknown as Record<string, unknown> };
    }
    const params = {
      isGroup: false,
      members: [{ id: aad }],
      tenantId,
      channelData: { tenant: { id: tenantId } },
    } as unknown as ConversationParameters;
    let activityId: string | null = null;
    let reference: Partial<ConversationReference> | null = null;
    let failure: unknown = null;
    // The create call itself runs before the logic; its errors reach us directly.
    await this.adapter.createConversationAsync(this.opts.appId, 'msteams', serviceUrl, '', params, async (context) => {
      try {
        disableSdkRetries(context);
        reference = TurnContext.getConversationReference(context.activity);
        delete reference.activityId;
        const r = await context.sendActivity(activity);
        activityId = r?.id ?? null;
      } catch (err) {
        failure = err ?? new Error('send failed');
        return;
      }
      // The stored reference names the person by their Teams user id (what refresh.userIds need).
      const teamsUserId = await teamsIdOf(context, aad);
      if (reference) reference.user = { id: teamsUserId ?? aad, aadObjectId: aad, name: '' } as typeof reference.user;
    });
    if (failure) return classifyError(failure);
    const ref = reference as Partial<ConversationReference> | null;
    return {
      status: 'sent',
      activityId,
      conversationId: ref?.conversation?.id ?? null,
      ...(ref ? { newReference: ref as unknown as Record<string, unknown> } : {}),
    };
  }

  private async withTimeout<T>(p: Promise<T>): Promise<T> {
    const ms = this.opts.timeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        p,
        new Promise<never>(
          (_, reject) => (timer = setTimeout(() => reject(new Timeout(`no answer within ${ms} ms`)), ms)),
        ),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The person's Teams user id (`29:…`) in this conversation, from their Entra object id ("Get
 * single member details": GET /v3/conversations/{id}/members/{userId}, which accepts the Entra
 * object id; https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/get-teams-context#get-single-member-details).
 * Undefined when Teams does not say (the message was sent all the same).
 */
async function teamsIdOf(context: TurnContext, aadObjectId: string): Promise<string | undefined> {
  try {
    const member = await TeamsInfo.getMember(context, aadObjectId);
    return typeof member?.id === 'string' && member.id.startsWith('29:') ? member.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * botframework-connector's HTTP pipeline (@azure/core-client) retries 429/5xx and network errors
 * on its own, up to 3 times, honouring Retry-After. The dispatcher must see throttling (to back
 * every sender off, not just this request) and must never keep a claimed message in flight for
 * longer than its lease, and a blind retry of a POST after a network error can deliver twice. So
 * the pipeline's Retry phase is removed for proactive sends: one attempt per call.
 */
function disableSdkRetries(context: TurnContext): void {
  const key = (context.adapter as unknown as { ConnectorClientKey?: symbol }).ConnectorClientKey;
  const client = key
    ? (context.turnState.get(key) as
        { client?: { pipeline?: { removePolicy(o: { phase?: string }): unknown } } } | undefined)
    : undefined;
  client?.client?.pipeline?.removePolicy({ phase: 'Retry' });
}

/** A botframework-connector / core-rest-pipeline error (RestError) → outcome. */
export function classifyError(err: unknown): SendOutcome {
  if (err instanceof Timeout) return { status: 'transient', httpStatus: null, reason: 'timeout' };
  const e = err as {
    statusCode?: number;
    code?: string;
    message?: string;
    response?: {
      status?: number;
      headers?: { get?(n: string): string | undefined } | Record<string, string>;
      bodyAsText?: string | null;
      parsedBody?: unknown;
    };
    details?: unknown;
  };
  const status = e?.statusCode ?? e?.response?.status ?? null;
  const headers = e?.response?.headers;
  const header = (n: string): string | undefined =>
    headers && typeof (headers as { get?: unknown }).get === 'function'
      ? (headers as { get(n: string): string | undefined }).get(n)
      : (headers as Record<string, string> | undefined)?.[n];
  let body: unknown;
  try {
    const raw = e?.response?.bodyAsText;
    body = raw ? (JSON.parse(raw) as unknown) : (e?.response?.parsedBody ?? e?.details);
  } catch {
    body = undefined;
  }
  const detail = errorDetail(body);
  const retryAfterMs = parseRetryAfter(
    header('retry-after-ms') !== undefined ? String(Number(header('retry-after-ms')) / 1000) : header('retry-after'),
  );
  if (status === null || status === undefined) {
    return classifyHttpFailure(null, { code: e?.code, message: e?.code ?? 'network error' });
  }
  return classifyHttpFailure(status, { code: detail.code, subCode: detail.subCode, retryAfterMs });
}

/**
 * The code and sub-code of a Bot Connector error body, in either shape Teams answers with: the
 * Bot Framework `{"error":{"code":…,"subCode":…}}`, or Teams' own
 * `{"errorCode":209,"message":"{\"subCode\":\"MessageWritesBlocked\",…}"}` (a user who blocked
 * the bot; the message is JSON inside a string).
 */
export function errorDetail(body: unknown): { code?: string; subCode?: string } {
  const b = body as {
    error?: { code?: unknown; subCode?: unknown };
    errorCode?: unknown;
    message?: unknown;
  } | null;
  if (!b || typeof b !== 'object') return {};
  if (b.error && typeof b.error === 'object') {
    return {
      ...(typeof b.error.code === 'string' ? { code: b.error.code } : {}),
      ...(typeof b.error.subCode === 'string' ? { subCode: b.error.subCode } : {}),
    };
  }
  const out: { code?: string; subCode?: string } = {};
  if (typeof b.errorCode === 'number' || typeof b.errorCode === 'string') out.code = String(b.errorCode);
  if (typeof b.message === 'string') {
    try {
      const inner = JSON.parse(b.message) as { subCode?: unknown } | null;
      if (inner && typeof inner.subCode === 'string') out.subCode = inner.subCode;
    } catch {
      const m = /"?subCode"?\s*:\s*"([A-Za-z]+)"/.exec(b.message);
      if (m) out.subCode = m[1]!;
    }
  }
  return out;
}
