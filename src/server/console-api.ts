/**
 * The tab's API for the admin console, reviewers' conflicts of interest, application history and
 * award downloads. Mounted behind the tab authentication (src/server/tab-auth.ts); every use case
 * authorises the signed-in person itself (admins only for the console, as in the bot).
 *
 *   GET  /api/admin/console?cycleId=            pipeline, lists, provisioning, reminders, awards
 *   GET  /api/admin/calibration?cycleId=        calibration per reviewer
 *   GET  /api/admin/conflicts                   every declared conflict
 *   GET  /api/admin/export?cycleId&what&format  CSV or XLSX, streamed
 *   GET  /api/admin/communicate-all?cycleId=    preview: who gets what
 *   POST /api/admin/communicate-all             {cycleId, items:[{applicationId, version}]}
 *   POST /api/admin/awards/:awardId/revoke      {reason}
 *   GET  /api/applications/:id/history          admins, or the application's own team
 *   GET  /api/applications/:id/award            award, status and signed download links
 *   GET  /api/conflicts                         the reviewer's own declarations and the choices
 *   POST /api/conflicts                         {organisationId, reason}
 *   DELETE /api/conflicts/:organisationId
 */
import express, { type Express, type Request, type Response } from 'express';
import { z } from 'zod';
import { httpStatusFor, isDomainError } from '../domain/errors.js';
import { formatLondon } from '../domain/time.js';
import { CONTENT_TYPES, EXPORT_FORMATS } from '../exports/table-writers.js';
import { communicateAll, consoleSummary, previewCommunicateAll } from '../workflows/admin-console.js';
import { applicationAward, revokeAward } from '../workflows/awards.js';
import {
  allConflicts,
  conflictChoices,
  declareConflict,
  myConflicts,
  withdrawConflict,
} from '../workflows/conflicts.js';
import { checkExport, EXPORT_KINDS, exportCycle, exportFilename } from '../workflows/exports.js';
import { cycleCalibration, historyOf } from '../workflows/panel.js';
import type { Services } from '../workflows/services.js';
import { cycleQuery, idParam as id } from './http-input.js';
import { tabUserOf } from './tab-auth.js';

type Handler = (req: Request, res: Response) => Promise<unknown>;

