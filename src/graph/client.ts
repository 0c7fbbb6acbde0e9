/**
 * Microsoft Graph access: a `Client` from @microsoft/microsoft-graph-client built with
 * `Client.initWithMiddleware` and this chain (every attempt passes the observer, so retries count):
 *
 *   BearerAuthHandler → RetryHandler (SDK) → RedirectHandler (SDK) → TelemetryHandler (SDK) → FetchHandler
 *
 * Why our own auth and fetch handlers: the SDK's AuthenticationHandler only attaches the token to
 * https Graph hosts or `customHosts`, and strips it otherwise, so it never authenticates to the
 * loopback emulator (http). BearerAuthHandler attaches the token only to the configured base URL's
 * origin (never to another host, e.g. a foreign nextLink). FetchHandler adds a per-attempt timeout
 * (AbortSignal.timeout), the `NONISV|NHSEngland|WExQS/<version>` User-Agent that SharePoint
 * prioritises (https://learn.microsoft.com/en-us/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online),
 * and reports every response to `onResponse` (status, headers) for pacing and counters.
 *
 * Tenant mode: app-only token from @azure/msal-node `acquireTokenByClientCredential` with
 * `https://graph.microsoft.com/.default` (MSAL caches and renews it). Local mode: a static token for
 * the emulator.
 */
