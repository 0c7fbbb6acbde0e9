/**
 * The Graph emulator held to Microsoft's published contract and to the tenant behaviours the app
 * must cope with: names outside the v1.0 metadata refused, permission ids per person, no
 * inheritedFrom in a document library, 207 on a partial invite, non-guest external recipients
 * refused, calendars without Teams meetings, transactionId once per event, catalogue ids that
 * differ from manifest ids, tenants that refuse or ignore retainInheritedPermissions, and $batch
 * entries without dependsOn run in parallel.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { graphCall } from '../../src/graph/client.js';
import { GraphMetadata, graphMetadata, validateRequest } from '../../src/graph/emulator/metadata.js';
import { NEW_GUEST_REFUSED } from '../../src/graph/emulator/index.js';
import { ASSESSMENT_GROUP, harness, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const folder = (name: string) => ({ name, folder: {}, '@microsoft.graph.conflictBehavior': 'fail' });
const invite = (recipients: unknown[], role = 'read', extra: Record<string, unknown> = {}) => ({
  recipients,
  roles: [role],
  requireSignIn: true,
  sendInvitation: false,
  ...extra,
});

async function newFolder(hh: Harness, name: string): Promise<{ d: string; id: string }> {
  const d = hh.emu.driveId;
  const r = await graphCall<any>(hh.client, 'POST', `/drives/${d}/root/children`, folder(name));
  return { d, id: r.body.id };
}

describe("Graph's v1.0 metadata", () => {
  it('parses entity sets, singletons, types with base types and bound operations with their parameters', () => {
    const md = graphMetadata();
    expect(md.entitySets.get('drives')).toBe('microsoft.graph.drive');
    expect(md.singletons.get('appCatalogs')).toBe('microsoft.graph.appCatalogs');
    expect(md.property('microsoft.graph.driveItem', 'children')).toMatchObject({ navigation: true });
    // inherited from baseItem
    expect(md.property('microsoft.graph.driveItem', 'webUrl')).toMatchObject({ type: 'Edm.String' });
    const invites = md.boundOperations('invite', 'microsoft.graph.driveItem', false);
    expect([...invites[0]!.parameters.keys()]).toContain('retainInheritedPermissions');
    expect([...md.boundOperations('cancel', 'microsoft.graph.event', false)[0]!.parameters.keys()]).toEqual([
      'Comment',
    ]);
  });

  it('reads a small CSDL document the same way (aliases, derived types, functions)', () => {
    const md = GraphMetadata.parse(
      [
        '<Schema Namespace="ns.one" Alias="one" xmlns="x">',
        '  <EntityType Name="base" Abstract="true">',
        '    <Property Name="id" Type="Edm.String" />',
        '  </EntityType>',
        '  <EntityType Name="thing" BaseType="one.base">',
        '    <Property Name="size" Type="Edm.Int64">',
        '      <Annotation Term="x" />',
        '    </Property>',
        '    <NavigationProperty Name="parts" Type="Collection(one.thing)" />',
        '  </EntityType>',
        '  <Function Name="look" IsBound="true">',
        '    <Parameter Name="bindingParameter" Type="one.thing" />',
        '    <Parameter Name="q" Type="Edm.String" />',
        '    <ReturnType Type="Collection(one.thing)" />',
        '  </Function>',
        '  <EntityContainer Name="c">',
        '    <EntitySet Name="things" EntityType="ns.one.thing" />',
        '  </EntityContainer>',
        '</Schema>',
      ].join('\n'),
    );
    expect(md.derivesFrom('ns.one.thing', 'ns.one.base')).toBe(true);
    expect(md.property('ns.one.thing', 'id')).toBeDefined();
    const req = (path: string, query = '') => ({
      method: 'GET',
      path,
      query: new URLSearchParams(query),
      body: undefined,
    });
    expect(() => validateRequest(md, req('/things/1/parts/2/look', 'q=x&$select=size'))).not.toThrow();
    expect(() => validateRequest(md, req('/things/1/look', 'r=x'))).toThrow("The query parameter 'r'");
    expect(() => validateRequest(md, req('/things/1/colour'))).toThrow("Resource not found for the segment 'colour'.");
    expect(() => validateRequest(md, req('/widgets'))).toThrow("Resource not found for the segment 'widgets'.");
  });
});

describe('request validation against the real v1.0 metadata', () => {
  const md = graphMetadata();
  const check = (method: string, path: string, query = '', body?: unknown) =>
    validateRequest(md, { method, path, query: new URLSearchParams(query), body });

  it('follows casts, @odata.type, function calls, $value/$count, nested $expand and unbound operations', () => {
    expect(() =>
      check('GET', '/users/u/teamwork/installedApps/i/microsoft.graph.userScopeTeamsAppInstallation/chat'),
    ).not.toThrow();
    expect(() => check('GET', '/users/u/microsoft.graph.driveItem')).toThrow(
      "is not derived from 'microsoft.graph.user'",
    );
    expect(() => check('GET', "/drives/d/root/delta(token='latest')")).not.toThrow();
    expect(() => check('GET', "/drives/d/root/delta(since='x')")).toThrow("The parameter 'since'");
    expect(() => check('POST', '/drives/d/root/delta', '', {})).toThrow("'delta' is a function: use GET.");
    expect(() => check('GET', '/drives/d/items/i/content/$value')).not.toThrow();
    expect(() => check('GET', '/users/$count')).not.toThrow();
    expect(() => check('GET', '/users/$count/x')).toThrow("Resource not found for the segment 'x'.");
    expect(() => check('GET', '/drives/d/items/i/size/x')).toThrow("Resource not found for the segment 'x'.");
    expect(() => check('GET', '/users/u', '$expand=calendar($select=id),events')).not.toThrow();
    expect(() => check('GET', '/users/u', '$select=*,displayName')).not.toThrow();
    expect(() =>
      check('POST', '/users/u/events', '', {
        subject: 's',
        attendees: [{ '@odata.type': '#microsoft.graph.attendee', emailAddress: { address: 'a@b' }, type: 'required' }],
      }),
    ).not.toThrow();
    expect(() =>
      check('POST', '/users/u/events', '', { location: { '@odata.type': '#microsoft.graph.nothing' } }),
    ).toThrow('does not exist');
    expect(() =>
      check('POST', '/users/u/events', '', { location: { '@odata.type': '#microsoft.graph.user' } }),
    ).toThrow('is not derived from');
    expect(() => check('GET', '/users/u/events/e:/x')).toThrow('Path-based addressing is only valid on a driveItem');
    expect(() => check('GET', '/drives/d/%E0%A4%A')).toThrow('Resource not found');
    expect(() => check('GET', '/')).toThrow('Resource not found');
  });
});

describe('graph emulator: refuses what is not in the v1.0 contract', () => {
  it("answers 400 in Graph's error shape for an unknown path segment, body property, action parameter or $select name", async () => {
    h = await harness({ users: [{ mail: 'organiser@t.example.org' }] });
    const { d, id } = await newFolder(h, 'Org');
    const segment = await graphCall<any>(h.client, 'GET', `/drives/${d}/items/${id}/sharing`);
    expect(segment.status).toBe(400);
    expect(segment.body.error).toMatchObject({
      code: 'BadRequest',
      message: "Resource not found for the segment 'sharing'.",
      innerError: { 'request-id': expect.any(String), date: expect.any(String) },
    });
    const property = await graphCall<any>(h.client, 'POST', `/drives/${d}/items/${id}/children`, {
      ...folder('Sub'),
      colour: 'blue',
    });
    expect(property.status).toBe(400);
    expect(property.body.error.message).toMatch(
      /^The property 'colour' does not exist on type 'microsoft.graph.driveItem'/,
    );
    const nested = await graphCall<any>(
      h.client,
      'POST',
      `/drives/${d}/items/${id}/invite`,
      invite([{ mail: 'ann@example.org' }]),
    );
    expect(nested.body.error.message).toMatch(/'mail' does not exist on type 'microsoft.graph.driveRecipient'/);
    const ev = await graphCall<any>(h.client, 'POST', '/users/organiser@t.example.org/events', {
      subject: 'x',
      start: { dateTime: '2030-01-01T10:00:00', timeZone: 'Europe/London' },
      end: { dateTime: '2030-01-01T11:00:00', timeZone: 'Europe/London' },
    });
    expect(ev.status).toBe(201);
    const param = await graphCall<any>(h.client, 'POST', `/users/organiser@t.example.org/events/${ev.body.id}/cancel`, {
      comment: 'lower case is not the parameter',
    });
    expect(param.status).toBe(400);
    expect(param.body.error.message).toBe(
      "The parameter 'comment' in the request payload is not a valid parameter for the operation 'cancel'.",
    );
    const select = await graphCall<any>(h.client, 'GET', `/drives/${d}/items/${id}/children?$select=id,colour`);
    expect(select.status).toBe(400);
    const expand = await graphCall<any>(h.client, 'GET', `/drives/${d}/items/${id}?$expand=webUrl`);
    expect(expand.status).toBe(400);
    expect(h.emu.stats().contractRefusals).toBe(6);
    // Nothing was created by the refused requests.
    expect(h.emu.drive.children(id)).toHaveLength(0);
  });

  it('holds its very first request to the contract when the metadata is parsed on first request (npm start)', async () => {
    h = await harness({ contractOnFirstRequest: true });
    const unknown = await graphCall<any>(h.client, 'GET', `/drives/${h.emu.driveId}/colours`);
    expect(unknown.status).toBe(400);
    expect(h.emu.stats().contractRefusals).toBe(1);
    const known = await graphCall<any>(h.client, 'GET', `/drives/${h.emu.driveId}/root/children`);
    expect(known.status).toBe(200);
  });

  it('refuses an unknown batch entry alone, and lets a route that exists in v1.0 through to the emulator', async () => {
    h = await harness();
    const { d, id } = await newFolder(h, 'Org');
    const r = await graphCall<any>(h.client, 'POST', '/$batch', {
      requests: [
        { id: '1', method: 'GET', url: `/drives/${d}/items/${id}/permissions` },
        { id: '2', method: 'GET', url: `/drives/${d}/items/${id}/acl` },
      ],
    });
    expect(r.status).toBe(200);
    const byId = Object.fromEntries(r.body.responses.map((x: any) => [x.id, x]));
    expect(byId['1'].status).toBe(200);
    expect(byId['2'].status).toBe(400);
    expect(byId['2'].body.error.message).toBe("Resource not found for the segment 'acl'.");
    // In the contract but not emulated: the emulator's own 405, never a contract refusal.
    const meetings = await graphCall<any>(h.client, 'GET', '/users/admin@wexqs.example/onlineMeetings');
    expect(meetings.status).not.toBe(400);
  });
});

describe('graph emulator: its own admin endpoints (outside Graph, never checked against it)', () => {
  it('reports health and stats, takes fault settings, resets', async () => {
    h = await harness();
    await newFolder(h, 'Kept until reset');
    // The admin routes take the emulator's token, as its Graph routes do.
    const get = async (p: string, init?: RequestInit) => {
      const r = await fetch(`${h!.emu.url}${p}`, { ...init, headers: { authorization: 'Bearer test-token' } });
      return { status: r.status, body: r.status === 204 ? null : await r.json() };
    };
    expect((await fetch(`${h.emu.url}/_emulator/health`)).status).toBe(401);
    expect((await get('/_emulator/health')).body).toEqual({ ok: true, driveId: h.emu.driveId });
    expect((await get('/_emulator/stats')).body).toMatchObject({ contractRefusals: 0 });
    const set = await get('/_emulator/faults', { method: 'POST', body: JSON.stringify({ rate503: 0 }) });
    expect(set.body).toEqual({ rate503: 0 });
    expect((await get('/_emulator/faults')).body).toEqual({ rate503: 0 });
    expect((await get('/_emulator/nothing')).status).toBe(404);
    expect((await get('/_emulator/reset', { method: 'POST' })).status).toBe(204);
    expect(h.emu.drive.children(h.emu.drive.rootId)).toHaveLength(0);
    expect(h.emu.directory.byEmail('ann@example.org')).toMatchObject({ kind: 'user' });
  });
});

describe('graph emulator: permissions as a SharePoint library has them', () => {
  it('keeps one permission per person: a higher role updates it, PATCH changes its roles, ids are the same on every item', async () => {
    h = await harness();
    const { d, id } = await newFolder(h, 'Org');
    const other = await newFolder(h, 'Other');
    const read = await graphCall<any>(
      h.client,
      'POST',
      `/drives/${d}/items/${id}/invite`,
      invite([{ email: 'ann@example.org' }]),
    );
    const write = await graphCall<any>(
      h.client,
      'POST',
      `/drives/${d}/items/${id}/invite`,
      invite([{ email: 'ann@example.org' }], 'write'),
    );
    expect(write.body.value[0].id).toBe(read.body.value[0].id);
    expect(write.body.value[0].roles).toEqual(['write']);
    // Asking for less does not take the higher role away: that is PATCH's job.
    const lower = await graphCall<any>(
      h.client,
      'POST',
      `/drives/${d}/items/${id}/invite`,
      invite([{ email: 'ann@example.org' }]),
    );
    expect(lower.body.value[0].roles).toEqual(['write']);
    const patched = await graphCall<any>(
      h.client,
      'PATCH',
      `/drives/${d}/items/${id}/permissions/${read.body.value[0].id}`,
      {
        roles: ['read'],
      },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: read.body.value[0].id, roles: ['read'] });
    const mine = h.emu.drive.permissions(id).filter((p) => p.rec.email === 'ann@example.org');
    expect(mine.map((p) => [p.rec.id, p.rec.roles])).toEqual([[read.body.value[0].id, ['read']]]);
    // Deleting "the old role's permission" would delete her only access: there is only one.
    const elsewhere = await graphCall<any>(
      h.client,
      'POST',
      `/drives/${d}/items/${other.id}/invite`,
      invite([{ email: 'ann@example.org' }], 'write'),
    );
    expect(elsewhere.body.value[0].id).toBe(read.body.value[0].id);
    expect(
      (
        await graphCall<any>(h.client, 'PATCH', `/drives/${d}/items/${id}/permissions/${read.body.value[0].id}`, {
          roles: ['owner'],
        })
      ).status,
    ).toBe(400);
  });

  it('grants a security group by object id', async () => {
    h = await harness();
    const { d, id } = await newFolder(h, 'Org');
    const r = await graphCall<any>(
      h.client,
      'POST',
      `/drives/${d}/items/${id}/invite`,
      invite([{ objectId: ASSESSMENT_GROUP.id }], 'write'),
    );
    expect(r.status).toBe(200);
    expect(r.body.value[0]).toMatchObject({
      roles: ['write'],
      grantedToV2: { group: { id: ASSESSMENT_GROUP.id, displayName: ASSESSMENT_GROUP.displayName } },
    });
    const unknown = await graphCall<any>(
      h.client,
      'POST',
      `/drives/${d}/items/${id}/invite`,
      invite([{ objectId: '00000000-0000-4000-8000-000000000000' }]),
    );
    expect(unknown.status).toBe(404);
  });

  it('answers 207 when some recipients cannot be invited; app-only access cannot invite new guests', async () => {
    h = await harness({ users: [{ mail: 'guest@partner.example.com', userType: 'Guest' }] });
    const { d, id } = await newFolder(h, 'Org');
    const partial = await graphCall<any>(
      h.client,
      'POST',
      `/drives/${d}/items/${id}/invite`,
      invite([
        { email: 'ann@example.org' },
        { email: 'stranger@elsewhere.example.com' },
        { email: 'guest@partner.example.com' },
      ]),
    );
    expect(partial.status).toBe(207);
    expect(partial.body.value).toHaveLength(3);
    expect(partial.body.value[0]).toMatchObject({ roles: ['read'], grantedTo: { user: { email: 'ann@example.org' } } });
    expect(partial.body.value[1]).toEqual({
      invitation: { email: 'stranger@elsewhere.example.com' },
      error: { code: 'accessDenied', message: NEW_GUEST_REFUSED },
    });
    expect(partial.body.value[2]).toMatchObject({ grantedTo: { user: { email: 'guest@partner.example.com' } } });
    const none = await graphCall<any>(
      h.client,
      'POST',
      `/drives/${d}/items/${id}/invite`,
      invite([{ email: 'stranger@elsewhere.example.com' }]),
    );
    expect(none.status).toBe(403);
    expect(none.body.error).toMatchObject({ code: 'accessDenied', message: NEW_GUEST_REFUSED });
    const people = h.emu.drive.permissions(id).filter((p) => p.rec.kind === 'user');
    expect(people.map((p) => p.rec.email).sort()).toEqual(['ann@example.org', 'guest@partner.example.com']);
  });

  it('may refuse retainInheritedPermissions on invite, at the configured rate; createLink takes it', async () => {
    h = await harness({ sharing: { refuseRetainOnInviteRate: 1 } });
    const { d, id } = await newFolder(h, 'Org');
    const refused = await graphCall<any>(
      h.client,
      'POST',
      `/drives/${d}/items/${id}/invite`,
      invite([{ email: 'ann@example.org' }], 'read', { retainInheritedPermissions: false }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalidRequest');
    const link = await graphCall<any>(h.client, 'POST', `/drives/${d}/items/${id}/createLink`, {
      type: 'view',
      scope: 'users',
      retainInheritedPermissions: false,
    });
    expect(link.status).toBe(201);
    expect(h.emu.drive.permissions(id).map((p) => p.rec.kind)).toEqual(['link']);
    const ok = await graphCall<any>(
      h.client,
      'POST',
      `/drives/${d}/items/${id}/invite`,
      invite([{ email: 'ann@example.org' }]),
    );
    expect(ok.status).toBe(200);
    // A chance, not a rule: at 0.5 some invites are refused and some are not.
    h.emu.setSharing({ refuseRetainOnInviteRate: 0.5 });
    const statuses = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const f = await newFolder(h, `F${i}`);
      statuses.add(
        (
          await graphCall<any>(
            h.client,
            'POST',
            `/drives/${d}/items/${f.id}/invite`,
            invite([{ email: 'ann@example.org' }], 'read', { retainInheritedPermissions: false }),
          )
        ).status,
      );
    }
    expect([...statuses].sort()).toEqual([200, 400]);
  });

  it('may ignore retainInheritedPermissions: false on createLink, leaving copies of the site groups under their ids', async () => {
    h = await harness({ sharing: { ignoreRetainOnCreateLinkRate: 1 } });
    const { d, id } = await newFolder(h, 'Org');
    const siteGroups = h.emu.drive.permissions(id).map((p) => p.rec.id);
    await graphCall<any>(h.client, 'POST', `/drives/${d}/items/${id}/createLink`, {
      type: 'view',
      scope: 'users',
      retainInheritedPermissions: false,
    });
    const after = await graphCall<any>(h.client, 'GET', `/drives/${d}/items/${id}/permissions`);
    expect(after.body.value.filter((p: any) => p.grantedToV2?.siteGroup).map((p: any) => p.id)).toEqual(siteGroups);
    // They are the folder's own now, so they can be deleted.
    const del = await graphCall<any>(h.client, 'DELETE', `/drives/${d}/items/${id}/permissions/${siteGroups[0]}`);
    expect(del.status).toBe(204);
  });
});

describe('graph emulator: $batch entries without dependsOn run in parallel', () => {
  it('an invite and a delete of the same permission in one parallel batch race; dependsOn orders them', async () => {
    h = await harness({ seed: 11 });
    const d = h.emu.driveId;
    const outcomes = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const { id } = await newFolder(h, `Race ${i}`);
      const first = await graphCall<any>(
        h.client,
        'POST',
        `/drives/${d}/items/${id}/invite`,
        invite([{ email: 'ann@example.org' }]),
      );
      const pid = first.body.value[0].id;
      const r = await graphCall<any>(h.client, 'POST', '/$batch', {
        requests: [
          {
            id: '1',
            method: 'POST',
            url: `/drives/${d}/items/${id}/invite`,
            body: invite([{ email: 'ann@example.org' }], 'write'),
            headers: { 'Content-Type': 'application/json' },
          },
          { id: '2', method: 'DELETE', url: `/drives/${d}/items/${id}/permissions/${pid}` },
        ],
      });
      expect(r.status).toBe(200);
      outcomes.add(h.emu.drive.permissions(id).some((p) => p.rec.email === 'ann@example.org') ? 'kept' : 'lost');
    }
    // Sometimes the delete ran last and took away her only access.
    expect([...outcomes].sort()).toEqual(['kept', 'lost']);
    const { id } = await newFolder(h, 'Ordered');
    await graphCall<any>(h.client, 'POST', `/drives/${d}/items/${id}/invite`, invite([{ email: 'ann@example.org' }]));
    const pid = h.emu.drive.permissions(id).find((p) => p.rec.email === 'ann@example.org')!.rec.id;
    await graphCall<any>(h.client, 'POST', '/$batch', {
      requests: [
        { id: '1', method: 'DELETE', url: `/drives/${d}/items/${id}/permissions/${pid}` },
        {
          id: '2',
          method: 'POST',
          url: `/drives/${d}/items/${id}/invite`,
          body: invite([{ email: 'ann@example.org' }], 'write'),
          headers: { 'Content-Type': 'application/json' },
          dependsOn: ['1'],
        },
      ],
    });
    const hers = h.emu.drive.permissions(id).filter((p) => p.rec.email === 'ann@example.org');
    expect(hers.map((p) => p.rec.roles)).toEqual([['write']]);
  });
});

describe('graph emulator: calendars and events', () => {
  const body = (subject: string, start = '2030-01-01T10:00:00') => ({
    subject,
    start: { dateTime: start, timeZone: 'Europe/London' },
    end: { dateTime: start.replace('T10', 'T11'), timeZone: 'Europe/London' },
    isOnlineMeeting: true,
    onlineMeetingProvider: 'teamsForBusiness',
  });

  it('a calendar that does not allow Teams meetings says so, and its events get no join link', async () => {
    h = await harness({
      users: [{ mail: 'plain@t.example.org' }, { mail: 'teams@t.example.org' }],
      calendarsWithoutTeams: ['plain@t.example.org'],
    });
    const cal = await graphCall<any>(
      h.client,
      'GET',
      '/users/plain@t.example.org/calendar?$select=allowedOnlineMeetingProviders',
    );
    expect(cal.body.allowedOnlineMeetingProviders).toEqual([]);
    const ok = await graphCall<any>(h.client, 'GET', '/users/teams@t.example.org/calendar');
    expect(ok.body).toMatchObject({ allowedOnlineMeetingProviders: ['teamsForBusiness'], isDefaultCalendar: true });
    const ev = await graphCall<any>(h.client, 'POST', '/users/plain@t.example.org/events', body('No link'));
    expect(ev.status).toBe(201);
    expect(ev.body).toMatchObject({ isOnlineMeeting: false, onlineMeeting: null });
  });

  it('a transactionId returns the same event on a retry and is refused for any other event, even after a cancel', async () => {
    h = await harness({ users: [{ mail: 'organiser@t.example.org' }] });
    const u = '/users/organiser@t.example.org/events';
    const first = await graphCall<any>(h.client, 'POST', u, { ...body('Drop-in'), transactionId: 'tx-1' });
    const retry = await graphCall<any>(h.client, 'POST', u, { ...body('Drop-in'), transactionId: 'tx-1' });
    expect(retry.body.id).toBe(first.body.id);
    const edited = await graphCall<any>(h.client, 'POST', u, {
      ...body('Drop-in', '2030-01-02T10:00:00'),
      transactionId: 'tx-1',
    });
    expect(edited.status).toBe(400);
    expect(edited.body.error.code).toBe('ErrorDuplicateTransactionId');
    await graphCall<any>(h.client, 'POST', `${u}/${first.body.id}/cancel`, { Comment: 'off' });
    const again = await graphCall<any>(h.client, 'POST', u, { ...body('Drop-in'), transactionId: 'tx-1' });
    expect(again.body.error.code).toBe('ErrorDuplicateTransactionId');
    expect((await graphCall<any>(h.client, 'POST', u, { ...body('Drop-in'), transactionId: 'tx-2' })).status).toBe(201);
  });
});

describe('graph emulator: the organisation app catalogue', () => {
  it('gives a published app a catalogue id of its own, found by its manifest id', async () => {
    const manifestId = '44444444-4444-4444-8444-444444444444';
    h = await harness({
      teams: { apps: [{ externalId: manifestId }, { id: 'same-as-manifest', externalId: 'same-as-manifest' }] },
    });
    const q = encodeURIComponent(`externalId eq '${manifestId}'`);
    const r = await graphCall<any>(h.client, 'GET', `/appCatalogs/teamsApps?$filter=${q}`);
    expect(r.body.value).toHaveLength(1);
    expect(r.body.value[0].externalId).toBe(manifestId);
    expect(r.body.value[0].id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.value[0].id).not.toBe(manifestId);
    const other = await graphCall<any>(
      h.client,
      'GET',
      `/appCatalogs/teamsApps?$filter=${encodeURIComponent("externalId eq 'same-as-manifest'")}`,
    );
    expect(other.body.value[0].id).not.toBe('same-as-manifest');
  });
});
