import { formatLondon } from '../../src/domain/time.js';
import type { Booking, DropInSession } from '../../src/domain/types.js';
import type { SessionWithSeats } from '../../src/store/dropin-repository.js';
import {
  actionSet,
  callout,
  card,
  container,
  execute,
  heading,
  notice,
  openUrl,
  pageButtons,
  pageBySize,
  plural,
  rich,
  strong,
  text,
  type AdaptiveCard,
  type CardAction,
  type CardElement,
  type PagePosition,
} from './card-kit.js';

/** Sessions shown per page of the list (fewer when long titles make the card too big). */
export const SESSIONS_PAGE_SIZE = 10;

const when = (s: DropInSession) =>
  `${formatLondon(s.startsAt, 'datetime')} – ${formatLondon(s.endsAt, 'time')} (UK time)`;

/**
 * Upcoming drop-in sessions with seats left, a page at a time. Per session: Book (or Join
 * waitlist); on a session you are booked on, Cancel; with a booking elsewhere, Move my booking here.
 */
export function sessionsCard(
  sessions: SessionWithSeats[],
  mine: readonly Booking[] | ReadonlySet<string>,
  opts: { notice?: string; page?: number; joinUrl?: (s: DropInSession) => string | null } = {},
): AdaptiveCard {
  const pages = pageBySize(sessions, (slice, pos) => buildSessionsCard(slice, pos, sessions, mine, opts), {
    maxPerPage: SESSIONS_PAGE_SIZE,
  });
  const index = Math.min(Math.max(0, opts.page ?? 0), pages.length - 1);
  return buildSessionsCard(pages[index]!, { index, count: pages.length }, sessions, mine, opts);
}

