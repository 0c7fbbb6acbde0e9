/**
 * Bounds on what one inspection may cost, so a huge or malicious file is refused or cut off with a
 * reason instead of taking the process down.
 */
export interface InspectionLimits {
  maxFileBytes: number;
  maxPages: number;
  maxPartBytes: number;
  maxTotalInflatedBytes: number;
  maxCompressionRatio: number;
  maxZipEntries: number;
  timeoutMs: number;
  workerHeapMb: number;
}

export const INSPECTION_LIMITS: Readonly<InspectionLimits> = {
  /** Files larger than this are refused before parsing. */
  maxFileBytes: 50 * 1024 * 1024,
  /** Only this many pages are read; the rest of a longer file is reported as not checked. */
  maxPages: 150,
  /** Inside an Office file (a zip): the most any one part may inflate to… */
  maxPartBytes: 40 * 1024 * 1024,
  /** …all parts together… */
  maxTotalInflatedBytes: 120 * 1024 * 1024,
  /** …and the highest compression ratio accepted for a part larger than 1 MB (zip bombs are ~1000:1). */
  maxCompressionRatio: 150,
  /** Entries in a zip. */
  maxZipEntries: 10_000,
  /** Wall-clock time for one file in the worker before it is stopped. */
  timeoutMs: 20_000,
  /** Heap for one inspection worker. */
  workerHeapMb: 512,
};
