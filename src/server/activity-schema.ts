/**
 * The bot endpoint's edge: what POST /api/messages accepts, checked before botbuilder sees it.
 * Anything else is answered 400 with a plain message; nothing reaches the bot, nothing is stored.
 *
 * The shape is the Bot Framework Activity as channels send it to a bot
 * (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference#activity-object,
 * and the Activity spec, github.com/microsoft/botframework-sdk specs/botframework-activity):
 * `type` (A2010), `channelId` (A2020), `from.id` (A2060), `recipient.id` (A2070), `conversation.id`
 * (A2080) and `serviceUrl` (A2300) are required; a field of the wrong type is refused (A2003);
 * fields the app does not know are kept (A2005), and activity types it does not know are accepted
 * and ignored (A2006, A2014). Invokes: this bot answers only Universal Actions, `adaptiveCard/action`
 * with `value.action` an `Action.Execute` with a `verb`
 * (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards);
 * any other invoke name is refused here rather than answered 501 by botbuilder. Teams' message
 * edit and delete events carry `channelData.eventType`
 * (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/subscribe-to-conversation-events).
 *
 * Identifiers (ids, type, channel) must not contain control characters; every other string
 * (typed text, card data, names) has its control characters removed (src/domain/text.ts).
 */
import { z } from 'zod';
import { cleanDeep, hasControlCharacters, TooDeepError } from '../domain/text.js';

/** Longest typed message accepted (Teams' own limit on a message is about 28 KB of text). */
export const MAX_MESSAGE_TEXT = 30_000;
/** Card data, channel data, attachments: nothing Teams or this app's cards send nests this deep. */
export const MAX_PAYLOAD_DEPTH = 32;

const noControls = (s: string) => !hasControlCharacters(s);
const identifier = (max: number) =>
  z.string().min(1).max(max).refine(noControls, { message: 'must not contain control characters' });
const optionalIdentifier = (max: number) =>
  z.string().max(max).refine(noControls, { message: 'must not contain control characters' }).nullish();
const optionalText = (max: number) => z.string().max(max).nullish();

/** Service URLs already accepted: a channel sends the same few on every activity (parsing one is not free). */
const acceptedServiceUrls = new Set<string>();

function isHttpUrl(s: string): boolean {
  if (acceptedServiceUrls.has(s)) return true;
  try {
    const u = new URL(s);
    const ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
    if (ok) {
      if (acceptedServiceUrls.size >= 100) acceptedServiceUrls.clear();
      acceptedServiceUrls.add(s);
    }
    return ok;
  } catch {
    return false;
  }
}

const channelAccount = z.looseObject({
  id: identifier(1024),
  name: optionalText(500),
  aadObjectId: optionalIdentifier(100),
  role: optionalIdentifier(50),
});

const conversationAccount = z.looseObject({
  id: identifier(1024),
  name: optionalText(500),
  conversationType: optionalIdentifier(50),
  tenantId: optionalIdentifier(100),
  isGroup: z.boolean().nullish(),
});

const entity = z.looseObject({ type: z.string().max(200) });
const attachment = z.looseObject({ contentType: z.string().max(200) });

const channelData = z.looseObject({
  eventType: optionalIdentifier(100),
  tenant: z.looseObject({ id: identifier(100) }).nullish(),
  team: z.looseObject({ id: identifier(1024) }).nullish(),
  channel: z.looseObject({ id: identifier(1024) }).nullish(),
});

const cardAction = z.looseObject({
  action: z.looseObject({
    type: z.literal('Action.Execute'),
    verb: identifier(100),
    id: optionalIdentifier(200),
    // Card inputs are merged into `data`, an object; a string or list is not from this app's cards.
    data: z.record(z.string(), z.unknown()).nullish(),
  }),
  trigger: optionalIdentifier(50),
});

