/**
 * JSON batching helpers (https://learn.microsoft.com/en-us/graph/json-batching): build a `$batch`
 * body (≤ 20 requests, Content-Type on bodies, dependsOn) and read each entry's status and headers.
 * The SDK's RetryHandler only sees the envelope (200), so entry-level 429/503/504 are the caller's
 * to retry: `entryRetryDelayMs` gives the documented wait (max of Retry-After and RateLimit-Reset).
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { graphCall } from '../client.js';
import { retryAfterMs } from './pacer.js';

export const MAX_BATCH = 20;

export interface BatchEntryRequest {
  id: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  dependsOn?: string[];
}

export interface BatchEntryResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: GraphEntryBody;
}

/** The parts of a batch entry's body the provisioning engine reads (drive item, permission list, error). */
export interface GraphEntryBody {
  id?: string;
  name?: string;
  webUrl?: string;
  value?: GraphPermissionJson[];
  error?: { code?: string; message?: string };
}

/** A permission as `invite` and `GET …/permissions` return it (https://learn.microsoft.com/graph/api/resources/permission). */
export interface GraphPermissionJson {
  id: string;
  roles?: string[];
  grantedToV2?: {
    user?: { email?: string; id?: string };
    group?: { id?: string; displayName?: string };
    siteGroup?: { id?: string; displayName?: string };
  };
  grantedTo?: { user?: { email?: string } };
  invitation?: { email?: string };
  inheritedFrom?: { id?: string };
  link?: { type?: string; scope?: string };
}

export interface BatchResult {
  /** envelope status (200 when the batch was parsed) */
  status: number;
  envelopeHeaders: Headers;
  entries: Map<string, BatchEntryResponse>;
  /** envelope error body when status != 200 */
  error?: unknown;
}

export function batchBody(requests: BatchEntryRequest[]): { requests: unknown[] } {
  if (requests.length === 0 || requests.length > MAX_BATCH) throw new Error(`a batch holds 1..${MAX_BATCH} requests`);
  const ids = new Set(requests.map((r) => r.id));
  if (ids.size !== requests.length) throw new Error('batch request ids must be unique');
  return {
    requests: requests.map((r) => ({
      id: r.id,
      method: r.method,
      url: r.url,
      ...(r.body !== undefined ? { body: r.body, headers: { 'Content-Type': 'application/json' } } : {}),
      ...(r.dependsOn?.length ? { dependsOn: r.dependsOn } : {}),
    })),
  };
}

export async function sendBatch(client: Client, requests: BatchEntryRequest[]): Promise<BatchResult> {
  const r = await graphCall<{ responses?: BatchEntryResponse[] }>(client, 'POST', '/$batch', batchBody(requests));
  const entries = new Map<string, BatchEntryResponse>();
  if (r.status === 200 && Array.isArray(r.body?.responses)) {
    for (const e of r.body.responses) {
      const headers = Object.fromEntries(Object.entries(e.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
      entries.set(String(e.id), { ...e, headers });
    }
  }
  return { status: r.status, envelopeHeaders: r.headers, entries, error: r.status === 200 ? undefined : r.body };
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 503 || status === 504;
}

/** Wait before retrying a throttled entry: max(Retry-After, RateLimit-Reset), or undefined. */
export function entryRetryDelayMs(headers: Record<string, string>): number | undefined {
  const ra = retryAfterMs(headers);
  const reset = Number(headers['ratelimit-reset']);
  if (ra === undefined && !Number.isFinite(reset)) return undefined;
  return Math.max(ra ?? 0, Number.isFinite(reset) ? reset * 1000 : 0);
}
