import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, DEMO_TENANT_ID, demoPerson } from '../../src/local/demo-people.js';
import {
  clientPort,
  conversationReference,
  personalChatId,
  playgroundConfigFor,
} from '../../src/local/playground-clients.js';

describe('a Teams client (Agents Playground config) per demo person', () => {
  it('the committed .m365agentsplayground.yml is Priya’s generated config', () => {
    expect(parse(readFileSync('.m365agentsplayground.yml', 'utf8'))).toEqual(playgroundConfigFor(demoPerson('priya')));
  });

  for (const person of DEMO_PEOPLE) {
    it(`${person.displayName}: current user, plus exactly five others the Playground accepts, all demo people`, () => {
      const config = playgroundConfigFor(person) as any;
      expect(config.currentUser.id).toBe(person.playgroundUserId);
      expect(config.currentUser.aadObjectId).toBe(person.entraObjectId);
      expect(config.currentUser.email).toBe(person.email);
      expect(config.users).toHaveLength(5);
      const users = [config.currentUser, ...config.users];
      expect(new Set(users.map((u: any) => u.id)).size).toBe(6);
      for (const u of users) {
        const p = DEMO_PEOPLE.find((d) => d.playgroundUserId === u.id)!;
        expect(u).toMatchObject({ name: p.displayName, aadObjectId: p.entraObjectId, email: p.email });
      }
      expect(config.tenantId).toBe(DEMO_TENANT_ID);
      expect(config.personalChat.id).toBe(personalChatId(person));
    });
  }

  it('covers one admin, two reviewers, a lead and a contributor of one organisation, a second organisation and someone without access', () => {
    expect(DEMO_PEOPLE.filter((p) => p.roles.includes('admin'))).toHaveLength(1);
    expect(DEMO_PEOPLE.filter((p) => p.roles.includes('reviewer'))).toHaveLength(2);
    const northshire = DEMO_PEOPLE.filter((p) => p.organisationId === 'org-northshire');
    expect(northshire.flatMap((p) => p.roles).sort()).toEqual(['applicant_contributor', 'applicant_lead']);
    expect(
      new Set(DEMO_PEOPLE.filter((p) => p.roles.includes('applicant_lead')).map((p) => p.organisationId)).size,
    ).toBe(2);
    expect(DEMO_PEOPLE.filter((p) => p.roles.length === 0)).toHaveLength(1);
  });

  it("is in the tenant the local app serves, so the app's tenant check lets the Playground's activities in", () => {
    const env = parseEnv(readFileSync('env/.env.local', 'utf8'));
    expect(env.GRAPH_TENANT_ID).toBe(DEMO_TENANT_ID);
  });

  it('gives every person their own port and personal chat, the same group chat, and unique Playground ids', () => {
    expect(DEMO_PEOPLE.map((p) => clientPort(56150, p))).toEqual([56150, 56151, 56152, 56153, 56154, 56155, 56156]);
    expect(new Set(DEMO_PEOPLE.map(personalChatId)).size).toBe(DEMO_PEOPLE.length);
    expect(new Set(DEMO_PEOPLE.map((p) => p.playgroundUserId)).size).toBe(DEMO_PEOPLE.length);
    expect(new Set(DEMO_PEOPLE.map((p) => (playgroundConfigFor(p) as any).groupChat.id)).size).toBe(1);
    expect(() => clientPort(56150, { key: 'nobody' })).toThrow(/no demo person/);
  });

  it('the conversation reference kept for a person points the bot at their own client’s Bot Connector', () => {
    const alex = demoPerson('alex');
    expect(conversationReference(alex, 56155)).toEqual({
      channelId: 'msteams',
      serviceUrl: 'http://localhost:56155/_connector',
      conversation: { id: 'personal-chat-alex', conversationType: 'personal', tenantId: DEMO_TENANT_ID },
      user: { id: 'user-id-4', name: 'Alex Morgan', aadObjectId: alex.entraObjectId },
      bot: { id: '00000000-0000-0000-0000-00000000b071', name: 'WEx QS' },
    });
  });
});
