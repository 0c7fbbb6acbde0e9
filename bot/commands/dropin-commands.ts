import { z } from 'zod';
import { DomainError } from '../../src/domain/errors.js';
import { bookDropIn, listUpcomingSessions } from '../../src/workflows/dropins.js';
import { bookedCard, sessionsCard } from '../cards/dropin-cards.js';
import type { BotCommand } from '../router.js';

const APPLICANTS = ['applicant_lead', 'applicant_contributor'] as const;

export const sessionsCommand: BotCommand = {
  verb: 'sessions',
  title: 'Drop-in sessions',
  description: 'see upcoming drop-in sessions and book a seat',
  aliases: ['sessions', 'drop in', 'drop ins', 'dropin', 'dropins', 'book'],
  roles: APPLICANTS,
  inHelp: true,
  async run({ svc, actor }) {
    const sessions = await listUpcomingSessions(svc, actor);
    const mine = await svc.store.dropIns.bookingsForPerson(actor.personId);
    return sessionsCard(sessions, new Set(mine.filter((b) => b.status !== 'cancelled').map((b) => b.sessionId)));
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
    const booking = await bookDropIn(svc, actor, { sessionId: data.sessionId, waitlistIfFull: data.waitlist ?? false });
    const session = await svc.store.dropIns.getSession(booking.sessionId);
    if (!session) throw new DomainError('NOT_FOUND', 'That drop-in session no longer exists.');
    return bookedCard(session, booking);
  },
};
