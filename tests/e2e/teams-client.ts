/**
 * A demo person at their own Teams client (an Agents Playground page in Debian Chromium), doing
 * what a person does: type in the personal chat, press buttons on the cards the bot shows, fill
 * in a card's boxes and pick from its lists, and watch for messages arriving. Nothing here sends
 * an activity itself: every message and invoke comes from the Playground's own UI.
 */
import { mkdirSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { DemoPerson } from '../../src/local/demo-people.js';

export const SCREENSHOTS = 'tests/e2e/screenshots';
/** How long a person waits for the bot (or a message) before the test fails: generous, for a busy machine. */
export const PATIENCE_MS = 60_000;

/** The last screenshot number of each prefix (people, findings): each journey counts its own. */
const shotNumbers = new Map<string, number>();

export class TeamsClient {
  /**
   * What the Playground's page asked its server when it opened: the "installation" request makes
   * it send the bot the install (conversationUpdate) that the bot greets; its body says which
   * web chat conversation should show the answer (none: the page may never show it).
   */
  private installRequests: string[] = [];

  constructor(
    readonly person: DemoPerson,
    readonly page: Page,
    private url: string,
    /** Screenshot names start with this (people-NN-…, findings-NN-…). */
    private readonly shotPrefix = 'people',
  ) {
    page.on('request', (r) => {
      if (/\/conversation\/[^/]+\/installation$/.test(new URL(r.url()).pathname))
        this.installRequests.push(r.postData() ?? '(no body)');
    });
  }

  /** Opens (or reopens, after a restart) the client at the personal chat; the bot greets the person. */
  async open(url = this.url): Promise<void> {
    this.url = url;
    this.installRequests = [];
    await this.page.goto(url, { timeout: PATIENCE_MS });
    await this.textbox().waitFor({ timeout: PATIENCE_MS });
    try {
      await this.cards().first().waitFor({ timeout: PATIENCE_MS });
    } catch (err) {
      // What the person saw instead of the greeting, for whoever reads the failure.
      const file = await this.shot('no-greeting');
      const seen = (await this.page.locator('body').innerText()).replace(/\s+/g, ' ').slice(0, 500);
      throw new Error(
        `${this.person.displayName}'s client showed no card (see ${file}); installation requests: ${JSON.stringify(this.installRequests)}; the page said: ${seen}`,
        { cause: err },
      );
    }
  }

  /** The message box at the foot of the chat: the last text box on the page (cards have their own above it). */
  private textbox(): Locator {
    return this.page.getByRole('textbox').last();
  }

  /** Every card in the chat, oldest first. */
  cards(): Locator {
    return this.page.locator('.ac-adaptiveCard');
  }

  /** The latest card whose text matches. */
  card(text: string | RegExp): Locator {
    return this.cards().filter({ hasText: text }).last();
  }

  /** Types in the chat and sends; resolves with the bot's answer (the next card). */
  async say(text: string): Promise<Locator> {
    const before = await this.cards().count();
    await this.textbox().fill(text);
    await this.page.getByRole('button', { name: 'Send Message' }).click();
    const answer = this.cards().nth(before);
    await answer.waitFor({ timeout: PATIENCE_MS });
    return answer;
  }

  /**
   * Presses a button on a card and waits for what the bot does: the card replaced in place (a
   * Universal Action) showing `expect`. Resolves with the card as it is now.
   */
  async press(card: Locator, button: string | RegExp, expectText: string | RegExp): Promise<Locator> {
    const index = await this.indexOf(card);
    await card
      .getByRole('button', { name: button, exact: typeof button === 'string' })
      .first()
      .click();
    const now = this.cards().nth(index);
    await expect
      .poll(async () => (await now.innerText()).replace(/\s+/g, ' '), { timeout: PATIENCE_MS })
      .toMatch(typeof expectText === 'string' ? new RegExp(escapeRegExp(expectText)) : expectText);
    return now;
  }

  /** Fills a text box of a card by its label. */
  async fill(card: Locator, label: string, value: string): Promise<void> {
    await card.getByLabel(label).first().fill(value);
  }

  /** Picks an option of a card's drop-down list by its label. */
  async choose(card: Locator, label: string, option: string | RegExp): Promise<void> {
    await card.getByRole('combobox', { name: label }).click();
    await this.page.getByRole('option', { name: option }).first().click();
  }

  /** Ticks a radio button or checkbox of a card, inside the part of the card that mentions `near`. */
  async tick(card: Locator, name: string | RegExp, near?: string): Promise<void> {
    const scope = near ? card.locator('.ac-container', { hasText: near }).last() : card;
    await scope.getByRole('radio', { name }).or(scope.getByRole('checkbox', { name })).first().check();
  }

  /**
   * A message the bot sends this person on its own (a proactive message): it must appear in
   * their own client, else the test fails here.
   */
  async receives(text: string | RegExp): Promise<Locator> {
    const found = this.card(text);
    await found.waitFor({ timeout: PATIENCE_MS });
    // By position from now on: Teams refreshes a message when it is shown, replacing its card.
    const card = this.cards().nth(await this.indexOf(found));
    await card.scrollIntoViewIfNeeded();
    return card;
  }

  /** A screenshot of the client as the person sees it now, numbered in the order taken. */
  /** The next screenshot's path: prefix, number, person and step (people-NN-priya-welcome.png). */
  private nextShotFile(step: string): string {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const n = (shotNumbers.get(this.shotPrefix) ?? 0) + 1;
    shotNumbers.set(this.shotPrefix, n);
    return `${SCREENSHOTS}/${this.shotPrefix}-${String(n).padStart(2, '0')}-${this.person.key}-${step}.png`;
  }

  async shot(step: string): Promise<string> {
    const file = this.nextShotFile(step);
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * A screenshot of one card, whole however long it is: the chat pane scrolls, so the window is
   * made tall enough to show the card for the shot, then put back.
   */
  async cardShot(card: Locator, step: string): Promise<string> {
    const file = this.nextShotFile(step);
    const viewport = this.page.viewportSize();
    const height = (await card.boundingBox())?.height ?? 0;
    if (viewport && height + 400 > viewport.height)
      await this.page.setViewportSize({ width: viewport.width, height: Math.ceil(height) + 400 });
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: file });
    if (viewport) await this.page.setViewportSize(viewport);
    return file;
  }

  private async indexOf(card: Locator): Promise<number> {
    const id = await card.evaluate((el) => {
      const all = [...document.querySelectorAll('.ac-adaptiveCard')];
      return all.indexOf(el.closest('.ac-adaptiveCard') ?? el);
    });
    if (id < 0) throw new Error('the card is not in the chat');
    return id;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
