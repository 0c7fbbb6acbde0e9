/**
 * Reminders end to end in the local stack (issue 5's "done when"): with the demo cycle, the admin's
 * preview lists who will be reminded of what and when; "send now" delivers the reminders to the
 * right people through the bot (proactive messages to their stored personal conversation), so
 * Priya's appear in her Agents Playground chat, and their buttons work; people the bot cannot
 * reach are reported, not dropped.
 *
 * The app's clock is set to 11:00 UK time (LOCAL_CLOCK_OFFSET_DAYS), outside quiet hours, so the
 * run goes at once whatever time the test runs.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LONDON } from '../../src/domain/time.js';
import { assertValidCard } from '../bot/card-validator.js';
import { eventually, startLocalStack, type LocalStack } from '../support/local-stack.js';
import {
  cardOf,
  cardText,
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
const ALEX = 'user-id-4';
const NORTHSHIRE = 'Northshire Hospitals NHS Foundation Trust';
const SESSION = 'WEx QS drop-in: bronze, silver or gold?';

/** Days from now to the next 11:00 in London (fractional): the app then starts in the morning. */
function offsetToLondonMorning(now = Date.now()): number {
  const here = DateTime.fromMillis(now, { zone: LONDON });
  let target = here.set({ hour: 11, minute: 0, second: 0, millisecond: 0 });
  if (target.toMillis() <= now) target = target.plus({ days: 1 });
  return (target.toMillis() - now) / 86_400_000;
}

