/**
 * Two instances of the compiled app on one PostgreSQL server, in tenant mode, as behind a load
 * balancer: a journey's activities alternate between them, both run the reminder dispatcher and
 * provisioning, one is killed (SIGKILL) in the middle of both, and the results are exactly once:
 * one application from concurrent requests on both, the team's folder link sent once, each
 * reminder delivered once, every evidence folder created once; progress and status read the same
 * from either instance.
 *
 * Each instance is its own `node` process running dist/ (tests/support/compiled-tenant-instance.ts):
 * a deployment's tenant settings validated by loadConfig, bot authentication on, every background
 * job on, WORK_LEASE_MS short so the surviving instance takes over the killed one's claims
 * quickly. Only the outside world is local, reaching the app through startApp's options: the Bot
 * Framework token service (a local OpenID issuer that signs every activity this test sends; an
 * activity without a valid token is refused by either instance), the Bot Connector emulator
 * (it requires the bot's token) and the Graph emulator (the tenant's directory, drive and
 * organiser). The people are the demo's, with Entra object ids in the tenant; reminder recipients
 * are tenant members with a stored personal conversation.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectorEmulator, teamsUserId, type ConnectorEmulator } from '../../src/connector-emulator/server.js';
import { startGraphEmulator, type GraphEmulator } from '../../src/graph/emulator/index.js';
import { DEMO_CYCLE_ID, seedDemoData } from '../../src/local/demo-data.js';
import { DEMO_PEOPLE, demoPerson } from '../../src/local/demo-people.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { cardText, executeActions } from '../bot/helpers.js';
import { enqueueDue } from '../notifications/helpers.js';
import { startBotTokenService, type BotTokenServiceStandIn } from '../support/bot-token-service.js';
import { startCompiledTenantInstance, type CompiledTenantInstance } from '../support/compiled-tenant-instance.js';
import { eventually } from '../support/local-stack.js';
import { createFreshDatabase, startThrowawayPostgres, type PostgresServer } from '../support/postgres.js';
import { cardsOf, TeamsChannel, type TeamsUser } from '../support/teams-channel.js';
import { ASSESSMENT_GROUP, BOT_APP_ID, ORGANISER, TENANT_ID } from '../tenant/tenant-stack.js';

const GRAPH_TOKEN = `graph-${randomBytes(8).toString('hex')}`;
const EXTRA_ORGS = 30;
const REMINDERS = 150;

/** A demo person as Teams presents them: their Teams user id and their Entra object id. */
function teamsUser(key: string): TeamsUser {
  const p = demoPerson(key);
  return { id: teamsUserId(p.entraObjectId), name: p.displayName, aadObjectId: p.entraObjectId, email: p.email };
}
const PRIYA = teamsUser('priya');
const TOM = teamsUser('tom');
const ALEX = teamsUser('alex');

type Instance = CompiledTenantInstance & { teams: TeamsChannel };

