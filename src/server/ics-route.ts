/**
 * GET /ics/bookings/:bookingId — the booking's drop-in as an iCalendar file, for people whose
 * calendar is outside Teams. The link is signed (src/server/signed-links.ts); a cancelled booking
 * or session gives a CANCEL file so the calendar entry disappears.
 */
import type { Express } from 'express';
import { bookingIcs } from '../graph/ics.js';
import type { Services } from '../workflows/services.js';
import { badRequest, icsParams, icsQuery } from './http-input.js';
import type { LinkSigner } from './signed-links.js';

export const icsPath = (bookingId: string) => `/ics/bookings/${encodeURIComponent(bookingId)}`;

export function mountIcsRoute(
  app: Express,
  deps: { svc: Services; signer: LinkSigner; organiser: { name: string; email: string } },
): void {
  app.get('/ics/bookings/:bookingId', async (req, res) => {
    const p = icsParams.safeParse(req.params);
    const q = icsQuery.safeParse(req.query);
    if (!p.success || !q.success)
      return badRequest(
        res,
        'invalid_link',
        'This calendar link is not valid. Open the booking in Teams for a new one.',
      );
    const { svc } = deps;
    if (!deps.signer.verify(icsPath(p.data.bookingId), q.data.exp, q.data.sig, svc.clock.now())) {
      return void res.status(403).json({
        error: 'link_expired_or_invalid',
        message: 'This calendar link has expired or is not valid. Open the booking in Teams for a new one.',
      });
    }
    const booking = await svc.store.dropIns.getBooking(p.data.bookingId);
    const session = booking ? await svc.store.dropIns.getSession(booking.sessionId) : null;
    const person = booking ? await svc.store.people.get(booking.personId) : null;
    if (!booking || !session || !person) return void res.status(404).json({ error: 'not_found' });
    const cancelled = booking.status === 'cancelled' || session.cancelled;
    const ics = bookingIcs({
      uid: `wexqs-dropin-${session.id}-${booking.id}@wexqs`,
      title: session.title,
      description: 'NHS England Work Experience Quality Standard drop-in session.',
      startUtc: session.startsAt.toISOString(),
      endUtc: session.endsAt.toISOString(),
      ...(session.joinUrl ? { joinUrl: session.joinUrl } : {}),
      organiser: deps.organiser,
      attendee: { name: person.displayName, email: person.email },
      sequence: cancelled ? 1 : 0,
      method: cancelled ? 'CANCEL' : 'REQUEST',
    });
    res
      .status(200)
      .type('text/calendar; charset=utf-8')
      .setHeader('Content-Disposition', 'attachment; filename="wexqs-drop-in.ics"')
      .setHeader('Cache-Control', 'private, no-store')
      .send(ics);
  });
}
