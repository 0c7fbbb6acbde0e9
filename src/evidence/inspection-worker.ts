/**
 * Runs in a worker thread: inspects one file. The pool (inspector-pool.ts) bounds its time and
 * heap, so a file that makes a parser spin or allocate without end stops this worker, not the app.
 */
import { inspectDocument } from './inspect.js';
import { InspectionRefused, type InspectionResult } from './types.js';

export interface WorkerTask {
  bytes: Uint8Array;
  rendition?: Uint8Array;
  /** ISO instant */
  now: string;
}

export type WorkerAnswer = { ok: true; result: InspectionResult } | { ok: false; reason: string; error: string };

export default async function inspectInWorker(task: WorkerTask): Promise<WorkerAnswer> {
  try {
    const result = await inspectDocument(task.bytes, {
      now: new Date(task.now),
      ...(task.rendition ? { rendition: task.rendition } : {}),
    });
    return { ok: true, result };
  } catch (e) {
    if (e instanceof InspectionRefused) return { ok: false, reason: e.reason, error: e.message };
    return { ok: false, reason: 'damaged', error: `The file cannot be read (${(e as Error).message}).` };
  }
}