describe('two app instances in tenant mode on one PostgreSQL server', () => {
  let server: PostgresServer | null = null;
  let db: { url: string; drop(): Promise<void> };
  let handle: DatabaseHandle;
  let store: Store;
  let tokens: BotTokenServiceStandIn;
  let graph: GraphEmulator;
  let connector: ConnectorEmulator;
  let a: Instance;
  let b: Instance;
  /** The instance left after the one doing the provisioning run is killed. */
  let survivor: Instance;

  async function startInstance(name: string): Promise<Instance> {
    const instance = await startCompiledTenantInstance({
      name,
      databaseUrl: db.url,
      tokens,
      graph: { url: graph.url, token: GRAPH_TOKEN, driveId: graph.driveId },
      env: { WORK_LEASE_MS: '3000' },
    });
    // Teams' channel, posting to this instance (as the load balancer routes it).
    const teams = new TeamsChannel({ appUrl: instance.url, appId: BOT_APP_ID, tenantId: TENANT_ID, connector, tokens });
    return Object.assign(instance, { teams });
  }

  /** An Action.Execute click, signed by the channel, on whichever instance the load balancer picks. */
  async function invoke(to: Instance, who: TeamsUser, verb: string, data: Record<string, unknown> = {}) {
    const r = await to.teams.invoke(who, verb, data);
    expect(r.status, `${verb} on ${to.name}`).toBe(200);
    return { card: r.card as unknown, text: cardText(r.card) };
  }

  /** Every card the bot has sent into someone's personal chat (replies and proactive messages). */
  const chatOf = (who: TeamsUser) =>
    connector.activities(a.teams.conversationOf(who)).flatMap((x) => cardsOf(x.activity)) as unknown[];

  /**
   * Tenant members with a personal chat with the bot, stored as the bot stores it when they first
   * write to it (bot/teams-bot.ts): the reminders' recipients.
   */
  async function seedRecipients(n: number): Promise<TeamsUser[]> {
    const users = Array.from({ length: n }, (_, i): TeamsUser => {
      const oid = `2b2b2b2b-0000-4000-8000-${String(i).padStart(12, '0')}`;
      return {
        id: teamsUserId(oid),
        name: `Recipient ${i}`,
        aadObjectId: oid,
        email: `recipient.${i}@england.example.nhs.uk`,
      };
    });
    const serviceUrl = a.teams.serviceUrl;
    await store.db
      .insertInto('people')
      .values(
        users.map((u, i) => ({
          id: `two-r-${i}`,
          display_name: u.name,
          email: u.email,
          entra_object_id: u.aadObjectId!,
          organisation_id: null,
        })),
      )
      .execute();
    await store.db
      .insertInto('conversation_refs')
      .values(
        users.map((u, i) => {
          const conversation = { id: a.teams.conversationOf(u), conversationType: 'personal', tenantId: TENANT_ID };
          return {
            key: `personal:${conversation.id}`,
            person_id: `two-r-${i}`,
            aad_object_id: u.aadObjectId!,
            scope: 'personal' as const,
            reference: JSON.stringify({
              user: { id: u.id, name: u.name, aadObjectId: u.aadObjectId },
              bot: { id: `28:${BOT_APP_ID}`, name: 'WEx QS' },
              conversation,
              channelId: 'msteams',
              locale: 'en-GB',
              serviceUrl,
            }),
            updated_at: new Date(),
          };
        }),
      )
      .execute();
    for (const u of users) connector.registerConversation(a.teams.conversationOf(u), u.id, TENANT_ID);
    return users;
  }

  beforeAll(async () => {
    try {
      execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'pipe' });
    } catch (err) {
      const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`the build failed:\n${String(stdout ?? '')}${String(stderr ?? '')}`);
    }
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
    tokens = await startBotTokenService({ tenantId: TENANT_ID });
    connector = await startConnectorEmulator({
      tenantId: TENANT_ID,
      botAuth: { jwks: tokens.jwks, issuers: [tokens.botTokenIssuer], appIds: [BOT_APP_ID] },
    });
    // The tenant: the organiser's mailbox, the demo people, every NHS address a member, the
    // assessment team's group. Every Graph request takes 40 ms: provisioning the cycle takes
    // seconds, not milliseconds.
    graph = await startGraphEmulator({
      acceptedToken: GRAPH_TOKEN,
      tenantId: TENANT_ID,
      latencyMs: 40,
      users: [
        { mail: ORGANISER.mail, id: ORGANISER.id, displayName: 'WEx QS drop-ins' },
        ...DEMO_PEOPLE.map((p) => ({ mail: p.email, id: p.entraObjectId, displayName: p.displayName })),
      ],
      onlineMeetings: { accessPolicyFor: [ORGANISER.id] },
      directory: { tenantDomains: ['example.nhs.uk'], groups: [ASSESSMENT_GROUP] },
    });
    [a, b] = await Promise.all([startInstance('a'), startInstance('b')]);
  }, 600_000);

  afterAll(async () => {
    await Promise.all([a, b].map((i) => i?.kill()));
    await connector?.close();
    await graph?.close();
    await tokens?.close();
    await handle?.close();
    await db?.drop();
    await server?.stop();
  });

  it('either instance refuses an activity without a valid channel token', async () => {
    const unsigned = await a.teams.invoke(PRIYA, 'request_application', {}, { authorization: null });
    expect(unsigned.status).toBe(401);
    const otherAudience = await b.teams.invoke(PRIYA, 'request_application', {}, { audience: 'another-bot' });
    expect(otherAudience.status).toBe(401);
    expect(await store.applications.forOrganisation('org-northshire', DEMO_CYCLE_ID)).toBeNull();
  });

  it('one application when the same request reaches both instances at once', async () => {
    // Priya and Tom write to the bot first, one on each instance: their personal chats are kept.
    for (const [who, on] of [
      [PRIYA, a],
      [TOM, b],
    ] as const) {
      const hello = await on.teams.say(who, 'help');
      expect(hello.status, `help on ${on.name}`).toBe(200);
      expect(hello.cards).toHaveLength(1);
    }
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
    const folders = () =>
      store.db.selectFrom('evidence_folders').selectAll().where('organisation_id', '=', 'org-northshire').execute();
    await eventually(async () => expect(await folders()).toHaveLength(1));
    // The team's message waits for the folder, then goes out once, from one instance.
    await eventually(async () => {
      const rows = await store.db
        .selectFrom('reminder_outbox')
        .select(['recipient_id', 'status'])
        .where('kind', '=', 'application_opened')
        .where('recipient_id', 'in', ['demo-priya', 'demo-tom'])
        .orderBy('recipient_id')
        .execute();
      expect(rows).toEqual([
        { recipient_id: 'demo-priya', status: 'sent' },
        { recipient_id: 'demo-tom', status: 'sent' },
      ]);
    });
    const [folder] = await folders();
    for (const who of [PRIYA, TOM]) {
      const told = chatOf(who).filter((c) => cardText(c).includes('Your application is open'));
      expect(told, who.name).toHaveLength(1);
      expect(JSON.stringify(told[0])).toContain(folder!.web_url);
    }
  });

  it('a role taken away is honoured by both instances, though each had just recognised the person', async () => {
    const SAM = teamsUser('sam');
    const NO_ACCESS = "You don't have access to the WEx QS app yet.";
    for (const on of [a, b]) expect((await invoke(on, SAM, 'queue')).text).not.toContain(NO_ACCESS);
    // Taken away in the database, by neither instance (as an operator or the admin CLI would).
    await store.db.deleteFrom('person_roles').where('person_id', '=', 'demo-sam').execute();
    await eventually(async () => {
      for (const on of [a, b]) expect((await invoke(on, SAM, 'queue')).text, on.name).toContain(NO_ACCESS);
    });
    await store.db.insertInto('person_roles').values({ person_id: 'demo-sam', role: 'reviewer' }).execute();
    await eventually(async () => {
      for (const on of [a, b]) expect((await invoke(on, SAM, 'queue')).text, on.name).not.toContain(NO_ACCESS);
    });
  });

  it('reminders and provisioning run on both; one instance is killed mid-run; all completes exactly once', async () => {
    const recipients = await seedRecipients(REMINDERS);
    await enqueueDue(
      store,
      recipients.map((_, i) => `two-r-${i}`),
      { subject: 'two-instances' },
    );

    const started = await invoke(a, ALEX, 'provision');
    const show = executeActions(started.card).find((x) => x.verb === 'provision_status')!;
    expect(show).toBeDefined();
    // The run is a job: whichever instance picks it up does it. Its progress is visible from both.
    for (const i of [a, b])
      await eventually(async () => {
        const seen = await invoke(i, ALEX, 'provision_status', show.data);
        expect(seen.text).toMatch(/Organisations: ([1-9]\d*) of/);
      });
    await eventually(async () =>
      expect(recipients.filter((u) => connector.receivedBy(u.id) > 0).length).toBeGreaterThan(10),
    );

    // Kill the instance doing the run (its instance id carries its process id).
    const run = await store.db
      .selectFrom('provisioning_runs')
      .select('owner')
      .where('id', '=', String(show.data.runId))
      .executeTakeFirstOrThrow();
    const doing = run.owner.includes(`-${a.child.pid}-`) ? a : b;
    survivor = doing === a ? b : a;
    await doing.kill();

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
      expect(recipients.filter((u) => connector.receivedBy(u.id) === 0).map((u) => u.name)).toEqual([]);
    });
    expect(recipients.filter((u) => connector.receivedBy(u.id) !== 1).map((u) => u.name)).toEqual([]);
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
    // Nothing either instance asked of Graph was refused as unknown to its v1.0 contract.
    expect(graph.stats().contractRefusals).toBe(0);
  }, 600_000);

  it('the survivor stops gracefully on SIGTERM', async () => {
    survivor.child.kill('SIGTERM');
    expect(await survivor.exited, survivor.output()).toBe(0);
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
      const res = await fetch(url, { headers: { authorization: `Bearer ${GRAPH_TOKEN}` } });
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
