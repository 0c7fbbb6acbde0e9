/** Withdrawing (applicant lead, after a confirmation card) and lapsing unsubmitted applications after the grace period. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/store/database.js';
import { lapseOverdueApplications } from '../../src/workflows/application-journey.js';
import { engines } from '../support/databases.js';
import { T0 } from '../support/fixtures.js';
import { cardText, executeActions, harness, invoke, type Harness } from '../bot/helpers.js';

const DAY = 86_400_000;

describe.each(engines())('withdraw and lapse on $name', (engine) => {
  let handle: DatabaseHandle;
  let h: Harness;

  beforeAll(async () => {
    handle = await engine.open();
    h = await harness(handle);
  });
  afterAll(async () => handle.close());

  it('the lead withdraws after confirming; a contributor cannot; the old card changes nothing', async () => {
    h.clock.at = T0;
    const requested = await invoke(h, 'lead', 'request_application');
    expect(requested.outcome).toBe('request_application');
    const app = (await h.store.applications.forOrganisation('org-a', 'cycle-1'))!;

    const byContributor = await invoke(h, 'contributor', 'withdraw_application', {
      applicationId: app.id,
      version: app.version,
      confirm: true,
    });
    expect(byContributor.outcome).toBe('not_for_you'); // contributors do not have the command
    expect(cardText(byContributor.card)).toContain('This action is for the applicant lead');
    expect((await h.store.applications.get(app.id))!.state).toBe('requested');

    const ask = await invoke(h, 'lead', 'withdraw_application', { applicationId: app.id, version: app.version });
    expect(cardText(ask.card)).toContain('Withdraw your application?');
    expect((await h.store.applications.get(app.id))!.state).toBe('requested');
    const yes = executeActions(ask.card).find((a) => a.title === 'Yes, withdraw')!;
    const done = await invoke(h, 'lead', yes.verb, yes.data);
    expect(cardText(done.card)).toContain('Your application has been withdrawn.');
    const after = (await h.store.applications.get(app.id))!;
    expect(after.state).toBe('withdrawn');
    const audit = await h.store.audit.forEntity('application', app.id);
    expect(audit.at(-1)).toMatchObject({
      action: 'withdraw',
      fromState: 'requested',
      toState: 'withdrawn',
      actorId: 'lead-a',
    });

    const again = await invoke(h, 'lead', yes.verb, yes.data);
    expect(cardText(again.card)).toMatch(/changed|out of date/i);
    expect((await h.store.audit.forEntity('application', app.id)).length).toBe(audit.length);
  });

  it('lapses requested and open applications once the deadline and grace have passed, once', async () => {
    const cycle = (await h.store.cycles.get('cycle-1'))!;
    await h.store.transaction((tx) =>
      tx.applications.create({ organisationId: 'org-b', cycleId: 'cycle-1', actorId: 'lead-b', now: T0 }),
    );
    h.clock.at = new Date(cycle.submissionDeadline.getTime() + cycle.graceMinutes * 60_000 - 1000);
    expect(await lapseOverdueApplications(h.svc)).toBe(0);
    h.clock.at = new Date(cycle.submissionDeadline.getTime() + cycle.graceMinutes * 60_000 + DAY);
    expect(await lapseOverdueApplications(h.svc)).toBe(1);
    expect((await h.store.applications.forOrganisation('org-b', 'cycle-1'))!.state).toBe('lapsed');
    expect((await h.store.applications.forOrganisation('org-a', 'cycle-1'))!.state).toBe('withdrawn');
    expect(await lapseOverdueApplications(h.svc)).toBe(0);
  });
});
