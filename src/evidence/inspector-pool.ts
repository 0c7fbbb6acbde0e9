/**
 * A pool of inspection workers (piscina): at most `threads` files at once, each stopped after the
 * time limit and confined to a heap limit. A stopped or crashed worker gives that file an error
 * with the reason, and the pool starts a fresh worker for the next file.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { INSPECTION_LIMITS } from './limits.js';
import type { WorkerAnswer, WorkerTask } from './inspection-worker.js';
import type { InspectionResult } from './types.js';

export interface InspectorPoolOptions {
  threads?: number;
  timeoutMs?: number;
  heapMb?: number;
}

export type PoolAnswer = { ok: true; result: InspectionResult } | { ok: false; reason: string; error: string };

/** Worker entry: the compiled .js beside this file, or the .ts source under tsx/vitest. */
function workerFile(): { filename: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts'))
    return { filename: here.replace(/inspector-pool\.ts$/, 'inspection-worker.ts'), execArgv: ['--import', 'tsx'] };
  return { filename: here.replace(/inspector-pool\.js$/, 'inspection-worker.js'), execArgv: [] };
}

export class InspectorPool {
  private readonly pool: Piscina<WorkerTask, WorkerAnswer>;
  private readonly timeoutMs: number;

  constructor(o: InspectorPoolOptions = {}) {
    const threads = o.threads ?? Math.max(1, Math.min(2, os.availableParallelism()));
    const { filename, execArgv } = workerFile();
    this.timeoutMs = o.timeoutMs ?? INSPECTION_LIMITS.timeoutMs;
    this.pool = new Piscina({
      filename,
      execArgv,
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: 30_000,
      resourceLimits: { maxOldGenerationSizeMb: o.heapMb ?? INSPECTION_LIMITS.workerHeapMb },
    });
  }

  async inspect(bytes: Uint8Array, now: Date, rendition?: Uint8Array): Promise<PoolAnswer> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      return await this.pool.run({ bytes, now: now.toISOString(), ...(rendition ? { rendition } : {}) }, { signal });
    } catch (e) {
      const err = e as { name?: string; code?: string; message?: string };
      if (signal.aborted)
        return {
          ok: false,
          reason: 'timeout',
          error: `Checking the file took longer than ${Math.round(this.timeoutMs / 1000)} s; it was stopped.`,
        };
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY')
        return {
          ok: false,
          reason: 'out_of_memory',
          error: 'The file needs more memory to check than is allowed; it was stopped.',
        };
      return {
        ok: false,
        reason: 'damaged',
        error: `The file could not be checked (${err.message ?? 'worker failed'}).`,
      };
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
