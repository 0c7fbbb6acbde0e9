/**
 * Who the bot lets in, through the bot itself: activities posted to /api/messages as Teams sends
 * them, replies read from the local Bot Connector (which also answers the roster look-up). Each
 * rule of src/workflows/identity.ts: Entra object id first (GUIDs in any letter case), email
 * only to bind a person not yet bound to any Entra account, never to take over one bound to
 * another, and activities from another tenant refused with a card.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startConnectorEmulator, type ConnectorEmulator } from '../../src/connector-emulator/server.js';
import { silentLogger } from '../../src/log.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { engines } from '../support/databases.js';
import { seedBasics } from '../support/fixtures.js';
import { freePort } from '../support/local-stack.js';
import { TeamsChannel, type TeamsUser } from '../support/teams-channel.js';
import { cardText } from './helpers.js';

const TENANT = '7b1e6c2a-0000-4000-8000-0000000000aa';
const OTHER_TENANT = '99999999-0000-4000-8000-0000000000bb';
const ADA_OID = '0a0a0a0a-1111-4000-8000-00000000000a';
const CARA_OID = 'c0c0c0c0-2222-4000-8000-00000000000c';

describe.each(engines())('who the bot lets in ($name)', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  let app: RunningApp;
  let connector: ConnectorEmulator;
  let teams: TeamsChannel;

  const ada: TeamsUser = {
    id: '29:ada',
    name: 'Ada Lead',
    aadObjectId: ADA_OID.toUpperCase(),
    email: 'ada@alpha.example',
  };

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    await seedBasics(store);
    // Ada is bound (lower-case GUID); Cara was loaded by email and has never visited; Rex is bound
    // in upper case; Nora has no role.
    await store.people.upsert({ ...(await store.people.get('lead-a'))!, entraObjectId: ADA_OID });
    await store.people.upsert({
      id: 'cara',
      displayName: 'Cara Csv',
      email: 'cara@alpha.example',
      entraObjectId: null,
      organisationId: 'org-a',
      roles: ['applicant_contributor'],
    });
    await store.people.upsert({
      id: 'rex',
      displayName: 'Rex Reviewer',
      email: 'rex@nhse.example',
      entraObjectId: 'E0E0E0E0-3333-4000-8000-00000000000E',
      organisationId: null,
      roles: ['reviewer'],
    });
    await store.people.upsert({
      id: 'nora',
      displayName: 'Nora Norole',
      email: 'nora@alpha.example',
      entraObjectId: '0b0b0b0b-4444-4000-8000-00000000000b',
      organisationId: 'org-a',
      roles: [],
    });
    connector = await startConnectorEmulator();
    const config = loadConfig({
      PORT: String(await freePort()),
      GRAPH_TENANT_ID: TENANT,
      LOG_LEVEL: 'silent',
      // The local Bot Connector answers only the bot's token.
      LOCAL_BOT_CONNECTOR_TOKEN: 'true',
    });
    app = await startApp(config, { database: handle, graph: false, jobs: { workers: false }, log: silentLogger });
    teams = new TeamsChannel({ appUrl: app.url, appId: '', tenantId: TENANT, connector, tokens: null });
  });
  afterAll(async () => {
    await app?.close();
    await connector?.close();
    await handle?.close();
  });

  it('matches the Entra object id whatever the letter case of the GUID, on messages and invokes', async () => {
    const said = await teams.say(ada, 'help');
    expect(said.status).toBe(200);
    expect(cardText(said.cards[0])).toContain('Hi Ada');
    const rex: TeamsUser = {
      id: '29:rex',
      name: 'Rex',
      aadObjectId: 'e0e0e0e0-3333-4000-8000-00000000000e',
      email: 'x@y',
    };
    expect(cardText((await teams.invoke(rex, 'help')).card)).toContain('Hi Rex');
  });

  it('binds a person loaded by email on their first visit, from the roster email, and then knows them by object id', async () => {
    const cara: TeamsUser = {
      id: '29:cara',
      name: 'Cara',
      aadObjectId: CARA_OID.toUpperCase(),
      email: 'Cara@Alpha.example',
    };
    teams.addToRoster(cara);
    expect(cardText((await teams.say(cara, 'help')).cards[0])).toContain('Hi Cara');
    expect((await store.people.get('cara'))?.entraObjectId).toBe(CARA_OID);
    const audit = await store.db
      .selectFrom('people')
      .select('entra_object_id')
      .where('id', '=', 'cara')
      .executeTakeFirst();
    expect(audit?.entra_object_id).toBe(CARA_OID);
    // Known by object id now: no roster look-up needed.
    const stats = connector.stats().requests;
    expect(cardText((await teams.invoke({ ...cara, email: 'changed@elsewhere.example' }, 'help')).card)).toContain(
      'Hi Cara',
    );
    expect(connector.stats().requests).toBe(stats);
  });

  it('never lets another account take over a person bound to a different Entra account by their email', async () => {
    const impostor: TeamsUser = {
      id: '29:impostor',
      name: 'Someone',
      aadObjectId: 'dddddddd-5555-4000-8000-00000000000d',
      email: 'ada@alpha.example',
    };
    teams.addToRoster(impostor);
    const said = await teams.say(impostor, 'help');
    expect(cardText(said.cards[0])).toContain("You don't have access to the WEx QS app yet.");
    expect((await store.people.get('lead-a'))?.entraObjectId).toBe(ADA_OID);
  });

  it('does not match by email alone: an activity without an Entra object id is nobody', async () => {
    await store.people.upsert({
      id: 'una',
      displayName: 'Una Unbound',
      email: 'una@alpha.example',
      entraObjectId: null,
      organisationId: 'org-a',
      roles: ['applicant_contributor'],
    });
    const noOid: TeamsUser = { id: '29:una', name: 'Una', email: 'una@alpha.example' };
    teams.addToRoster(noOid);
    expect(cardText((await teams.invoke(noOid, 'help')).card)).toContain("You don't have access");
    expect((await store.people.get('una'))?.entraObjectId).toBeNull();
  });

  it('gives someone known but without a role no access', async () => {
    const nora: TeamsUser = {
      id: '29:nora',
      name: 'Nora',
      aadObjectId: '0b0b0b0b-4444-4000-8000-00000000000b',
      email: 'n@x',
    };
    expect(cardText((await teams.invoke(nora, 'help')).card)).toContain("You don't have access");
  });

  it('refuses activities from another tenant, from no tenant, or naming two tenants, with a card saying so', async () => {
    const other = await teams.say(ada, 'help', { tenantId: OTHER_TENANT });
    expect(other.status).toBe(200);
    expect(cardText(other.cards[0])).toContain('This app serves another organisation');
    expect(cardText((await teams.invoke(ada, 'dashboard', {}, { tenantId: OTHER_TENANT })).card)).toContain(
      'This app serves another organisation',
    );
    expect(cardText((await teams.invoke(ada, 'help', {}, { tenantId: null })).card)).toContain(
      'This app serves another organisation',
    );
    // channelData says one tenant, the conversation another.
    const mixed = await teams.post({
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: 'x1',
      channelId: 'msteams',
      serviceUrl: teams.serviceUrl,
      from: { id: ada.id, name: ada.name, aadObjectId: ADA_OID },
      recipient: { id: '28:bot' },
      conversation: { id: teams.conversationOf(ada), conversationType: 'personal', tenantId: OTHER_TENANT },
      channelData: { tenant: { id: TENANT } },
      value: { action: { type: 'Action.Execute', verb: 'help', data: { verb: 'help' } } },
    });
    expect(cardText(((await mixed.json()) as { value: unknown }).value)).toContain(
      'This app serves another organisation',
    );
  });

  it('keeps no conversation reference for an activity from another tenant', async () => {
    const stranger: TeamsUser = { id: '29:stranger', name: 'S', aadObjectId: ADA_OID, email: 'ada@alpha.example' };
    await teams.say(stranger, 'help', { tenantId: OTHER_TENANT });
    const refs = await store.db
      .selectFrom('conversation_refs')
      .select('key')
      .where('key', '=', `personal:${teams.conversationOf(stranger)}`)
      .execute();
    expect(refs).toEqual([]);
    await teams.say(stranger, 'help');
    expect(
      await store.db
        .selectFrom('conversation_refs')
        .select('person_id')
        .where('key', '=', `personal:${teams.conversationOf(stranger)}`)
        .execute(),
    ).toEqual([{ person_id: 'lead-a' }]);
  });
});
