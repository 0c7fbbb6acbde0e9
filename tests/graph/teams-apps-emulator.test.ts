/**
 * The Graph emulator's Teams app endpoints, held to the documented contract: the app catalog
 * looked up by manifest id, installing the app for a user (201 without a body; 409 when it is
 * already installed), listing the user's installations filtered by app, and the 1:1 chat of an
 * installation; a user without a Teams licence or with the app blocked gets 403 in Graph's error
 * shape, an unknown user or app 404.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { graphCall } from '../../src/graph/client.js';
import { NO_LICENCE_MESSAGE } from '../../src/graph/emulator/index.js';
import { harness, type Harness } from './helpers.js';

const MANIFEST_ID = '6f1c2a7e-0b7d-4d1f-9a55-2f6e6c1b9e01';
const CATALOG_ID = 'a1b2c3d4-0000-4000-8000-00000000c0de';
const BOT_ID = 'b0b0b0b0-1111-4222-8333-444455556666';
const USERS = [
  { id: '11111111-1111-4111-8111-111111111111', mail: 'ada@trust.example' },
  { id: '22222222-2222-4222-8222-222222222222', mail: 'noel@trust.example' },
  { id: '33333333-3333-4333-8333-333333333333', mail: 'blocked@trust.example' },
];
const bind = (id: string) => ({
  'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${id}`,
});
const q = (s: string) => encodeURIComponent(s);

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(): Promise<Harness> {
  return harness({
    users: USERS,
    teams: {
      apps: [{ id: CATALOG_ID, externalId: MANIFEST_ID, displayName: 'WEx QS', botId: BOT_ID }],
      unlicensedUsers: [USERS[1]!.id],
      blockedUsers: [USERS[2]!.mail],
    },
  });
}

describe('graph emulator: Teams apps for users', () => {
  it('finds the catalog id by manifest id (appcatalogs-list-teamsapps)', async () => {
    h = await start();
    const r = await graphCall<any>(
      h.client,
      'GET',
      `/appCatalogs/teamsApps?$filter=${q(`externalId eq '${MANIFEST_ID}'`)}`,
    );
    expect(r.status).toBe(200);
    expect(r.body.value).toEqual([
      { id: CATALOG_ID, externalId: MANIFEST_ID, displayName: 'WEx QS', distributionMethod: 'organization' },
    ]);
    const none = await graphCall<any>(h.client, 'GET', `/appCatalogs/teamsApps?$filter=${q("externalId eq 'other'")}`);
    expect(none.body.value).toEqual([]);
  });

  it('installs for a user (201, no body), then 409 Conflict; lists the installation and its 1:1 chat', async () => {
    h = await start();
    const user = USERS[0]!.id;
    const filter = `$expand=teamsApp&$filter=${q(`teamsApp/id eq '${CATALOG_ID}'`)}`;
    expect(
      (await graphCall<any>(h.client, 'GET', `/users/${user}/teamwork/installedApps?${filter}`)).body.value,
    ).toEqual([]);

    const first = await graphCall<any>(h.client, 'POST', `/users/${user}/teamwork/installedApps`, bind(CATALOG_ID), {
      'Content-Type': 'application/json',
    });
    expect(first.status).toBe(201);
    expect(first.body).toBeUndefined();
    const again = await graphCall<any>(h.client, 'POST', `/users/${user}/teamwork/installedApps`, bind(CATALOG_ID), {
      'Content-Type': 'application/json',
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'Conflict', innerError: { 'request-id': expect.any(String) } });

    const list = await graphCall<any>(h.client, 'GET', `/users/${user}/teamwork/installedApps?${filter}`);
    expect(list.status).toBe(200);
    expect(list.body.value).toHaveLength(1);
    expect(list.body.value[0].teamsApp).toMatchObject({ id: CATALOG_ID, externalId: MANIFEST_ID });
    // The same installation by manifest id (teamsApp/externalId).
    const byManifest = await graphCall<any>(
      h.client,
      'GET',
      `/users/${user}/teamwork/installedApps?$expand=teamsApp&$filter=${q(`teamsApp/externalId eq '${MANIFEST_ID}'`)}`,
    );
    expect(byManifest.body.value[0].id).toBe(list.body.value[0].id);

    const installation = list.body.value[0].id as string;
    const chat = await graphCall<any>(
      h.client,
      'GET',
      `/users/${user}/teamwork/installedApps/${encodeURIComponent(installation)}/chat`,
    );
    expect(chat.status).toBe(200);
    expect(chat.body.id).toBe(`19:${BOT_ID}_${user}@unq.gbl.spaces`);
    // Another user's installation id is not theirs.
    expect(
      (
        await graphCall<any>(
          h.client,
          'GET',
          `/users/${USERS[2]!.id}/teamwork/installedApps/${encodeURIComponent(installation)}/chat`,
        )
      ).status,
    ).toBe(404);
    expect(h.emu.teams.installations(user)).toHaveLength(1);
  });

  it("a user without a Teams licence gets 403 in Graph's error shape; so does one the app is blocked for", async () => {
    h = await start();
    const noLicence = await graphCall<any>(
      h.client,
      'POST',
      `/users/${USERS[1]!.id}/teamwork/installedApps`,
      bind(CATALOG_ID),
      { 'Content-Type': 'application/json' },
    );
    expect(noLicence.status).toBe(403);
    expect(noLicence.body.error).toMatchObject({
      code: 'Forbidden',
      message: NO_LICENCE_MESSAGE,
      innerError: { date: expect.any(String), 'request-id': expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    expect((await graphCall<any>(h.client, 'GET', `/users/${USERS[1]!.id}/teamwork/installedApps`)).status).toBe(403);

    const blocked = await graphCall<any>(
      h.client,
      'POST',
      `/users/${USERS[2]!.id}/teamwork/installedApps`,
      bind(CATALOG_ID),
      { 'Content-Type': 'application/json' },
    );
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe('Forbidden');
    expect(blocked.body.error.message).toMatch(/blocked/);

    // Configurable at run time: a licence assigned, the install works.
    h.emu.teams.setUnlicensed(USERS[1]!.id, false);
    expect(
      (
        await graphCall<any>(h.client, 'POST', `/users/${USERS[1]!.id}/teamwork/installedApps`, bind(CATALOG_ID), {
          'Content-Type': 'application/json',
        })
      ).status,
    ).toBe(201);
  });

  it('an unknown user or app is 404; a body without the binding is 400', async () => {
    h = await start();
    expect(
      (
        await graphCall<any>(
          h.client,
          'POST',
          `/users/99999999-9999-4999-8999-999999999999/teamwork/installedApps`,
          bind(CATALOG_ID),
          { 'Content-Type': 'application/json' },
        )
      ).status,
    ).toBe(404);
    const noApp = await graphCall<any>(
      h.client,
      'POST',
      `/users/${USERS[0]!.id}/teamwork/installedApps`,
      bind('not-in-catalog'),
      { 'Content-Type': 'application/json' },
    );
    expect(noApp.status).toBe(404);
    const bad = await graphCall<any>(
      h.client,
      'POST',
      `/users/${USERS[0]!.id}/teamwork/installedApps`,
      { teamsApp: CATALOG_ID },
      { 'Content-Type': 'application/json' },
    );
    expect(bad.status).toBe(400);
  });

  it("answers 403 'Missing role permissions' when the app lacks the application permission a call needs", async () => {
    h = await start();
    h.emu.teams.setPermission('AppCatalog.Read.All', false);
    const list = await graphCall<any>(h.client, 'GET', '/appCatalogs/teamsApps');
    expect(list.status).toBe(403);
    expect(list.body.error).toMatchObject({ code: 'Forbidden' });
    expect(list.body.error.message).toMatch(
      /^Missing role permissions on the request\. API requires one of 'AppCatalog\.Read\.All, .*'\. Roles on the request 'TeamsAppInstallation\.ReadWriteForUser\.All'\.$/,
    );
    h.emu.teams.setPermission('TeamsAppInstallation.ReadWriteForUser.All', false);
    const install = await graphCall<any>(
      h.client,
      'POST',
      `/users/${USERS[0]!.id}/teamwork/installedApps`,
      bind(CATALOG_ID),
      { 'Content-Type': 'application/json' },
    );
    expect(install.status).toBe(403);
    expect(install.body.error.message).toContain("requires one of 'TeamsAppInstallation.ReadWriteForUser.All");
    h.emu.teams.setPermission('AppCatalog.Read.All', true);
    expect((await graphCall<any>(h.client, 'GET', '/appCatalogs/teamsApps')).status).toBe(200);
  });
});
