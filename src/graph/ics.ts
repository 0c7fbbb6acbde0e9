/**
 * .ics (iCalendar) file for a drop-in booking, for people outside Teams. Built with the `ics`
 * package; start/end are UTC instants (`startInputType/startOutputType: "utc"`), so the file is
 * unambiguous across daylight-saving changes; the description states the Europe/London wall time.
 */
import { createEvent, type EventAttributes } from 'ics';
import { DateTime } from 'luxon';

export interface BookingIcsInput {
  /** stable id of the booking/session, used for the UID so updates replace the entry */
  uid: string;
  title: string;
  description?: string;
  /** UTC instants (ISO 8601 with Z or offset) */
  startUtc: string;
  endUtc: string;
  joinUrl?: string;
  organiser: { name: string; email: string };
  attendee?: { name: string; email: string };
  /** increase on every change; default 0 */
  sequence?: number;
  method?: 'REQUEST' | 'CANCEL';
}

export const LONDON = 'Europe/London';

export function bookingIcs(b: BookingIcsInput): string {
  const start = DateTime.fromISO(b.startUtc, { setZone: true }).toUTC();
  const end = DateTime.fromISO(b.endUtc, { setZone: true }).toUTC();
  if (!start.isValid || !end.isValid || end <= start) throw new Error('invalid booking times');
  const local = `${start.setZone(LONDON).toFormat('cccc d LLLL yyyy, HH:mm')}–${end.setZone(LONDON).toFormat('HH:mm')} (UK time)`;
  const attrs: EventAttributes = {
    uid: b.uid,
    title: b.title,
    description: [b.description, local, b.joinUrl ? `Join in Microsoft Teams: ${b.joinUrl}` : undefined]
      .filter(Boolean)
      .join('\n\n'),
    start: start.toMillis(),
    startInputType: 'utc',
    startOutputType: 'utc',
    end: end.toMillis(),
    endInputType: 'utc',
    endOutputType: 'utc',
    organizer: { name: b.organiser.name, email: b.organiser.email },
    attendees: b.attendee
      ? [{ name: b.attendee.name, email: b.attendee.email, rsvp: true, partstat: 'ACCEPTED', role: 'REQ-PARTICIPANT' }]
      : [],
    status: b.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED',
    sequence: b.sequence ?? 0,
    method: b.method ?? 'REQUEST',
    productId: 'nhs-england/wexqs',
    calName: 'WExQS drop-in sessions',
    ...(b.joinUrl ? { url: b.joinUrl, location: 'Microsoft Teams meeting' } : {}),
  };
  const { error, value } = createEvent(attrs);
  if (error || !value) throw error ?? new Error('ics generation failed');
  return value;
}
