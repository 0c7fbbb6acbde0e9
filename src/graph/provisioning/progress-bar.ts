/**
 * CLI progress bar for provisioning runs (cli-progress). Shows counts only: organisations done,
 * requests, throttled responses and RU — never names or emails.
 */
import cliProgress from 'cli-progress';
import type { Provisioner, ProgressEvent } from './engine.js';

export interface ProgressBarHandle {
  stop(): void;
}

export function attachProgressBar(
  p: Provisioner,
  opts: { label?: string; stream?: NodeJS.WritableStream } = {},
): ProgressBarHandle {
  const bar = new cliProgress.SingleBar(
    {
      format: `${opts.label ?? 'provision'} [{bar}] {value}/{total} orgs | {requests} req | {throttled} throttled | {ru} RU | {eta_formatted}`,
      stream: opts.stream ?? process.stderr,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const onProgress = (e: ProgressEvent) => {
    const payload = { requests: e.requests, throttled: e.throttled, ru: e.ruUsed };
    if (!started) {
      bar.start(e.orgsTotal, e.orgsDone, payload);
      started = true;
    } else {
      bar.setTotal(e.orgsTotal);
      bar.update(e.orgsDone, payload);
    }
  };
  p.on('progress', onProgress);
  return {
    stop() {
      p.off('progress', onProgress);
      if (started) bar.stop();
    },
  };
}
