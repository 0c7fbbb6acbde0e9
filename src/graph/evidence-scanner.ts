/**
 * The Graph side of evidence inspection: list the organisation's files (the delta cursor, so an
 * unchanged folder costs one request), download each new or changed file (its original, and for
 * Office files the PDF reviewers see), inspect it in the worker pool, and mark duplicates by
 * quickXorHash. One download costs 1 RU; unchanged files cost nothing.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { markDuplicates, type FileReport } from '../evidence/batch.js';
import { InspectorPool } from '../evidence/inspector-pool.js';
import { INSPECTION_LIMITS } from '../evidence/limits.js';
import type { Logger } from '../log.js';
import type { StoredInspection } from '../store/evidence-inspection-repository.js';
import type { PostgresProvisioningLedger } from '../store/provisioning-ledger.js';
import type { EvidenceScanner, ScannedVersion } from '../workflows/ports.js';
import { EvidenceContent, convertibleToPdf } from './evidence-content.js';
import { listEvidence, refreshEvidence, type EvidenceCursor, type EvidenceFile } from './evidence-listing.js';

export interface GraphEvidenceScannerOptions {
  client: Client;
  baseUrl: string;
  ledger: PostgresProvisioningLedger;
  driveId?: string;
  log: Logger;
  pool?: InspectorPool;
}

function versionKey(f: EvidenceFile): string {
  return f.quickXorHash ?? `${f.size}:${f.lastModified}`;
}

function toStored(r: FileReport): StoredInspection {
  return {
    format: r.format ?? null,
    pages: r.pages ?? null,
    textlessPages: r.textlessPages ?? [],
    blankTemplate: r.blankTemplate ?? false,
    completeness: r.completeness ?? null,
    personalData: (r.personalData ?? []).map((p) => ({ kind: p.kind, page: p.page, hint: p.hint })),
    documentDate: r.documentDate ?? null,
    duplicateOf: r.duplicateOf ?? null,
    problems: (r.problems ?? []).map((p) => ({
      code: p.code,
      severity: p.severity,
      pages: p.pages,
      message: p.message,
    })),
    error: r.error ?? null,
  };
}

export class GraphEvidenceScanner implements EvidenceScanner {
  private pool: InspectorPool | undefined;
  /** Graph requests made so far (listing, downloads, previews). */
  requests = 0;

  constructor(private readonly o: GraphEvidenceScannerOptions) {
    this.pool = o.pool;
  }

  private async folder(cycleId: string, organisationId: string): Promise<{ driveId: string; folderId: string } | null> {
    const folder = await this.o.ledger.folderFor(cycleId, organisationId);
    if (!folder) return null;
    const driveId = this.o.driveId ?? (await this.o.ledger.loadCycle(cycleId)).driveId;
    return driveId ? { driveId, folderId: folder.folderId } : null;
  }

  async scan(
    cycleId: string,
    organisationId: string,
    cursor: Record<string, unknown> | null,
    known: ReadonlyMap<string, string>,
    now: Date,
  ): Promise<{
    cursor: Record<string, unknown>;
    present: { itemId: string; name: string }[];
    inspected: ScannedVersion[];
    requests: number;
  } | null> {
    const where = await this.folder(cycleId, organisationId);
    if (!where) return null;
    const prev = cursor as EvidenceCursor | null;
    const listing =
      prev && prev.orgFolderId === where.folderId && prev.driveId === where.driveId
        ? await refreshEvidence({ client: this.o.client, baseUrl: this.o.baseUrl }, prev)
        : await listEvidence({
            client: this.o.client,
            baseUrl: this.o.baseUrl,
            driveId: where.driveId,
            orgFolderId: where.folderId,
          });
    let requests = listing.requests;
    const files = listing.files;
    const todo = files.filter((f) => known.get(f.id) !== versionKey(f));
    const content = new EvidenceContent(this.o.client, where.driveId);
    this.pool ??= new InspectorPool();
    const pool = this.pool;
    const reports = await Promise.all(
      todo.map(async (f): Promise<FileReport> => {
        if (f.size > INSPECTION_LIMITS.maxFileBytes)
          return {
            file: f.id,
            error: `The file is ${Math.round(f.size / 1024 / 1024)} MB; files over ${INSPECTION_LIMITS.maxFileBytes / 1024 / 1024} MB are not checked automatically.`,
          };
        const original = await content.download(f.id, INSPECTION_LIMITS.maxFileBytes);
        if (!original.bytes) return { file: f.id, error: `The file could not be downloaded (${original.status}).` };
        const rendition = convertibleToPdf(f.name)
          ? await content.downloadPdf(f.id, INSPECTION_LIMITS.maxFileBytes)
          : null;
        const a = await pool.inspect(original.bytes, now, rendition ?? undefined);
        return a.ok ? { file: f.id, ...a.result } : { file: f.id, error: a.error };
      }),
    );
    requests += content.requests;
    this.requests += requests;
    // Duplicates: the same quickXorHash as another file of the folder (the earlier-named one is the original).
    const byName = [...files].sort((a, b) => a.path.localeCompare(b.path));
    const names = new Map(files.map((f) => [f.id, f.name]));
    const ordered = byName.map((f) => reports.find((r) => r.file === f.id) ?? ({ file: f.id } as FileReport));
    const marked = markDuplicates(
      ordered,
      byName.map((f) => f.quickXorHash ?? null),
    );
    const inspected: ScannedVersion[] = [];
    for (const r of marked) {
      const f = files.find((x) => x.id === r.file)!;
      if (!todo.includes(f)) continue;
      const dup = r.duplicateOf ? (names.get(r.duplicateOf) ?? null) : null;
      const problems = (r.problems ?? []).map((p) =>
        p.code === 'duplicate' && dup ? { ...p, message: `This file is the same as “${dup}”; it counts once.` } : p,
      );
      inspected.push({
        itemId: f.id,
        versionKey: versionKey(f),
        name: f.name,
        result: toStored({ ...r, duplicateOf: dup, problems }),
      });
    }
    this.o.log.info(
      { organisationId, files: files.length, inspected: inspected.length, requests },
      'evidence inspected',
    );
    return {
      cursor: listing.cursor as unknown as Record<string, unknown>,
      present: files.map((f) => ({ itemId: f.id, name: f.name })),
      inspected,
      requests,
    };
  }

  async previewUrl(
    cycleId: string,
    organisationId: string,
    documentName: string,
    page: number,
  ): Promise<string | null> {
    const where = await this.folder(cycleId, organisationId);
    if (!where) return null;
    const listing = await listEvidence({
      client: this.o.client,
      baseUrl: this.o.baseUrl,
      driveId: where.driveId,
      orgFolderId: where.folderId,
    });
    const file = listing.files.find((f) => f.name.trim().toLowerCase() === documentName.trim().toLowerCase());
    if (!file) return null;
    const content = new EvidenceContent(this.o.client, where.driveId);
    return content.previewUrl(file.id, page);
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }
}