import {
  Client,
  RedirectHandler,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  ResponseType,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { ConfidentialClientApplication } from '@azure/msal-node';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const GRAPH_PUBLIC_BASE_URL = 'https://graph.microsoft.com';

export interface AccessTokenSource {
  getAccessToken(): Promise<string>;
}

export interface ResponseInfo {
  method: string;
  url: string;
  status: number;
  headers: Headers;
  durationMs: number;
}

export type GraphClientConfig = {
  /** Base URL without version: https://graph.microsoft.com, or the emulator's URL in local mode. */
  baseUrl?: string;
  appVersion: string;
  /** Per-attempt timeout; a timed-out attempt throws GraphError with code "TransportTimeout". Default 30 s. */
  requestTimeoutMs?: number;
  /** SDK RetryHandler defaults for 429/503/504 (it honours Retry-After). */
  retry?: { delaySeconds?: number; maxRetries?: number };
  onResponse?: (info: ResponseInfo) => void;
} & (
  | { mode: 'tenant'; tenantId: string; clientId: string; clientSecret: string; authorityHost?: string }
  | { mode: 'local'; staticToken: string }
  | { mode: 'custom'; tokens: AccessTokenSource }
);

export function userAgent(version: string): string {
  return `NONISV|NHSEngland|WExQS/${version}`;
}

export function msalTokenSource(
  tenantId: string,
  clientId: string,
  clientSecret: string,
  authorityHost = 'https://login.microsoftonline.com',
): AccessTokenSource {
  const app = new ConfidentialClientApplication({
    auth: { clientId, clientSecret, authority: `${authorityHost}/${tenantId}` },
  });
  return {
    async getAccessToken() {
      const r = await app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
      if (!r?.accessToken) throw new Error('MSAL returned no access token for the client-credential flow');
      return r.accessToken;
    },
  };
}

export function staticTokenSource(token: string): AccessTokenSource {
  if (!token) throw new Error('A non-empty token is required');
  return { getAccessToken: async () => token };
}

function requestUrl(ctx: Context): string {
  return typeof ctx.request === 'string' ? ctx.request : ctx.request.url;
}

function setHeader(ctx: Context, name: string, value: string): void {
  ctx.options = ctx.options ?? {};
  const h = ctx.options.headers;
  if (h instanceof Headers) h.set(name, value);
  else ctx.options.headers = { ...((h as Record<string, string>) ?? {}), [name]: value };
}

/** Adds `Authorization: Bearer` for the configured origin only. */
export class BearerAuthHandler implements Middleware {
  private next?: Middleware;
  constructor(
    private readonly tokens: AccessTokenSource,
    private readonly origin: string,
  ) {}
  async execute(ctx: Context): Promise<void> {
    if (new URL(requestUrl(ctx)).origin === this.origin)
      setHeader(ctx, 'Authorization', `Bearer ${await this.tokens.getAccessToken()}`);
    await this.next!.execute(ctx);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** Terminal handler: fetch with a per-attempt timeout, User-Agent, and response observation. */
export class FetchHandler implements Middleware {
  constructor(
    private readonly ua: string,
    private readonly timeoutMs: number,
    private readonly onResponse?: (info: ResponseInfo) => void,
  ) {}
  async execute(ctx: Context): Promise<void> {
    setHeader(ctx, 'User-Agent', this.ua);
    const started = Date.now();
    const url = requestUrl(ctx);
    const method = (ctx.options?.method ?? 'GET').toUpperCase();
    const signals = [AbortSignal.timeout(this.timeoutMs)];
    if (ctx.options?.signal) signals.push(ctx.options.signal as AbortSignal);
    try {
      ctx.response = await fetch(ctx.request as RequestInfo, {
        ...(ctx.options as RequestInit),
        signal: AbortSignal.any(signals),
      });
    } catch (e) {
      const err = new Error(e instanceof Error ? e.message : String(e));
      const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
      err.name = timedOut ? 'TransportTimeout' : 'TransportError';
      this.onResponse?.({
        method,
        url,
        status: timedOut ? -2 : -1,
        headers: new Headers(),
        durationMs: Date.now() - started,
      });
      throw err;
    }
    this.onResponse?.({
      method,
      url,
      status: ctx.response.status,
      headers: ctx.response.headers,
      durationMs: Date.now() - started,
    });
  }
}

export function createGraphClient(cfg: GraphClientConfig): Client {
  const baseUrl = (cfg.baseUrl ?? GRAPH_PUBLIC_BASE_URL).replace(/\/+$/, '');
  const tokens =
    cfg.mode === 'tenant'
      ? msalTokenSource(cfg.tenantId, cfg.clientId, cfg.clientSecret, cfg.authorityHost)
      : cfg.mode === 'local'
        ? staticTokenSource(cfg.staticToken)
        : cfg.tokens;
  const retry = new RetryHandler(new RetryHandlerOptions(cfg.retry?.delaySeconds ?? 3, cfg.retry?.maxRetries ?? 3));
  const chain: Middleware[] = [
    new BearerAuthHandler(tokens, new URL(baseUrl).origin),
    retry,
    new RedirectHandler(),
    new TelemetryHandler(),
    new FetchHandler(userAgent(cfg.appVersion), cfg.requestTimeoutMs ?? 30_000, cfg.onResponse),
  ];
  return Client.initWithMiddleware({ baseUrl, defaultVersion: 'v1.0', middleware: chain });
}

/** Turns an absolute @odata.nextLink into a path the SDK accepts for this client's base URL. */
export function toRequestPath(link: string, baseUrl: string): string {
  const u = new URL(link);
  if (u.origin !== new URL(baseUrl).origin) throw new Error('nextLink points at another host');
  return u.pathname.replace(/^\/v1\.0/, '') + u.search;
}

export interface RawResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * One request through the SDK, returning status, headers and parsed JSON body without throwing on
 * HTTP errors (ResponseType.RAW). Transport failures throw GraphError (code TransportTimeout/TransportError).
 */
export async function graphCall<T = unknown>(
  client: Client,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawResult<T>> {
  let req = client.api(path).responseType(ResponseType.RAW);
  if (Object.keys(headers).length) req = req.headers(headers);
  let res: Response;
  switch (method) {
    case 'GET':
      res = await req.get();
      break;
    case 'POST':
      res = await req.post(body ?? {});
      break;
    case 'PATCH':
      res = await req.patch(body ?? {});
      break;
    case 'PUT':
      res = await req.put(body);
      break;
    case 'DELETE':
      res = await req.delete();
      break;
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

/** Graph error code from a RawResult body, if any. */
export function errorCode(r: RawResult): string | undefined {
  return (r.body as { error?: { code?: string } } | undefined)?.error?.code;
}

/** Live request counters fed by the client's `onResponse` (every attempt, SDK retries included). */
export interface GraphMetrics {
  requests: number;
  throttled: number;
  transportErrors: number;
  byStatus: Record<string, number>;
  onResponse: (info: ResponseInfo) => void;
}

export function createGraphMetrics(also?: (info: ResponseInfo) => void): GraphMetrics {
  const m: GraphMetrics = {
    requests: 0,
    throttled: 0,
    transportErrors: 0,
    byStatus: {},
    onResponse: (info) => {
      m.requests++;
      if (info.status === 429) m.throttled++;
      if (info.status < 0) m.transportErrors++;
      m.byStatus[String(info.status)] = (m.byStatus[String(info.status)] ?? 0) + 1;
      also?.(info);
    },
  };
  return m;
}

/** True for errors thrown when no HTTP response arrived (timeout, reset, refused). */
export function isTransportError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === 'TransportTimeout' || code === 'TransportError';
}
