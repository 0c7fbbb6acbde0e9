/**
 * End to end through the real Teams client stand-in: `npm start`'s stack (app + an Agents
 * Playground per demo person, demo data), talked to through the Playgrounds' HTTP + WebSocket API.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, demoPerson } from '../../src/local/demo-people.js';
import { personalChatId } from '../../src/local/playground-clients.js';
import { startLocalStack, type LocalStack } from '../support/local-stack.js';
import { cardText, PlaygroundClient } from './playground-client.js';

const PERSONAL = personalChatId(demoPerson('priya'));

describe('local stack through the Agents Playground', () => {
  let stack: LocalStack;
  let pg: PlaygroundClient;
  let startupMs = 0;
  let firstHelpMs = 0;

  beforeAll(async () => {
    const t0 = performance.now();
    stack = await startLocalStack({ clients: 'all' });
    startupMs = performance.now() - t0;
    pg = new PlaygroundClient(stack.playgroundUrl);
    await pg.connect();
    const reply = await pg.say(PERSONAL, demoPerson('priya').playgroundUserId, 'help');
    firstHelpMs = performance.now() - t0;
    expect(cardText(reply.card)).toContain('Priya');
  }, 600_000);

  afterAll(async () => {
    pg?.close();
    const code = await stack?.stop();
    expect(code).toBe(0);
  });

  it('answers help with the role card after starting (timing is measured by npm run bench:startup)', () => {
    console.info(
      `local stack ready in ${Math.round(startupMs)} ms; first help card after ${Math.round(firstHelpMs)} ms`,
    );
    expect(firstHelpMs).toBeGreaterThan(0);
  });

  it('gives the applicant lead buttons for the applicant journey, as Action.Execute 1.5', async () => {
    const { card } = await pg.say(PERSONAL, demoPerson('priya').playgroundUserId, 'Help please');
    expect(card.version).toBe('1.5');
    const verbs = card.actions.map((a: any) => [a.type, a.verb]);
    expect(verbs).toContainEqual(['Action.Execute', 'sessions']);
    expect(verbs).toContainEqual(['Action.Execute', 'request_application']);
    expect(cardText(card)).toContain('applicant lead for Northshire Hospitals NHS Foundation Trust');
  });

  it('replaces the card in place when a button is clicked (Universal Actions)', async () => {
    const { id } = await pg.say(PERSONAL, demoPerson('priya').playgroundUserId, 'help');
    const sessions = await pg.execute(PERSONAL, demoPerson('priya').playgroundUserId, id, 'sessions');
    expect(cardText(sessions)).toContain('Drop-in sessions');
    expect(cardText(sessions)).toMatch(/seats left/);
    const eligibility = await pg.execute(PERSONAL, demoPerson('priya').playgroundUserId, id, 'eligibility');
    expect(cardText(eligibility)).toContain('You are eligible to apply');
  });

  it('gives every demo person their own Teams client, where the bot knows them by role (and refuses someone unknown)', async () => {
    for (const person of DEMO_PEOPLE) {
      const own = new PlaygroundClient(stack.clientUrl(person.key));
      await own.connect();
      const config = await own.config();
      expect(config.config.currentUser.id).toBe(person.playgroundUserId);
      const { card } = await own.say(personalChatId(person), person.playgroundUserId, 'help');
      own.close();
      const text = cardText(card);
      if (person.roles.length === 0) {
        expect(text).toContain("You don't have access to the WEx QS app yet");
      } else {
        expect(text).toContain(`Hi ${person.displayName.split(' ')[0]}`);
        expect(text).toContain(person.roles[0]!.replace('applicant_', 'applicant ').replace('_', ' '));
      }
    }
    // Each client and role is listed with its link.
    for (const person of DEMO_PEOPLE)
      expect(stack.output()).toContain(`${stack.clientUrl(person.key)}  ${person.summary}`);
  });

  it('refuses an organisation that has not attended a drop-in within 8 weeks, in plain English', async () => {
    // Grace (Riverside) last attended 10 weeks ago; she asks in her own client.
    const grace = demoPerson('grace');
    const own = new PlaygroundClient(stack.clientUrl('grace'));
    await own.connect();
    const { id } = await own.say(personalChatId(grace), grace.playgroundUserId, 'help');
    const refusal = await own.execute(personalChatId(grace), grace.playgroundUserId, id, 'request_application');
    own.close();
    expect(cardText(refusal)).toContain('Not eligible');
    expect(cardText(refusal)).toMatch(/drop-in/i);
  });

  it('serves a health check that proves the database answers', async () => {
    const res = await fetch(`${stack.appUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});
