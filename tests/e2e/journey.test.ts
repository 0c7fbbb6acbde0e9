/**
 * The whole application journey through the Agents Playground, clicked from `help` by the demo
 * users as a person would (Action.Execute invokes on the cards the bot shows), against the real
 * local stack (`npm start`: app + Playground + Graph emulator + demo data):
 *
 * book a drop-in → request → the admin opens the application (the evidence folder is provisioned
 * in the Graph emulator and Priya gets its link in her chat) → evidence and commentary → submit →
 * assign → assess → clarification and answer → recommend → decide → communicate → Priya receives
 * the decision card; and the refusals: not eligible, second application, full session (offers the
 * waitlist), stale card, deadline passed, communicating outside the decision window.
 *
 * Priya (user-id-0) works in her personal chat, the only one the Playground gives her; the others
 * act in the group chat on a help card that Teams refreshes for each viewer. The clock follows the
 * cycle as `npm start` lets a person do it (LOCAL_CLOCK_OFFSET_DAYS, same data directory): today
 * for the applicant steps, the review window (day 60) for the review, the decision window (day
 * 116) to communicate the decision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPerson } from '../../src/local/demo-people.js';
import { assertValidCard } from '../bot/card-validator.js';
import { eventually, graphGet, startLocalStack, type LocalStack } from '../support/local-stack.js';
import {
  cardInputs,
  cardOf,
  cardText,
  executeButtons,
  isCardFromBot,
  openUrlButtons,
  PlaygroundClient,
  type ClickOptions,
  type ShownCard,
} from './playground-client.js';

const PERSONAL = 'personal-chat-wexqs';
const GROUP = 'group-chat-wexqs';
const BOT = { id: '00000000-0000-0000-0000-00000000b071', name: 'WEx QS' };
const PRIYA = 'user-id-0';
const GRACE = 'user-id-1';
const SAM = 'user-id-2';
const ALEX = 'user-id-4';
const NORTHSHIRE = 'Northshire Hospitals NHS Foundation Trust';
const ORGANISER = 'wexqs.team@wexqs.local';
/** Completed, anonymised evidence Priya uploads: four documents, what bronze needs. */
const DOCUMENTS: [section: number, name: string][] = [
  [1, 'Work experience policy 2025.pdf'],
  [2, 'Placement risk assessment.pdf'],
  [3, 'Learner induction checklist.pdf'],
  [4, 'Learner evaluation summary.pdf'],
];
const QUESTION = 'Which departments used the placement risk assessment?';
const ANSWER = 'Radiology and pharmacy: see pages 2-3 of the risk assessment.';
const STRENGTHS = 'A clear policy, applied across the trust.';
const IMPROVEMENTS = 'Evaluate every placement, not a sample.';

