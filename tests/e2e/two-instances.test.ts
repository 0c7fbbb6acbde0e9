/**
 * Two instances of the compiled app (`node dist/src/main.js`) on one PostgreSQL server, as behind
 * a load balancer: a journey's activities alternate between them, both run the reminder
 * dispatcher and provisioning, one is killed (SIGKILL) in the middle of both, and the results are
 * exactly once: one application, each reminder delivered once, every evidence folder created
 * once; progress and status read the same from either instance.
 *
 * Local mode (bot authentication off) against the Graph emulator and the local Bot Connector;
 * WORK_LEASE_MS is short so the surviving instance takes over the killed one's claims quickly.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectorEmulator, type ConnectorEmulator } from '../../src/connector-emulator/index.js';
import { startGraphEmulator, type GraphEmulator } from '../../src/graph/emulator/index.js';
import { LOCAL_EMULATOR_TOKEN, LOCAL_TENANT_DIRECTORY } from '../../src/graph/graph-setup.js';
import { DEMO_CYCLE_ID, seedDemoData } from '../../src/local/demo-data.js';
import { DEMO_TENANT_ID } from '../../src/local/demo-people.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { cardText, executeActions } from '../bot/helpers.js';
import { enqueueDue, seedRecipients } from '../notifications/helpers.js';
import { eventually, freePort } from '../support/local-stack.js';
import { createFreshDatabase, startThrowawayPostgres, type PostgresServer } from '../support/postgres.js';

const PRIYA = '3f1c5a2e-0000-4000-8000-000000000001';
const ALEX = '3f1c5a2e-0000-4000-8000-000000000006';
const EXTRA_ORGS = 30;
const REMINDERS = 150;

interface Instance {
  name: string;
  url: string;
  child: ChildProcess;
  output: () => string;
}

describe('two app instances on one PostgreSQL server', () => {
  let server: PostgresServer | null = null;
  let db: { url: string; drop(): Promise<void> };
  let handle: DatabaseHandle;
  let store: Store;
  let graph: GraphEmulator;
  let connector: ConnectorEmulator;
  let a: Instance;
  let b: Instance;
  /** The instance left after the one doing the provisioning run is killed. */
  let survivor: Instance;
  let n = 0;

  async function startInstance(name: string): Promise<Instance> {
    const port = await freePort();
    let out = '';
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      env: {
        ...process.env,
        APP_MODE: 'local',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: db.url,
        DATA_DIR: mkdtempSync(path.join(tmpdir(), `wexqs-${name}-`)),
        GRAPH_EMULATOR: 'true',
        GRAPH_EMULATOR_PORT: new URL(graph.url).port,
        PLAYGROUND: 'false',
        SEED_DEMO_DATA: 'false',
        TAB_IDENTITY_PICKER: 'false',
        WORK_LEASE_MS: '3000',
        // The local Bot Connector only answers the bot's token.
        LOCAL_BOT_CONNECTOR_TOKEN: 'true',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += d.toString()));
    child.stderr!.on('data', (d) => (out += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`instance ${name} exited: ${out}`);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });
    return { name, url, child, output: () => out };
  }

  /** An Action.Execute click, as Teams posts it to whichever instance the load balancer picks. */
  async function invoke(to: Instance, oid: string, verb: string, data: Record<string, unknown> = {}) {
    const res = await fetch(`${to.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'invoke',
        name: 'adaptiveCard/action',
        id: `act-${++n}`,
        channelId: 'msteams',
        serviceUrl: connector.url,
        from: { id: `29:${oid}`, aadObjectId: oid },
        recipient: { id: '28:bot', name: 'WEx QS' },
        conversation: { id: `a:${oid}`, conversationType: 'personal', tenantId: DEMO_TENANT_ID },
        channelData: { tenant: { id: DEMO_TENANT_ID } },
        replyToId: `msg-${n}`,
        value: { action: { type: 'Action.Execute', verb, data: { verb, ...data } }, trigger: 'manual' },
      }),
    });
    expect(res.status, `${verb} on ${to.name}`).toBe(200);
    const body = (await res.json()) as { value: unknown };
    return { card: body.value, text: cardText(body.value) };
  }

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'ignore' });
    const adminUrl = process.env.TEST_DATABASE_URL ?? (server = await startThrowawayPostgres()).url;
    db = await createFreshDatabase(adminUrl, 'wexqs_two');
    handle = await openDatabase({ databaseUrl: db.url, poolSize: 4 });
    store = new Store(handle.db);
    const now = new Date();
    await seedDemoData(store, now);
    // More organisations with open applications, so provisioning runs long enough to be interrupted.
    for (let i = 0; i < EXTRA_ORGS; i++) {
      await store.transaction(async (tx) => {
        await tx.organisations.upsert({ id: `org-extra-${i}`, name: `Extra NHS Trust ${i}`, code: `EX${i}` });
        await tx.applications.create({
          organisationId: `org-extra-${i}`,
          cycleId: DEMO_CYCLE_ID,
          actorId: 'demo-alex',
          now,
        });
      });
    }
    // Every Graph request takes 40 ms: provisioning the cycle takes seconds, not milliseconds.
    graph = await startGraphEmulator({
      acceptedToken: LOCAL_EMULATOR_TOKEN,
      latencyMs: 40,
      directory: LOCAL_TENANT_DIRECTORY,
    });
    connector = await startConnectorEmulator();
    [a, b] = await Promise.all([startInstance('a'), startInstance('b')]);
  }, 600_000);

  afterAll(async () => {
    for (const i of [a, b]) if (i && i.child.exitCode === null) i.child.kill('SIGKILL');
    await connector?.close();
    await graph?.close();
    await handle?.close();
    await db?.drop();
    await server?.stop();
  });

  it('one application when the same request reaches both instances at once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => invoke(i % 2 === 0 ? a : b, PRIYA, 'request_application')),
    );
    expect(answers.every((x) => !/Something went wrong/.test(x.text))).toBe(true);
    const apps = await store.applications.listByCycle(DEMO_CYCLE_ID);
    expect(apps.filter((x) => x.organisationId === 'org-northshire')).toHaveLength(1);
    // The status card reads the same on either instance.
    const [onA, onB] = [await invoke(a, PRIYA, 'status'), await invoke(b, PRIYA, 'status')];
    expect(onA.text).toBe(onB.text);
  });

  it('the admin opens it on the other instance; the team gets the folder link once', async () => {
    const app = (await store.applications.forOrganisation('org-northshire', DEMO_CYCLE_ID))!;
    const opened = await invoke(b, ALEX, 'open_application', { applicationId: app.id, version: app.version });
    expect(opened.text).toContain('Opened');
    const again = await invoke(a, ALEX, 'open_application', { applicationId: app.id, version: app.version });
    expect(again.text).not.toMatch(/Something went wrong/);
    await eventually(async () => {
      expect(
        await store.db
          .selectFrom('evidence_folders')
          .selectAll()
          .where('organisation_id', '=', 'org-northshire')
          .execute(),
      ).toHaveLength(1);
    });
  });

  it('reminders and provisioning run on both; one instance is killed mid-run; all completes exactly once', async () => {
    const recipients = await seedRecipients(store, connector, REMINDERS, 'two');
    await enqueueDue(store, recipients, { subject: 'two-instances' });

    const started = await invoke(a, ALEX, 'provision');
    const show = executeActions(started.card).find((x) => x.verb === 'provision_status')!;
    expect(show).toBeDefined();
    // The run is a job: whichever instance picks it up does it. Its progress is visible from both.
    for (const i of [a, b])
      await eventually(async () => {
        const seen = await invoke(i, ALEX, 'provision_status', show.data);
        expect(seen.text).toMatch(/Organisations: ([1-9]\d*) of/);
      });
    await eventually(async () => expect(connector.stats().accepted).toBeGreaterThan(10));

    // Kill the instance doing the run (its instance id carries its process id).
    const run = await store.db
      .selectFrom('provisioning_runs')
      .select('owner')
      .where('id', '=', String(show.data.runId))
      .executeTakeFirstOrThrow();
    const doing = run.owner.includes(`-${a.child.pid}-`) ? a : b;
    survivor = doing === a ? b : a;
    doing.child.kill('SIGKILL');
    await new Promise((r) => doing.child.once('exit', r));

    // The survivor reports the killed instance's run as interrupted once its lease has passed …
    await eventually(async () => {
      expect((await invoke(survivor, ALEX, 'provision_status', show.data)).text).toContain('Interrupted');
    });
    // … and runs it again, carrying on where it stopped.
    const rerun = await invoke(survivor, ALEX, 'provision');
    const rerunShow = executeActions(rerun.card).find((x) => x.verb === 'provision_status')!;
    expect(rerunShow.data.runId).not.toBe(show.data.runId);
    await eventually(async () => {
      expect((await invoke(survivor, ALEX, 'provision_status', rerunShow.data)).text).toContain(
        'every folder is ready',
      );
    });

    // Every reminder delivered once (the survivor took over the killed instance's claims).
    await eventually(async () => {
      const counts = connector.receivedCounts();
      expect(recipients.filter((r) => !(counts.get(`29:aad-${r}`) ?? counts.get(r)))).toEqual([]);
    });
    const counts = connector.receivedCounts();
    const delivered = recipients.map((r) => counts.get(`29:aad-${r}`) ?? counts.get(r) ?? 0);
    expect(delivered.filter((c) => c !== 1)).toEqual([]);
    // The last message arrives before its sender records it as sent: wait for the records too.
    await eventually(async () => {
      const statuses = await store.db
        .selectFrom('reminder_outbox')
        .select(['status'])
        .where('subject_id', 'like', 'two-instances%')
        .execute();
      expect(statuses.map((s) => s.status).filter((s) => s !== 'sent')).toEqual([]);
    });

    // Every folder created once: one per organisation with a live application, none renamed.
    const apps = (await store.applications.listByCycle(DEMO_CYCLE_ID)).filter(
      (x) => !['withdrawn', 'lapsed'].includes(x.state),
    );
    const folders = await store.db
      .selectFrom('evidence_folders')
      .selectAll()
      .where('cycle_id', '=', DEMO_CYCLE_ID)
      .execute();
    expect(new Set(folders.map((f) => f.organisation_id)).size).toBe(new Set(apps.map((x) => x.organisationId)).size);
    expect(new Set(folders.map((f) => f.folder_id)).size).toBe(folders.length);
    const driveStats = graph.stats().drive;
    expect(driveStats.renamedDuplicates).toBe(0);
    expect(driveStats.foldersCreated).toBe(await countFolders(graph));
  }, 600_000);

  it('the survivor stops gracefully on SIGTERM', async () => {
    survivor.child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => survivor.child.once('exit', (c) => r(c)));
    expect(code, survivor.output()).toBe(0);
  }, 60_000);
});

/**
 * Folders that exist in the emulated drive, walked from the root through Graph as a client would:
 * following @odata.nextLink and waiting out 429s (the emulator throttles like SharePoint), and
 * failing on any other error rather than counting a refused page as empty.
 */
async function countFolders(graph: GraphEmulator): Promise<number> {
  type Page = { id: string; value?: { id: string; folder?: unknown }[]; '@odata.nextLink'?: string };
  const get = async (url: string): Promise<Page> => {
    for (;;) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${LOCAL_EMULATOR_TOKEN}` } });
      if (res.status === 429 || res.status === 503) {
        const wait = Number(res.headers.get('retry-after') ?? '1');
        await new Promise((r) => setTimeout(r, Math.max(1, wait) * 1000));
        continue;
      }
      if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Page;
    }
  };
  const base = `${graph.url}/v1.0/drives/${graph.driveId}`;
  let count = 0;
  const walk = async (id: string): Promise<void> => {
    for (let url: string | undefined = `${base}/items/${id}/children?$top=200`; url;) {
      const page = await get(url);
      for (const child of page.value ?? [])
        if (child.folder) {
          count++;
          await walk(child.id);
        }
      url = page['@odata.nextLink'];
    }
  };
  await walk((await get(`${base}/root`)).id);
  return count;
}
