/**
 * A person's view: Debian Chromium driven by Playwright opens the Agents Playground, types
 * "help", clicks a card button and sees the card replaced in place. A screenshot is saved under
 * tests/e2e/screenshots/ (git-ignored) for a human to look at.
 */
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../support/local-stack.js';

const SHOTS = 'tests/e2e/screenshots';

describe('the Agents Playground in a browser', () => {
  let stack: LocalStack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startLocalStack();
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('types help, clicks a button and sees the card update in place', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(stack.playgroundUrl);
    const box = page.getByRole('textbox').first();
    await box.waitFor({ timeout: 60_000 });
    // Installing the app greets the person by role, once.
    const welcome = page.locator('.ac-adaptiveCard', { hasText: 'Welcome, Priya' });
    await welcome.first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
    expect(await welcome.count()).toBe(1);
    await box.fill('help');
    await page.getByRole('button', { name: 'Send Message' }).click();

    const card = page.locator('.ac-adaptiveCard').last();
    await expect
      .poll(async () => (await card.textContent()) ?? '', { timeout: 60_000 })
      .toContain("here's what you can do");
    await page.screenshot({ path: `${SHOTS}/help-card.png` });

    const cardsBefore = await page.locator('.ac-adaptiveCard').count();
    await card.getByRole('button', { name: 'Drop-in sessions' }).click();
    await expect
      .poll(async () => (await page.locator('.ac-adaptiveCard').last().textContent()) ?? '', { timeout: 60_000 })
      .toContain('seats left');
    // Replaced in place: no new message was added for the click.
    expect(await page.locator('.ac-adaptiveCard').count()).toBe(cardsBefore);
    await page.screenshot({ path: `${SHOTS}/sessions-card.png` });
  }, 90_000);
});
