/**
 * Evidence findings as the people live them, each in their own Teams client (an Agents Playground
 * per person, in Debian Chromium), by clicking, against the local stack `npm start` runs (bot auth
 * on, jobs on, the Graph emulator holding the evidence folder):
 *
 * Priya requests the application and Alex opens it; Priya uploads, through the local evidence
 * page's upload form, a blank Word template, a PDF with an NHS number on page 3 and a PDF dated two
 * years ago (the project's own generated test documents), and re-checks her folder: the status card
 * lists the three findings, offers no Submit button, and a typed "submit" is refused with the
 * reasons. She dismisses a warning with a reason; her tab lists the findings (masked, never the
 * value); Alex's dashboard counts the application as having open findings and the audit log he
 * exports holds the dismissal with its reason.
 *
 * Screenshots go to tests/e2e/screenshots/findings-NN-person-step.png.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPerson } from '../../src/local/demo-people.js';
import { launchChromium } from '../support/chromium.js';
import { evidenceSamples } from '../support/evidence-files.js';
import { startLocalStack, type LocalStack } from '../support/local-stack.js';
import { PATIENCE_MS, SCREENSHOTS, TeamsClient } from './teams-client.js';

const NORTHSHIRE = 'Northshire Hospitals NHS Foundation Trust';
/** The three generated files, each with the section folder Priya puts it in. */
const UPLOADS: [section: number, name: string, mimeType: string][] = [
  [1, 'docx-blank-template.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  [2, 'pdf-nhs-number-page-3.pdf', 'application/pdf'],
  [3, 'pdf-two-years-old.pdf', 'application/pdf'],
];
const BLANK = '“docx-blank-template.docx”: This looks like a blank template';
const NHS = '“pdf-nhs-number-page-3.pdf”: Personal data found (NHS number) on page 3';
const OLD = /“pdf-two-years-old\.pdf” is dated .+ Evidence must be dated within the last 12 months/;
const REASON = 'The completed form replaces this file before we submit';
/** The NHS number in the generated file: it must never appear anywhere a person sees. */
const NHS_DIGITS = /943\s*476\s*5919/;

const STEP_MS = 300_000;

describe('evidence findings, from upload to the status card, the tab and the audit log', { timeout: STEP_MS }, () => {
  let stack: LocalStack;
  let browser: Browser;
  let priya: TeamsClient;
  let alex: TeamsClient;

  beforeAll(async () => {
    browser = await launchChromium(['--lang=en-GB']);
    const clientFor = async (key: string) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'en-GB' });
      return new TeamsClient(demoPerson(key), await context.newPage(), '', 'findings');
    };
    priya = await clientFor('priya');
    alex = await clientFor('alex');
    stack = await startLocalStack({ clients: ['priya', 'alex'] });
    await priya.open(stack.clientUrl('priya'));
    await alex.open(stack.clientUrl('alex'));
  }, STEP_MS);

  afterAll(async () => {
    await browser?.close();
    if (stack) expect(await stack.stop()).toBe(0);
  });

  it('Priya requests the application; Alex opens it; the folder link reaches Priya', async () => {
    await priya.press(await priya.say('help'), 'Request application', 'Application requested');
    const dash = await alex.press(await alex.say('help'), 'Dashboard', 'Waiting for you');
    await dash
      .locator('.ac-container', { hasText: NORTHSHIRE })
      .last()
      .getByRole('button', { name: 'Open application' })
      .click();
    await alex.card('Opened. The applicant team will get their folder link in a moment.').waitFor({
      timeout: PATIENCE_MS,
    });
    const told = await priya.receives('Your application is open');
    await told.getByRole('link', { name: 'Open evidence folder' }).waitFor();
  });

  it('Priya uploads the three files through the local evidence page', async () => {
    const told = priya.card('Your application is open');
    const [folder] = await Promise.all([
      priya.page.context().waitForEvent('page'),
      told.getByRole('link', { name: 'Open evidence folder' }).click(),
    ]);
    await folder.waitForLoadState();
    await folder.getByRole('link', { name: 'Priya Shah' }).click();
    await folder.getByRole('heading', { name: `${NORTHSHIRE}: evidence folder` }).waitFor();
    const samples = evidenceSamples(new Date());
    for (const [section, name, mimeType] of UPLOADS) {
      const bytes = await samples.find((s) => s.name === name)!.build();
      await folder.getByLabel('Section').selectOption(String(section));
      await folder.getByLabel('File').setInputFiles({ name, mimeType, buffer: Buffer.from(bytes) });
      await Promise.all([folder.waitForEvent('load'), folder.getByRole('button', { name: 'Upload' }).click()]);
      await folder.getByText(name).waitFor();
    }
    await folder.screenshot({ path: `${SCREENSHOTS}/findings-folder-priya.png` });
    await folder.close();
  });

  it('after the folder is checked, the status card shows the three findings and offers no Submit', async () => {
    let app = priya.card('Your application is open');
    // The card is replaced once the folder has been listed and every new file inspected.
    app = await priya.press(app, 'Re-check folder', 'Folder checked: 3 documents found.');
    await priya.choose(app, 'Level', 'Bronze');
    app = await priya.press(app, 'Save level', 'Level saved: you are applying for bronze.');
    const text = (await app.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain(BLANK);
    expect(text).toContain(NHS);
    expect(text).toMatch(OLD);
    expect(text).not.toMatch(NHS_DIGITS);
    expect(await app.getByRole('button', { name: 'Submit application' }).count()).toBe(0);
    expect(text).toContain('The Submit button appears here once nothing above blocks your submission.');
    await priya.cardShot(app, 'status-findings');
  });

  it('a typed "submit" is refused, with the findings among the reasons', async () => {
    const refused = await priya.say('submit');
    const text = (await refused.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('Not ready to submit');
    expect(text).toContain('Your application was not submitted.');
    expect(text).toContain(BLANK);
    expect(text).toContain(NHS);
    expect(text).toMatch(OLD);
    await priya.cardShot(refused, 'submit-refused');
  });

  it('Priya dismisses a warning with a reason; it leaves the card, the hard findings stay', async () => {
    let app = await priya.say('status');
    const before = (await app.innerText()).replace(/\s+/g, ' ');
    expect(before).toContain('“docx-blank-template.docx”: This check is less certain');
    await priya.fill(app, 'Why a warning does not apply (kept and shown to reviewers)', REASON);
    app = await priya.press(app, /^Dismiss warning 1/, 'Warning dismissed; your reason is kept for the reviewers.');
    const after = (await app.innerText()).replace(/\s+/g, ' ');
    expect(after).not.toContain('“docx-blank-template.docx”: This check is less certain');
    expect(after).toContain(BLANK);
    expect(after).toContain(NHS);
    expect(await app.getByRole('button', { name: 'Submit application' }).count()).toBe(0);
    await priya.cardShot(app, 'warning-dismissed');
  });

  it('Priya’s tab lists the findings per document, masked', async () => {
    const page = await tabAs(priya.page, stack, 'Priya Shah');
    const findings = page.locator('#findings');
    await findings.waitFor();
    const text = ((await findings.textContent()) ?? '').replace(/\s+/g, ' ');
    expect(text).toContain('docx-blank-template.docx');
    expect(text).toContain('This looks like a blank template');
    expect(text).toContain('pdf-nhs-number-page-3.pdf');
    expect(text).toContain('NHS number on page 3 (943 *** ****)');
    expect(text).toMatch(
      /pdf-two-years-old\.pdf \(1 page, dated .+\)\s*Must fix: The document appears to be dated .+ Evidence must be dated within the last 12 months/,
    );
    expect(text).not.toContain('Nothing found');
    expect(text).toContain('Dismissed: The completed form replaces this file before we submit');
    expect((await page.locator('body').textContent()) ?? '').not.toMatch(NHS_DIGITS);
    await findings.screenshot({ path: `${SCREENSHOTS}/findings-tab-priya.png` });
    await page.close();
  });

  it('Alex’s dashboard counts the application with open findings; the audit log holds the dismissal', async () => {
    const dash = await alex.say('dashboard');
    expect((await dash.innerText()).replace(/\s+/g, ' ')).toMatch(/With open evidence findings 1\b/);
    await alex.cardShot(dash, 'dashboard');

    const page = await tabAs(alex.page, stack, 'Alex Morgan');
    await page.locator('body[data-console-ready="true"]').waitFor();
    expect(((await page.locator('#pipeline').textContent()) ?? '').replace(/\s+/g, ' ')).toContain(
      'With open evidence findings: 1',
    );
    await page.locator('#export-what').selectOption('audit');
    await page.locator('#export-format').selectOption('csv');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const row = csv.split(/\r?\n/).find((l) => l.includes('dismiss_evidence_warning'));
    expect(row).toBeDefined();
    expect(row).toContain('Priya Shah');
    expect(row).toContain('docx-blank-template.docx');
    expect(row).toContain(REASON);
    expect(csv).not.toMatch(NHS_DIGITS);
    await page.close();
  });
});

/** The personal tab in a new page of the person's browser, as the chosen demo person. */
async function tabAs(from: Page, stack: LocalStack, name: string): Promise<Page> {
  const page = await from.context().newPage();
  // teams-js refreshes its list of valid Teams origins from Microsoft's CDN; this machine is offline.
  await page.route('https://res.cdn.office.net/**', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: '{"validOrigins":["teams.microsoft.com"]}' }),
  );
  await page.goto(`${stack.appUrl}/tab`);
  await page.getByRole('radio', { name: new RegExp(name) }).check();
  await page.getByRole('button', { name: 'Show overview' }).click();
  await page.locator('#overview').getByText(name).first().waitFor();
  return page;
}
