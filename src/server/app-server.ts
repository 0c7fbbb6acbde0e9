import { randomBytes } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { CloudAdapter } from 'botbuilder';
import type { WexqsBot } from '../../bot/teams-bot.js';
import type { Services } from '../workflows/services.js';
import { sql } from 'kysely';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { instruments, tracer } from '../telemetry.js';

/**
 * The HTTP face: the bot endpoint (authenticated by the CloudAdapter) and a health check that
 * also proves the database answers.
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

  app.post('/api/messages', express.json({ limit: '256kb' }), async (req, res) => {
    await deps.adapter.process(req, res, (context) => deps.bot.run(context));
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

  // Errors answer in JSON without internals: a bad body is the caller's 400; anything else is a
  // 500 with a short reference that is in the log.
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status < 500) {
      res.status(status).json({ error: err?.type === 'entity.parse.failed' ? 'invalid_json' : 'bad_request' });
      return;
    }
    const ref = randomBytes(4).toString('hex').toUpperCase();
    deps.svc.log.error({ ref, err: { type: err?.name, message: err?.message } }, 'unhandled HTTP error');
    if (!res.headersSent) res.status(500).json({ error: 'internal_error', ref });
  };
  app.use(onError);
  return app;
}
