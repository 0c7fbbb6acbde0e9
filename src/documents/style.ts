/**
 * What the award documents look like: NHS colours, each level's colour, the bundled fonts.
 * Fonts are DejaVu Sans (npm `dejavu-fonts-ttf`), embedded (subset) in PDFs and used to draw the
 * badge, so a document looks the same on every machine and covers any organisation's name.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Level } from '../domain/types.js';

export const NHS_BLUE = '#005EB8';
export const NHS_DARK_BLUE = '#003087';
export const TEXT = '#212B32';
export const SECONDARY = '#4C6272';
export const WARNING = '#8A1538';

/** Fill colour of each level, and the text colour on it (contrast ≥ 4.5:1). */
export const LEVEL_COLOURS: Readonly<Record<Level, { fill: string; ink: string; edge: string }>> = {
  bronze: { fill: '#8C5A2B', ink: '#FFFFFF', edge: '#5E3B1A' },
  silver: { fill: '#D5DBE0', ink: '#212B32', edge: '#768692' },
  gold: { fill: '#F2C94C', ink: '#212B32', edge: '#9C7A12' },
};

export const LEVEL_NAMES: Readonly<Record<Level, string>> = { bronze: 'Bronze', silver: 'Silver', gold: 'Gold' };

const require = createRequire(import.meta.url);
export const FONT_REGULAR_PATH = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
export const FONT_BOLD_PATH = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');
export const FONT_FAMILY = 'DejaVu Sans';

let fonts: { regular: Buffer; bold: Buffer } | null = null;
export function fontBytes(): { regular: Buffer; bold: Buffer } {
  fonts ??= { regular: readFileSync(FONT_REGULAR_PATH), bold: readFileSync(FONT_BOLD_PATH) };
  return fonts;
}

/** "#RRGGBB" → [r, g, b] in 0..1. */
export function rgb01(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

/** Text people typed, safe to draw: no control characters, one line per paragraph. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029]/g, ' ');
}
