import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/admin.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { PostgresProvisioningLedger } from '../../src/store/provisioning-ledger.js';
import { Store } from '../../src/store/store.js';
import { engines } from '../support/databases.js';
import { T0 } from '../support/fixtures.js';

describe.each(engines())('admin CLI on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  const dir = mkdtempSync(path.join(tmpdir(), 'wexqs-cli-'));
  const lines: string[] = [];
  const run = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await runCli(argv, (s) => lines.push(s), store, T0);
    return { code, out: lines.join('\n') };
  };

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
  });
  afterAll(async () => handle.close());

  it('imports organisations and contacts: dry run shows the plan and writes nothing; a re-run changes nothing', async () => {
    const csv = path.join(dir, 'contacts.csv');
    writeFileSync(
      csv,
      'Organisation Name,organisation_code,contact_name,contact_email,contact_role\nAlpha NHS Trust,a1,Ada Lead,ADA@alpha.example,Lead\nAlpha NHS Trust,A1,Cy Con,cy@alpha.example,contributor\n"Beta, Community Trust",B2,,,\n',
    );
    const dry = await run('import-orgs', '--file', csv, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('[dry run] + organisation Alpha NHS Trust (A1)');
    expect(dry.out).toContain('4 changes');
    expect(await store.organisations.list()).toHaveLength(0);
    expect((await run('import-orgs', '--file', csv)).out).toContain('Imported.');
    const ada = await store.people.findByIdentity({ email: 'ada@alpha.example' });
    expect(ada?.roles).toEqual(['applicant_lead']);
    expect((await store.organisations.list()).map((o) => o.name)).toEqual(['Alpha NHS Trust', 'Beta, Community Trust']);
    expect((await run('import-orgs', '--file', csv)).out).toContain('0 changes, 4 unchanged');
    writeFileSync(
      csv,
      'organisation_name,organisation_code,contact_name,contact_email,contact_role\nAlpha NHS Trust,A1,Ada Lead,ada@alpha.example,contributor\n',
    );
    expect((await run('import-orgs', '--file', csv, '--dry-run')).out).toContain(
      '~ contact ada@alpha.example: role → applicant contributor',
    );
  });

  it('refuses a bad CSV with every problem and its line, changing nothing', async () => {
    const csv = path.join(dir, 'bad.csv');
    writeFileSync(
      csv,
      'organisation_name,contact_name,contact_email,contact_role\nX,Someone,not-an-email,lead\nGamma Trust,Bo,bo@g.example,boss\nGamma Trust,Ann,ann@g.example,lead\nGamma Trust,Ann,ann@g.example,contributor\n',
    );
    const r = await run('import-orgs', '--file', csv);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/line 2: organisation_name/);
    expect(r.out).toMatch(/line 2: contact_email is not an email address/);
    expect(r.out).toMatch(/line 3: contact_role must be lead or contributor/);
    expect(r.out).toMatch(/line 5: ann@g.example is also on line 4/);
    expect((await run('import-orgs', '--file', path.join(dir, 'missing.csv'))).out).toContain('File not found');
  });

  it('creates a cycle (UK times, validated) and grants roles', async () => {
    const bad = await run(
      'create-cycle',
      '--name',
      'Bad cycle',
      '--deadline',
      '2026-09-18 17:00',
      '--review-start',
      '2026-09-01',
      '--review-end',
      '2026-11-27',
      '--decision-start',
      '2026-12-01',
      '--decision-end',
      '2026-12-15',
    );
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('must be before review starts');
    const ok = await run(
      'create-cycle',
      '--name',
      '2026/27 cycle 1',
      '--deadline',
      '2026-09-18 17:00',
      '--grace-minutes',
      '2880',
      '--review-start',
      '2026-10-02',
      '--review-end',
      '2026-11-27',
      '--decision-start',
      '2026-12-01',
      '--decision-end',
      '2026-12-15 17:00',
    );
    expect(ok.out).toContain('Created cycle 2026/27 cycle 1');
    const c = (await store.cycles.list())[0]!;
    expect(c.submissionDeadline.toISOString()).toBe('2026-09-18T16:00:00.000Z');
    expect(
      (
        await run(
          'create-cycle',
          '--name',
          '2026/27 cycle 1',
          '--deadline',
          '2026-09-18',
          '--review-start',
          '2026-10-02',
          '--review-end',
          '2026-11-27',
          '--decision-start',
          '2026-12-01',
          '--decision-end',
          '2026-12-15',
        )
      ).out,
    ).toContain('already exists');

    expect((await run('grant', '--email', 'sam@nhse.example', '--role', 'reviewer')).code).toBe(1);
    expect(
      (await run('grant', '--email', 'sam@nhse.example', '--role', 'reviewer', '--name', 'Sam Patel')).out,
    ).toContain('Granted reviewer to Sam Patel (new person)');
    expect((await run('grant', '--email', 'SAM@nhse.example', '--role', 'admin')).out).toContain(
      'Roles now: reviewer, admin',
    );
    expect((await run('grant', '--email', 'sam@nhse.example', '--role', 'admin', '--revoke')).out).toContain(
      'Roles now: reviewer',
    );
    expect((await run('grant', '--email', 'sam@nhse.example', '--role', 'superuser')).out).toContain('--role');
    expect((await run('frobnicate')).code).toBe(2);
    const audit = await store.audit.forEntity(
      'person',
      (await store.people.findByIdentity({ email: 'sam@nhse.example' }))!.id,
    );
    expect(audit.map((a) => a.action)).toEqual(['grant_role', 'grant_role', 'revoke_role']);
  });

  it('after an import, asks for folder access to follow the contacts of organisations that already have a folder', async () => {
    const cycle = (await store.cycles.list())[0]!;
    const alpha = (await store.organisations.list()).find((o) => o.name === 'Alpha NHS Trust')!;
    await new PostgresProvisioningLedger(store.db).recordOrgFolder(cycle.id, alpha.id, {
      id: 'f1',
      webUrl: 'https://x.sharepoint.com/f1',
      name: 'Alpha NHS Trust',
    });
    const csv = path.join(dir, 'more.csv');
    writeFileSync(
      csv,
      'organisation_name,organisation_code,contact_name,contact_email,contact_role\nAlpha NHS Trust,A1,Nia New,nia@alpha.example,contributor\n',
    );
    const out =
      (await runCli(
        ['import-orgs', '--file', csv],
        (l) => lines.push(l),
        store,
        new Date(cycle.submissionDeadline.getTime() - 86_400_000),
      ),
      lines.join('\n'));
    expect(out).toContain('Imported.');
    expect(out).toContain(`npm run admin -- provision --cycle ${cycle.id}`);
    const none = path.join(dir, 'beta.csv');
    writeFileSync(
      none,
      'organisation_name,organisation_code,contact_name,contact_email,contact_role\n"Beta, Community Trust",B2,Bo Beta,bo@beta.example,lead\n',
    );
    lines.length = 0;
    await runCli(
      ['import-orgs', '--file', none],
      (l) => lines.push(l),
      store,
      new Date(cycle.submissionDeadline.getTime() - 86_400_000),
    );
    expect(lines.join('\n')).not.toContain('provision --cycle');
    // A contact moving from Alpha (which has a folder) to Beta: Alpha's folder must stop sharing with them.
    writeFileSync(
      none,
      'organisation_name,organisation_code,contact_name,contact_email,contact_role\n"Beta, Community Trust",B2,Nia New,nia@alpha.example,contributor\n',
    );
    lines.length = 0;
    await runCli(
      ['import-orgs', '--file', none],
      (l) => lines.push(l),
      store,
      new Date(cycle.submissionDeadline.getTime() - 86_400_000),
    );
    expect(lines.join('\n')).toContain('organisation → Beta, Community Trust');
    expect(lines.join('\n')).toContain(`npm run admin -- provision --cycle ${cycle.id}`);
  });
});
