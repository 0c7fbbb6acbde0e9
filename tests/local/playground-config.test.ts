import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, DEMO_TENANT_ID } from '../../src/local/demo-people.js';

const config = parse(readFileSync('.m365agentsplayground.yml', 'utf8'));

describe('the committed Agents Playground config', () => {
  const users = [config.currentUser, ...config.users];

  it('has the six people the Playground accepts (current user plus exactly five)', () => {
    expect(config.users).toHaveLength(5);
    expect(new Set(users.map((u: any) => u.id)).size).toBe(6);
  });

  it('matches the seeded demo people id for id, so each is recognised with their role', () => {
    for (const u of users) {
      const person = DEMO_PEOPLE.find((p) => p.playgroundUserId === u.id);
      expect(person, u.id).toBeDefined();
      expect(u.aadObjectId).toBe(person!.entraObjectId);
      expect(u.email).toBe(person!.email);
      expect(u.name).toBe(person!.displayName);
    }
    expect(config.tenantId).toBe(DEMO_TENANT_ID);
  });

  it("is in the tenant the local app serves, so the app's tenant check lets the Playground's activities in", () => {
    const env = parseEnv(readFileSync('env/.env.local', 'utf8'));
    expect(env.GRAPH_TENANT_ID).toBe(DEMO_TENANT_ID);
  });

  it('covers one admin, two reviewers, applicants from two organisations and someone without access', () => {
    const people = users.map((u: any) => DEMO_PEOPLE.find((p) => p.playgroundUserId === u.id)!);
    expect(people.filter((p) => p.roles.includes('admin'))).toHaveLength(1);
    expect(people.filter((p) => p.roles.includes('reviewer'))).toHaveLength(2);
    const applicantOrgs = new Set(
      people.filter((p) => p.roles.some((r) => r.startsWith('applicant'))).map((p) => p.organisationId),
    );
    expect(applicantOrgs.size).toBe(2);
    expect(people.filter((p) => p.roles.length === 0)).toHaveLength(1);
  });

  it('fixes the chat ids so tests and people find the same conversations every start', () => {
    expect(config.personalChat.id).toBe('personal-chat-wexqs');
    expect(config.groupChat.id).toBe('group-chat-wexqs');
  });
});
