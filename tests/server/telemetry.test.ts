/**
 * OpenTelemetry: a card invoke produces a server span for the request and a `card.invoke` span
 * inside it, with latency metrics; log lines inside a span carry its trace id; and no span name,
 * span attribute, metric attribute or log line holds a person's name, e-mail address or a token.
 * (An in-memory SDK stands in for the Azure Monitor exporter the app registers in production.)
 */
import { Writable } from 'node:stream';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { openDatabase } from '../../src/store/database.js';
import { tracer } from '../../src/telemetry.js';
import { seedBasics } from '../support/fixtures.js';
import { freePort } from '../support/local-stack.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0LXRva2VuLXZhbHVlIn0.c2lnbmF0dXJlLXZhbHVl';

describe('telemetry', () => {
  const spans = new InMemorySpanExporter();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const logLines: string[] = [];
  let app: RunningApp;
  let personal: string[] = [];

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const log = createLogger({ level: 'debug', stream: sink });
    const config = loadConfig({ APP_MODE: 'local', PORT: String(await freePort()), GRAPH_EMULATOR: 'false' });
    app = await startApp(config, {
      database: await openDatabase({ pgliteDir: 'memory://' }),
      graph: false,
      jobs: { workers: false },
      log,
    });
    await seedBasics(app.svc.store);
    const people = await app.svc.store.db.selectFrom('people').select(['display_name', 'email']).execute();
    personal = people.flatMap((p) => [p.display_name, p.email]);
    expect(personal.length).toBeGreaterThan(4);
  });
  afterAll(async () => {
    await app.close();
    trace.disable();
    metrics.disable();
    context.disable();
  });

  const invoke = (oid: string, verb: string) =>
    fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        type: 'invoke',
        name: 'adaptiveCard/action',
        id: 'act-1',
        channelId: 'msteams',
        serviceUrl: 'http://127.0.0.1:9/',
        from: { id: `29:${oid}`, aadObjectId: oid, name: 'Adam Admin' },
        recipient: { id: '28:bot', name: 'WEx QS' },
        conversation: { id: `a:${oid}`, conversationType: 'personal', tenantId: 't1' },
        value: { action: { type: 'Action.Execute', verb, data: { verb } }, trigger: 'manual' },
      }),
    });

  it('a card invoke produces a card.invoke span inside the request span, and latency metrics', async () => {
    const res = await invoke('oid-admin-1', 'help');
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const done = spans.getFinishedSpans();
    const card = done.find((s) => s.name === 'card.invoke');
    expect(card, done.map((s) => s.name).join(', ')).toBeDefined();
    expect(card!.attributes['wexqs.outcome']).toBe('help');
    const request = done.find((s) => s.name === 'HTTP POST /api/messages');
    expect(request).toBeDefined();
    expect(card!.parentSpanContext?.spanId).toBe(request!.spanContext().spanId);
    expect(request!.attributes['http.response.status_code']).toBe(200);

    await reader.forceFlush();
    const names = metricExporter
      .getMetrics()
      .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name)));
    expect(names).toEqual(
      expect.arrayContaining(['wexqs.card.invoke.duration', 'wexqs.http.server.duration', 'wexqs.outbox.depth']),
    );
  });

  it('log lines inside a span carry its trace id', async () => {
    await tracer.startActiveSpan('probe', async (span) => {
      app.svc.log.info({ n: 1 }, 'inside a span');
      span.end();
      const line = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'inside a span');
      expect(line?.trace_id).toBe(span.spanContext().traceId);
    });
  });

  it('no span, metric attribute or log line holds a name, e-mail address or token', async () => {
    for (const verb of ['dashboard', 'status', 'queue', 'no_such_verb']) {
      for (const oid of ['oid-admin-1', 'oid-lead-a', 'oid-rev-1', 'oid-unknown'])
        await (await invoke(oid, verb)).arrayBuffer();
    }
    await reader.forceFlush();
    const recorded = JSON.stringify({
      spans: spans.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })),
      metrics: metricExporter
        .getMetrics()
        .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.dataPoints.map((d) => d.attributes)))),
      logs: logLines,
    });
    expect(spans.getFinishedSpans().filter((s) => s.name === 'card.invoke').length).toBeGreaterThanOrEqual(16);
    for (const value of [...personal, 'Adam Admin', TOKEN, 'test-token-value'])
      expect(recorded.includes(value), `"${value}" recorded`).toBe(false);
    expect(recorded).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/); // no e-mail address at all
    expect(recorded).not.toMatch(/Bearer /);
  });
});
