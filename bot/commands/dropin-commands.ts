import { z } from 'zod';
import { DomainError } from '../../src/domain/errors.js';
import type { Booking, DropInSession } from '../../src/domain/types.js';
import { bookDropIn, cancelBooking, myBookings, rebook, sessionsAndMyBookings } from '../../src/workflows/dropins.js';
import type { Services } from '../../src/workflows/services.js';
import {
  bookedCard,
  bookingCancelledCard,
  cancelBookingConfirmCard,
  sessionFullCard,
  sessionsCard,
} from '../cards/dropin-cards.js';
import type { BotCommand } from '../router.js';

const APPLICANTS = ['applicant_lead', 'applicant_contributor'] as const;

export const sessionsCommand: BotCommand<{ page?: number }> = {
  verb: 'sessions',
  title: 'Drop-in sessions',
  description: 'see upcoming drop-in sessions; book, cancel or move a seat',
  aliases: ['sessions', 'drop in', 'drop ins', 'dropin', 'dropins', 'book', 'my bookings', 'bookings'],
  roles: APPLICANTS,
  inHelp: true,
  data: z.object({ page: z.coerce.number().int().min(0).max(1000).optional() }),
  async run({ svc, actor, data }) {
    const { sessions, mine } = await sessionsAndMyBookings(svc, actor);
    return sessionsCard(sessions, mine, { page: data.page ?? 0, joinUrl: (s) => joinLink(svc, s) });
  },
};

export const bookDropInCommand: BotCommand<{ sessionId: string; waitlist?: boolean }> = {
  verb: 'book_dropin',
  title: 'Book',
  description: 'book a drop-in session',
  aliases: [],
  roles: APPLICANTS,
  inHelp: false,
  data: z.object({ sessionId: z.string().min(1).max(100), waitlist: z.boolean().optional() }),
  async run({ svc, actor, data }) {
    let booking: Booking;
    try {
      booking = await bookDropIn(svc, actor, { sessionId: data.sessionId, waitlistIfFull: data.waitlist ?? false });
    } catch (e) {
      // A full session offers its waitlist, also when it filled up after the card was shown.
      const full =
        e instanceof DomainError && e.code === 'DROPIN_FULL'
          ? await svc.store.dropIns.getSession(data.sessionId)
          : null;
      if (full) return sessionFullCard(full);
      throw e;
    }
    const session = await svc.store.dropIns.getSession(booking.sessionId);
    if (!session) throw new DomainError('NOT_FOUND', 'That drop-in session no longer exists.');
    return bookedCard(session, booking, { ...icsOption(svc, booking.id), joinUrl: joinLink(svc, session) });
  },
};

export const cancelBookingCommand: BotCommand<{ bookingId: string; confirm?: boolean }> = {
  verb: 'cancel_booking',
  title: 'Cancel booking',
  description: 'cancel a drop-in booking or leave a waitlist',
  aliases: [],
  roles: APPLICANTS,
  inHelp: false,
  data: z.object({ bookingId: z.string().min(1).max(100), confirm: z.boolean().optional() }),
  async run({ svc, actor, data }) {
    if (!data.confirm) {
      // Confirmed first: a seat given up may go to someone on the waitlist at once.
      const booking = (await myBookings(svc, actor)).find((b) => b.id === data.bookingId);
      const session = booking ? await svc.store.dropIns.getSession(booking.sessionId) : null;
      if (booking && session && booking.status !== 'cancelled') return cancelBookingConfirmCard(session, booking);
    }
    try {
      const { cancelled } = await cancelBooking(svc, actor, { bookingId: data.bookingId });
      const before = (await svc.store.audit.forEntity('dropin_booking', cancelled.id)).find(
        (a) => a.action === 'cancel_dropin',
      );
      return bookingCancelledCard(
        await svc.store.dropIns.getSession(cancelled.sessionId),
        before?.fromState === 'waitlisted',
      );
    } catch (e) {
      if (e instanceof DomainError && e.code === 'STALE') {
        const { sessions, mine } = await sessionsAndMyBookings(svc, actor);
        return sessionsCard(sessions, mine, {
          notice: 'That booking was already cancelled. Here are the sessions as they are now.',
        });
      }
      throw e;
    }
  },
};

export const rebookCommand: BotCommand<{ bookingId: string; sessionId: string }> = {
  verb: 'rebook',
  title: 'Move booking',
  description: 'move a drop-in booking to another session',
  aliases: [],
  roles: APPLICANTS,
  inHelp: false,
  data: z.object({ bookingId: z.string().min(1).max(100), sessionId: z.string().min(1).max(100) }),
  async run({ svc, actor, data }) {
    const { booking } = await rebook(svc, actor, data);
    const session = await svc.store.dropIns.getSession(booking.sessionId);
    if (!session) throw new DomainError('NOT_FOUND', 'That drop-in session no longer exists.');
    return bookedCard(session, booking, {
      moved: true,
      ...icsOption(svc, booking.id),
      joinUrl: joinLink(svc, session),
    });
  },
};

export const DROPIN_COMMANDS: readonly BotCommand[] = [
  sessionsCommand,
  bookDropInCommand,
  cancelBookingCommand,
  rebookCommand,
];

/** The link people open to join a session's meeting (in local mode, the local meeting page). */
export function joinLink(svc: Services, session: DropInSession): string | null {
  return session.joinUrl && svc.links?.joinMeeting ? svc.links.joinMeeting(session.id) : session.joinUrl;
}

function icsOption(svc: { links?: { icsForBooking(id: string): string } }, bookingId: string): { icsUrl?: string } {
  return svc.links ? { icsUrl: svc.links.icsForBooking(bookingId) } : {};
}
