/**
 * Reading the parts of an Office file (a zip) within bounds. Sizes are checked from the zip's own
 * directory before anything is inflated, and each part inflates into a buffer of its declared size
 * only, so a zip bomb is refused before it costs memory.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { INSPECTION_LIMITS } from './limits.js';
import { InspectionRefused } from './types.js';

export type ZipParts = Map<string, Uint8Array>;

const decoder = new TextDecoder('utf-8');

/** Every part name in the zip with its declared sizes, without inflating anything. */
export function listZip(bytes: Uint8Array): UnzipFileInfo[] {
  const infos: UnzipFileInfo[] = [];
  try {
    unzipSync(bytes, {
      filter: (f) => {
        infos.push(f);
        return false;
      },
    });
  } catch (e) {
    throw new InspectionRefused('damaged', `The file is not a readable Office document (${(e as Error).message}).`);
  }
  return infos;
}

/** Inflate the parts `want` accepts, refusing the file when a size or ratio is out of bounds. */
export function readZipParts(bytes: Uint8Array, want: (name: string) => boolean, limits = INSPECTION_LIMITS): ZipParts {
  const infos = listZip(bytes);
  if (infos.length > limits.maxZipEntries)
    throw new InspectionRefused(
      'zip_bomb',
      `The file holds ${infos.length} parts; more than ${limits.maxZipEntries} are not inspected.`,
    );
  let total = 0;
  for (const f of infos) {
    if (!want(f.name)) continue;
    const ratio = f.size > 0 ? f.originalSize / f.size : f.originalSize > 0 ? Infinity : 1;
    if (f.originalSize > limits.maxPartBytes || (f.originalSize > 1024 * 1024 && ratio > limits.maxCompressionRatio))
      throw new InspectionRefused(
        'zip_bomb',
        `The part ${f.name} would inflate to ${Math.round(f.originalSize / 1024 / 1024)} MB (${Math.round(ratio)}:1); the file looks like a zip bomb and was not opened.`,
      );
    total += f.originalSize;
  }
  if (total > limits.maxTotalInflatedBytes)
    throw new InspectionRefused(
      'zip_bomb',
      `The file would inflate to ${Math.round(total / 1024 / 1024)} MB; it was not opened.`,
    );
  try {
    const out = unzipSync(bytes, { filter: (f) => want(f.name) });
    return new Map(Object.entries(out));
  } catch (e) {
    throw new InspectionRefused('damaged', `The file is not a readable Office document (${(e as Error).message}).`);
  }
}

export function partText(parts: ZipParts, name: string): string | null {
  const p = parts.get(name);
  return p ? decoder.decode(p) : null;
}
