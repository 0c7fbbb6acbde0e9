/**
 * Who hears about what an action changed, written to the notification outbox in the transaction
 * of the change (src/notifications/outbox.ts `notify`): the message exists exactly when the
 * change commits and is sent by the dispatcher with the reminders' accounting. Recipients are
 * decided here, at the moment of the change; the card itself is rendered when it is sent, so it
 * shows the application as it is then.
 */
import type { Application, Booking } from '../domain/types.js';
import { applicationNotice, promotedNotice, type ApplicationEventKind } from '../notifications/content.js';
import { notify } from '../notifications/outbox.js';
import type { Store } from '../store/store.js';
import { applicantTeam } from './application-view.js';

/** The applicants (lead and contributors) of an organisation, as the transaction sees them. */
export async function applicantTeamIds(tx: Store, organisationId: string): Promise<string[]> {
  return (await applicantTeam({ store: tx }, organisationId)).map((p) => p.id);
}

export async function adminIds(tx: Store): Promise<string[]> {
  return (await tx.people.listByRole('admin')).map((p) => p.id);
}

/**
 * Tell `recipients` about a step of an application (`app` as it is after the change). One message
 * per person per step: the subject is the application at its new version.
 */
export async function notifyApplicationEvent(
  tx: Store,
  app: Pick<Application, 'id' | 'version' | 'cycleId'>,
  kind: ApplicationEventKind,
  recipients: readonly string[],
  now: Date,
  opts: { heldFor?: string } = {},
): Promise<number> {
  return notify(
    tx,
    {
      kind,
      recipients,
      subject: { kind: 'application', id: `${app.id}#v${app.version}` },
      message: applicationNotice(kind, app.id),
      cycleId: app.cycleId,
      applicationId: app.id,
      ...(opts.heldFor ? { heldFor: opts.heldFor } : {}),
    },
    now,
  );
}

/** Tell someone promoted from the waitlist that the seat is theirs. */
export async function notifyPromoted(tx: Store, booking: Booking, now: Date): Promise<number> {
  return notify(
    tx,
    {
      kind: 'waitlist_promoted',
      recipients: [booking.personId],
      subject: { kind: 'booking', id: booking.id },
      message: promotedNotice(booking.id),
      bookingId: booking.id,
      sessionId: booking.sessionId,
    },
    now,
  );
}
