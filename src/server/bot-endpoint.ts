/**
 * The bot endpoint, POST /api/messages: where Teams' channel (through the Bot Connector) delivers
 * every activity. It is the busiest route and the only one Teams waits on (a card action's answer
 * replaces the card that was clicked), so it is answered by Node's own HTTP server rather than
 * through Express's middleware: src/server/app-server.ts sends it here before Express sees the request.
 *
 * In order: the body is read (at most INPUT_LIMITS.activityBytes, JSON only), the activity is
 * checked at the edge (src/server/activity-schema.ts), then botbuilder's CloudAdapter
 * authenticates the request and runs the turn (bot/adapter.ts). Answers:
 * - the turn's invoke response (a card action), else 200 with no body;
 * - 400 / 413 / 415 `{ error, message }` for a body the caller got wrong, nothing run or stored;
 * - 401 `{ error: 'unauthorized' }` when the channel's token is missing or refused;
 * - 500 `{ error: 'internal_error', ref }` for anything else, the reference in the log, never a
 *   message or a stack.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import getRawBody from 'raw-body';
import { AuthenticationError } from 'botframework-connector';
import type { Activity, TurnContext } from 'botbuilder';
import type { BotAdapter } from '../../bot/adapter.js';
import { failureRef, type Logger } from '../log.js';
import { checkActivity } from './activity-schema.js';
import { INPUT_LIMITS } from './http-input.js';

export const BOT_ENDPOINT_PATH = '/api/messages';

/** Whether a request is for the bot endpoint: POST /api/messages (as Express would match it: any query, a trailing slash, any case). */
export function isBotEndpointRequest(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || !req.url) return false;
  const q = req.url.indexOf('?');
  let path = q < 0 ? req.url : req.url.slice(0, q);
  if (path.endsWith('/')) path = path.slice(0, -1);
  return path.toLowerCase() === BOT_ENDPOINT_PATH;
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  if (body === undefined) {
    res.writeHead(status, { 'content-length': '0' }).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    })
    .end(text);
}

const refuse = (res: ServerResponse, status: number, error: string, message: string) =>
  send(res, status, { error, message });

function isJson(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Returned once a refusal has been answered. */
const REFUSED = Symbol('refused');

/** The activity posted, as JSON, or REFUSED once the refusal is answered. */
async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  if (!isJson(req)) {
    refuse(res, 415, 'unsupported_media_type', 'The activity must be sent as application/json.');
    return REFUSED;
  }
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') {
    refuse(res, 415, 'unsupported_media_type', 'The activity must not be compressed.');
    return REFUSED;
  }
  let text: string;
  try {
    // Bytes, decoded here as UTF-8 (JSON's only encoding, RFC 8259 §8.1; a malformed byte becomes
    // U+FFFD, as raw-body's decoding stream made it) without a decoder stream per request.
    const bytes = await getRawBody(req, {
      limit: INPUT_LIMITS.activityBytes,
      ...(req.headers['content-length'] ? { length: req.headers['content-length'] } : {}),
    });
    text = bytes.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte order mark is ignored (RFC 8259 §8.1)
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') refuse(res, 413, 'too_large', 'The request body is too large.');
    else refuse(res, 400, 'bad_request', 'The request body could not be read.');
    return REFUSED;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    refuse(res, 400, 'invalid_json', 'The request body is not valid JSON.');
    return REFUSED;
  }
}

export function createBotEndpoint(deps: {
  adapter: BotAdapter;
  logic: (context: TurnContext) => Promise<void>;
  log: Logger;
}): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      const body = await readJson(req, res);
      if (body === REFUSED) return;
      const checked = checkActivity(body);
      if (!checked.ok) return refuse(res, 400, 'invalid_activity', checked.message);
      const authorization = req.headers.authorization ?? '';
      const invokeResponse = await deps.adapter.handle(
        authorization,
        // The edge checked what it needs; botbuilder's Activity type lists every optional field.
        checked.activity as unknown as Activity,
        deps.logic,
      );
      const status = invokeResponse?.status ?? 200;
      if (status < 500) return send(res, status, invokeResponse?.body);
      // botbuilder's own failure answers (e.g. 501 for an invoke no handler took) carry its message.
      const ref = failureRef();
      deps.log.error({ ref, status }, 'bot endpoint answered with a server error');
      send(res, status, { error: 'internal_error', ref });
    } catch (err) {
      if (err instanceof AuthenticationError) {
        deps.log.info({ status: 401, reason: String(err.message).slice(0, 200) }, 'bot endpoint refused a request');
        return send(res, 401, { error: 'unauthorized', message: 'The request is not authenticated.' });
      }
      const ref = failureRef();
      deps.log.error(
        { ref, err: { type: (err as Error)?.name, message: (err as Error)?.message } },
        'bot endpoint answered with a server error',
      );
      send(res, 500, { error: 'internal_error', ref });
    }
  };
}