export function mountConsoleApi(app: Express, deps: { svc: Services }): void {
  const { svc } = deps;
  const json = express.json({ limit: '64kb' });

  /** Runs a handler; bad input is a 400, a refused use case its domain status, never a stack trace. */
  const handle =
    (route: string, fn: Handler) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        const body = await fn(req, res);
        if (body !== undefined && !res.headersSent) res.status(200).json(body);
      } catch (e) {
        if (e instanceof z.ZodError) {
          if (!res.headersSent)
            res.status(400).json({
              error: 'invalid_request',
              message: `The request is not valid: ${e.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}.`,
            });
          return;
        }
        if (isDomainError(e)) {
          if (!res.headersSent)
            res.status(httpStatusFor(e.code)).json({ error: e.code, message: e.message, nextStep: e.nextStep });
          return;
        }
        svc.log.error({ route, err: { type: e instanceof Error ? e.name : typeof e } }, 'tab API failed');
        if (!res.headersSent)
          res
            .status(500)
            .json({ error: 'internal', message: 'Something went wrong on our side. Please try again in a moment.' });
        else res.destroy();
      }
    };
  const actor = (res: Response) => tabUserOf(res).actor;

  app.get(
    '/api/admin/console',
    handle('console', async (req, res) => consoleSummary(svc, actor(res), cycleQuery.parse(req.query).cycleId)),
  );

  app.get(
    '/api/admin/calibration',
    handle('calibration', async (req, res) => {
      const q = z.object({ cycleId: id }).parse(req.query);
      return cycleCalibration(svc, actor(res), q.cycleId);
    }),
  );

  app.get(
    '/api/admin/conflicts',
    handle('conflicts', async (_req, res) =>
      (await allConflicts(svc, actor(res))).map((c) => ({
        reviewer: c.reviewerName,
        organisation: c.organisationName,
        reason: c.reason,
        declared: formatLondon(c.declaredAt),
      })),
    ),
  );

  app.get(
    '/api/admin/export',
    handle('export', async (req, res) => {
      const q = z.object({ cycleId: id, what: z.enum(EXPORT_KINDS), format: z.enum(EXPORT_FORMATS) }).parse(req.query);
      // Authorised and the cycle checked before the first byte: a refusal is still a clean JSON error.
      await checkExport(svc, actor(res), q.cycleId);
      res.status(200).set({
        'Content-Type': CONTENT_TYPES[q.format],
        'Content-Disposition': `attachment; filename="${exportFilename(q.cycleId, q.what, q.format)}"`,
      });
      await exportCycle(svc, actor(res), { cycleId: q.cycleId, kind: q.what, format: q.format }, res);
      return undefined;
    }),
  );

  app.get(
    '/api/admin/communicate-all',
    handle('communicate-all preview', async (req, res) =>
      previewCommunicateAll(svc, actor(res), cycleQuery.parse(req.query).cycleId),
    ),
  );

  app.post(
    '/api/admin/communicate-all',
    json,
    handle('communicate-all', async (req, res) => {
      const b = z
        .object({
          cycleId: id,
          items: z.array(z.object({ applicationId: id, version: z.number().int().min(0) })).max(2000),
        })
        .parse(req.body);
      const result = await communicateAll(svc, actor(res), b);
      svc.reminders?.wake();
      return result;
    }),
  );

  app.post(
    '/api/admin/awards/:awardId/revoke',
    json,
    handle('revoke', async (req, res) => {
      const { awardId } = z.object({ awardId: id }).parse(req.params);
      const { reason } = z.object({ reason: z.string().max(2000) }).parse(req.body);
      const a = await revokeAward(svc, actor(res), { awardId, reason });
      return { id: a.id, revokedAt: a.revokedAt?.toISOString() ?? null, reason: a.revokeReason };
    }),
  );

  app.get(
    '/api/applications/:applicationId/history',
    handle('history', async (req, res) => {
      const { applicationId } = z.object({ applicationId: id }).parse(req.params);
      return (await historyOf(svc, actor(res), applicationId)).map((h) => ({
        at: h.at.toISOString(),
        uk: formatLondon(h.at),
        who: h.who,
        what: h.what,
        from: h.from,
        to: h.to,
      }));
    }),
  );

  app.get(
    '/api/applications/:applicationId/award',
    handle('award', async (req, res) => {
      const { applicationId } = z.object({ applicationId: id }).parse(req.params);
      const s = await applicationAward(svc, actor(res), applicationId);
      return {
        award: s.award
          ? {
              id: s.award.id,
              level: s.award.level,
              validFrom: formatLondon(s.award.validFrom, 'date'),
              validUntil: formatLondon(s.award.validUntil, 'date'),
              verificationCode: s.award.verificationCode,
              illustrative: s.award.illustrative,
            }
          : null,
        status: s.status,
        downloads: s.downloads,
      };
    }),
  );

  const conflictsBody = async (res: Response) => {
    const [mine, choices] = await Promise.all([myConflicts(svc, actor(res)), conflictChoices(svc, actor(res))]);
    return {
      declared: mine.map((c) => ({
        organisationId: c.organisationId,
        organisation: c.organisationName,
        reason: c.reason,
        declared: formatLondon(c.declaredAt),
      })),
      choices: choices.map((o) => ({ id: o.id, name: o.name })),
    };
  };
  app.get(
    '/api/conflicts',
    handle('conflicts', async (_req, res) => conflictsBody(res)),
  );
  app.post(
    '/api/conflicts',
    json,
    handle('declare conflict', async (req, res) => {
      const b = z.object({ organisationId: id, reason: z.string().max(2000) }).parse(req.body);
      await declareConflict(svc, actor(res), b);
      return conflictsBody(res);
    }),
  );
  app.delete(
    '/api/conflicts/:organisationId',
    handle('withdraw conflict', async (req, res) => {
      const { organisationId } = z.object({ organisationId: id }).parse(req.params);
      await withdrawConflict(svc, actor(res), { organisationId });
      return conflictsBody(res);
    }),
  );
}
