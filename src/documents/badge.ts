/**
 * The digital badge an awarded organisation puts on its website: one design per level, with the
 * years it is valid and its verification code, as SVG (text, scales to any size) and PNG (drawn
 * from the same SVG by resvg with the bundled font, so both look the same). Deterministic: the
 * same award always gives the same bytes.
 */
import { Resvg } from '@resvg/resvg-js';
import { formatVerificationCode } from '../domain/award.js';
import { inLondon } from '../domain/time.js';
import type { Level } from '../domain/types.js';
import {
  FONT_BOLD_PATH,
  FONT_FAMILY,
  FONT_REGULAR_PATH,
  LEVEL_COLOURS,
  LEVEL_NAMES,
  NHS_BLUE,
  WARNING,
} from './style.js';

export interface BadgeData {
  level: Level;
  validFrom: Date;
  validUntil: Date;
  verificationCode: string;
  illustrative: boolean;
}

/** Size of the badge, in SVG user units (= CSS pixels at 1×). */
export const BADGE_SIZE = 320;
/** The PNG is drawn at 2× for sharp display on high-density screens. */
export const BADGE_PNG_SCALE = 2;

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** "2026–2028": the London calendar years the award is valid in. */
export function validityYears(validFrom: Date, validUntil: Date): string {
  return `${inLondon(validFrom).year}–${inLondon(validUntil).year}`;
}

export function badgeSvg(b: BadgeData): string {
  const c = LEVEL_COLOURS[b.level];
  const level = LEVEL_NAMES[b.level];
  const years = validityYears(b.validFrom, b.validUntil);
  const code = formatVerificationCode(b.verificationCode);
  const label = `NHS England Work Experience Quality Standard: ${level}, valid ${years}. Verification code ${code}.${b.illustrative ? ' Illustrative.' : ''}`;
  const s = BADGE_SIZE;
  const mid = s / 2;
  const font = `font-family="${FONT_FAMILY}, Arial, Helvetica, sans-serif"`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${s}" height="${s}" viewBox="0 0 ${s} ${s}" role="img" aria-label="${escapeXml(label)}">`,
    `<title>${escapeXml(label)}</title>`,
    `<circle cx="${mid}" cy="${mid}" r="${mid - 4}" fill="${NHS_BLUE}"/>`,
    `<circle cx="${mid}" cy="${mid}" r="${mid - 30}" fill="${c.fill}" stroke="${c.edge}" stroke-width="4"/>`,
    `<text x="${mid}" y="24" ${font} font-size="15" font-weight="bold" fill="#FFFFFF" text-anchor="middle">NHS England</text>`,
    `<text x="${mid}" y="94" ${font} font-size="15" font-weight="bold" fill="${c.ink}" text-anchor="middle">WORK EXPERIENCE</text>`,
    `<text x="${mid}" y="114" ${font} font-size="15" font-weight="bold" fill="${c.ink}" text-anchor="middle">QUALITY STANDARD</text>`,
    `<text x="${mid}" y="178" ${font} font-size="50" font-weight="bold" fill="${c.ink}" text-anchor="middle">${escapeXml(level.toUpperCase())}</text>`,
    `<text x="${mid}" y="214" ${font} font-size="22" fill="${c.ink}" text-anchor="middle">${escapeXml(years)}</text>`,
    `<text x="${mid}" y="244" ${font} font-size="11" fill="${c.ink}" text-anchor="middle">Verify: ${escapeXml(code)}</text>`,
    `<text x="${mid}" y="${s - 12}" ${font} font-size="13" font-weight="bold" fill="#FFFFFF" text-anchor="middle">Award</text>`,
  ];
  if (b.illustrative) {
    parts.push(
      `<g transform="rotate(-30 ${mid} ${mid})">`,
      `<rect x="-20" y="${mid - 16}" width="${s + 40}" height="32" fill="${WARNING}" opacity="0.92"/>`,
      `<text x="${mid}" y="${mid + 7}" ${font} font-size="20" font-weight="bold" fill="#FFFFFF" text-anchor="middle" letter-spacing="3">ILLUSTRATIVE</text>`,
      `</g>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export function badgePng(b: BadgeData): Buffer {
  const resvg = new Resvg(badgeSvg(b), {
    fitTo: { mode: 'zoom', value: BADGE_PNG_SCALE },
    font: {
      fontFiles: [FONT_REGULAR_PATH, FONT_BOLD_PATH],
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY,
    },
  });
  return resvg.render().asPng();
}
