/**
 * The HTTP face's input rules, in one place: the schemas of every route's parameters, query and
 * body (the tab's /api routes, the .ics links, award files, the local stack's pages), the limits, and the one
 * way a refusal is answered: 400 (or the status given) with `{ error, message }`, the message in
 * plain words, never a stack, a SQL statement, a path or the value that was sent.
 *
 * Identifiers (ids in paths and queries) are refused when they hold control characters; free text
 * (a file name) has them removed (src/domain/text.ts). The bot endpoint's activity schema is in
 * src/server/activity-schema.ts.
 */
import type { Response } from 'express';
import { z } from 'zod';
import { cleanName, hasControlCharacters } from '../domain/text.js';

export const INPUT_LIMITS = {
  /** A Bot Framework activity (Teams keeps messages under ~100 KB). */
  activityBytes: '256kb',
  /** A file uploaded to the local evidence page. */
  uploadBytes: '25mb',
  /** An id in a path or a query. */
  idChars: 100,
  /** A file name. */
  fileNameChars: 200,
} as const;

/** An id in a path or query: 1-100 characters, none of them a control character. */
export const idParam = z
  .string()
  .trim()
  .min(1)
  .max(INPUT_LIMITS.idChars)
  .refine((s) => !hasControlCharacters(s), { message: 'must not contain control characters' });

/** A file name typed or picked by a person: one line, control characters removed, then 1-200 characters. */
export const fileNameParam = z
  .string()
  .transform((s) => cleanName(s))
  .pipe(z.string().min(1).max(INPUT_LIMITS.fileNameChars));

/** GET /api/me */
export const meQuery = z.object({ organisationId: idParam.optional() });

/** The signature of a link opened outside Teams (.ics, award files): ?exp&sig */
export const signedLinkQuery = z.object({
  exp: z.string().max(20).optional(),
  sig: z.string().max(200).optional(),
});

/** GET /ics/bookings/:bookingId?exp&sig */
export const icsParams = z.object({ bookingId: idParam });
export const icsQuery = signedLinkQuery;

/** GET /files/awards/:awardId/:file and /files/applications/:applicationId/feedback.pdf */
export const awardFileParams = <F extends string>(files: readonly [F, ...F[]]) =>
  z.object({ awardId: idParam, file: z.enum(files) });
export const feedbackReportParams = z.object({ applicationId: idParam });

/** The tab's console and history routes: ids in the path, the cycle in the query. */
export const cycleQuery = z.object({ cycleId: idParam.optional() });

/** GET /local/evidence and /local/evidence/:orgId?as= (local mode only) */
export const localVisitorQuery = z.object({ as: z.string().trim().max(INPUT_LIMITS.idChars).optional() });
export const organisationParams = z.object({ orgId: idParam });

/** POST /local/dropins/:sessionId/join (local mode only), a form with the person joining. */
export const dropInJoinParams = z.object({ sessionId: idParam });
export const dropInJoinForm = z.object({ personId: idParam });

/** PUT /local/evidence/:orgId/:section/:name (local mode only) */
export const evidenceUploadParams = z.object({
  orgId: idParam,
  section: z.coerce.number().int().min(1).max(6),
  name: fileNameParam,
});

/** GET /local/evidence/:orgId/files/:name (local mode only) */
export const evidenceFileParams = z.object({ orgId: idParam, name: fileNameParam });

/** Answer a request the caller got wrong. */
export function badRequest(res: Response, error: string, message: string, status = 400): void {
  res.status(status).json({ error, message });
}
