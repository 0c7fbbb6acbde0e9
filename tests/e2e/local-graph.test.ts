/**
 * The local stack's Graph side: on start it provisions every demo organisation's private evidence
 * folder and the drop-in sessions' Teams meetings in the Graph emulator; a file uploaded into a
 * folder shows up in the evidence listing; a second start keeps all of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphGet, startLocalStack, type LocalStack } from '../support/local-stack.js';

const ORGANISER = 'wexqs.team@wexqs.local';

function waitForProvisioning(stack: LocalStack): Promise<string> {
  return stack.waitForLine('Evidence folders ready');
}

describe('local stack with the Graph emulator', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack();
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('provisions the ten demo organisations and the upcoming drop-in meetings at start', async () => {
    expect(await waitForProvisioning(stack)).toBe(
      'Evidence folders ready for 10 of 10 organisations; 3 drop-in meetings in the calendar.',
    );
    const events = await graphGet(stack, `/users/${encodeURIComponent(ORGANISER)}/events`);
    expect(events.value).toHaveLength(3);
    for (const e of events.value) {
      expect(e.isOnlineMeeting).toBe(true);
      expect(e.onlineMeetingProvider).toBe('teamsForBusiness');
      expect(e.onlineMeeting.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    }
  });

  it('lists an uploaded file in the organisation’s evidence, with its section', async () => {
    await waitForProvisioning(stack);
    const put = await fetch(
      `${stack.appUrl}/local/evidence/org-northshire/4/${encodeURIComponent('Learner daily diary.pdf')}`,
      {
        method: 'PUT',
        body: Buffer.from('%PDF-1.4 completed and anonymised'),
      },
    );
    expect(put.status).toBe(201);
    const page = await (await fetch(`${stack.appUrl}/local/evidence`)).text();
    expect(page).toMatch(/Learner daily diary\.pdf <small>\(section 4,/);
  });

  it('refuses an upload to a section that does not exist, and keeps nothing of it', async () => {
    const put = await fetch(`${stack.appUrl}/local/evidence/org-northshire/7/x.pdf`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(400);
    expect(await (await fetch(`${stack.appUrl}/local/evidence`)).text()).not.toContain('x.pdf');
  });

  it('keeps folders, meetings and files on a second start, without recreating them', async () => {
    const before = await graphGet(stack, `/users/${encodeURIComponent(ORGANISER)}/events`);
    expect(await stack.stop()).toBe(0);
    stack = await startLocalStack({ dataDir: stack.dataDir });
    expect(await waitForProvisioning(stack)).toContain('10 of 10 organisations');
    const after = await graphGet(stack, `/users/${encodeURIComponent(ORGANISER)}/events`);
    expect(after.value.map((e: any) => e.id).sort()).toEqual(before.value.map((e: any) => e.id).sort());
    expect(await (await fetch(`${stack.appUrl}/local/evidence`)).text()).toContain('Learner daily diary.pdf');
  }, 90_000);
});
