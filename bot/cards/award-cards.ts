/**
 * The award's part of the decision card: the verification code, whether the award was revoked,
 * and buttons to download the certificate, the badge (PNG for documents, SVG for websites) and
 * the feedback report, and to open the public verification page. The links are signed and
 * expire; the card refreshes when it is looked at, so it always carries fresh ones.
 */
import { AWARD_STATUS_LABELS, awardStatus, formatVerificationCode } from '../../src/domain/award.js';
import type { ApplicationView } from '../../src/workflows/application-view.js';
import { actionSet, facts, notice, openUrl, type CardAction, type CardElement } from './card-kit.js';

export const DOWNLOAD_TITLES = {
  certificate: 'Certificate (PDF)',
  badgePng: 'Badge (PNG)',
  badgeSvg: 'Badge for websites (SVG)',
  feedbackReport: 'Feedback report (PDF)',
  verify: 'Check the award',
} as const;

export function awardSection(view: ApplicationView): CardElement[] {
  const out: CardElement[] = [];
  const award = view.award;
  if (award) {
    const status = awardStatus(award, view.now);
    out.push(
      facts([
        ['Verification code', formatVerificationCode(award.verificationCode)],
        ['Status', AWARD_STATUS_LABELS[status]],
      ]),
    );
    if (award.revokedAt)
      out.push(
        notice(
          'This award has been revoked by NHS England. Its certificate and badge can no longer be used.',
          'attention',
        ),
      );
  }
  const d = view.downloads;
  if (!d) return out;
  const buttons: CardAction[] = [];
  for (const key of ['certificate', 'badgePng', 'badgeSvg', 'feedbackReport', 'verify'] as const) {
    const url = d[key];
    if (url) buttons.push(openUrl(DOWNLOAD_TITLES[key], url));
  }
  if (buttons.length > 0) out.push(actionSet(buttons));
  return out;
}