export const ActivitySchema = z
  .looseObject({
    type: identifier(100),
    id: optionalIdentifier(1024),
    channelId: identifier(100),
    serviceUrl: z
      .string()
      .max(2048)
      .refine(isHttpUrl, { message: 'must be an http(s) URL' })
      .refine(noControls, { message: 'must not contain control characters' }),
    from: channelAccount,
    recipient: channelAccount,
    conversation: conversationAccount,
    replyToId: optionalIdentifier(1024),
    name: optionalIdentifier(200),
    text: optionalText(MAX_MESSAGE_TEXT),
    textFormat: optionalIdentifier(20),
    locale: optionalIdentifier(100),
    timestamp: optionalIdentifier(100),
    localTimestamp: optionalIdentifier(100),
    membersAdded: z.array(channelAccount).max(1000).nullish(),
    membersRemoved: z.array(channelAccount).max(1000).nullish(),
    entities: z.array(entity).max(100).nullish(),
    attachments: z.array(attachment).max(50).nullish(),
    channelData: channelData.nullish(),
    value: z.unknown().optional(),
  })
  .superRefine((a, ctx) => {
    if (a.type === 'invoke') {
      if (a.name !== 'adaptiveCard/action') {
        ctx.addIssue({
          code: 'custom',
          path: ['name'],
          message: 'this bot answers only adaptiveCard/action invokes',
        });
        return;
      }
      const value = parseForWording(cardAction, a.value);
      for (const issue of value.error?.issues ?? [])
        ctx.addIssue({
          code: 'custom',
          path: [],
          // Worded here, with its full path, because a custom issue loses the original's kind.
          message: issueText({ ...issue, path: ['value', ...issue.path] } as z.core.$ZodIssue),
        });
    }
    if ((a.type === 'messageUpdate' || a.type === 'messageDelete') && a.channelId === 'msteams' && !a.channelData)
      ctx.addIssue({ code: 'custom', path: ['channelData'], message: 'Teams sends channelData with this activity' });
  });

export type InboundActivity = z.infer<typeof ActivitySchema>;

export type ActivityCheck = { ok: true; activity: InboundActivity } | { ok: false; message: string };

/**
 * Parsed on zod's fast path, without keeping the input in the issues; a refusal is parsed again
 * keeping it, to word the answer ("is missing" needs to know the value was absent).
 */
function parseForWording<T extends z.ZodType>(schema: T, value: unknown): z.ZodSafeParseResult<z.output<T>> {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed : schema.safeParse(value, { reportInput: true });
}

/** One problem in plain words: where it is, never what the value was (it may be anything someone posted). */
function issueText(i: z.core.$ZodIssue): string {
  const where = i.path.length > 0 ? i.path.map(String).join('.') : 'the body';
  if (i.code === 'invalid_type') {
    if (i.input === undefined) return `${where} is missing`;
    const expected = i.expected === 'object' || i.expected === 'record' ? 'an object' : `a ${i.expected}`;
    return `${where} must be ${expected}`;
  }
  if (i.code === 'too_big') return `${where} is too long`;
  if (i.code === 'too_small') return `${where} is empty`;
  if (i.code === 'invalid_value')
    return i.values.length === 1
      ? `${where} must be ${JSON.stringify(i.values[0])}`
      : `${where} is not an accepted value`;
  if (i.code === 'custom' && i.path.length === 0) return i.message;
  return `${where} ${i.message}`;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, 3).map(issueText);
  return `${parts.join('; ')}${issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''}`;
}

/**
 * Checks a parsed request body as an inbound activity and cleans its text. On failure, `message`
 * says in plain words what is wrong (fields by name, never their values).
 */
export function checkActivity(body: unknown): ActivityCheck {
  const parsed = parseForWording(ActivitySchema, body);
  if (!parsed.success)
    return { ok: false, message: `Not a valid Bot Framework activity: ${describeIssues(parsed.error.issues)}.` };
  try {
    return { ok: true, activity: cleanDeep(parsed.data, MAX_PAYLOAD_DEPTH) as InboundActivity };
  } catch (e) {
    if (e instanceof TooDeepError)
      return {
        ok: false,
        message: `Not a valid Bot Framework activity: it is nested more than ${e.maxDepth} levels deep.`,
      };
    throw e;
  }
}
