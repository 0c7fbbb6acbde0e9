import { randomBytes } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type Response } from 'express';
import type { CloudAdapter } from 'botbuilder';
import type { WexqsBot } from '../../bot/teams-bot.js';
import { httpStatusFor, isDomainError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import type { Services } from '../workflows/services.js';
import { sql } from 'kysely';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { instruments, tracer } from '../telemetry.js';
import { checkActivity } from './activity-schema.js';
import { badRequest, INPUT_LIMITS } from './http-input.js';

/** A short reference for a server-side failure: in the answer and in the log, nothing else. */
const newRef = () => randomBytes(4).toString('hex').toUpperCase();

/**
 * The response botbuilder writes to, in front of Express's: a 5xx it would answer (with the
 * failure's own message as the body) becomes the app's JSON error with a reference instead, so no
 * internal message leaves the server. Everything else passes through.
 */
function withoutInternals(res: Response, log: Logger) {
  let status = 200;
  const failed = () => {
    if (res.headersSent) return;
    const ref = newRef();
    log.error({ ref, status }, 'bot endpoint answered with a server error');
    res.status(status).json({ error: 'internal_error', ref });
  };
  const guard = {
    status(code: number) {
      status = code;
      return guard;
    },
    header(name: string, value: string | string[]) {
      res.header(name, value);
      return guard;
    },
    send(body?: unknown) {
      if (status >= 500) failed();
      else res.status(status).send(body);
      return guard;
    },
    end() {
      if (status >= 500) failed();
      else if (!res.headersSent) res.status(status).end();
      return guard;
    },
  };
  return guard;
}

/**
 * The HTTP face: the bot endpoint (the activity checked at the edge, then authenticated by the
 * CloudAdapter) and a health check that also proves the database answers.
 */
export function createHttpApp(deps: {
  adapter: CloudAdapter;
  bot: WexqsBot;
  svc: Services;
  /** Further routes (the .ics links; the local stack's pages, never mounted in tenant mode). */
  routes?: (app: Express) => void;
}): Express {
  const app = express();
  app.disable('x-powered-by');

  // Request latency and a server span per request, named by route (never the URL: signed .ics
  // links carry their signature in the query string).
  app.use((req, res, next) => {
    const started = performance.now();
    tracer.startActiveSpan(`HTTP ${req.method}`, { kind: SpanKind.SERVER }, (span) => {
      res.once('finish', () => {
        const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
        const attrs = {
          'http.request.method': req.method,
          'http.route': route,
          'http.response.status_code': res.statusCode,
        };
        span.updateName(`HTTP ${req.method} ${route}`);
        span.setAttributes(attrs);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        instruments().requestDuration.record(performance.now() - started, attrs);
      });
      next();
    });
  });

  app.post('/api/messages', express.json({ limit: INPUT_LIMITS.activityBytes }), async (req, res) => {
    const checked = checkActivity(req.body);
    if (!checked.ok) return badRequest(res, 'invalid_activity', checked.message);
    req.body = checked.activity;
    await deps.adapter.process(req, withoutInternals(res, deps.svc.log) as unknown as Response, (context) =>
      deps.bot.run(context),
    );
  });

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
    const ref = newRef();
    deps.svc.log.error({ ref, err: { type: err?.name, message: err?.message } }, 'unhandled HTTP error');
    if (!res.headersSent) res.status(500).json({ error: 'internal_error', ref });
  };
  app.use(onError);
  return app;
}
