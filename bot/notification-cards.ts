/**
 * The card an outbox notification becomes when it is sent (BotMessenger's `render`): a reminder's
 * text as a reminder card, an application event as that application's current card for the
 * recipient's role with the event's notice on top (and `refresh`, so it stays current when looked
 * at again), a waitlist promotion as the booking card. Rendered at send time, from the database:
 * the outbox holds ids and the notice, never a copy of anyone's application.
 */
import type { Actor } from '../src/domain/types.js';
import type { NotificationMessage } from '../src/notifications/messenger.js';
import { buildView } from '../src/workflows/application-view.js';
import type { Services } from '../src/workflows/services.js';
import { withRefresh, type AdaptiveCard } from './cards/card-kit.js';
import { promotedCard } from './cards/dropin-cards.js';
import { reminderCard } from './cards/reminder-cards.js';
import { cardForViewer, teamsUserIds } from './commands/command-support.js';
import { joinLink } from './commands/dropin-commands.js';

/** The notification's subject is gone (application or booking deleted): it fails, it is not retried. */
export class NothingToSend extends Error {
  override readonly name = 'NothingToSend';
}

/** The card for `message` to `recipientId`; throws NothingToSend when its subject is gone. */
export async function renderNotification(
  svc: Services,
  message: NotificationMessage,
  recipientId: string,
): Promise<AdaptiveCard> {
  if (!('type' in message)) return reminderCard(message);
  if (message.type === 'booking') {
    const booking = await svc.store.dropIns.getBooking(message.bookingId);
    const session = booking ? await svc.store.dropIns.getSession(booking.sessionId) : null;
    if (!booking || !session) throw new NothingToSend('the booking no longer exists');
    return promotedCard(session, booking, joinLink(svc, session));
  }
  const [record, person] = await Promise.all([
    svc.store.applicationRecords.get(message.applicationId),
    svc.store.people.get(recipientId),
  ]);
  if (!record || !person) throw new NothingToSend('the application or the person no longer exists');
  const app = record.application;
  const actor: Actor = {
    personId: person.id,
    displayName: person.displayName,
    roles: person.roles,
    organisationId: person.organisationId,
  };
  const view = await buildView(svc, record);
  const base = cardForViewer(actor, view, { as: message.as, notice: message.notice });
  // Teams refreshes the card as soon as it is looked at: the line saying why it came stays for as
  // long as the application is still at this stage (app_view's noticeState).
  const { notice } = message;
  return withRefresh(
    base,
    'app_view',
    { applicationId: app.id, as: message.as, notice: notice.message, tone: notice.tone, noticeState: app.state },
    svc.cards?.userSpecificViews === false ? [] : await teamsUserIds(svc, [recipientId]),
  );
}
