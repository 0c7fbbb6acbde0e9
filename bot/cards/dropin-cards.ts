import { formatLondon } from '../../src/domain/time.js';
import type { Booking, DropInSession } from '../../src/domain/types.js';
import type { SessionWithSeats } from '../../src/store/dropin-repository.js';
import {
  actionSet,
  card,
  container,
  execute,
  heading,
  notice,
  openUrl,
  text,
  type AdaptiveCard,
  type CardAction,
  type CardElement,
} from './card-kit.js';

/**
 * Upcoming drop-in sessions with seats left. Per session: Book (or Join waitlist); on a session
 * you are booked on, Cancel; with a booking elsewhere, Move my booking here.
 */
export function sessionsCard(
  sessions: SessionWithSeats[],
  mine: readonly Booking[] | ReadonlySet<string>,
  opts: { notice?: string } = {},
): AdaptiveCard {
  const live = mine instanceof Set ? [] : (mine as readonly Booking[]).filter((b) => b.status !== 'cancelled');
  const bookedIds = mine instanceof Set ? (mine as ReadonlySet<string>) : new Set(live.map((b) => b.sessionId));
  const upcomingIds = new Set(sessions.map((s) => s.id));
  const movable = live.find((b) => b.status === 'booked' && upcomingIds.has(b.sessionId));
  const body: CardElement[] = [
    ...(opts.notice ? [notice(opts.notice, 'good')] : []),
    ...heading('Drop-in sessions', 'Attend one to check your eligibility. Times are UK time.'),
  ];
  if (sessions.length === 0) {
    body.push(text('There are no upcoming drop-in sessions at the moment. Please check again next week.'));
  }
  for (const s of sessions) {
    const left = Math.max(0, s.capacity - s.booked);
    const booking = live.find((b) => b.sessionId === s.id);
    const booked = bookedIds.has(s.id);
    const seats =
      left > 0
        ? `${left} of ${s.capacity} seats left`
        : `Full${s.waitlisted ? ` · ${s.waitlisted} on the waitlist` : ''}`;
    let items: CardElement[];
    if (booked && booking?.status === 'waitlisted') {
      items = [
        text('You are on the waitlist for this session', { color: 'Warning' }),
        actionSet([execute('Leave waitlist', 'cancel_booking', { bookingId: booking.id })]),
      ];
    } else if (booked) {
      items = [
        text('✓ You are booked on this session', { color: 'Good' }),
        ...(booking
          ? [
              actionSet([
                ...(s.joinUrl ? [openUrl('Join link', s.joinUrl)] : []),
                execute('Cancel booking', 'cancel_booking', { bookingId: booking.id }, 'destructive'),
              ]),
            ]
          : []),
      ];
    } else {
      const buttons: CardAction[] = [
        left > 0
          ? execute('Book', 'book_dropin', { sessionId: s.id }, 'positive')
          : execute('Join waitlist', 'book_dropin', { sessionId: s.id, waitlist: true }),
      ];
      if (movable && left > 0)
        buttons.push(execute('Move my booking here', 'rebook', { bookingId: movable.id, sessionId: s.id }));
      items = [actionSet(buttons)];
    }
    body.push(
      container(
        [
          text(`**${s.title}**`),
          text(`${formatLondon(s.startsAt, 'datetime')} – ${formatLondon(s.endsAt, 'time')}`, { isSubtle: true }),
          text(seats, left > 0 ? {} : { color: 'Warning' }),
          ...items,
        ],
        'emphasis',
      ),
    );
  }
  return card(body, [execute('Refresh', 'sessions'), execute('Back to menu', 'help')], 'Upcoming drop-in sessions');
}

export function bookedCard(
  session: DropInSession,
  booking: Booking,
  opts: { moved?: boolean; icsUrl?: string } = {},
): AdaptiveCard {
  const waitlisted = booking.status === 'waitlisted';
  return card(
    [
      ...heading(waitlisted ? "You're on the waitlist" : opts.moved ? 'Booking moved' : "You're booked"),
      text(`**${session.title}**`),
      text(`${formatLondon(session.startsAt, 'datetime')} – ${formatLondon(session.endsAt, 'time')} (UK time)`),
      text(
        waitlisted
          ? "The session is full. If a seat frees up you'll get it automatically and we'll let you know."
          : `Join from Teams at the time of the session. A Teams meeting invitation is on its way to your calendar${session.joinUrl ? ', and the join link is below' : ''}.`,
      ),
    ],
    [
      ...(session.joinUrl && !waitlisted ? [openUrl('Join link', session.joinUrl)] : []),
      // For calendars outside Teams: a signed link to the booking's .ics file.
      ...(opts.icsUrl && !waitlisted ? [openUrl('Add to calendar (.ics)', opts.icsUrl)] : []),
      execute(waitlisted ? 'Leave waitlist' : 'Cancel booking', 'cancel_booking', { bookingId: booking.id }),
      execute('All sessions', 'sessions'),
      execute('Back to menu', 'help'),
    ],
    waitlisted ? 'On the waitlist' : 'Booked',
  );
}

/**
 * Refusal for a session that filled up before the Book click arrived (the card shown had seats
 * left): like a full session on the sessions card, it offers the waitlist place.
 */
export function sessionFullCard(session: DropInSession): AdaptiveCard {
  return card(
    [
      ...heading('That session is full'),
      text(`**${session.title}**`),
      text(`${formatLondon(session.startsAt, 'datetime')} – ${formatLondon(session.endsAt, 'time')} (UK time)`),
      text('The last seat was taken before your booking arrived, so you are not booked.', { color: 'Attention' }),
      text(
        "**What to do next:** join the waitlist: if a seat frees up you'll get it automatically and we'll let you know. Or choose another session with places left.",
      ),
    ],
    [
      execute('Join waitlist', 'book_dropin', { sessionId: session.id, waitlist: true }, 'positive'),
      execute('All sessions', 'sessions'),
      execute('Back to menu', 'help'),
    ],
    'That drop-in session is full',
  );
}

export function bookingCancelledCard(session: DropInSession | null, wasWaitlisted: boolean): AdaptiveCard {
  return card(
    [
      ...heading(wasWaitlisted ? 'You have left the waitlist' : 'Booking cancelled'),
      text(
        session
          ? `**${session.title}**, ${formatLondon(session.startsAt)} UK time.`
          : 'Your booking has been cancelled.',
      ),
      text('You can book another session at any time.'),
    ],
    [execute('See drop-in sessions', 'sessions', {}, 'positive'), execute('Back to menu', 'help')],
    'Booking cancelled',
  );
}

/** Sent to the person who moved up from the waitlist. */
export function promotedCard(session: DropInSession, booking: Booking): AdaptiveCard {
  return card(
    [
      ...heading('A seat has freed up: you are booked'),
      text(`**${session.title}**`),
      text(`${formatLondon(session.startsAt, 'datetime')} – ${formatLondon(session.endsAt, 'time')} (UK time)`),
      text(
        'You were first on the waitlist, so the seat is yours. A Teams meeting invitation is on its way to your calendar.',
      ),
    ],
    [
      ...(session.joinUrl ? [openUrl('Join link', session.joinUrl)] : []),
      execute('Cancel booking', 'cancel_booking', { bookingId: booking.id }),
      execute('All sessions', 'sessions'),
    ],
    'You have a seat at a drop-in session',
  );
}
