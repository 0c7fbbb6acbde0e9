import { formatLondon } from '../../src/domain/time.js';
import type { Booking, DropInSession } from '../../src/domain/types.js';
import type { SessionWithSeats } from '../../src/store/dropin-repository.js';
import { actionSet, card, container, execute, heading, openUrl, text, type AdaptiveCard, type CardElement } from './card-kit.js';

/** Upcoming drop-in sessions with seats left, each with a Book (or Join waitlist) button. */
export function sessionsCard(sessions: SessionWithSeats[], bookedSessionIds: ReadonlySet<string>): AdaptiveCard {
  const body: CardElement[] = [
    ...heading('Drop-in sessions', 'Attend one to check your eligibility. Times are UK time.'),
  ];
  if (sessions.length === 0) {
    body.push(text('There are no upcoming drop-in sessions at the moment. Please check again next week.'));
  }
  for (const s of sessions) {
    const left = Math.max(0, s.capacity - s.booked);
    const booked = bookedSessionIds.has(s.id);
    const seats = left > 0 ? `${left} of ${s.capacity} seats left` : `Full${s.waitlisted ? ` · ${s.waitlisted} on the waitlist` : ''}`;
    const buttons = booked
      ? [text('✓ You are booked on this session', { color: 'Good' })]
      : [
          actionSet([
            left > 0
              ? execute('Book', 'book_dropin', { sessionId: s.id }, 'positive')
              : execute('Join waitlist', 'book_dropin', { sessionId: s.id, waitlist: true }),
          ]),
        ];
    body.push(
      container(
        [
          text(`**${s.title}**`),
          text(`${formatLondon(s.startsAt, 'datetime')} – ${formatLondon(s.endsAt, 'time')}`, { isSubtle: true }),
          text(seats, left > 0 ? {} : { color: 'Warning' }),
          ...buttons,
        ],
        'emphasis',
      ),
    );
  }
  return card(body, [execute('Back to menu', 'help')], 'Upcoming drop-in sessions');
}

export function bookedCard(session: DropInSession, booking: Booking): AdaptiveCard {
  const waitlisted = booking.status === 'waitlisted';
  return card(
    [
      ...heading(waitlisted ? "You're on the waitlist" : "You're booked"),
      text(`**${session.title}**`),
      text(`${formatLondon(session.startsAt, 'datetime')} – ${formatLondon(session.endsAt, 'time')} (UK time)`),
      text(
        waitlisted
          ? "The session is full. If a seat frees up you'll get it automatically and we'll let you know."
          : 'Join from Teams at the time of the session.',
      ),
    ],
    [
      ...(session.joinUrl && !waitlisted ? [openUrl('Join link', session.joinUrl)] : []),
      execute('All sessions', 'sessions'),
      execute('Back to menu', 'help'),
    ],
    waitlisted ? 'On the waitlist' : 'Booked',
  );
}
