/**
 * Provisioning progress lives in PostgreSQL: a run started on one app instance is seen, with its
 * progress and outcome, from any other; two instances never run one cycle's provisioning twice at
 * once; a run whose instance stopped is reported as interrupted and may be started again. The work
 * is a job written with the run: done by whichever instance runs it, and carried on by its retry
 * after a crash unless a later run replaced it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_COMMANDS } from '../../bot/commands/index.js';
import { CommandRouter } from '../../bot/router.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { PROVISIONING_STALE_MS } from '../../src/workflows/admin.js';
import { RecordingJobs } from '../../src/workflows/fakes.js';
import type { Services } from '../../src/workflows/services.js';
import { cardText, click, executeActions, harness, invoke, runJobs, say, type Harness } from '../bot/helpers.js';
import { engines } from '../support/databases.js';

/** A second app instance on the same database: its own router, jobs (as run there) and instance id. */
function secondInstance(h: Harness, instanceId: string): Harness {
  const jobs = new RecordingJobs();
  const svc: Services = { ...h.svc, jobs, instanceId };
  return { ...h, svc, jobs, router: new CommandRouter(svc, ALL_COMMANDS) };
}

/** The jobs queued through this instance, run there. */
const work = (x: Harness) => runJobs({ ...x.svc, jobs: x.jobs });

function runIdOf(card: unknown): string {
  const show = executeActions(card).find((a) => a.verb === 'provision_status');
  if (!show) throw new Error('no Show progress button');
  return String(show.data.runId);
}

describe.each(engines())('provisioning runs shared by instances on $name', (engine) => {
  let handle: DatabaseHandle;
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    handle = await engine.open();
    a = await harness(handle);
    a.svc.instanceId = 'instance-a';
    b = secondInstance(a, 'instance-b');
    await say(a, 'lead', 'request our application');
  });
  afterAll(async () => handle.close());

  it('a run started on one instance is the run the other shows; its progress and outcome are read from the database', async () => {
    const started = await invoke(a, 'admin', 'provision');
    expect(cardText(started.card)).toContain('0 of 1');
    const runId = runIdOf(started.card);

    // The second instance: a click on Provision shows the same run instead of starting another.
    const again = await invoke(b, 'admin', 'provision');
    expect(runIdOf(again.card)).toBe(runId);
    expect(b.jobs.pending).toEqual([]);
    const fromB = await click(b, 'admin', started.card, 'provision_status');
    expect(cardText(fromB.card)).toContain('Starting');

    await work(a);
    expect(a.evidence.provisionCalls).toBe(1);
    const done = await click(b, 'admin', started.card, 'provision_status');
    expect(cardText(done.card)).toContain('1 of 1 (100%)');
    expect(cardText(done.card)).toContain('every folder is ready');
    expect(executeActions(done.card).map((x) => x.verb)).toContain('provision');
  });

  it('failures are recorded by organisation id and shown by name on any instance', async () => {
    a.evidence.failFor.add('org-a');
    const started = await invoke(b, 'admin', 'provision');
    await work(b);
    const status = await click(a, 'admin', started.card, 'provision_status');
    expect(cardText(status.card)).toContain('Finished with 1 failure');
    expect(cardText(status.card)).toMatch(/Alpha[^\n]*: simulated failure/);
    a.evidence.failFor.clear();
  });

  it('a run whose instance stopped (no heartbeat) is interrupted, and a new run may start', async () => {
    const started = await invoke(a, 'admin', 'provision'); // instance a "dies": its job is not run
    const runId = runIdOf(started.card);
    a.clock.at = new Date(a.clock.at.getTime() + PROVISIONING_STALE_MS + 1000);
    const status = await click(b, 'admin', started.card, 'provision_status');
    expect(cardText(status.card)).toContain('Interrupted');
    const restarted = await invoke(b, 'admin', 'provision');
    expect(runIdOf(restarted.card)).not.toBe(runId);
    await work(b);
    expect((await a.store.provisioningRuns.get(runId, a.clock.now(), PROVISIONING_STALE_MS))?.status).toBe(
      'interrupted',
    );
    // The old run's job, retried later on any instance, finds it replaced by the later run: nothing to do.
    await work(a);
    expect((await a.store.provisioningRuns.get(runId, a.clock.now(), PROVISIONING_STALE_MS))?.status).toBe(
      'interrupted',
    );
  });

  it('an instance shutting down releases its active runs; the run’s job, run on any instance, carries it on', async () => {
    const started = await invoke(a, 'admin', 'provision');
    const runId = runIdOf(started.card);
    expect(await a.store.provisioningRuns.releaseOwner('instance-a', a.clock.now())).toBe(1);
    const status = await click(b, 'admin', started.card, 'provision_status');
    expect(cardText(status.card)).toContain('Interrupted');
    expect((await a.store.provisioningRuns.get(runId, a.clock.now(), PROVISIONING_STALE_MS))?.status).toBe(
      'interrupted',
    );
    // Its job was not lost with the instance: run elsewhere, it takes the run over and finishes it.
    await work(a);
    expect((await a.store.provisioningRuns.get(runId, a.clock.now(), PROVISIONING_STALE_MS))?.status).toBe('finished');
  });

  it('concurrent starts for one cycle start exactly one run', async () => {
    const cycleId = 'cycle-concurrent';
    const now = a.clock.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        a.store.provisioningRuns.start({
          id: `run-${i}`,
          cycleId,
          startedBy: 'admin-1',
          total: 3,
          owner: `instance-${i % 2}`,
          now,
          staleMs: PROVISIONING_STALE_MS,
        }),
      ),
    );
    expect(results.filter((r) => r.started)).toHaveLength(1);
    expect(new Set(results.map((r) => r.run.id)).size).toBe(1);
  });

  it('an unknown run id gets a clear answer', async () => {
    const r = await invoke(a, 'admin', 'provision_status', { runId: 'no-such-run' });
    expect(cardText(r.card)).toContain('not known');
  });
});
