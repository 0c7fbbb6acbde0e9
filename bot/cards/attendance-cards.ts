/** Admins' drop-in attendance: the recent sessions, and each session's roster to mark attendance. */
import { ATTENDANCE_SOURCE_LABELS } from '../../src/domain/attendance.js';
import { formatLondon } from '../../src/domain/time.js';
import type { SessionWithSeats } from '../../src/store/dropin-repository.js';
import type { SessionRoster } from '../../src/workflows/attendance.js';
import {
  actionSet,
  callout,
  card,
  columns,
  container,
  execute,
  heading,
  notice,
  pageButtons,
  pageBySize,
  rich,
  strong,
  text,
  textInput,
  truncate,
  type AdaptiveCard,
  type CardElement,
  type PagePosition,
} from './card-kit.js';

/** At most this many people on one page of a roster (fewer when the card would be too big). */
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
            rich([strong(truncate(s.title, 80))]),
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

/**
 * A session's roster, a page at a time (a long roster would pass Teams' card size limit): each
 * person with whether they attended and a button to mark it, then a box for someone who joined
 * without booking. Marking keeps the admin on the page they were on.
 */
export function rosterCard(r: SessionRoster, message?: string, page = 0): AdaptiveCard {
  const pages = pageBySize(r.entries, (slice, pos) => buildRosterCard(r, slice, pos, message), {
    maxPerPage: ROSTER_LINES,
  });
  const index = Math.min(Math.max(0, page), pages.length - 1);
  return buildRosterCard(r, pages[index]!, { index, count: pages.length }, message);
}

function buildRosterCard(
  r: SessionRoster,
  slice: readonly SessionRoster['entries'][number][],
  page: PagePosition,
  message?: string,
): AdaptiveCard {
  const attended = r.entries.filter((e) => e.booking.attended).length;
  const first = r.entries.indexOf(slice[0]!) + 1;
  const body: CardElement[] = [
    ...(message ? [notice(message, 'good')] : []),
    ...heading(truncate(r.session.title, 120), `${formatLondon(r.session.startsAt)} · UK time`),
    text(`${attended} of ${r.entries.length} attended. ${collectionLine(r)}`),
  ];
  if (page.count > 1)
    body.push(
      text(
        `Showing ${first}–${first + slice.length - 1} of ${r.entries.length} (page ${page.index + 1} of ${page.count}). ${page.index + 1 < page.count ? 'Press “Next page” for the rest.' : 'Press “Previous page” for the others.'}`,
        { isSubtle: true },
      ),
    );
  const here = { sessionId: r.session.id, page: page.index };
  for (const e of slice) {
    const source = e.booking.attendedSource ? ` (${ATTENDANCE_SOURCE_LABELS[e.booking.attendedSource]})` : '';
    body.push(
      columns([
        {
          items: [
            rich([strong(truncate(e.person.displayName, 80)), ` · ${truncate(e.organisationName, 80)}`]),
            e.booking.attended
              ? callout('good', [text(`✓ Attended${source}`)])
              : text('Not recorded as attended', { isSubtle: true }),
          ],
        },
        {
          width: 'auto',
          items: [
            actionSet([
              e.booking.attended
                ? execute('Did not attend', 'mark_attendance', { ...here, personId: e.person.id, attended: false })
                : execute(
                    'Attended',
                    'mark_attendance',
                    { ...here, personId: e.person.id, attended: true },
                    'positive',
                  ),
            ]),
          ],
        },
      ]),
    );
  }
  body.push(
    container([
      text('**Someone who joined without booking** (by phone, from a room device)', { size: 'Small' }),
      textInput('email', 'Their email address in WEx QS', { placeholder: 'name@nhs.net', maxLength: 320 }),
      actionSet([execute('Mark attended', 'mark_attendance', { ...here, attended: true })]),
    ]),
  );
  return card(
    body,
    [
      ...pageButtons(page, 'dropin_roster', (i) => ({ sessionId: r.session.id, page: i })),
      execute('All sessions', 'attendance'),
      execute('Back to menu', 'help'),
    ],
    'Drop-in roster',
  );
}
