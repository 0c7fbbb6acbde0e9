/**
 * End to end through the real Teams client stand-in: `npm start`'s stack (app + Agents
 * Playground, demo data), talked to through the Playground's HTTP + WebSocket API.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE } from '../../src/local/demo-people.js';
import { startLocalStack, type LocalStack } from '../support/local-stack.js';
import { cardText, PlaygroundClient } from './playground-client.js';

const PERSONAL = 'personal-chat-wexqs';
const GROUP = 'group-chat-wexqs';
const BOT = { id: '00000000-0000-0000-0000-00000000b071', name: 'WEx QS' };

describe('local stack through the Agents Playground', () => {
  let stack: LocalStack;
  let pg: PlaygroundClient;
  let startupMs = 0;
  let firstHelpMs = 0;

  beforeAll(async () => {
    const t0 = performance.now();
    stack = await startLocalStack();
    startupMs = performance.now() - t0;
    pg = new PlaygroundClient(stack.playgroundUrl);
    await pg.connect();
    const reply = await pg.say(PERSONAL, 'user-id-0', 'help');
    firstHelpMs = performance.now() - t0;
    expect(cardText(reply.card)).toContain('Priya');
  }, 90_000);

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
    const { card } = await pg.say(PERSONAL, 'user-id-0', 'Help please');
    expect(card.version).toBe('1.5');
    const verbs = card.actions.map((a: any) => [a.type, a.verb]);
    expect(verbs).toContainEqual(['Action.Execute', 'sessions']);
    expect(verbs).toContainEqual(['Action.Execute', 'request_application']);
    expect(cardText(card)).toContain('applicant lead for Northshire Hospitals NHS Foundation Trust');
  });

  it('replaces the card in place when a button is clicked (Universal Actions)', async () => {
    const { id } = await pg.say(PERSONAL, 'user-id-0', 'help');
    const sessions = await pg.execute(PERSONAL, 'user-id-0', id, 'sessions');
    expect(cardText(sessions)).toContain('Drop-in sessions');
    expect(cardText(sessions)).toMatch(/seats left/);
    const eligibility = await pg.execute(PERSONAL, 'user-id-0', id, 'eligibility');
    expect(cardText(eligibility)).toContain('You are eligible to apply');
  });

  it('recognises each Playground user by role when they click, and refuses someone unknown', async () => {
    const { id } = await pg.say(GROUP, 'user-id-0', 'help', { mentionBot: BOT });
    for (const person of DEMO_PEOPLE.filter((p) => p.playgroundUserId && p.playgroundUserId !== 'user-id-0')) {
      const card = await pg.execute(GROUP, person.playgroundUserId!, id, 'help');
      const text = cardText(card);
      if (person.roles.length === 0) {
        expect(text).toContain("You don't have access to the WEx QS app yet");
      } else {
        expect(text).toContain(person.displayName.split(' ')[0]);
        expect(text).toContain(person.roles[0]!.replace('applicant_', 'applicant ').replace('_', ' '));
      }
    }
  });

  it('refuses an organisation that has not attended a drop-in within 8 weeks, in plain English', async () => {
    // Grace (Riverside) last attended 10 weeks ago; the personal chat holds only the current user,
    // so she clicks in the group chat.
    const { id } = await pg.say(GROUP, 'user-id-0', 'help', { mentionBot: BOT });
    const refusal = await pg.execute(GROUP, 'user-id-1', id, 'request_application');
    expect(cardText(refusal)).toContain('Not eligible');
    expect(cardText(refusal)).toMatch(/drop-in/i);
  });

  it('serves a health check that proves the database answers', async () => {
    const res = await fetch(`${stack.appUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});
