import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { BotAdapter } from '../../bot/adapter.js';
import type { WexqsBot } from '../../bot/teams-bot.js';
import { httpStatusFor, isDomainError } from '../domain/errors.js';
import type { Services } from '../workflows/services.js';
import { sql } from 'kysely';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { instruments, tracer } from '../telemetry.js';
import { failureRef } from '../log.js';
import { BOT_ENDPOINT_PATH, createBotEndpoint, isBotEndpointRequest } from './bot-endpoint.js';
import { badRequest } from './http-input.js';

/**
 * Request latency and a server span per request, named by route (never the URL: signed .ics links
 * carry their signature in the query string). `route` is read when the response has finished.
 */
function traced(req: IncomingMessage, res: ServerResponse, route: () => string, handle: () => void): void {
  const started = performance.now();
  tracer.startActiveSpan(`HTTP ${req.method}`, { kind: SpanKind.SERVER }, (span) => {
    res.once('finish', () => {
      const name = route();
      const attrs = {
        'http.request.method': req.method,
        'http.route': name,
        'http.response.status_code': res.statusCode,
      };
      span.updateName(`HTTP ${req.method} ${name}`);
      span.setAttributes(attrs);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      instruments().requestDuration.record(performance.now() - started, attrs);
    });
    handle();
  });
}

/**
 * The app's HTTP server: the bot endpoint (src/server/bot-endpoint.ts) answered directly, every
 * other request by the Express app (createHttpApp).
 */
export function createHttpServer(deps: { adapter: BotAdapter; bot: WexqsBot; svc: Services; app: Express }): Server {
  const botEndpoint = createBotEndpoint({
    adapter: deps.adapter,
    logic: (context) => deps.bot.run(context),
    log: deps.svc.log,
  });
  return createServer((req, res) => {
    if (isBotEndpointRequest(req))
      traced(
        req,
        res,
        () => BOT_ENDPOINT_PATH,
        () => void botEndpoint(req, res),
      );
    else deps.app(req, res);
  });
}

/**
 * The HTTP face besides the bot endpoint: a health check that also proves the database answers,
 * the routes given, and JSON answers for what no route takes and for errors.
 */
export function createHttpApp(deps: {
  svc: Services;
  /** Further routes (the .ics links; the local stack's pages, never mounted in tenant mode). */
  routes?: (app: Express) => void;
}): Express {
  const app = express();
  app.disable('x-powered-by');

  app.use((req, res, next) =>
    traced(req, res, () => (req.route as { path?: string } | undefined)?.path ?? 'unmatched', next),
  );

  app.get('/healthz', async (_req, res) => {
    try {
      await sql`SELECT 1`.execute(deps.svc.store.db);
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });

  deps.routes?.(app);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });

  // Errors answer in JSON without internals: a bad body is the caller's 400 (413 when too large);
  // a rule a route did not catch itself (e.g. the store refusing a NUL in an id) is answered with
  // its own status and plain message; anything else is a 500 with a short reference that is in the log.
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (isDomainError(err)) {
      if (!res.headersSent) badRequest(res, err.code, err.message, httpStatusFor(err.code));
      return;
    }
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status < 500) {
      if (res.headersSent) return;
      if (err?.type === 'entity.parse.failed')
        return badRequest(res, 'invalid_json', 'The request body is not valid JSON.', status);
      if (err?.type === 'entity.too.large')
        return badRequest(res, 'too_large', 'The request body is too large.', status);
      return badRequest(res, 'bad_request', 'The request could not be read.', status);
    }
    const ref = failureRef();
    deps.svc.log.error({ ref, err: { type: err?.name, message: err?.message } }, 'unhandled HTTP error');
    if (!res.headersSent) res.status(500).json({ error: 'internal_error', ref });
  };
  app.use(onError);
  return app;
}
