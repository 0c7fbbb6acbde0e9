/**
 * Reading evidence files through Graph for inspection.
 * - Original bytes: `GET /drives/{d}/items/{id}/content`
 *   (https://learn.microsoft.com/en-us/graph/api/driveitem-get-content; Graph answers 302 to a
 *   pre-authenticated URL on another host, which the SDK's redirect handler follows without our token).
 * - The PDF reviewers see for an Office file: `GET …/content?format=pdf`
 *   (https://learn.microsoft.com/en-us/graph/api/driveitem-get-content-format); a 406/400 (format not
 *   supported) leaves the original as the only source.
 * - A link opening the file at a page: `POST …/preview {page}` → itemPreviewInfo.getUrl
 *   (https://learn.microsoft.com/en-us/graph/api/driveitem-preview).
 * Each download costs 1 resource unit (SharePoint throttling guidance).
 */
import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import { errorCode, graphCall } from './client.js';

/** Extensions Graph converts to PDF (driveitem-get-content-format, "Format options"). */
export const PDF_CONVERTIBLE = new Set([
  'doc',
  'docx',
  'odp',
  'ods',
  'odt',
  'pot',
  'potm',
  'potx',
  'pps',
  'ppsx',
  'ppsxm',
  'ppt',
  'pptm',
  'pptx',
  'rtf',
  'xls',
  'xlsx',
]);

export function convertibleToPdf(name: string): boolean {
  return PDF_CONVERTIBLE.has((name.split('.').pop() ?? '').toLowerCase());
}

export interface DownloadResult {
  status: number;
  bytes: Uint8Array | null;
  code?: string;
}

export class EvidenceContent {
  /** Requests made (downloads and previews), for RU accounting. */
  requests = 0;

  constructor(
    private readonly client: Client,
    private readonly driveId: string,
  ) {}

  private path(itemId: string): string {
    return `/drives/${encodeURIComponent(this.driveId)}/items/${encodeURIComponent(itemId)}`;
  }

  private async get(path: string, maxBytes: number): Promise<DownloadResult> {
    this.requests++;
    const res = (await this.client.api(path).responseType(ResponseType.RAW).get()) as Response;
    if (res.status !== 200) {
      const text = await res.text();
      let code: string | undefined;
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        code = undefined;
      }
      return { status: res.status, bytes: null, ...(code ? { code } : {}) };
    }
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > maxBytes) {
      await res.body?.cancel();
      return { status: 413, bytes: null, code: 'tooLarge' };
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    return bytes.length > maxBytes ? { status: 413, bytes: null, code: 'tooLarge' } : { status: 200, bytes };
  }

  download(itemId: string, maxBytes: number): Promise<DownloadResult> {
    return this.get(`${this.path(itemId)}/content`, maxBytes);
  }

  /** The PDF rendition of an Office file, or null when Graph does not convert it. */
  async downloadPdf(itemId: string, maxBytes: number): Promise<Uint8Array | null> {
    const r = await this.get(`${this.path(itemId)}/content?format=pdf`, maxBytes);
    return r.bytes;
  }

  /** A URL that opens the file at `page` in the browser's viewer. */
  async previewUrl(itemId: string, page: number): Promise<string | null> {
    this.requests++;
    const r = await graphCall<{ getUrl?: string }>(this.client, 'POST', `${this.path(itemId)}/preview`, {
      page: String(page),
    });
    if (r.status !== 200) {
      if (errorCode(r) === 'itemNotFound') return null;
      throw new Error(`preview failed: ${r.status} ${errorCode(r) ?? ''}`);
    }
    return r.body.getUrl ?? null;
  }
}