describe('the application journey in the Agents Playground', () => {
  let stack: LocalStack;
  let pg: PlaygroundClient;
  let dataDir: string | undefined;
  /** Priya's card with the folder link, as it stands after her latest click. */
  let priyaApp: ShownCard;

  /** (Re)start the local stack on the same data with the app's clock this many days ahead. */
  async function startDay(offsetDays: number): Promise<void> {
    pg?.close();
    if (stack) expect(await stack.stop()).toBe(0);
    stack = await startLocalStack({
      ...(dataDir ? { dataDir } : {}),
      env: { LOCAL_CLOCK_OFFSET_DAYS: String(offsetDays) },
    });
    dataDir = stack.dataDir;
    pg = new PlaygroundClient(stack.playgroundUrl);
    await pg.connect();
    await waitForOutput(stack, 'Evidence folders ready');
    // Priya opens her chat with the bot (this also keeps the bot's way back to her chat current).
    const menu = await pg.say(PERSONAL, PRIYA, 'help');
    expect(cardText(menu.card)).toContain('Hi Priya');
  }

  /** Click a button as a user; every card that comes back is checked with the 1.5 parser. */
  async function click(
    conversationId: string,
    userId: string,
    shown: ShownCard,
    verb: string,
    opts: ClickOptions = {},
  ): Promise<ShownCard> {
    const next = await pg.click(conversationId, userId, shown, verb, opts);
    assertValidCard(next.card, `${verb} → ${cardText(next.card).split('\n')[0]}`);
    return next;
  }

  /** Priya's menu in her personal chat. */
  async function priyaMenu(): Promise<ShownCard> {
    const menu = await pg.say(PERSONAL, PRIYA, 'help');
    assertValidCard(menu.card, 'help');
    return menu;
  }

  /**
   * Someone in the group chat looks at the bot's help card: Teams refreshes it for them (the card
   * has a refresh action for every viewer), so they see their own role's menu.
   */
  async function menuInGroup(userId: string): Promise<ShownCard> {
    const posted = await pg.say(GROUP, PRIYA, 'help', { mentionBot: BOT });
    expect(posted.card.refresh?.action?.verb).toBe('help');
    const menu = await pg.refreshAs(GROUP, userId, posted);
    assertValidCard(menu.card, `help for ${userId}`);
    expect(cardText(menu.card)).toContain(`Hi ${demoPerson(userId).displayName.split(' ')[0]}`);
    return menu;
  }

  /** The next card the bot sends to Priya's chat from now on whose text matches. */
  function nextInPriyaChat(pred: (text: string) => boolean): Promise<ShownCard> {
    return pg
      .waitFor(
        (m) => m.conversation?.id === PERSONAL && isCardFromBot(m) && pred(cardText(cardOf(m))),
        20_000,
        pg.received.length,
      )
      .then((m) => {
        assertValidCard(cardOf(m), 'card in Priya’s chat');
        return { id: String(m.id), card: cardOf(m) };
      });
  }

  beforeAll(async () => {
    await startDay(0);
  }, 90_000);

  afterAll(async () => {
    pg?.close();
    if (stack) expect(await stack.stop()).toBe(0);
  });

  it('Priya books a drop-in from help: booked, with the Teams join link, and invited to the meeting', async () => {
    const menu = await priyaMenu();
    expect(executeButtons(menu.card).map((b) => b.verb)).toEqual(
      expect.arrayContaining(['sessions', 'eligibility', 'request_application']),
    );
    const sessions = await click(PERSONAL, PRIYA, menu, 'sessions');
    expect(cardText(sessions.card)).toContain('WEx QS drop-in: bronze, silver or gold?');
    const booked = await click(PERSONAL, PRIYA, sessions, 'book_dropin', { near: 'bronze, silver or gold?' });
    expect(cardText(booked.card)).toContain("You're booked");
    const join = openUrlButtons(booked.card).find((b) => b.title === 'Join link');
    expect(join?.url).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);

    // After the reply, the meeting in the organiser's calendar (Graph emulator) gets her as an attendee.
    const email = demoPerson(PRIYA).email;
    await eventually(async () => {
      const events = await graphGet(stack, `/users/${encodeURIComponent(ORGANISER)}/events`);
      const meeting = events.value.find((e: any) => e.onlineMeeting?.joinUrl === join!.url);
      expect(meeting?.attendees?.map((a: any) => a.emailAddress?.address?.toLowerCase())).toContain(email);
    });
  });

  it('a session that fills up offers its waitlist, and the freed seat comes to Priya in her chat', async () => {
    const mine = await click(PERSONAL, PRIYA, await priyaMenu(), 'sessions');
    expect(cardText(mine.card)).toContain('1 of 6 seats left');

    // Grace takes the last seat from the group chat.
    const grace = await click(GROUP, GRACE, await menuInGroup(GRACE), 'sessions');
    const graceBooked = await click(GROUP, GRACE, grace, 'book_dropin', { near: 'evidence and commentary' });
    expect(cardText(graceBooked.card)).toContain("You're booked");

    // Priya's card still shows the seat: her click is refused, with the waitlist offered.
    const full = await click(PERSONAL, PRIYA, mine, 'book_dropin', { near: 'evidence and commentary' });
    expect(cardText(full.card)).toContain('That session is full');
    expect(cardText(full.card)).toMatch(/not booked/);
    const waiting = await click(PERSONAL, PRIYA, full, 'book_dropin', { title: 'Join waitlist' });
    expect(cardText(waiting.card)).toContain("You're on the waitlist");

    // Grace cancels: the seat goes to Priya, who is told in her chat.
    const promoted = nextInPriyaChat((t) => t.includes('A seat has freed up'));
    const cancelled = await click(GROUP, GRACE, graceBooked, 'cancel_booking');
    expect(cardText(cancelled.card)).toContain('Booking cancelled');
    const told = await promoted;
    expect(cardText(told.card)).toContain('WEx QS drop-in: evidence and commentary');
  });

  it('requesting the application: Grace is not eligible, Priya requests, and a second request is refused', async () => {
    const refusal = await click(GROUP, GRACE, await menuInGroup(GRACE), 'request_application');
    expect(cardText(refusal.card)).toContain('Not eligible yet');
    expect(cardText(refusal.card)).toMatch(/last attended a drop-in session on .*, more than 8 weeks ago/);

    const requested = await click(PERSONAL, PRIYA, await priyaMenu(), 'request_application');
    expect(cardText(requested.card)).toContain('Application requested');
    expect(cardText(requested.card)).toContain(NORTHSHIRE);

    const again = await click(PERSONAL, PRIYA, await priyaMenu(), 'request_application');
    expect(cardText(again.card)).toContain('Your organisation has already applied');
  });

  it('the admin opens it from the dashboard: the folder is provisioned in the Graph emulator and Priya gets its link', async () => {
    const dashboard = await click(GROUP, ALEX, await menuInGroup(ALEX), 'dashboard');
    const folderLink = nextInPriyaChat((t) => t.includes('Your application is open'));
    const opened = await click(GROUP, ALEX, dashboard, 'open_application', { near: NORTHSHIRE });
    expect(cardText(opened.card)).toContain('Opened. The applicant team will get their folder link in a moment.');

    // A second click on the old dashboard row: the current card and who changed it, nothing twice.
    const stale = await click(GROUP, ALEX, dashboard, 'open_application', { near: NORTHSHIRE });
    expect(cardText(stale.card)).toContain('This card was out of date: Alex Morgan opened the application');

    priyaApp = await folderLink;
    const link = openUrlButtons(priyaApp.card).find((b) => b.title === 'Open evidence folder');
    expect(link, 'the folder link on Priya’s card').toBeDefined();
    // The link is the organisation's folder in the emulated SharePoint library, shared with Priya to write.
    const folderPath = decodeURIComponent(link!.url.split('/Shared%20Documents/')[1] ?? '');
    expect(folderPath).toContain('Northshire');
    const folder = await graphGet(
      stack,
      `/sites/root/drive/root:/${folderPath.split('/').map(encodeURIComponent).join('/')}?$expand=permissions`,
    );
    expect(folder.folder).toBeDefined();
    const grant = folder.permissions.find(
      (p: any) => p.grantedToV2?.user?.email?.toLowerCase() === demoPerson(PRIYA).email,
    );
    expect(grant?.roles).toContain('write');
  });

  it('Priya uploads evidence, re-checks her folder, chooses bronze, declares the documents and writes every section', async () => {
    for (const [section, name] of DOCUMENTS) {
      const put = await fetch(`${stack.appUrl}/local/evidence/org-northshire/${section}/${encodeURIComponent(name)}`, {
        method: 'PUT',
        body: Buffer.from(`%PDF-1.4 ${name}, completed and anonymised`),
      });
      expect(put.status).toBe(201);
    }
    // Re-check: the answer comes at once; the listing (Graph) runs after it and updates the card in place.
    const checked = pg.waitFor(
      (m) => m.id === priyaApp.id && cardText(cardOf(m)).includes('Folder checked: 4 documents found.'),
      20_000,
      pg.received.length,
    );
    const checking = await click(PERSONAL, PRIYA, priyaApp, 'refresh_evidence');
    expect(cardText(checking.card)).toContain('Checking your evidence folder');
    priyaApp = { id: priyaApp.id, card: cardOf(await checked) };
    assertValidCard(priyaApp.card, 'updated application card');

    priyaApp = await click(PERSONAL, PRIYA, priyaApp, 'choose_level', { fill: { level: 'bronze' } });
    expect(cardText(priyaApp.card)).toContain('Level saved: you are applying for bronze.');

    // Evidence details: every document completed and anonymised.
    let evidence = await click(PERSONAL, PRIYA, priyaApp, 'evidence');
    const toggles = cardInputs(evidence.card).filter((i) => i.id.startsWith('done_'));
    expect(toggles).toHaveLength(DOCUMENTS.length);
    evidence = await click(PERSONAL, PRIYA, evidence, 'save_evidence', {
      fill: Object.fromEntries(toggles.map((t) => [t.id, 'true'])),
    });
    expect(cardText(evidence.card)).toContain(`Saved ${DOCUMENTS.length} documents.`);
    priyaApp = await click(PERSONAL, PRIYA, evidence, 'app_view', { title: 'Back to application' });

    // Commentary, section by section, each criterion referencing a document from the folder.
    let form = await click(PERSONAL, PRIYA, priyaApp, 'commentary', { title: /^1\. / });
    for (let section = 1; section <= 6; section++) {
      expect(cardText(form.card)).toContain(`Section ${section}:`);
      const fill: Record<string, string> = {};
      const inputs = cardInputs(form.card);
      const texts = inputs.filter((i) => i.id.startsWith('text_'));
      expect(texts.length).toBeGreaterThan(0);
      for (const t of texts) {
        const criterion = t.id.slice('text_'.length);
        const choices = inputs.find((i) => i.id === `doc_${criterion}_0`)?.choices ?? [];
        const doc = choices.find((c) => c.title === DOCUMENTS[section - 1]?.[1]) ?? choices[0];
        expect(doc, `a document to reference for ${criterion}`).toBeDefined();
        fill[t.id] = `How we meet ${criterion}: described in ${doc!.title}.`;
        fill[`doc_${criterion}_0`] = doc!.value;
        fill[`pages_${criterion}_0`] = '1, 3-4';
      }
      form = await click(PERSONAL, PRIYA, form, 'save_commentary', {
        title: section < 6 ? `Save and go to section ${section + 1}` : 'Save draft',
        fill,
      });
      expect(cardText(form.card)).toContain(`Section ${section} saved (${texts.length} criteria).`);
    }
    priyaApp = await click(PERSONAL, PRIYA, form, 'app_view', { title: 'Back to application' });
    expect(cardText(priyaApp.card)).toContain('Ready to submit');
    expect(cardText(priyaApp.card)).toMatch(/\d+ days left/);
  });

  it('Priya submits; clicking the old submit button again changes nothing', async () => {
    // Every document is completed and referenced: nothing to confirm, it goes at once.
    const submitted = await click(PERSONAL, PRIYA, priyaApp, 'submit');
    expect(cardText(submitted.card)).toContain('Submitted. Thank you!');

    const again = await click(PERSONAL, PRIYA, priyaApp, 'submit');
    expect(cardText(again.card)).toContain('This card was out of date: Priya Shah submitted the application');
    expect(cardText(again.card)).toContain('Nothing was changed by your click');
  });

  it('in the review window the admin assigns a reviewer from the dashboard', async () => {
    await startDay(60);
    const dashboard = await click(GROUP, ALEX, await menuInGroup(ALEX), 'dashboard');
    expect(cardText(dashboard.card)).toContain('Without a reviewer');
    const assign = await click(GROUP, ALEX, dashboard, 'assign', { near: NORTHSHIRE });
    const sam = cardInputs(assign.card)
      .find((i) => i.id === 'reviewerIds')
      ?.choices?.find((c) => c.title.startsWith('Sam Patel'));
    expect(sam, 'Sam among the reviewers offered').toBeDefined();
    const assigned = await click(GROUP, ALEX, assign, 'save_assignment', { fill: { reviewerIds: sam!.value } });
    expect(cardText(assigned.card)).toContain('Assigned: Sam Patel.');
  }, 60_000);

  let samApp: ShownCard;

  it('the reviewer starts the review and asks a question; Priya answers in her chat; the answer reaches the reviewer', async () => {
    const queue = await click(GROUP, SAM, await menuInGroup(SAM), 'queue');
    expect(cardText(queue.card)).toContain(NORTHSHIRE);
    samApp = await click(GROUP, SAM, queue, 'app_view', { near: NORTHSHIRE });
    samApp = await click(GROUP, SAM, samApp, 'start_review');
    expect(cardText(samApp.card)).toContain('Review started');

    const question = nextInPriyaChat((t) => t.includes(QUESTION));
    samApp = await click(GROUP, SAM, samApp, 'request_clarification', { fill: { question: QUESTION } });
    expect(cardText(samApp.card)).toContain('Question sent to the applicant team');

    const asked = await question;
    expect(cardText(asked.card)).toContain('A reviewer has a question');
    const answered = await click(PERSONAL, PRIYA, asked, 'answer_clarification', { fill: { answer: ANSWER } });
    expect(cardText(answered.card)).toContain('Answer sent to the reviewers.');

    samApp = await click(GROUP, SAM, samApp, 'app_view', { title: 'Refresh' });
    expect(cardText(samApp.card)).toContain(ANSWER);
  });

  it('the reviewer assesses every section and recommends bronze', async () => {
    let form = await click(GROUP, SAM, samApp, 'assess', { title: 'Assess 1' });
    for (let section = 1; section <= 6; section++) {
      expect(cardText(form.card)).toContain(`Assess section ${section}:`);
      const outcomes = cardInputs(form.card).filter((i) => i.id.startsWith('outcome_'));
      expect(outcomes.length).toBeGreaterThan(0);
      form = await click(GROUP, SAM, form, 'save_assessment', {
        title: section < 6 ? `Save and assess section ${section + 1}` : 'Save',
        fill: Object.fromEntries(outcomes.map((o) => [o.id, 'met'])),
      });
      expect(cardText(form.card)).toContain(`Section ${section}: ${outcomes.length} criteria saved.`);
    }
    samApp = await click(GROUP, SAM, form, 'recommend', {
      fill: { level: 'bronze', strengths: STRENGTHS, improvements: IMPROVEMENTS },
    });
    expect(cardText(samApp.card)).toContain('Recommendation sent.');
  });

  it('the admin confirms the decision; communicating it waits for the decision window; a late request is refused', async () => {
    const dashboard = await click(GROUP, ALEX, await menuInGroup(ALEX), 'dashboard');
    const form = await click(GROUP, ALEX, dashboard, 'app_view', { near: NORTHSHIRE, title: 'Decide' });
    expect(cardText(form.card)).toContain('Confirm the decision');
    expect(cardText(form.card)).toContain(STRENGTHS);
    const decided = await click(GROUP, ALEX, form, 'decide');
    expect(cardText(decided.card)).toContain('Decision confirmed');
    const early = await click(GROUP, ALEX, decided, 'communicate');
    expect(cardText(early.card)).toContain('Outside the allowed dates');

    // Grace's organisation never applied: after the deadline and its grace period, requests are refused.
    const late = await click(GROUP, GRACE, await menuInGroup(GRACE), 'request_application');
    expect(cardText(late.card)).toContain('The deadline has passed');
  });

  it('in the decision window the admin communicates it, and Priya receives the level, the feedback and the expiry date', async () => {
    await startDay(116);
    const dashboard = await click(GROUP, ALEX, await menuInGroup(ALEX), 'dashboard');
    const decided = await click(GROUP, ALEX, dashboard, 'app_view', { near: NORTHSHIRE, title: 'Communicate' });
    const decision = nextInPriyaChat((t) => t.includes('Bronze award'));
    const sent = await click(GROUP, ALEX, decided, 'communicate');
    expect(cardText(sent.card)).toContain('Decision sent to the applicant team.');

    const card = await decision;
    const text = cardText(card.card);
    expect(text).toContain('awarded the Work Experience Quality Standard at **Bronze** level');
    expect(text).toContain(STRENGTHS);
    expect(text).toContain(IMPROVEMENTS);
    // Valid two years from the decision (made in the review window, day 60).
    const from = /Valid from\n\w{3} (\d{1,2} \w{3}) (\d{4})/.exec(text);
    const until = /Expires\n\w{3} (\d{1,2} \w{3}) (\d{4})/.exec(text);
    expect(from && until, text).toBeTruthy();
    expect(until![1]).toBe(from![1]);
    expect(Number(until![2])).toBe(Number(from![2]) + 2);
  }, 60_000);
});

async function waitForOutput(stack: LocalStack, prefix: string): Promise<void> {
  await stack.waitForLine(prefix);
}
