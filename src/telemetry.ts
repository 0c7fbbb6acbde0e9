/**
 * OpenTelemetry: traces and metrics through the vendor-neutral API (@opentelemetry/api). With
 * APPLICATIONINSIGHTS_CONNECTION_STRING set, the Azure Monitor distro is registered and exports
 * them to Application Insights; without it no SDK is registered, every call here is a no-op and
 * nothing leaves the process.
 * (learn.microsoft.com/azure/azure-monitor/app/opentelemetry-enable?tabs=nodejs)
 *
 * What is recorded: request latency (by route, never the URL: signed links carry signatures in
 * their query), card invoke latency (by verb and outcome), Microsoft Graph requests and throttling
 * (by method and status), outbox depth and age of the oldest due reminder, background job runs.
 * Attributes are fixed names, verbs, statuses and counts: never a person's name, e-mail address,
 * id token or secret. Logs carry the trace and span ids (src/log.ts) so a log line finds its trace.
 */
import { metrics, SpanStatusCode, trace, type Attributes, type Meter, type MeterProvider } from '@opentelemetry/api';
import type { Logger } from './log.js';

export const TELEMETRY_NAME = 'wexqs';

export const tracer = trace.getTracer(TELEMETRY_NAME);

interface Instruments {
  requestDuration: ReturnType<Meter['createHistogram']>;
  cardInvokeDuration: ReturnType<Meter['createHistogram']>;
  graphRequests: ReturnType<Meter['createCounter']>;
  graphThrottled: ReturnType<Meter['createCounter']>;
  jobRuns: ReturnType<Meter['createCounter']>;
  jobDuration: ReturnType<Meter['createHistogram']>;
}

let cached: { provider: MeterProvider; instruments: Instruments } | null = null;

/** The instruments of the meter provider registered now (the API has no proxy for metrics). */
export function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (cached?.provider === provider) return cached.instruments;
  const meter = provider.getMeter(TELEMETRY_NAME);
  const made: Instruments = {
    requestDuration: meter.createHistogram('wexqs.http.server.duration', {
      unit: 'ms',
      description: 'HTTP request latency, by route and status',
    }),
    cardInvokeDuration: meter.createHistogram('wexqs.card.invoke.duration', {
      unit: 'ms',
      description: 'Adaptive Card action latency, by verb and outcome',
    }),
    graphRequests: meter.createCounter('wexqs.graph.requests', { description: 'Microsoft Graph responses, by status' }),
    graphThrottled: meter.createCounter('wexqs.graph.throttled', {
      description: 'Microsoft Graph 429 and 503 answers (throttling)',
    }),
    jobRuns: meter.createCounter('wexqs.job.runs', { description: 'Background jobs run, by job and outcome' }),
    jobDuration: meter.createHistogram('wexqs.job.duration', { unit: 'ms', description: 'Background job run time' }),
  };
  cached = { provider, instruments: made };
  return made;
}

/** Count one Graph response (the Graph client's onResponse hook). Query strings never recorded. */
export function recordGraphResponse(info: { method: string; status: number; durationMs: number }): void {
  const attrs = { 'http.request.method': info.method, 'http.response.status_code': info.status };
  const i = instruments();
  i.graphRequests.add(1, attrs);
  if (info.status === 429 || info.status === 503) i.graphThrottled.add(1, attrs);
}

/** Run a background job inside its own span, counting its runs and outcome. */
export async function traceJob(job: string, task: () => Promise<void>): Promise<void> {
  const started = performance.now();
  return tracer.startActiveSpan(`job ${job}`, { attributes: { 'wexqs.job': job } }, async (span) => {
    let outcome = 'ok';
    try {
      await task();
    } catch (err) {
      outcome = 'failed';
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
      throw err;
    } finally {
      const attrs: Attributes = { 'wexqs.job': job, 'wexqs.outcome': outcome };
      instruments().jobRuns.add(1, attrs);
      instruments().jobDuration.record(performance.now() - started, attrs);
      span.end();
    }
  });
}

/**
 * Outbox depth (pending reminders) and the age of the oldest one that is due, observed when the
 * exporter collects (only when telemetry is on).
 */
export function observeOutbox(read: () => Promise<{ pending: number; oldestDueAgeSeconds: number }>): () => void {
  const meter = metrics.getMeterProvider().getMeter(TELEMETRY_NAME);
  const depth = meter.createObservableGauge('wexqs.outbox.depth', { description: 'Reminders waiting to be sent' });
  const age = meter.createObservableGauge('wexqs.outbox.oldest_due_age', {
    unit: 's',
    description: 'How long the oldest due reminder has waited',
  });
  const callback = async (result: import('@opentelemetry/api').BatchObservableResult) => {
    try {
      const r = await read();
      result.observe(depth, r.pending);
      result.observe(age, r.oldestDueAgeSeconds);
    } catch {
      // The database is unreachable at this moment: nothing to report this time.
    }
  };
  meter.addBatchObservableCallback(callback, [depth, age]);
  return () => meter.removeBatchObservableCallback(callback, [depth, age]);
}

/**
 * Registers the Azure Monitor distro when a connection string is configured; otherwise does
 * nothing. Call once, before the app starts. Auto-instrumentations stay off: the app records its
 * own spans and metrics (above), which carry no URLs, query strings or personal data.
 */
export async function startTelemetry(connectionString: string, log: Logger): Promise<{ shutdown(): Promise<void> }> {
  if (!connectionString) return { shutdown: async () => undefined };
  const { useAzureMonitor, shutdownAzureMonitor } = await import('@azure/monitor-opentelemetry');
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    enableLiveMetrics: false,
    instrumentationOptions: {
      http: { enabled: false },
      azureSdk: { enabled: false },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
      bunyan: { enabled: false },
      winston: { enabled: false },
    },
  });
  log.info({ exporter: 'azure-monitor' }, 'telemetry on');
  return { shutdown: () => shutdownAzureMonitor() };
}
