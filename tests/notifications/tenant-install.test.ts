/**
 * Tenant mode, people who never opened the app: the dispatcher sends through BotMessenger with the
 * Graph installer, against the Graph emulator (install → installation → chat id) and the local Bot
 * Connector (the message goes to that chat through CloudAdapter.continueConversationAsync), on
 * both engines. Already installed (409) still delivers; no Teams licence or the app blocked ends
 * as unreachable with the reason; Graph trouble is retried, never dropped.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createAdapter } from '../../bot/adapter.js';
import { BotMessenger } from '../../bot/messenger.js';
import {
  EmulatorCredentialsFactory,
  startConnectorEmulator,
  teamsUserId,
  type ConnectorEmulator,
} from '../../src/connector-emulator/index.js';
import { createGraphClient, createGraphMetrics, graphCall, type GraphMetrics } from '../../src/graph/client.js';
import { startGraphEmulator, type GraphEmulator } from '../../src/graph/emulator/index.js';
import { silentLogger } from '../../src/log.js';
import { Dispatcher } from '../../src/notifications/dispatcher.js';
import {
  GraphTeamsAppInstaller,
  mask,
  tenantServiceUrl,
  TEAMS_GLOBAL_SERVICE_URL,
} from '../../src/notifications/teams-installer.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { engines } from '../support/databases.js';
import { ManualClock } from '../support/time.js';
import { enqueueDue, statusCounts } from './helpers.js';

const SCALE = 10;
const TENANT = '0000aaaa-0000-4000-8000-00000000aaaa';
const MANIFEST_ID = '6f1c2a7e-0b7d-4d1f-9a55-2f6e6c1b9e01';
const CATALOG_ID = 'a1b2c3d4-0000-4000-8000-00000000c0de';
const BOT_ID = 'b0b0b0b0-1111-4222-8333-444455556666';
const oid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const PEOPLE = {
  fresh: oid(1),
  installed: oid(2),
  unlicensed: oid(3),
  blocked: oid(4),
  flaky: oid(5),
};
// The bot signs its calls with its token, which the local connector requires.
const adapter = createAdapter(
  { appId: '', appPassword: '', appType: 'MultiTenant', tenantId: '' },
  silentLogger,
  new EmulatorCredentialsFactory(),
);

for (const engine of engines()) {
  describe(`reaching people without the app (tenant mode) on ${engine.name}`, () => {
    let graph: GraphEmulator;
    let connector: ConnectorEmulator;
    let handle: DatabaseHandle;
    let store: Store;
    let metrics: GraphMetrics;
    let graphCalls: { method: string; url: string; status: number }[] = [];
    let installer: GraphTeamsAppInstaller;
    let clock: ManualClock;

    beforeAll(async () => {
      graph = await startGraphEmulator({
        acceptedToken: 'test-token',
        timeScale: 100, // Retry-After on injected 503s in hundredths of a second
        users: Object.entries(PEOPLE).map(([name, id]) => ({ id, mail: `${name}@trust.example` })),
        teams: {
          apps: [{ id: CATALOG_ID, externalId: MANIFEST_ID, botId: BOT_ID }],
          unlicensedUsers: [PEOPLE.unlicensed],
          blockedUsers: [PEOPLE.blocked],
        },
      });
      connector = await startConnectorEmulator({ timeScale: SCALE });
      handle = await engine.open();
      store = new Store(handle.db);
      for (const [name, id] of Object.entries(PEOPLE)) {
        await store.people.upsert({
          id: `p-${name}`,
          displayName: `Person ${name}`,
          email: `${name}@trust.example`,
          entraObjectId: id,
          organisationId: null,
          roles: [],
        });
      }
    });
    afterAll(async () => {
      await graph?.close();
      await connector?.close();
      await handle?.close();
    });
    beforeEach(async () => {
      await sql`DELETE FROM reminder_outbox; DELETE FROM notification_pacing; DELETE FROM conversation_refs;`.execute(
        handle.db,
      );
      connector.reset();
      graph.setFaults({});
      graphCalls = [];
      clock = new ManualClock(new Date());
      metrics = createGraphMetrics((i) => graphCalls.push({ method: i.method, url: i.url, status: i.status }));
      const client = createGraphClient({
        mode: 'local',
        staticToken: 'test-token',
        baseUrl: graph.url,
        appVersion: '0.0.0-test',
        requestTimeoutMs: 2_000,
        retry: { delaySeconds: 0.01, maxRetries: 2 },
        onResponse: metrics.onResponse,
      });
      // Configured with the manifest id: the installer finds the catalog id itself.
      installer = new GraphTeamsAppInstaller({ client, manifestId: MANIFEST_ID });
    });

    const dispatcher = () =>
      new Dispatcher({
        store,
        messenger: new BotMessenger(adapter, {
          appId: '',
          tenantId: TENANT,
          serviceUrl: async () => connector.url,
          installer,
          timeoutMs: 5_000,
        }),
        clock,
        log: silentLogger,
        timeScale: SCALE,
        leaseMs: 10_000,
        sendTimeoutMs: 5_000,
        pollMs: 20,
        backoff: { baseMs: 100, capMs: 200 },
      });
    const requests = (method: string, pathPart: string) =>
      graphCalls.filter((c) => c.method === method && c.url.includes(pathPart)).length;

    it('installs the app, finds the 1:1 chat and sends there; the reference is stored and reused', async () => {
      await enqueueDue(store, ['p-fresh']);
      await dispatcher().drain();
      const chatId = `19:${BOT_ID}_${PEOPLE.fresh}@unq.gbl.spaces`;
      expect(await statusCounts(store)).toEqual({ sent: 1 });
      expect(graph.teams.installations(PEOPLE.fresh)).toHaveLength(1);
      // Delivered by the Bot Connector to the conversation Graph named, for that person.
      const received = connector.activities(chatId);
      expect(received).toHaveLength(1);
      expect(received[0]!.recipientId).toBe(PEOPLE.fresh);
      expect((received[0]!.activity as { attachments: unknown[] }).attachments).toHaveLength(1);
      const row = (await store.reminders.list({ recipientId: 'p-fresh' }))[0]!;
      expect(row).toMatchObject({ status: 'sent', conversationId: chatId, activityId: received[0]!.id });
      // The catalog id was looked up by manifest id and bound in the POST.
      expect(requests('GET', '/appCatalogs/teamsApps')).toBe(1);
      expect(requests('POST', '/teamwork/installedApps')).toBe(1);
      // The stored reference names her by her Teams user id (what a card's refresh.userIds need).
      const stored = await store.conversations.personal('p-fresh');
      expect(stored?.reference).toMatchObject({
        serviceUrl: connector.url,
        conversation: { id: chatId, tenantId: TENANT },
        user: { id: teamsUserId(PEOPLE.fresh), aadObjectId: PEOPLE.fresh },
      });
      expect(stored?.aadObjectId).toBe(PEOPLE.fresh);

      // The next reminder goes through the stored reference: no Graph call at all.
      const before = graphCalls.length;
      await enqueueDue(store, ['p-fresh'], { subject: 'second' });
      await dispatcher().drain();
      expect(await statusCounts(store)).toEqual({ sent: 2 });
      expect(connector.activities(chatId)).toHaveLength(2);
      expect(graphCalls.length).toBe(before);
    });

    it('already installed (409 Conflict) still finds the chat and delivers', async () => {
      // Installed beforehand (e.g. by the user, or a run that died before recording the send).
      const pre = createGraphClient({
        mode: 'local',
        staticToken: 'test-token',
        baseUrl: graph.url,
        appVersion: '0.0.0-test',
      });
      await graphCall(
        pre,
        'POST',
        `/users/${PEOPLE.installed}/teamwork/installedApps`,
        { 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${CATALOG_ID}` },
        { 'Content-Type': 'application/json' },
      );
      await enqueueDue(store, ['p-installed']);
      await dispatcher().drain();
      expect(await statusCounts(store)).toEqual({ sent: 1 });
      expect(graphCalls.filter((c) => c.method === 'POST').map((c) => c.status)).toEqual([409]);
      expect(installer.counters).toMatchObject({ alreadyInstalled: 1, installed: 0 });
      expect(connector.activities(`19:${BOT_ID}_${PEOPLE.installed}@unq.gbl.spaces`)).toHaveLength(1);
    });

    it('no Teams licence, or the app blocked: unreachable with the reason, nothing sent, no ids in the reason', async () => {
      await enqueueDue(store, ['p-unlicensed', 'p-blocked']);
      await dispatcher().drain();
      const rows = await store.reminders.list({});
      const unlicensed = rows.find((r) => r.recipientId === 'p-unlicensed')!;
      const blocked = rows.find((r) => r.recipientId === 'p-blocked')!;
      expect(unlicensed.status).toBe('unreachable');
      expect(unlicensed.lastError).toMatch(
        /^no Teams licence \(Graph 403 Forbidden: Failed to get license information/,
      );
      expect(blocked.status).toBe('unreachable');
      expect(blocked.lastError).toMatch(
        /could not be installed for the person: blocked or not permitted \(Graph 403 Forbidden: .*blocked/,
      );
      for (const r of [unlicensed, blocked]) expect(r.lastError).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-|@/);
      expect(connector.stats().accepted).toBe(0);
      expect(await store.reminders.problems(10)).toHaveLength(2);
    });

    it('Graph trouble is transient: the row waits and is delivered once Graph answers again', async () => {
      graph.setFaults({ rate503: 1 });
      await enqueueDue(store, ['p-flaky']);
      const d = dispatcher();
      await d.drain();
      let row = (await store.reminders.list({ recipientId: 'p-flaky' }))[0]!;
      expect(row.status).toBe('pending');
      expect(row.lastError).toMatch(/503|Graph/);
      expect(connector.stats().accepted).toBe(0);
      graph.setFaults({});
      // The retry is due once the clock has moved past its back-off.
      clock.advance(3_600_000);
      await d.drain();
      row = (await store.reminders.list({ recipientId: 'p-flaky' }))[0]!;
      expect(row.status).toBe('sent');
      expect(connector.activities(`19:${BOT_ID}_${PEOPLE.flaky}@unq.gbl.spaces`)).toHaveLength(1);
    });

    it('the app missing from the catalogue: nobody is marked unreachable, messages wait, admins are told once; fixed, they go', async () => {
      // An admin who uses the app (a stored conversation) hears of the fault.
      await store.people.upsert({
        id: 'p-admin',
        displayName: 'Admin',
        email: 'admin@nhse.example',
        entraObjectId: oid(99),
        organisationId: null,
        roles: ['admin'],
      });
      await store.conversations.upsert({
        key: 'personal:conv-admin',
        personId: 'p-admin',
        aadObjectId: oid(99),
        scope: 'personal',
        reference: {
          serviceUrl: connector.url,
          channelId: 'msteams',
          conversation: { id: 'conv-admin', conversationType: 'personal', tenantId: TENANT },
          user: { id: '29:admin', aadObjectId: oid(99) },
          bot: { id: '28:bot' },
        },
        updatedAt: new Date(),
      });
      connector.registerConversation('conv-admin', '29:admin');
      const client = createGraphClient({
        mode: 'local',
        staticToken: 'test-token',
        baseUrl: graph.url,
        appVersion: '0.0.0-test',
        onResponse: metrics.onResponse,
      });
      // Published under another manifest id: the lookup finds nothing, and the manifest id is never used instead.
      installer = new GraphTeamsAppInstaller({ client, manifestId: '00000000-0000-4000-8000-0000000000ff' });
      await enqueueDue(store, ['p-fresh', 'p-installed']);
      await dispatcher().drain();
      const waiting = (await store.reminders.list({})).filter((r) => r.recipientId !== 'p-admin');
      expect(waiting.map((r) => [r.status, r.attempts])).toEqual([
        ['pending', 0],
        ['pending', 0],
      ]);
      expect(waiting[0]!.lastError).toMatch(/not in the organisation's app catalogue.*TEAMS_CATALOG_APP_ID/);
      expect(requests('GET', '/appCatalogs/teamsApps')).toBe(1); // the fault is remembered, not asked per message
      expect(requests('POST', '/teamwork/installedApps')).toBe(0);
      expect(await store.reminders.problems(10)).toEqual([]);
      expect((await store.reminders.activeAlerts()).map((a) => a.code)).toEqual(['teams-app-not-in-catalogue']);
      // The admin was told, once.
      const toAdmin = connector.activities('conv-admin');
      expect(toAdmin).toHaveLength(1);
      expect(JSON.stringify(toAdmin[0]!.activity)).toContain('Notifications are waiting: the app needs a fix');

      // Still not fixed ten minutes on: still waiting, and no second message to the admins.
      clock.advance(11 * 60_000);
      await dispatcher().drain();
      expect(connector.activities('conv-admin')).toHaveLength(1);

      // Fixed (the catalogue id configured): the messages go, and the fault clears.
      installer = new GraphTeamsAppInstaller({ client, manifestId: MANIFEST_ID, catalogId: CATALOG_ID });
      const lookups = requests('GET', '/appCatalogs/teamsApps');
      clock.advance(11 * 60_000);
      await dispatcher().drain();
      expect((await store.reminders.list({})).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
      expect(requests('GET', '/appCatalogs/teamsApps')).toBe(lookups); // configured: no lookup
      expect(await store.reminders.activeAlerts()).toEqual([]);
    });

    it('missing Graph consent (catalogue or installation): a configuration fault, never the person blocking the app', async () => {
      for (const permission of ['AppCatalog.Read.All', 'TeamsAppInstallation.ReadWriteForUser.All']) {
        await sql`DELETE FROM reminder_outbox; DELETE FROM notification_alerts;`.execute(handle.db);
        graph.teams.setPermission(permission, false);
        installer = new GraphTeamsAppInstaller({
          client: createGraphClient({
            mode: 'local',
            staticToken: 'test-token',
            baseUrl: graph.url,
            appVersion: 't',
            onResponse: metrics.onResponse,
          }),
          manifestId: MANIFEST_ID,
        });
        await enqueueDue(store, ['p-flaky']);
        await dispatcher().drain();
        const row = (await store.reminders.list({}))[0]!;
        expect([row.status, row.attempts]).toEqual(['pending', 0]);
        expect(row.lastError).toContain(permission);
        expect(installer.counters.misconfigured).toBeGreaterThan(0);
        expect(graphCalls.at(-1)?.status).toBe(403);
        graph.teams.setPermission(permission, true);
      }
      expect(connector.stats().accepted).toBe(0);
    });

    it('the service URL for new chats is the last one seen on an incoming activity (https only), else Teams’ global one', async () => {
      const url = tenantServiceUrl(store, { ttlMs: 0 });
      expect(await url()).toBe(TEAMS_GLOBAL_SERVICE_URL);
      const ref = (serviceUrl: string, key: string, at: Date) =>
        store.conversations.upsert({
          key,
          personId: null,
          aadObjectId: null,
          scope: 'channel',
          reference: { serviceUrl, conversation: { id: key } },
          updatedAt: at,
        });
      await ref('https://smba.trafficmanager.net/emea/', 'c-1', new Date(Date.now() - 1000));
      expect(await url()).toBe('https://smba.trafficmanager.net/emea/');
      await ref('http://localhost:56150/_connector', 'c-2', new Date());
      expect(await url()).toBe(TEAMS_GLOBAL_SERVICE_URL);
    });
  });
}

describe('reasons never carry who it was about', () => {
  it('masks GUIDs and e-mail addresses', () => {
    expect(mask("Resource '11111111-2222-4333-8444-555555555555' (ada.lovelace@trust.example) does not exist.")).toBe(
      "Resource '<id>' (<address>) does not exist.",
    );
  });
});
