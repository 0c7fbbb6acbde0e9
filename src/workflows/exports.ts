/**
 * Exports of a cycle for admins: the pipeline (one row per application), the assessments (one row
 * per reviewer per criterion) and the audit log, as CSV or XLSX, streamed straight from the
 * database to the caller's stream. Each export is itself audited.
 */
import { authorise } from '../domain/authorisation.js';
import { STATE_LABELS } from '../domain/application-state.js';
import { awardStatus, AWARD_STATUS_LABELS, formatVerificationCode } from '../domain/award.js';
import { OUTCOME_LABELS } from '../domain/feedback.js';
import { inLondon } from '../domain/time.js';
import type { Actor, ApplicationState } from '../domain/types.js';
import type { CellValue } from '../exports/cell-safety.js';
import { writeTable, type ExportFormat, type Table } from '../exports/table-writers.js';
import type { Writable } from 'node:stream';
import { loadCycle } from './application-view.js';
import type { Services } from './services.js';

export const EXPORT_KINDS = ['pipeline', 'assessments', 'audit'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** London wall-clock "YYYY-MM-DD HH:mm", the same in CSV and XLSX. */
const when = (d: Date | null): string | null => (d ? inLondon(d).toFormat('yyyy-MM-dd HH:mm') : null);
const day = (d: Date | null): string | null => (d ? inLondon(d).toFormat('yyyy-MM-dd') : null);

export function exportTable(svc: Services, cycleId: string, kind: ExportKind): Table {
  const now = svc.clock.now();
  const r = svc.store.reports;
  switch (kind) {
    case 'pipeline':
      return {
        name: 'Pipeline',
        columns: [
          'Application id',
          'Organisation',
          'Organisation code',
          'Stage',
          'Level applied for',
          'Requested (UK time)',
          'Submitted (UK time)',
          'Late',
          'Reviewers',
          'Decision',
          'Decided (UK time)',
          'Verification code',
          'Award valid from',
          'Award valid until',
          'Award status today',
        ],
        rows: (async function* () {
          for await (const p of r.pipeline(cycleId)) {
            const award =
              p.awardCode && p.awardValidFrom && p.awardValidUntil
                ? { validFrom: p.awardValidFrom, validUntil: p.awardValidUntil, revokedAt: p.awardRevokedAt }
                : null;
            yield [
              p.applicationId,
              p.organisationName,
              p.organisationCode,
              STATE_LABELS[p.state as ApplicationState] ?? p.state,
              p.targetLevel,
              when(p.requestedAt),
              when(p.submittedAt),
              p.submittedLate,
              p.reviewers.join('; '),
              p.decided ? (p.decisionLevel ?? 'no award') : null,
              when(p.decidedAt),
              p.awardCode ? formatVerificationCode(p.awardCode) : null,
              day(p.awardValidFrom),
              day(p.awardValidUntil),
              award ? AWARD_STATUS_LABELS[awardStatus(award, now)] : null,
            ] satisfies CellValue[];
          }
        })(),
      };
    case 'assessments':
      return {
        name: 'Assessments',
        columns: ['Application id', 'Organisation', 'Reviewer', 'Criterion', 'Outcome', 'Note', 'Updated (UK time)'],
        rows: (async function* () {
          for await (const a of r.assessments(cycleId))
            yield [
              a.applicationId,
              a.organisationName,
              a.reviewerName,
              a.criterionId,
              OUTCOME_LABELS[a.outcome],
              a.note,
              when(a.updatedAt),
            ] satisfies CellValue[];
        })(),
      };
    case 'audit':
      return {
        name: 'Audit log',
        columns: [
          'Id',
          'At (UK time)',
          'Who',
          'Action',
          'Entity',
          'Entity id',
          'Organisation',
          'From',
          'To',
          'Details',
        ],
        rows: (async function* () {
          for await (const e of r.audit(cycleId))
            yield [
              e.id,
              when(e.at),
              e.actorName ?? e.actorId,
              e.action,
              e.entityKind,
              e.entityId,
              e.organisationName,
              e.fromState,
              e.toState,
              Object.keys(e.details).length > 0 ? JSON.stringify(e.details) : null,
            ] satisfies CellValue[];
        })(),
      };
  }
}

/** Whether the actor may export the cycle (and it exists): faces call it before they start streaming. */
export async function checkExport(svc: Services, actor: Actor, cycleId: string): Promise<void> {
  authorise(actor, 'export_cycle', { kind: 'cycle' });
  await loadCycle(svc, cycleId);
}

/** Admin: write the export to `out`; returns how many rows it had. */
export async function exportCycle(
  svc: Services,
  actor: Actor,
  input: { cycleId: string; kind: ExportKind; format: ExportFormat },
  out: Writable,
): Promise<number> {
  await checkExport(svc, actor, input.cycleId);
  const rows = await writeTable(exportTable(svc, input.cycleId, input.kind), input.format, out);
  await svc.store.audit.append({
    at: svc.clock.now(),
    actorId: actor.personId,
    action: 'export',
    entityKind: 'cycle',
    entityId: input.cycleId,
    fromState: null,
    toState: null,
    details: { what: input.kind, format: input.format, rows },
  });
  return rows;
}

export function exportFilename(cycleId: string, kind: ExportKind, format: ExportFormat): string {
  return `wexqs-${cycleId.replace(/[^\w-]/g, '_')}-${kind}.${format}`;
}
