/**
 * Downloads of an award's files, for people outside Teams (a website editor, a printer):
 *   GET /files/awards/:awardId/certificate.pdf | badge.png | badge.svg
 *   GET /files/applications/:applicationId/feedback.pdf
 * Each link is signed (src/server/signed-links.ts) and expires: the signature is the permission,
 * handed out only on the decision card and in the tab to people allowed to see the award.
 */
import type { Express, Response } from 'express';
import { isDomainError } from '../domain/errors.js';
import { awardFile, feedbackReportFile, type DownloadedFile } from '../workflows/awards.js';
import { AWARD_FILES, type AwardFile } from '../workflows/ports.js';
import type { Services } from '../workflows/services.js';
import { awardFileParams, feedbackReportParams, signedLinkQuery } from './http-input.js';
import type { LinkSigner } from './signed-links.js';

export const awardFilePath = (awardId: string, file: AwardFile) =>
  `/files/awards/${encodeURIComponent(awardId)}/${file}`;
export const feedbackReportPath = (applicationId: string) =>
  `/files/applications/${encodeURIComponent(applicationId)}/feedback.pdf`;

const awardParams = awardFileParams(AWARD_FILES as [AwardFile, ...AwardFile[]]);

function send(res: Response, f: DownloadedFile): void {
  res
    .status(200)
    .set({
      'Content-Type': f.contentType,
      'Content-Disposition': `attachment; filename="${f.filename}"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
      // An SVG opened directly must not run anything.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      'Referrer-Policy': 'no-referrer',
    })
    .send(Buffer.from(f.body));
}

export function mountAwardFilesRoute(app: Express, deps: { svc: Services; signer: LinkSigner }): void {
  const { svc, signer } = deps;
  const refuse = (res: Response) =>
    void res.status(403).json({
      error: 'link_expired_or_invalid',
      message: 'This download link has expired or is not valid. Open the decision in Teams for a new one.',
    });
  const fail = (res: Response, e: unknown) => {
    if (isDomainError(e) && e.code === 'NOT_FOUND') {
      const gone = e.details.revoked === true;
      return void res.status(gone ? 410 : 404).json({ error: gone ? 'revoked' : 'not_found', message: e.message });
    }
    throw e;
  };

  app.get('/files/awards/:awardId/:file', async (req, res) => {
    const p = awardParams.safeParse(req.params);
    const q = signedLinkQuery.safeParse(req.query);
    if (!p.success || !q.success) return void res.status(404).json({ error: 'not_found' });
    if (!signer.verify(awardFilePath(p.data.awardId, p.data.file), q.data.exp, q.data.sig, svc.clock.now()))
      return refuse(res);
    try {
      send(res, await awardFile(svc, p.data.awardId, p.data.file));
    } catch (e) {
      fail(res, e);
    }
  });

  app.get('/files/applications/:applicationId/feedback.pdf', async (req, res) => {
    const p = feedbackReportParams.safeParse(req.params);
    const q = signedLinkQuery.safeParse(req.query);
    if (!p.success || !q.success) return void res.status(404).json({ error: 'not_found' });
    if (!signer.verify(feedbackReportPath(p.data.applicationId), q.data.exp, q.data.sig, svc.clock.now()))
      return refuse(res);
    try {
      send(res, await feedbackReportFile(svc, p.data.applicationId));
    } catch (e) {
      fail(res, e);
    }
  });
}
