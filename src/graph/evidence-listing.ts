/**
 * Evidence listing for readiness: every file under an organisation's folder with name, size, last
 * modified, web URL and section (the top-level sub-folder it sits under).
 *
 * First listing: walk the folder tree with `GET .../children?$select=...&$top=200`, following
 * `@odata.nextLink` (https://learn.microsoft.com/en-us/graph/api/driveitem-list-children,
 * https://learn.microsoft.com/en-us/graph/paging). Before walking, a delta cursor is taken with
 * `GET /drives/{id}/root/delta?token=latest` (https://learn.microsoft.com/en-us/graph/api/driveitem-delta;
 * on SharePoint delta is supported on the library root only, and parentReference.path is not returned,
 * so items are tracked by id).
 * Refresh: follow the stored deltaLink (1 RU per page with a token, the cheapest SharePoint call) and
 * apply only changes whose parent is a folder of this organisation. Nothing changed → one request.
 * A 410 (resyncRequired) falls back to a full listing.
 *
 * Names are shown in cards and stored, so each is cleaned as it arrives (src/domain/text.ts):
 * whatever a library lets through, one file with a control character in its name must not make
 * the whole listing unstorable.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { cleanName } from '../domain/text.js';
import { errorCode, graphCall, toRequestPath } from './client.js';

export interface EvidenceFile {
  id: string;
  name: string;
  size: number;
  lastModified: string;
  webUrl: string;
  /** name of the top-level sub-folder (framework section), or null for files directly in the org folder */
  section: string | null;
  /** path below the section, e.g. "extra/letter.pdf" */
  path: string;
  /** file.hashes.quickXorHash: the hash SharePoint keeps for every file (same bytes, same hash) */
  quickXorHash?: string | null;
  /** fileSystemInfo.createdDateTime: the file's own creation date */
  created?: string | null;
}

export interface EvidenceCursor {
  driveId: string;
  orgFolderId: string;
  deltaLink: string;
  /** folder id → {section, path} for every folder under the org folder */
  folders: Record<string, { section: string | null; path: string }>;
  files: Record<string, EvidenceFile>;
}

export interface EvidenceListing {
  files: EvidenceFile[];
  cursor: EvidenceCursor;
  /** requests this call made */
  requests: number;
  changed: boolean;
}

const SELECT = 'id,name,size,lastModifiedDateTime,webUrl,folder,file,fileSystemInfo,parentReference,deleted';

export interface ListingOptions {
  client: Client;
  /** base URL the client talks to (to turn absolute nextLinks into SDK paths) */
  baseUrl: string;
  driveId: string;
  orgFolderId: string;
  pageSize?: number;
}

/** The parts of a drive item the listing reads (https://learn.microsoft.com/graph/api/resources/driveitem). */
interface DriveItemJson {
  id: string;
  name: string;
  size?: number;
  lastModifiedDateTime: string;
  webUrl: string;
  folder?: object;
  file?: { hashes?: { quickXorHash?: string } };
  fileSystemInfo?: { createdDateTime?: string; lastModifiedDateTime?: string };
  deleted?: object;
  parentReference?: { id?: string };
}

