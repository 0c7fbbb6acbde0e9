/**
 * The bot endpoint's own answers (src/server/bot-endpoint.ts), with the adapter played by the test:
 * what reaches the caller when the turn fails or botbuilder answers with a server error, and that
 * a body whose length is not the declared one is refused before anything runs.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import { AuthenticationError } from 'botframework-connector';
import { afterEach, describe, expect, it } from 'vitest';
import type { BotAdapter } from '../../bot/adapter.js';
import { createLogger } from '../../src/log.js';
import { createBotEndpoint, isBotEndpointRequest } from '../../src/server/bot-endpoint.js';

const activity = {
  type: 'invoke',
  name: 'adaptiveCard/action',
  channelId: 'msteams',
  serviceUrl: 'https://smba.example/teams/',
  from: { id: '29:ada' },
  recipient: { id: '28:bot' },
  conversation: { id: 'a:1' },
  value: { action: { type: 'Action.Execute', verb: 'help' } },
};

let server: http.Server | null = null;
afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r));
  server = null;
});

/** The endpoint on a loopback port, its adapter's `handle` replaced, and the log lines it writes. */
async function endpoint(handle: BotAdapter['handle']) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    level: 'info',
    stream: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        );
        done();
      },
    }),
  });
  const calls: unknown[] = [];
  const answer = createBotEndpoint({
    adapter: {
      handle: (...args: Parameters<BotAdapter['handle']>) => {
        calls.push(args[1]);
        return handle(...args);
      },
    } as unknown as BotAdapter,
    logic: async () => undefined,
    log,
  });
  server = http.createServer((req, res) => void answer(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x', ...headers },
      body: JSON.stringify(body),
    });
  return { post, port, lines, calls };
}

describe('the bot endpoint', () => {
  it('answers the invoke response, or 200 with no body', async () => {
    const e = await endpoint(async (_auth, a) =>
      a.type === 'invoke' ? { status: 200, body: { statusCode: 200, value: 'card' } } : undefined,
    );
    const invoked = await e.post(activity);
    expect(invoked.status).toBe(200);
    expect(await invoked.json()).toEqual({ statusCode: 200, value: 'card' });
    const message = await e.post({ ...activity, type: 'message', text: 'help' });
    expect(message.status).toBe(200);
    expect(await message.text()).toBe('');
  });

  it('reads the body as UTF-8: a byte order mark is ignored, a malformed byte becomes U+FFFD, nothing is refused for either', async () => {
    const e = await endpoint(async () => undefined);
    const json = Buffer.from(JSON.stringify({ ...activity, type: 'message', text: 'hi X' }));
    const malformed = Buffer.from(json.toString().replace('hi X', 'hi \u00ff'), 'latin1'); // 0xff alone: not UTF-8
    for (const body of [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]), malformed]) {
      const res = await fetch(`http://127.0.0.1:${e.port}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer x' },
        body,
      });
      expect(res.status).toBe(200);
    }
    expect(e.calls.map((a) => (a as { text: string }).text)).toEqual(['hi X', 'hi \ufffd']);
  });

  it('answers a refused token 401, a failed turn 500 with a reference that is in the log, and never a message', async () => {
    let failure: Error = new AuthenticationError('Unauthorized. Invalid AppId passed on token: 1234', 401);
    const e = await endpoint(async () => {
      throw failure;
    });
    const refused = await e.post(activity);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: 'unauthorized', message: 'The request is not authenticated.' });
    expect(e.lines.at(-1)).toMatchObject({ msg: 'bot endpoint refused a request', status: 401 });

    failure = new TypeError('Cannot read properties of undefined (reading secret)');
    const failed = await e.post(activity);
    expect(failed.status).toBe(500);
    const text = await failed.text();
    const { ref } = JSON.parse(text) as { ref: string };
    expect(JSON.parse(text)).toEqual({ error: 'internal_error', ref: expect.stringMatching(/^[0-9A-F]{8}$/) });
    expect(text).not.toMatch(/secret|Cannot read/);
    expect(e.lines.at(-1)).toMatchObject({ msg: 'bot endpoint answered with a server error', ref });
  });

  it('answers botbuilder’s own server-error answer (an invoke nothing handled) without its message', async () => {
    const e = await endpoint(async () => ({ status: 501, body: 'NotImplemented: internal detail' }));
    const res = await e.post(activity);
    expect(res.status).toBe(501);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal_error', ref: expect.stringMatching(/^[0-9A-F]{8}$/) });
    expect(text).not.toMatch(/internal detail/);
  });

  it('refuses a body shorter than its declared length with 400, before the adapter runs', async () => {
    const e = await endpoint(async () => undefined);
    const body = JSON.stringify(activity);
    const socket = net.connect(e.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 10}\r\n\r\n${body}`,
    );
    socket.end();
    let answer = '';
    for await (const chunk of socket) answer += String(chunk);
    // The body ends early: refused (by raw-body's length check or, once the connection is half
    // closed, by Node's HTTP parser first), and the adapter never sees it.
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(e.calls).toEqual([]);
  });

  it('takes only POST /api/messages, with or without a query or a trailing slash, in any case', () => {
    const req = (method: string, url: string) => ({ method, url }) as http.IncomingMessage;
    expect(isBotEndpointRequest(req('POST', '/api/messages'))).toBe(true);
    expect(isBotEndpointRequest(req('POST', '/api/messages/?x=1'))).toBe(true);
    expect(isBotEndpointRequest(req('POST', '/API/Messages'))).toBe(true);
    expect(isBotEndpointRequest(req('GET', '/api/messages'))).toBe(false);
    expect(isBotEndpointRequest(req('POST', '/api/messages/more'))).toBe(false);
    expect(isBotEndpointRequest(req('POST', '/api/me'))).toBe(false);
  });
});
