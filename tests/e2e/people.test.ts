/**
 * The whole cycle as the demo people live it, each in their own Teams client (an Agents
 * Playground per person, in Debian Chromium), by clicking: no custom activities, nothing sent
 * behind the UI. A seat freed on a full drop-in goes to the person on its waitlist; Priya requests
 * the application (asking twice shows it again); Alex opens it; Priya uploads evidence on the
 * local SharePoint stand-in, chooses bronze and writes commentary with Tom; she submits. After the
 * deadline Alex assigns Sam, who starts the review and asks a question; Priya answers; Sam assesses
 * and recommends; Alex confirms; in the decision window Alex communicates and Priya receives the
 * award. Along the way: Grace is not eligible, another role's button is refused, Jordan has no
 * access. Every message the bot sends someone on its own must appear in that person's client, or
 * the test fails. A screenshot per step goes to tests/e2e/screenshots/ (people-NN-person-step.png).
 *
 * The app's clock follows the cycle as `npm start` lets a person do it (LOCAL_CLOCK_OFFSET_DAYS on
 * the same data): today for the applicant steps, day 60 for the review (after the deadline and its
 * grace period), day 116 for the decision window.
 */
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, demoPerson } from '../../src/local/demo-people.js';
import { startLocalStack, type LocalStack } from '../support/local-stack.js';
import { PATIENCE_MS, TeamsClient } from './teams-client.js';

const NORTHSHIRE = 'Northshire Hospitals NHS Foundation Trust';
/** Completed, anonymised evidence for a bronze application: four documents, one per section 1 to 4. */
const DOCUMENTS: [section: number, name: string][] = [
  [1, 'Work experience policy 2025.pdf'],
  [2, 'Placement risk assessment.pdf'],
  [3, 'Learner induction checklist.pdf'],
  [4, 'Learner evaluation summary.pdf'],
];
const QUESTION = 'Which departments used the placement risk assessment?';
const ANSWER = 'Radiology and pharmacy: see pages 2-3 of the risk assessment.';

/**
 * Each step waits for the bot up to PATIENCE_MS per card, several times: a step may take minutes
 * on a busy two-core machine. The steps that restart the stack (a new day for the app) also wait
 * for it and for every client to open again.
 */
const STEP_MS = 300_000;
const RESTART_STEP_MS = 600_000;