interface DrivePage {
  value: DriveItemJson[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

async function getOk(client: Client, path: string): Promise<DrivePage> {
  const r = await graphCall<DrivePage>(client, 'GET', path);
  if (r.status !== 200) {
    const err = new Error(`GET failed: ${r.status} ${errorCode(r) ?? ''}`) as Error & { status?: number };
    err.status = r.status;
    throw err;
  }
  return r.body;
}

function sorted(files: Record<string, EvidenceFile>): EvidenceFile[] {
  return Object.values(files).sort(
    (a, b) => (a.section ?? '').localeCompare(b.section ?? '') || a.path.localeCompare(b.path),
  );
}

export async function listEvidence(o: ListingOptions): Promise<EvidenceListing> {
  let requests = 0;
  const enc = encodeURIComponent;
  const latest = await getOk(o.client, `/drives/${enc(o.driveId)}/root/delta?token=latest`);
  requests++;
  const folders: EvidenceCursor['folders'] = { [o.orgFolderId]: { section: null, path: '' } };
  const files: Record<string, EvidenceFile> = {};
  const queue: string[] = [o.orgFolderId];
  while (queue.length) {
    const folderId = queue.shift()!;
    const here = folders[folderId]!;
    let path: string | undefined =
      `/drives/${enc(o.driveId)}/items/${enc(folderId)}/children?$select=${SELECT}&$top=${o.pageSize ?? 200}`;
    while (path) {
      const page = await getOk(o.client, path);
      requests++;
      for (const it of page.value) {
        if (it.folder) {
          const isSection = folderId === o.orgFolderId;
          const name = cleanName(it.name);
          folders[it.id] = {
            section: isSection ? name : here.section,
            path: isSection ? '' : here.path ? `${here.path}/${name}` : name,
          };
          queue.push(it.id);
        } else if (it.file) {
          files[it.id] = toFile(it, here);
        }
      }
      path = page['@odata.nextLink'] ? toRequestPath(page['@odata.nextLink'], o.baseUrl) : undefined;
    }
  }
  const deltaLink = latest['@odata.deltaLink'];
  if (!deltaLink) throw new Error('GET delta?token=latest answered without @odata.deltaLink');
  const cursor: EvidenceCursor = { driveId: o.driveId, orgFolderId: o.orgFolderId, deltaLink, folders, files };
  return { files: sorted(files), cursor, requests, changed: true };
}

function toFile(it: DriveItemJson, where: { section: string | null; path: string }): EvidenceFile {
  const name = cleanName(it.name);
  return {
    id: it.id,
    name,
    size: it.size ?? 0,
    lastModified: it.lastModifiedDateTime,
    webUrl: it.webUrl,
    section: where.section,
    path: where.path ? `${where.path}/${name}` : name,
    quickXorHash: it.file?.hashes?.quickXorHash ?? null,
    created: it.fileSystemInfo?.createdDateTime ?? null,
  };
}

/** Applies the drive's changes since the cursor; one request when nothing changed. */
export async function refreshEvidence(
  o: Omit<ListingOptions, 'driveId' | 'orgFolderId'>,
  prev: EvidenceCursor,
): Promise<EvidenceListing> {
  const cursor: EvidenceCursor = structuredClone(prev);
  let requests = 0;
  let changed = false;
  let link: string | undefined = prev.deltaLink;
  try {
    while (link) {
      const page = await getOk(o.client, toRequestPath(link, o.baseUrl));
      requests++;
      for (const it of page.value) {
        if (it.deleted) {
          if (cursor.files[it.id]) {
            delete cursor.files[it.id];
            changed = true;
          }
          if (cursor.folders[it.id] && it.id !== cursor.orgFolderId) {
            delete cursor.folders[it.id]; // its files arrive as their own tombstones
            changed = true;
          }
          continue;
        }
        const parentId = it.parentReference?.id;
        const parent = parentId ? cursor.folders[parentId] : undefined;
        if (!parent) {
          if (cursor.files[it.id]) {
            delete cursor.files[it.id]; // moved out of this organisation
            changed = true;
          }
          continue;
        }
        if (it.folder) {
          const isSection = parentId === cursor.orgFolderId;
          const name = cleanName(it.name);
          cursor.folders[it.id] = {
            section: isSection ? name : parent.section,
            path: isSection ? '' : parent.path ? `${parent.path}/${name}` : name,
          };
          changed = true;
        } else if (it.file) {
          cursor.files[it.id] = toFile(it, parent);
          changed = true;
        }
      }
      if (page['@odata.deltaLink']) {
        cursor.deltaLink = page['@odata.deltaLink'];
        link = undefined;
      } else link = page['@odata.nextLink'];
    }
  } catch (e) {
    if ((e as { status?: number }).status === 410) {
      const full = await listEvidence({ ...o, driveId: prev.driveId, orgFolderId: prev.orgFolderId });
      return { ...full, requests: full.requests + requests };
    }
    throw e;
  }
  return { files: sorted(cursor.files), cursor, requests, changed };
}
