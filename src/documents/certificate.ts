/**
 * The award certificate: one A4 page with the organisation, the level, the dates it is valid
 * from and until, its verification code and the public link to check it, and the level's badge.
 * Generated from the award record only, so the same award always gives the same bytes.
 */
import { formatVerificationCode, ILLUSTRATIVE_NOTICE } from '../domain/award.js';
import { formatLondon } from '../domain/time.js';
import type { Level } from '../domain/types.js';
import { badgePng } from './badge.js';
import { A4, centred, colour, degrees, fitSize, newPdf, wrap } from './pdf-kit.js';
import { LEVEL_COLOURS, LEVEL_NAMES, NHS_BLUE, NHS_DARK_BLUE, SECONDARY, TEXT, WARNING } from './style.js';

export interface CertificateData {
  organisationName: string;
  level: Level;
  cycleName: string | null;
  validFrom: Date;
  validUntil: Date;
  verificationCode: string;
  /** Where anyone can check the award: `${PUBLIC_BASE_URL}/verify/${code}`. */
  verifyUrl: string;
  illustrative: boolean;
  issuedAt: Date;
}

export async function renderCertificate(c: CertificateData): Promise<Uint8Array> {
  const level = LEVEL_NAMES[c.level];
  const { doc, regular, bold } = await newPdf({
    title: `WEx QS ${level} award certificate: ${c.organisationName}`,
    subject: `Work Experience Quality Standard ${level} award, valid ${formatLondon(c.validFrom, 'date')} to ${formatLondon(c.validUntil, 'date')}`,
    at: c.issuedAt,
  });
  const page = doc.addPage(A4);
  const [w, h] = A4;
  const cx = w / 2;
  const margin = 36;

  page.drawRectangle({
    x: margin,
    y: margin,
    width: w - 2 * margin,
    height: h - 2 * margin,
    borderColor: colour(NHS_BLUE),
    borderWidth: 6,
  });
  page.drawRectangle({
    x: margin + 10,
    y: margin + 10,
    width: w - 2 * margin - 20,
    height: h - 2 * margin - 20,
    borderColor: colour(LEVEL_COLOURS[c.level].edge),
    borderWidth: 1.5,
  });
  page.drawRectangle({
    x: margin + 3,
    y: h - margin - 80,
    width: w - 2 * margin - 6,
    height: 77,
    color: colour(NHS_BLUE),
  });
  centred(page, 'NHS England', { cx, y: h - margin - 36, font: bold, size: 20, colour: '#FFFFFF' });
  centred(page, 'Work Experience Quality Standard', {
    cx,
    y: h - margin - 62,
    font: regular,
    size: 15,
    colour: '#FFFFFF',
  });

  let y = h - 170;
  centred(page, 'Certificate of award', { cx, y, font: bold, size: 30, colour: NHS_DARK_BLUE });
  y -= 44;
  centred(page, 'This certifies that', { cx, y, font: regular, size: 14, colour: SECONDARY });
  y -= 40;
  const name = fitSize(c.organisationName, bold, { max: 26, min: 12, width: w - 2 * margin - 60, maxLines: 3 });
  for (const line of name.lines) {
    centred(page, line, { cx, y, font: bold, size: name.size, colour: TEXT });
    y -= name.size * 1.3;
  }
  y -= 12;
  centred(page, 'has been awarded the Work Experience Quality Standard at', {
    cx,
    y,
    font: regular,
    size: 14,
    colour: SECONDARY,
  });
  y -= 48;
  centred(page, `${level.toUpperCase()} LEVEL`, { cx, y, font: bold, size: 36, colour: LEVEL_COLOURS[c.level].edge });
  y -= 30;
  centred(page, 'for the work experience placements it plans, delivers and evaluates.', {
    cx,
    y,
    font: regular,
    size: 12,
    colour: SECONDARY,
  });

  const badge = await doc.embedPng(
    badgePng({
      level: c.level,
      validFrom: c.validFrom,
      validUntil: c.validUntil,
      verificationCode: c.verificationCode,
      illustrative: c.illustrative,
    }),
  );
  const badgeSize = 150;
  y -= 24 + badgeSize;
  page.drawImage(badge, { x: cx - badgeSize / 2, y, width: badgeSize, height: badgeSize });

  y -= 36;
  const rows: [string, string][] = [
    ['Valid from', formatLondon(c.validFrom, 'date')],
    ['Valid until', formatLondon(c.validUntil, 'date')],
    ...(c.cycleName ? ([['Cycle', c.cycleName]] as [string, string][]) : []),
    ['Verification code', formatVerificationCode(c.verificationCode)],
  ];
  for (const [k, v] of rows) {
    const kw = bold.widthOfTextAtSize(`${k}:`, 12);
    page.drawText(`${k}:`, { x: cx - 10 - kw, y, size: 12, font: bold, color: colour(TEXT) });
    page.drawText(v, { x: cx + 10, y, size: 12, font: regular, color: colour(TEXT) });
    y -= 20;
  }
  y -= 8;
  centred(page, 'Check that this award is genuine and valid today at', {
    cx,
    y,
    font: regular,
    size: 10,
    colour: SECONDARY,
  });
  y -= 15;
  for (const line of wrap(c.verifyUrl, regular, 10, w - 2 * margin - 40)) {
    centred(page, line, { cx, y, font: regular, size: 10, colour: NHS_BLUE });
    y -= 13;
  }

  if (c.illustrative) {
    page.drawText('ILLUSTRATIVE', {
      x: 120,
      y: 250,
      size: 64,
      font: bold,
      color: colour(WARNING),
      opacity: 0.12,
      rotate: degrees(35),
    });
    let ny = margin + 40;
    for (const line of wrap(ILLUSTRATIVE_NOTICE, bold, 9, w - 2 * margin - 60).reverse()) {
      centred(page, line, { cx, y: ny, font: bold, size: 9, colour: WARNING });
      ny += 12;
    }
  }
  return doc.save();
}