describe('every demo person in their own Teams client, through the whole cycle', { timeout: STEP_MS }, () => {
  let stack: LocalStack;
  let browser: Browser;
  const client: Record<string, TeamsClient> = {};
  /**
   * The stack on the app's day `offsetDays`, with the clients of `people`: everyone's at first;
   * after a restart, those who act from then on and everyone the bot will message.
   */
  const restart = async (offsetDays: number, people: readonly string[]) => {
    const previous = stack;
    if (previous) expect(await previous.stop()).toBe(0);
    stack = await startLocalStack({
      clients: people,
      ...(previous ? { dataDir: previous.dataDir, ports: previous.ports } : {}),
      env: { LOCAL_CLOCK_OFFSET_DAYS: String(offsetDays) },
    });
  };
  const open = async (people: readonly string[]) => {
    for (const key of people) await client[key]!.open(stack.clientUrl(key));
  };
  const start = async (offsetDays: number, people: readonly string[]) => {
    await restart(offsetDays, people);
    // The others' clients are gone with the old stack: their pages close, as a person would.
    for (const p of DEMO_PEOPLE) if (!people.includes(p.key)) await client[p.key]!.page.goto('about:blank');
    await open(people);
  };
  const c = (key: string) => client[key]!;

  beforeAll(async () => {
    const everyone = DEMO_PEOPLE.map((p) => p.key);
    // The browser starts while the stack does. UK English, as the people in this demo: the
    // browser's own words and formats.
    const launching = launchChromium(['--lang=en-GB']);
    try {
      await restart(0, everyone);
    } finally {
      browser = await launching;
    }
    for (const p of DEMO_PEOPLE) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'en-GB' });
      client[p.key] = new TeamsClient(p, await context.newPage(), '');
    }
    await open(everyone);
  }, RESTART_STEP_MS);

  afterAll(async () => {
    await browser?.close();
    if (stack) expect(await stack.stop()).toBe(0);
  });

  it('each person has their own client, where the bot greets them by role', async () => {
    for (const p of DEMO_PEOPLE) {
      const welcome = c(p.key).cards().first();
      const text = await welcome.innerText();
      if (p.personId) expect(text).toContain(`Welcome, ${p.displayName.split(' ')[0]}`);
      else expect(text).toContain("You don't have access to the WEx QS app yet");
    }
    await c('priya').shot('welcome');
    await c('jordan').shot('no-access');
  });

  it('a full drop-in offers its waitlist; when Grace cancels, the seat goes to Priya, told in her own client', async () => {
    // Grace takes the last seat of the nearly full session.
    let grace = await c('grace').say('help');
    grace = await c('grace').press(grace, 'Drop-in sessions', 'Drop-in sessions');
    const session = grace.locator('.ac-container', { hasText: 'evidence and commentary' }).last();
    await session.getByRole('button', { name: 'Book' }).click();
    grace = c('grace').card("You're booked");
    await grace.waitFor({ timeout: PATIENCE_MS });
    await c('grace').shot('booked-last-seat');

    // Priya finds it full and joins the waitlist.
    let priya = await c('priya').say('help');
    priya = await c('priya').press(priya, 'Drop-in sessions', 'Full');
    await priya
      .locator('.ac-container', { hasText: 'evidence and commentary' })
      .last()
      .getByRole('button', { name: 'Join waitlist' })
      .click();
    await c('priya').card("You're on the waitlist").waitFor({ timeout: PATIENCE_MS });
    await c('priya').shot('waitlisted');

    // Grace cancels (confirmed first).
    grace = await c('grace').press(grace, 'Cancel booking…', 'Cancel your booking?');
    await c('grace').shot('cancel-confirm');
    grace = await c('grace').press(grace, 'Yes, cancel my booking', 'Booking cancelled');

    const promoted = await c('priya').receives('A seat has freed up: you are booked');
    expect(await promoted.innerText()).toContain('WEx QS drop-in: evidence and commentary');
    await c('priya').shot('promoted-from-waitlist');
  });

  it('Grace is not eligible; Priya requests the application, and asking again shows it', async () => {
    const grace = await c('grace').press(await c('grace').say('help'), 'Request application', 'Not eligible yet');
    expect(await grace.innerText()).toMatch(/more than 8 weeks ago/);
    await c('grace').shot('not-eligible');

    await c('priya').press(await c('priya').say('help'), 'Request application', 'Application requested');
    await c('priya').press(
      await c('priya').say('help'),
      'Request application',
      'Your organisation already has its application for this cycle: here it is.',
    );
    await c('priya').shot('request-again-shows-it');
  });

  it('another role’s button says whose it is', async () => {
    const refusal = await c('grace').say('dashboard');
    expect(await refusal.innerText()).toContain('This action is for admins');
    await c('grace').shot('not-for-you');
  });

  it('Alex opens the application from the dashboard; Priya and Tom get the folder link in their own clients', async () => {
    let alex = await c('alex').press(await c('alex').say('help'), 'Dashboard', 'Waiting for you');
    const row = alex.locator('.ac-container', { hasText: NORTHSHIRE }).last();
    await row.getByRole('button', { name: 'Open application' }).click();
    alex = c('alex').card('Opened. The applicant team will get their folder link in a moment.');
    await alex.waitFor({ timeout: PATIENCE_MS });
    await c('alex').shot('opened');
    for (const key of ['priya', 'tom']) {
      const told = await c(key).receives('Your application is open');
      // An Action.OpenUrl shows as a link.
      await told.getByRole('link', { name: 'Open evidence folder' }).waitFor();
    }
    await c('priya').shot('folder-link-arrived');
    await c('tom').shot('folder-link-arrived');
  });

  it('Priya opens her folder on the local SharePoint stand-in, as herself, and uploads four documents', async () => {
    const told = c('priya').card('Your application is open');
    const [folder] = await Promise.all([
      c('priya').page.context().waitForEvent('page'),
      told.getByRole('link', { name: 'Open evidence folder' }).click(),
    ]);
    await folder.waitForLoadState();
    expect(folder.url()).toBe(`${stack.appUrl}/local/evidence/org-northshire`);
    await folder.getByRole('link', { name: 'Priya Shah' }).click();
    await folder.getByRole('heading', { name: `${NORTHSHIRE}: evidence folder` }).waitFor();
    for (const [section, name] of DOCUMENTS) {
      await folder.getByLabel('Section').selectOption(String(section));
      await folder.getByLabel('File').setInputFiles({
        name,
        mimeType: 'application/pdf',
        buffer: await evidencePdf(name),
      });
      await Promise.all([folder.waitForEvent('load'), folder.getByRole('button', { name: 'Upload' }).click()]);
      await folder.getByText(name).waitFor();
    }
    await folder.screenshot({ path: 'tests/e2e/screenshots/people-folder-priya.png' });
    // Grace may not see Northshire's folder.
    await folder.goto(`${stack.appUrl}/local/evidence/org-northshire?as=${demoPerson('grace').entraObjectId}`);
    await folder.getByText('This folder is not shared with Grace Hughes').waitFor();
    await folder.screenshot({ path: 'tests/e2e/screenshots/people-folder-grace-refused.png' });
    await folder.close();
  });

  it('Priya re-checks the folder, chooses bronze, marks the evidence; she and Tom write the commentary', async () => {
    const p = c('priya');
    let app = p.card('Your application is open');
    app = await p.press(app, 'Re-check folder', 'Folder checked: 4 documents found.');
    await p.choose(app, 'Level', 'Bronze');
    app = await p.press(app, 'Save level', 'Level saved: you are applying for bronze.');
    await p.shot('level-saved');

    let evidence = await p.press(app, 'Evidence details', 'Evidence details');
    for (const [, name] of DOCUMENTS) await p.tick(evidence, 'Completed and anonymised', name);
    await p.shot('evidence-details');
    evidence = await p.press(evidence, 'Save', 'Saved 4 documents.');
    app = await p.press(evidence, 'Back to application', 'Progress by section');

    // Priya writes sections 1 to 3, Tom (a contributor) 4 to 6, from the same application card.
    let form = await p.press(app, '1. Healthcare organisation', 'Section 1:');
    for (const [who, sections] of [
      ['priya', [1, 2, 3]],
      ['tom', [4, 5, 6]],
    ] as const) {
      const me = c(who);
      if (who === 'tom') {
        const status = await me.say('status');
        form = await me.press(status, '4. During placement', 'Section 4:');
      }
      for (const section of sections) {
        // The criteria of the section, as the form lists them ("1.1 The organisation has…").
        const criteria = (await form.innerText())
          .split('\n')
          .map((l) => /^(\d+\.\d+) [A-Z]/.exec(l.trim())?.[1])
          .filter((id): id is string => id !== undefined);
        expect(criteria.length, `criteria in section ${section}`).toBeGreaterThan(0);
        for (const id of criteria) {
          await me.fill(form, `Commentary for ${id}`, `How we meet ${id}: see the document named below.`);
          await me.choose(form, `Document for ${id}`, DOCUMENTS[Math.min(section, 4) - 1]![1]);
          await me.fill(form, `Pages for ${id}`, '1, 3-4');
        }
        if (section === 1) await me.shot('commentary-form');
        const next = section < 6 ? `Save and go to section ${section + 1}` : 'Save draft';
        form = await me.press(form, next, `Section ${section} saved`);
      }
    }
    await c('tom').shot('commentary-saved');
    // Tom cannot submit: his card says the lead submits.
    const tomStatus = await c('tom').say('status');
    expect(await tomStatus.innerText()).toContain('Your applicant lead submits the application');
    expect(await tomStatus.getByRole('button', { name: 'Submit application' }).count()).toBe(0);
  });

  it('Priya submits: the main button now that nothing blocks it', async () => {
    const p = c('priya');
    const status = await p.say('status');
    expect(await status.innerText()).toContain('Ready to submit');
    await p.press(status, 'Submit application', 'Submitted. Thank you!');
    await p.shot('submitted');
  });

  it('after the deadline, Alex assigns Sam, who is told in his own client', { timeout: RESTART_STEP_MS }, async () => {
    // From now on Alex, Sam and the Northshire team act, and are the only ones the bot messages.
    await start(60, ['priya', 'tom', 'sam', 'alex']);
    const a = c('alex');
    let alex = await a.press(await a.say('help'), 'Dashboard', 'Without a reviewer');
    alex = await a.press(
      alex.locator('.ac-container', { hasText: NORTHSHIRE }).last(),
      'Assign reviewers',
      'Assign reviewers',
    );
    alex = a.card('Reviewers (open reviews in brackets)');
    // Both eligible reviewers are suggested; Alex keeps Sam only.
    await alex.getByRole('checkbox', { name: /Morgan Ellis/ }).uncheck();
    await alex.getByRole('checkbox', { name: /Sam Patel/ }).check();
    await a.shot('assign');
    await a.press(alex, 'Assign selected', 'Assigned: Sam Patel.');
    const told = await c('sam').receives('This application has been assigned to you for review.');
    await c('sam').shot('assigned-arrived');
    await c('sam').press(told, 'Start review', 'Review started.');
  });

  it('Sam asks a question; Priya answers in her client; the answer reaches Sam in his', async () => {
    const s = c('sam');
    let card = s.card('Review started.');
    await s.fill(card, 'Question', QUESTION);
    card = await s.press(card, 'Send question', 'Question sent to the applicant team.');
    await s.shot('question-sent');

    const p = c('priya');
    const asked = await p.receives(QUESTION);
    expect(await asked.innerText()).toContain('A reviewer has a question');
    await p.shot('question-arrived');
    await p.fill(asked, 'Your answer', ANSWER);
    await p.press(asked, 'Send answer', 'Answer sent to the reviewers.');

    const answered = await s.receives('The applicant team answered your question.');
    expect(await answered.innerText()).toContain(ANSWER);
    await s.shot('answer-arrived');
  });

  it('Sam assesses every section and recommends bronze (at most the level applied for); Alex is told', async () => {
    const s = c('sam');
    let card = s.card('The applicant team answered your question.');
    card = await s.press(card, 'Assess 1', 'Assess section 1:');
    for (let section = 1; section <= 6; section++) {
      const outcomes = await card.getByRole('radio', { name: 'Met', exact: true }).count();
      for (let i = 0; i < outcomes; i++) await card.getByRole('radio', { name: 'Met', exact: true }).nth(i).check();
      if (section === 1) await s.shot('assess-form');
      const next = section < 6 ? `Save and assess section ${section + 1}` : 'Save';
      card = await s.press(card, next, section < 6 ? `Assess section ${section + 1}:` : `Section 6:`);
    }
    // Only bronze or no award can be recommended for a bronze application.
    await card.getByRole('combobox', { name: 'Level to award' }).click();
    const options = await s.page.getByRole('option').allInnerTexts();
    expect(options.map((o) => o.trim())).toEqual(['Bronze', 'No award']);
    await s.page.getByRole('option', { name: 'Bronze' }).click();
    await s.fill(card, 'Strengths (feedback)', 'A clear policy, applied across the trust.');
    await s.fill(card, 'Areas to improve (feedback)', 'Evaluate every placement, not a sample.');
    await s.press(card, 'Recommend', 'Recommendation sent.');
    await s.shot('recommended');

    const told = await c('alex').receives('The reviewers have recommended: confirm the decision.');
    await c('alex').shot('recommendation-arrived');
    await c('alex').press(told, 'Confirm decision', 'Decision confirmed.');
    await c('alex').shot('decision-confirmed');
  });

  it(
    'in the decision window Alex communicates the decision; Priya receives the award in her client',
    { timeout: RESTART_STEP_MS },
    async () => {
      await start(116, ['priya', 'tom', 'alex']);
      const a = c('alex');
      let alex = await a.press(await a.say('help'), 'Dashboard', 'Waiting for you');
      alex = await a.press(alex.locator('.ac-container', { hasText: NORTHSHIRE }).last(), 'Communicate', 'Decision:');
      await a.press(alex, 'Communicate decision', 'Decision sent to the applicant team.');
      await a.shot('communicated');

      const award = await c('priya').receives('Bronze award');
      const text = await award.innerText();
      expect(text).toMatch(/Valid from/);
      expect(text).toMatch(/Expires/);
      expect(text).toMatch(/Verification code/);
      await c('priya').shot('award-arrived');
      // The message opens the decision: the feedback, and the certificate and badge to download.
      const decision = await c('priya').press(award, 'Open the decision', 'A clear policy, applied across the trust.');
      expect(await decision.innerText()).toMatch(/Areas to improve/);
      await c('priya').shot('decision-opened');
    },
  );
});

/**
 * A real four-page PDF (the commentary cites pages 1 and 3-4), completed, anonymised and dated
 * today, so the evidence inspection reads it and has nothing to warn about before submission.
 */
async function evidencePdf(name: string): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const today = new Date().toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });
  for (let n = 1; n <= 4; n++) {
    const page = doc.addPage([595, 842]);
    page.drawText(`${name.replace(/\.pdf$/, '')}: page ${n}`, { x: 50, y: 780, size: 18, font });
    page.drawText(`Completed and anonymised evidence. Reviewed ${today}.`, { x: 50, y: 750, size: 11, font });
  }
  return Buffer.from(await doc.save());
}
