/**
 * The whole application journey through the Agents Playground, clicked from `help` by the demo
 * users as a person would (Action.Execute invokes on the cards the bot shows), against the real
 * local stack (`npm start`: app + Playground + Graph emulator + demo data):
 *
 * book a drop-in (the join link opens the local meeting page; she is invited to the session's
 * meeting in the Graph emulator) → request (asking again shows the application) → the admin opens
 * the application (the evidence folder is provisioned in the Graph emulator and Priya gets the link
 * to it on the local SharePoint stand-in in her chat) → evidence and commentary → submit → assign →
 * assess → clarification and answer → recommend → decide → communicate → Priya receives the
 * decision, downloads her certificate and badge from the decision card and checks the award at
 * /verify/{code}; and the refusals: not eligible, full session (offers the waitlist), cancelling
 * confirmed first, stale card, deadline passed, communicating outside the decision window.
 *
 * Priya (user-id-0) works in her personal chat, the only one the Playground gives her; the others
 * act in the group chat on a help card that Teams refreshes for each viewer. The clock follows the
 * cycle as `npm start` lets a person do it (LOCAL_CLOCK_OFFSET_DAYS, same data directory): today
 * for the applicant steps, the review window (day 60) for the review, the decision window (day
 * 116) to communicate the decision.
 */
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPerson } from '../../src/local/demo-people.js';
import { assertValidCard } from '../bot/card-validator.js';
import { contractRefusals, eventually, graphGet, startLocalStack, type LocalStack } from '../support/local-stack.js';
import { LOCAL_ASSESSMENT_GROUP } from '../../src/graph/graph-setup.js';
import {
  cardInputs,
  cardOf,
  cardText,
  executeButtons,
  findButton,
  isCardFromBot,
  openUrlButtons,
  PlaygroundClient,
  type ClickOptions,
  type ShownCard,
} from './playground-client.js';