function buildSessionsCard(
  slice: readonly SessionWithSeats[],
  page: PagePosition,
  sessions: readonly SessionWithSeats[],
  mine: readonly Booking[] | ReadonlySet<string>,
  opts: { notice?: string; joinUrl?: (s: DropInSession) => string | null },
): AdaptiveCard {
  const live = mine instanceof Set ? [] : (mine as readonly Booking[]).filter((b) => b.status !== 'cancelled');
  const bookedIds = mine instanceof Set ? (mine as ReadonlySet<string>) : new Set(live.map((b) => b.sessionId));
  const upcomingIds = new Set(sessions.map((s) => s.id));
  const movable = live.find((b) => b.status === 'booked' && upcomingIds.has(b.sessionId));
  const body: CardElement[] = [
    ...(opts.notice ? [notice(opts.notice, 'good')] : []),
    ...heading(
      'Drop-in sessions',
      `Attend one to check your eligibility. Times are UK time.${page.count > 1 ? ` Page ${page.index + 1} of ${page.count}.` : ''}`,
    ),
  ];
  if (sessions.length === 0) {
    body.push(text('There are no upcoming drop-in sessions at the moment. Please check again next week.'));
  }
  for (const s of slice) {
    const left = Math.max(0, s.capacity - s.booked);
    const booking = live.find((b) => b.sessionId === s.id);
    const booked = bookedIds.has(s.id);
    const seats =
      left > 0
        ? `${left} of ${plural(s.capacity, 'seat', 'seats')} left`
        : `Full${s.waitlisted ? ` · ${s.waitlisted} on the waitlist` : ''}`;
    const joinUrl = opts.joinUrl ? opts.joinUrl(s) : s.joinUrl;
    let items: CardElement[];
    if (booked && booking?.status === 'waitlisted') {
      items = [
        callout('warning', [text('You are on the waitlist for this session.')]),
        actionSet([execute('Leave waitlist…', 'cancel_booking', { bookingId: booking.id })]),
      ];
    } else if (booked) {
      items = [
        callout('good', [text('✓ You are booked on this session.')]),
        ...(booking
          ? [
              actionSet([
                ...(joinUrl ? [openUrl('Join link', joinUrl)] : []),
                execute('Cancel booking…', 'cancel_booking', { bookingId: booking.id }),
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
          rich([strong(s.title)]),
          text(`${formatLondon(s.startsAt, 'datetime')} – ${formatLondon(s.endsAt, 'time')}`, { isSubtle: true }),
          text(seats, left > 0 ? {} : { weight: 'Bolder' }),
          ...items,
        ],
        'emphasis',
      ),
    );
  }
  return card(
    body,
    [
      ...pageButtons(page, 'sessions', (i) => ({ page: i })),
      execute('Refresh', 'sessions'),
      execute('Back to menu', 'help'),
    ],
    'Upcoming drop-in sessions',
  );
}

export function bookedCard(
  session: DropInSession,
  booking: Booking,
  opts: { moved?: boolean; icsUrl?: string; joinUrl?: string | null } = {},
): AdaptiveCard {
  const waitlisted = booking.status === 'waitlisted';
  const joinUrl = opts.joinUrl === undefined ? session.joinUrl : opts.joinUrl;
  return card(
    [
      ...heading(waitlisted ? "You're on the waitlist" : opts.moved ? 'Booking moved' : "You're booked"),
      rich([strong(session.title)]),
      text(when(session)),
      text(
        waitlisted
          ? "The session is full. If a seat frees up you'll get it automatically and we'll let you know."
          : `Join from Teams at the time of the session. A Teams meeting invitation is on its way to your calendar${joinUrl ? ', and the join link is below' : ''}.`,
      ),
    ],
    [
      ...(joinUrl && !waitlisted ? [openUrl('Join link', joinUrl)] : []),
      // For calendars outside Teams: a signed link to the booking's .ics file.
      ...(opts.icsUrl && !waitlisted ? [openUrl('Add to calendar (.ics)', opts.icsUrl)] : []),
      execute('All sessions', 'sessions'),
      execute('Back to menu', 'help'),
      execute(waitlisted ? 'Leave waitlist…' : 'Cancel booking…', 'cancel_booking', { bookingId: booking.id }),
    ],
    waitlisted ? 'On the waitlist' : 'Booked',
  );
}

/** Cancelling a seat (or leaving a waitlist) is confirmed first. */
export function cancelBookingConfirmCard(session: DropInSession, booking: Booking): AdaptiveCard {
  const waitlisted = booking.status === 'waitlisted';
  return card(
    [
      ...heading(waitlisted ? 'Leave the waitlist?' : 'Cancel your booking?'),
      rich([strong(session.title)]),
      text(when(session)),
      text(
        waitlisted
          ? 'You will lose your place in the queue for this session.'
          : 'Your seat goes to the next person on the waitlist, and you are taken off the Teams meeting. You can book another session at any time.',
      ),
    ],
    [
      execute(waitlisted ? 'Stay on the waitlist' : 'Keep my booking', 'sessions'),
      execute(
        waitlisted ? 'Yes, leave the waitlist' : 'Yes, cancel my booking',
        'cancel_booking',
        { bookingId: booking.id, confirm: true },
        'destructive',
      ),
    ],
    waitlisted ? 'Leave the waitlist?' : 'Cancel your booking?',
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
      rich([strong(session.title)]),
      text(when(session)),
      callout('attention', [text('The last seat was taken before your booking arrived, so you are not booked.')]),
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
      session
        ? rich([strong(session.title), `, ${formatLondon(session.startsAt)} UK time.`])
        : text('Your booking has been cancelled.'),
      text('You can book another session at any time.'),
    ],
    [execute('See drop-in sessions', 'sessions', {}, 'positive'), execute('Back to menu', 'help')],
    'Booking cancelled',
  );
}

/** Sent to the person who moved up from the waitlist. */
export function promotedCard(
  session: DropInSession,
  booking: Booking,
  joinUrl: string | null = session.joinUrl,
): AdaptiveCard {
  return card(
    [
      ...heading('A seat has freed up: you are booked'),
      rich([strong(session.title)]),
      text(when(session)),
      text(
        'You were first on the waitlist, so the seat is yours. A Teams meeting invitation is on its way to your calendar.',
      ),
    ],
    [
      ...(joinUrl ? [openUrl('Join link', joinUrl)] : []),
      execute('All sessions', 'sessions'),
      execute('Cancel booking…', 'cancel_booking', { bookingId: booking.id }),
    ],
    'You have a seat at a drop-in session',
  );
}
