/**
 * Draws the Teams app icons deterministically (no image tools, no dependencies):
 *   appPackage/color.png   192×192, NHS blue (#005EB8) rounded square with a white award mark
 *   appPackage/outline.png  32×32, the same mark in white on a transparent background
 * The mark is a ring with a tick in it ("standard met"). Shapes are signed-distance functions,
 * anti-aliased by 4×4 supersampling. Run: npx tsx scripts/make-icons.ts [outDir]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

export const NHS_BLUE = [0x00, 0x5e, 0xb8] as const;

type Rgba = readonly [number, number, number, number];

/** Encodes 8-bit RGBA pixels (row-major, 4 bytes each) as a PNG. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4) throw new Error('pixel buffer size does not match width × height × 4');
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter
  ihdr[12] = 0; // no interlace
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * stride, stride).copy(raw, y * (stride + 1) + 1);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Signed distances in unit coordinates (0..1 across the icon); negative = inside.
const length = (x: number, y: number): number => Math.hypot(x, y);

function sdRoundedSquare(x: number, y: number, half: number, radius: number): number {
  const qx = Math.abs(x - 0.5) - half + radius;
  const qy = Math.abs(y - 0.5) - half + radius;
  return length(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

function sdSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const pax = px - ax;
  const pay = py - ay;
  const bax = bx - ax;
  const bay = by - ay;
  const h = Math.min(1, Math.max(0, (pax * bax + pay * bay) / (bax * bax + bay * bay)));
  return length(pax - bax * h, pay - bay * h);
}

/** The award mark: a ring and a tick. `weight` scales stroke widths (thicker for the small icon). */
function sdMark(x: number, y: number, weight: number): number {
  const ringRadius = 0.33;
  const ring = Math.abs(length(x - 0.5, y - 0.5) - ringRadius) - 0.03 * weight;
  const tick =
    Math.min(sdSegment(x, y, 0.35, 0.51, 0.45, 0.62), sdSegment(x, y, 0.45, 0.62, 0.66, 0.39)) - 0.036 * weight;
  return Math.min(ring, tick);
}

function render(size: number, shade: (x: number, y: number) => Rgba, samples = 4): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      // Average premultiplied colour over samples×samples points inside the pixel.
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const [cr, cg, cb, ca] = shade((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size);
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
      }
      out[i + 3] = Math.round((a / (samples * samples)) * 255);
    }
  }
  return out;
}

const WHITE: Rgba = [255, 255, 255, 1];
const CLEAR: Rgba = [255, 255, 255, 0];

export function colorIcon(): Buffer {
  const size = 192;
  const blue: Rgba = [NHS_BLUE[0], NHS_BLUE[1], NHS_BLUE[2], 1];
  const pixels = render(size, (x, y) => {
    if (sdRoundedSquare(x, y, 0.5, 0.16) > 0) return CLEAR;
    return sdMark(x, y, 1) <= 0 ? WHITE : blue;
  });
  return encodePng(size, size, pixels);
}

export function outlineIcon(): Buffer {
  const size = 32;
  // White only; transparency carries the shape (Teams' rule for outline icons).
  const pixels = render(size, (x, y) => (sdMark(x, y, 1.6) <= 0 ? WHITE : CLEAR));
  return encodePng(size, size, pixels);
}

export function writeIcons(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const written = [join(outDir, 'color.png'), join(outDir, 'outline.png')];
  writeFileSync(written[0]!, colorIcon());
  writeFileSync(written[1]!, outlineIcon());
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const outDir = resolve(process.argv[2] ?? 'appPackage');
  for (const file of writeIcons(outDir)) console.log(`wrote ${file}`);
}