const PERSONAL = 'personal-chat-priya';
const GROUP = 'group-chat-wexqs';
const BOT = { id: '00000000-0000-0000-0000-00000000b071', name: 'WEx QS' };
const PRIYA = 'user-id-0';
const GRACE = 'user-id-1';
const SAM = 'user-id-2';
const ALEX = 'user-id-4';
const NORTHSHIRE = 'Northshire Hospitals NHS Foundation Trust';
const ORGANISER = 'wexqs.team@wexqs.local';
const SESSION = 'WEx QS drop-in: bronze, silver or gold?';
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
    // Every request the app made that day is in Graph's v1.0 contract.
    if (stack) expect(await contractRefusals(stack)).toBe(0);
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

  /**
   * The organisation folder whose name contains `name` in the emulated SharePoint library, with its
   * permissions: organisations' folders sit in the cycle's folder, in the evidence root folder
   * ("WExQS Evidence/{cycle}/{organisation}"), so the library is searched three folders deep.
   */
  async function graphFolder(name: string): Promise<any> {
    const found: any[] = [];
    let level: any[] = (await graphGet(stack, '/sites/root/drive/root/children')).value;
    for (let depth = 1; depth <= 3; depth++) {
      const folders = level.filter((i: any) => i.folder);
      found.push(...folders.filter((f: any) => f.name.includes(name)));
      if (depth === 3) break;
      level = [];
      for (const f of folders.filter((f: any) => !f.name.includes(name)))
        level.push(...(await graphGet(stack, `/sites/root/drive/items/${encodeURIComponent(f.id)}/children`)).value);
    }
    expect(found.map((f) => f.name)).toHaveLength(1);
    return graphGet(stack, `/sites/root/drive/items/${encodeURIComponent(found[0].id)}?$expand=permissions`);
  }

  /** The next card the bot sends to Priya's chat from now on whose text matches. */
  function nextInPriyaChat(pred: (text: string) => boolean): Promise<ShownCard> {
    return pg
      .waitFor(
        (m) => m.conversation?.id === PERSONAL && isCardFromBot(m) && pred(cardText(cardOf(m))),
        60_000,
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
    if (stack) expect(await contractRefusals(stack)).toBe(0);
    if (stack) expect(await stack.stop()).toBe(0);
  });

  it('Priya books a drop-in from help: booked, with a join link to the local meeting page, and invited to the meeting', async () => {
    const menu = await priyaMenu();
    expect(executeButtons(menu.card).map((b) => b.verb)).toEqual(
      expect.arrayContaining(['sessions', 'eligibility', 'request_application']),
    );
    const sessions = await click(PERSONAL, PRIYA, menu, 'sessions');
    expect(cardText(sessions.card)).toContain(SESSION);
    const booked = await click(PERSONAL, PRIYA, sessions, 'book_dropin', { near: SESSION });
    expect(cardText(booked.card)).toContain("You're booked");
    // In local mode the join link opens the local stand-in for the session's Teams meeting.
    const join = openUrlButtons(booked.card).find((b) => b.title === 'Join link');
    const joinUrl = new URL(join?.url ?? '');
    expect(`${joinUrl.origin}${joinUrl.pathname}`).toBe(`${stack.appUrl}/local/dropins`);
    const sessionId = joinUrl.searchParams.get('session');
    expect(sessionId).toBeTruthy();
    const page = await fetch(joinUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(SESSION);
    expect(html).toContain(`action="/local/dropins/${encodeURIComponent(sessionId!)}/join"`);

    // After the reply, the session's Teams meeting in the organiser's calendar (Graph emulator) gets
    // her as an attendee.
    const email = demoPerson(PRIYA).email;
    await eventually(async () => {
      const events = await graphGet(stack, `/users/${encodeURIComponent(ORGANISER)}/events`);
      const meetings = events.value.filter((e: any) => e.subject === SESSION);
      expect(meetings).toHaveLength(1);
      expect(meetings[0].isOnlineMeeting).toBe(true);
      expect(meetings[0].onlineMeeting?.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
      expect(meetings[0].attendees?.map((a: any) => a.emailAddress?.address?.toLowerCase())).toContain(email);
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

    // Grace cancels, confirming first: the seat goes to Priya, who is told in her chat.
    const confirm = await click(GROUP, GRACE, graceBooked, 'cancel_booking', { title: 'Cancel booking…' });
    expect(cardText(confirm.card)).toContain('Cancel your booking?');
    const promoted = nextInPriyaChat((t) => t.includes('A seat has freed up'));
    const cancelled = await click(GROUP, GRACE, confirm, 'cancel_booking', { title: 'Yes, cancel my booking' });
    expect(cardText(cancelled.card)).toContain('Booking cancelled');
    const told = await promoted;
    expect(cardText(told.card)).toContain('WEx QS drop-in: evidence and commentary');
  });

  it('requesting the application: Grace is not eligible, Priya requests, and a second request shows the application', async () => {
    const refusal = await click(GROUP, GRACE, await menuInGroup(GRACE), 'request_application');
    expect(cardText(refusal.card)).toContain('Not eligible yet');
    expect(cardText(refusal.card)).toMatch(/last attended a drop-in session on .*, more than 8 weeks ago/);

    const requested = await click(PERSONAL, PRIYA, await priyaMenu(), 'request_application');
    expect(cardText(requested.card)).toContain('Application requested');
    expect(cardText(requested.card)).toContain(NORTHSHIRE);

    const again = await click(PERSONAL, PRIYA, await priyaMenu(), 'request_application');
    expect(cardText(again.card)).toContain('Your organisation already has its application for this cycle: here it is.');
    expect(cardText(again.card)).toContain(NORTHSHIRE);
    expect(cardText(again.card)).toContain('Requested');
    // The same application, not a second one.
    expect(referenceOf(requested.card)).toMatch(/^[0-9A-F]{8}$/);
    expect(referenceOf(again.card)).toBe(referenceOf(requested.card));
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
    // In local mode the link opens the organisation's folder on the local SharePoint stand-in: it
    // asks who you are, and shows Priya her folder with an upload form.
    expect(link!.url).toBe(`${stack.appUrl}/local/evidence/org-northshire`);
    const chooser = await fetch(link!.url);
    expect(chooser.status).toBe(200);
    expect(await chooser.text()).toContain(`?as=${encodeURIComponent(demoPerson(PRIYA).entraObjectId)}`);
    const page = await fetch(`${link!.url}?as=${encodeURIComponent(demoPerson(PRIYA).entraObjectId)}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`${NORTHSHIRE}: evidence folder`);
    expect(html).toContain('type="file"');

    // The folder in the emulated SharePoint library, shared with Priya to write.
    // (Retried: the emulator throttles like SharePoint, and provisioning has just run.)
    let folder: any;
    await eventually(async () => void (folder = await graphFolder('Northshire')));
    const grant = folder.permissions.find(
      (p: any) => p.grantedToV2?.user?.email?.toLowerCase() === demoPerson(PRIYA).email,
    );
    expect(grant?.roles).toContain('write');
    // Private, checked: no site group left, and the assessment team has its own grant.
    expect(folder.permissions.some((p: any) => p.grantedToV2?.siteGroup)).toBe(false);
    const team = folder.permissions.find((p: any) => p.grantedToV2?.group?.id === LOCAL_ASSESSMENT_GROUP.id);
    expect(team?.roles).toEqual(['write']);
  });

  it('Priya uploads evidence, re-checks her folder, chooses bronze, declares the documents and writes every section', async () => {
    for (const [section, name] of DOCUMENTS) {
      const put = await fetch(`${stack.appUrl}/local/evidence/org-northshire/${section}/${encodeURIComponent(name)}`, {
        method: 'PUT',
        body: await evidencePdf(name),
      });
      expect(put.status).toBe(201);
    }
    // Re-check: the answer comes at once; the listing (Graph) runs after it and updates the card in place.
    const checked = pg.waitFor(
      (m) => m.id === priyaApp.id && cardText(cardOf(m)).includes('Folder checked: 4 documents found.'),
      60_000,
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
      expect(cardText(form.card)).toContain(`Section ${section} saved (${criteria(texts.length)}).`);
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
      expect(cardText(form.card)).toContain(`Section ${section}: ${criteria(outcomes.length)} saved.`);
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
    // Before the decision window the card offers no way to communicate it, and says when it can be.
    expect(cardText(decided.card)).toContain('Decisions can be communicated from');
    expect(executeButtons(decided.card).map((b) => b.verb)).not.toContain('communicate');
    // Asked anyway (the application's current version, as a card with the button would send), it is refused.
    const { as: _as, ...current } = findButton(decided.card, 'app_view', { title: 'Refresh' }).data;
    const early = await pg.execute(GROUP, ALEX, decided.id, 'communicate', current);
    assertValidCard(early, 'communicate before the window');
    expect(cardText(early)).toContain('Outside the allowed dates');

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

    // The decision comes through the outbox: the level, and valid two years from today (day 116).
    const notice = await decision;
    const text = cardText(notice.card);
    expect(text).toContain('awarded the Work Experience Quality Standard at Bronze level');
    expect(JSON.stringify(notice.card)).toContain('{"type":"TextRun","text":"Bronze","weight":"Bolder"}');
    const from = /Valid from\n\w{3} (\d{1,2} \w{3}) (\d{4})/.exec(text);
    const until = /Expires\n\w{3} (\d{1,2} \w{3}) (\d{4})/.exec(text);
    expect(from && until, text).toBeTruthy();
    expect(until![1]).toBe(from![1]);
    expect(Number(until![2])).toBe(Number(from![2]) + 2);
    priyaDecision = await click(PERSONAL, PRIYA, notice, 'app_view', { title: 'Open the decision' });
    const card = cardText(priyaDecision.card);
    expect(card).toContain('Bronze award');
    expect(card).toContain(STRENGTHS);
    expect(card).toContain(IMPROVEMENTS);
    expect(card).toContain('Verification code');
  }, 60_000);

  let priyaDecision: ShownCard;

  it('Priya downloads the certificate and the badge from the decision card, and /verify/{code} shows the award', async () => {
    const buttons = new Map(openUrlButtons(priyaDecision.card).map((b) => [b.title, b.url]));
    const certificate = await fetch(buttons.get('Certificate (PDF)')!);
    expect(certificate.status).toBe(200);
    expect(certificate.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await certificate.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    const badge = await fetch(buttons.get('Badge (PNG)')!);
    expect(badge.status).toBe(200);
    expect(
      Buffer.from(await badge.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    const svg = await (await fetch(buttons.get('Badge for websites (SVG)')!)).text();
    expect(svg).toContain('BRONZE');
    expect(svg).toContain('ILLUSTRATIVE');
    expect((await fetch(buttons.get('Feedback report (PDF)')!)).status).toBe(200);

    const verifyUrl = buttons.get('Check the award')!;
    expect(verifyUrl).toMatch(/\/verify\/[0-9A-HJKMNP-TV-Z]{16}$/);
    const page = await fetch(verifyUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toBeNull();
    const html = await page.text();
    expect(html).toContain(NORTHSHIRE);
    expect(html).toContain('Bronze');
    expect(html).toContain('Valid today');
  }, 60_000);
});

/**
 * A real four-page PDF (the commentary cites pages 3 and 4), completed and dated today, so the
 * evidence inspection has nothing to warn about.
 */
async function evidencePdf(title: string): Promise<Uint8Array<ArrayBuffer>> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const today = new Date().toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });
  for (let n = 1; n <= 4; n++) {
    const page = doc.addPage([595, 842]);
    page.drawText(`${title.replace(/\.pdf$/, '')}: page ${n}`, { x: 50, y: 780, size: 18, font });
    page.drawText(`Completed and anonymised evidence. Reviewed ${today}.`, { x: 50, y: 750, size: 11, font });
  }
  return new Uint8Array(await doc.save());
}

/** "1 criterion", "2 criteria", as the cards count them. */
function criteria(n: number): string {
  return `${n} ${n === 1 ? 'criterion' : 'criteria'}`;
}

/** The reference shown on an application card (the line after "Reference"). */
function referenceOf(card: unknown): string | undefined {
  const lines = cardText(card).split('\n');
  return lines[lines.indexOf('Reference') + 1];
}

async function waitForOutput(stack: LocalStack, prefix: string): Promise<void> {
  await stack.waitForLine(prefix);
}