describe('reminders in the Agents Playground', () => {
  let stack: LocalStack;
  let pg: PlaygroundClient;
  let status: ShownCard;
  /** Where the WebSocket log stood when the admin pressed "send now". */
  let sentFrom = 0;

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

  /** Alex looks at the bot's help card in the group chat: Teams refreshes it for him. */
  async function alexMenu(): Promise<ShownCard> {
    const posted = await pg.say(GROUP, PRIYA, 'help', { mentionBot: BOT });
    const menu = await pg.refreshAs(GROUP, ALEX, posted);
    expect(cardText(menu.card)).toContain('Hi Alex');
    return menu;
  }

  beforeAll(async () => {
    stack = await startLocalStack({ env: { LOCAL_CLOCK_OFFSET_DAYS: offsetToLondonMorning().toFixed(6) } });
    pg = new PlaygroundClient(stack.playgroundUrl);
    await pg.connect();

    // Priya opens her chat with the bot, books a drop-in and requests the application; the admin opens it.
    const menu = await pg.say(PERSONAL, PRIYA, 'help');
    const sessions = await click(PERSONAL, PRIYA, menu, 'sessions');
    expect(cardText((await click(PERSONAL, PRIYA, sessions, 'book_dropin', { near: SESSION })).card)).toContain(
      "You're booked",
    );
    expect(
      cardText((await click(PERSONAL, PRIYA, await pg.say(PERSONAL, PRIYA, 'help'), 'request_application')).card),
    ).toContain('Application requested');
    const dashboard = await click(GROUP, ALEX, await alexMenu(), 'dashboard');
    const folderLink = pg.waitFor(
      (m) => m.conversation?.id === PERSONAL && cardText(cardOf(m)).includes('Your application is open'),
      30_000,
      pg.received.length,
    );
    expect(cardText((await click(GROUP, ALEX, dashboard, 'open_application', { near: NORTHSHIRE })).card)).toContain(
      'Opened',
    );
    await folderLink; // the team is told after the folder is provisioned
    // The drop-in meetings (and their join links) are made in the Graph emulator after start-up.
    await stack.waitForLine('Evidence folders ready');
  }, 90_000);

  afterAll(async () => {
    pg?.close();
    if (stack) expect(await stack.stop()).toBe(0);
  });

  it("the admin's preview lists who will be reminded of what and when", async () => {
    const preview = await click(GROUP, ALEX, await alexMenu(), 'reminders');
    const text = cardText(preview.card);
    expect(text).toContain('Reminders: who will be reminded, and when');
    // Soonest first: Priya's drop-in in five days (24 hours and 1 hour before), the other trusts'
    // bookings, then the applicant teams of open applications, 28 days before the deadline.
    expect(text).toContain('Drop-in session coming up (attendees) (24 hours before) → Priya Shah');
    expect(text).toContain('Drop-in session coming up (attendees) (1 hour before) → Priya Shah');
    expect(text).toMatch(/Drop-in session coming up \(attendees\) \(24 hours before\) → Work experience lead \(\w+\)/);
    expect(text).toContain('Submission deadline (applicant teams) (28 days before) → ');
    expect(text.indexOf('→ Priya Shah')).toBeLessThan(text.indexOf('Submission deadline'));
    status = preview;
  });

  it('"send now" delivers the reminders to Priya’s chat, and their buttons open her status card and her bookings', async () => {
    const mark = (sentFrom = pg.received.length);
    const inPriyaChat = (needle: string) =>
      pg
        .waitFor(
          (m) => m.conversation?.id === PERSONAL && isCardFromBot(m) && cardText(cardOf(m)).includes(needle),
          20_000,
          mark,
        )
        .then((m) => {
          assertValidCard(cardOf(m), needle);
          return { id: String(m.id), card: cardOf(m) };
        });
    const deadlineArrives = inPriyaChat('Submission deadline in');
    const dropInArrives = inPriyaChat(SESSION);

    const queued = await click(GROUP, ALEX, status, 'reminders_send_now');
    expect(cardText(queued.card)).toMatch(
      /[1-9]\d* reminders? to [1-9]\d* (people|person) will go in the next few seconds/,
    );

    // The deadline reminder says what is still missing, and its button opens her application's status.
    const deadline = await deadlineArrives;
    expect(cardText(deadline.card)).toContain(`${NORTHSHIRE} · `);
    expect(cardText(deadline.card)).toContain('Your team has not chosen a target level yet');
    const statusCard = await click(PERSONAL, PRIYA, deadline, 'status', { title: 'Open status card' });
    expect(cardText(statusCard.card)).toMatch(/\d+ days left \(deadline /);
    expect(cardText(statusCard.card)).toContain('Level you are applying for');

    // The drop-in reminder has the Teams join link and a button to her bookings.
    const dropIn = await dropInArrives;
    expect(cardText(dropIn.card)).toMatch(/Your drop-in session is in \d+ days/);
    expect(openUrlButtons(dropIn.card).find((b) => b.title === 'Join the drop-in')?.url).toMatch(
      /^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//,
    );
    const bookings = await click(PERSONAL, PRIYA, dropIn, 'sessions', { title: 'My bookings' });
    expect(cardText(bookings.card)).toContain('✓ You are booked on this session');
  });

  it('the admin sees each reminder sent once to the one person reachable, and who could not be reached, with why', async () => {
    // The dispatcher records a send after the connector accepted it: look until it has.
    await eventually(async () => {
      status = await click(GROUP, ALEX, status, 'reminders_status', { title: /Reminder status|Refresh/ });
      const text = cardText(status.card);
      expect(text).toMatch(/\*\*Submission deadline \(applicant teams\)\*\*: .*\b1 sent\b/);
      expect(text).toMatch(/\*\*Drop-in session coming up \(attendees\)\*\*: .*\b1 sent\b/);
    });
    // The other trusts' leads (no chat with the app, no Entra id) are reported, with the reason.
    expect(cardText(status.card)).toContain('Not delivered');
    expect(cardText(status.card)).toMatch(
      /Work experience lead \(\w+\)\nDrop-in session coming up \(attendees\): unreachable \(no conversation with the app/,
    );

    // Since "send now", Priya's chat got her two reminders, once each, and nothing for anybody else.
    const titles = pg.received
      .slice(sentFrom)
      .filter((m) => m.conversation?.id === PERSONAL)
      .map((m) => cardText(cardOf(m)).split('\n')[0]);
    expect(titles.filter((t) => t?.startsWith('Submission deadline in'))).toHaveLength(1);
    expect(titles.filter((t) => t?.startsWith('Your drop-in session is'))).toHaveLength(1);
    expect(titles, titles.join(' | ')).toHaveLength(2);
  });
});
