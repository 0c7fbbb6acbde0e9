import { ATTENDANCE_SOURCE_LABELS } from '../../src/domain/attendance.js';
import { ELIGIBILITY_WEEKS, type Eligibility } from '../../src/domain/dropins.js';
import { formatLondon } from '../../src/domain/time.js';
import type { Application, Cycle, Organisation } from '../../src/domain/types.js';
import { card, execute, facts, heading, plural, text, type AdaptiveCard } from './card-kit.js';

export type EligibilityView = Eligibility;

/** "Attendance recorded from the Teams meeting's attendance report." — when the source is known. */
function sourceLine(e: EligibilityView): ReturnType<typeof text>[] {
  return e.source ? [text(`Attendance recorded ${ATTENDANCE_SOURCE_LABELS[e.source]}.`, { isSubtle: true })] : [];
}

export function eligibilityCard(organisation: Organisation, e: EligibilityView): AdaptiveCard {
  if (e.eligible) {
    return card(
      [
        ...heading('You are eligible to apply', organisation.name),
        text(`Your organisation attended a drop-in session on ${formatLondon(e.lastAttended, 'date')}.`),
        ...sourceLine(e),
        text(
          `Request your application before ${formatLondon(e.expiresAt, 'date')}, when that attendance stops counting (${ELIGIBILITY_WEEKS} weeks).`,
        ),
      ],
      [execute('Request application', 'request_application', {}, 'positive'), execute('Back to menu', 'help')],
      'Eligible to apply',
    );
  }
  const why =
    e.reason === 'never_attended'
      ? 'Nobody from your organisation has attended a drop-in session yet.'
      : `Your organisation last attended a drop-in on ${formatLondon(e.lastAttended!, 'date')}, more than ${ELIGIBILITY_WEEKS} weeks ago.`;
  return card(
    [
      ...heading('Not eligible yet', organisation.name),
      text(why),
      ...sourceLine(e),
      text(
        `**What to do next:** book and attend a drop-in session. Attendance counts for ${ELIGIBILITY_WEEKS} weeks. ` +
          'Joining the session in Teams records it; if you joined by phone, tell the WEx QS team.',
      ),
    ],
    [execute('See drop-in sessions', 'sessions', {}, 'positive'), execute('Back to menu', 'help')],
    'Not eligible yet',
  );
}

export function applicationRequestedCard(organisation: Organisation, cycle: Cycle, app: Application): AdaptiveCard {
  return card(
    [
      ...heading('Application requested', organisation.name),
      text(
        "Thank you. The WEx QS team will open your application and share your organisation's private evidence folder.",
      ),
      facts([
        ['Cycle', cycle.name],
        ['Submission deadline', `${formatLondon(cycle.submissionDeadline, 'datetime')} (UK time)`],
        ['Reference', app.id.slice(0, 8).toUpperCase()],
      ]),
    ],
    [execute('Back to menu', 'help')],
    'Application requested',
  );
}

export function cycleCard(cycle: Cycle): AdaptiveCard {
  const grace = cycle.graceMinutes > 0 ? ` (late submissions accepted for ${formatGrace(cycle.graceMinutes)})` : '';
  return card(
    [
      ...heading(cycle.name, 'Dates are UK time'),
      facts([
        ['Submission deadline', `${formatLondon(cycle.submissionDeadline, 'datetime')}${grace}`],
        ['Review', `${formatLondon(cycle.reviewStart, 'date')} to ${formatLondon(cycle.reviewEnd, 'date')}`],
        ['Decisions', `${formatLondon(cycle.decisionStart, 'date')} to ${formatLondon(cycle.decisionEnd, 'date')}`],
        ['New applications', cycle.intakePaused ? 'Paused' : 'Open'],
      ]),
    ],
    [execute('Back to menu', 'help')],
    cycle.name,
  );
}

function formatGrace(minutes: number): string {
  if (minutes % (24 * 60) === 0) return plural(minutes / (24 * 60), 'day', 'days');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour', 'hours');
  return plural(minutes, 'minute', 'minutes');
}
