/** Admins' drop-in attendance: the recent sessions, and each session's roster to mark attendance. */
import { ATTENDANCE_SOURCE_LABELS } from '../../src/domain/attendance.js';
import { formatLondon } from '../../src/domain/time.js';
import type { SessionWithSeats } from '../../src/store/dropin-repository.js';
import type { SessionRoster } from '../../src/workflows/attendance.js';
import {
  actionSet,
  card,
  columns,
  container,
  execute,
  heading,
  notice,
  text,
  textInput,
  truncate,
  type AdaptiveCard,
  type CardElement,
} from './card-kit.js';

/** Roster lines shown on one card (the card stays well under Teams' size limit). */
export const ROSTER_LINES = 40;

export function recentSessionsCard(sessions: readonly SessionWithSeats[]): AdaptiveCard {
  const body: CardElement[] = [
    ...heading('Drop-in attendance', 'Sessions of the last 8 weeks. Times are UK time.'),
    text(
      'Attendance is read from each Teams meeting’s attendance report after the session ends. Open a roster to mark people who joined by phone or from a room device.',
      { isSubtle: true },
    ),
  ];
  if (sessions.length === 0) body.push(text('No drop-in sessions in the last 8 weeks.'));
  for (const s of sessions.slice(0, 20)) {
    body.push(
      columns([
        {
          items: [
            text(`**${truncate(s.title, 80)}**`),
            text(`${formatLondon(s.startsAt)} · ${s.booked} booked`, { isSubtle: true }),
          ],
        },
        { width: 'auto', items: [actionSet([execute('Roster', 'dropin_roster', { sessionId: s.id })])] },
      ]),
    );
  }
  return card(body, [execute('Back to menu', 'help')], 'Drop-in attendance');
}

function collectionLine(r: SessionRoster): string {
  if (r.collection.status === 'no_report')
    return 'No Teams attendance report came for this session: mark attendance here.';
  if (r.collection.reports > 0)
    return `Read from ${r.collection.reports} Teams attendance report${r.collection.reports === 1 ? '' : 's'}${r.collection.checkedAt ? ` (last ${formatLondon(r.collection.checkedAt)})` : ''}.`;
  return 'The Teams attendance report has not been read yet (it is looked for after the session ends).';
}

export function rosterCard(r: SessionRoster, message?: string): AdaptiveCard {
  const attended = r.entries.filter((e) => e.booking.attended).length;
  const body: CardElement[] = [
    ...(message ? [notice(message, 'good')] : []),
    ...heading(truncate(r.session.title, 120), `${formatLondon(r.session.startsAt)} · UK time`),
    text(`${attended} of ${r.entries.length} attended. ${collectionLine(r)}`),
  ];
  for (const e of r.entries.slice(0, ROSTER_LINES)) {
    const source = e.booking.attendedSource ? ` (${ATTENDANCE_SOURCE_LABELS[e.booking.attendedSource]})` : '';
    body.push(
      columns([
        {
          items: [
            text(`**${truncate(e.person.displayName, 80)}** · ${truncate(e.organisationName, 80)}`),
            text(e.booking.attended ? `✓ Attended${source}` : 'Not recorded as attended', {
              isSubtle: !e.booking.attended,
              ...(e.booking.attended ? { color: 'Good' as const } : {}),
            }),
          ],
        },
        {
          width: 'auto',
          items: [
            actionSet([
              e.booking.attended
                ? execute('Did not attend', 'mark_attendance', {
                    sessionId: r.session.id,
                    personId: e.person.id,
                    attended: false,
                  })
                : execute(
                    'Attended',
                    'mark_attendance',
                    { sessionId: r.session.id, personId: e.person.id, attended: true },
                    'positive',
                  ),
            ]),
          ],
        },
      ]),
    );
  }
  if (r.entries.length > ROSTER_LINES)
    body.push(text(`…and ${r.entries.length - ROSTER_LINES} more.`, { isSubtle: true }));
  body.push(
    container([
      text('**Someone who joined without booking** (by phone, from a room device)', { size: 'Small' }),
      textInput('email', 'Their email address in WEx QS', { placeholder: 'name@nhs.net', maxLength: 320 }),
      actionSet([execute('Mark attended', 'mark_attendance', { sessionId: r.session.id, attended: true })]),
    ]),
  );
  return card(body, [execute('All sessions', 'attendance'), execute('Back to menu', 'help')], 'Drop-in roster');
}
