/**
 * Every card builder, in every workflow state, validated with the Adaptive Cards parser at 1.5
 * plus our own checks (tests/bot/card-validator.ts); the largest realistic inputs stay < 40 KB.
 */
import { describe, expect, it } from 'vitest';
import {
  adminApplicationCard,
  applicationsListCard,
  assignCard,
  dashboardCard,
  intakeCard,
  provisioningCard,
} from '../../bot/cards/admin-cards.js';
import {
  applicantApplicationCard,
  commentarySectionCard,
  evidenceCard,
  formatPages,
  notReadyCard,
  parsePages,
  submitConfirmCard,
  withdrawConfirmCard,
} from '../../bot/cards/applicant-cards.js';
import { applicationRequestedCard, cycleCard, eligibilityCard } from '../../bot/cards/application-cards.js';
import { docKey, staleNotice } from '../../bot/cards/application-common.js';
import { cardBytes, withRefresh, withRefreshForEveryone, type AdaptiveCard } from '../../bot/cards/card-kit.js';
import {
  bookedCard,
  bookingCancelledCard,
  promotedCard,
  sessionFullCard,
  sessionsCard,
} from '../../bot/cards/dropin-cards.js';
import { helpCard } from '../../bot/cards/help-card.js';
import { recentSessionsCard, ROSTER_LINES, rosterCard } from '../../bot/cards/attendance-cards.js';
import { errorCard, otherTenantCard, unexpectedErrorCard, unknownUserCard } from '../../bot/cards/message-cards.js';
import { assessSectionCard, queueCard, reviewerApplicationCard } from '../../bot/cards/review-cards.js';
import { criteriaUpTo } from '../../src/domain/framework.js';
import { DEFAULT_FRAMEWORK } from '../../src/domain/framework-default.js';
import { assessReadiness } from '../../src/domain/readiness.js';
import { APPLICATION_STATES, SECTION_NUMBERS, type ApplicationState, type Level } from '../../src/domain/types.js';
import type { ApplicationView } from '../../src/workflows/application-view.js';
import { cycleAt, T0 } from '../support/fixtures.js';
import { assertValidCard, validateCard } from './card-validator.js';

const DAY = 86_400_000;
const cycle = cycleAt(T0);
const org = { id: 'org-a', name: 'Alpha Hospitals NHS Foundation Trust with a Rather Long Name', code: 'A1' };
const reviewers = [
  {
    id: 'rev-1',
    displayName: 'Rita Reviewer',
    email: 'r@x',
    entraObjectId: null,
    organisationId: null,
    roles: ['reviewer' as const],
  },
  {
    id: 'rev-2',
    displayName: 'Ravi Reviewer',
    email: 'r2@x',
    entraObjectId: null,
    organisationId: null,
    roles: ['reviewer' as const],
  },
];

function docs(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    key: `k${i}`,
    name: `Evidence document number ${String(i).padStart(2, '0')} with a descriptive, longish file name.pdf`,
    section: ((i % 6) + 1) as 1,
    evidenceDate: i % 7 === 0 ? new Date(T0.getTime() - 400 * DAY) : null,
    lastModified: new Date(T0.getTime() - 10 * DAY),
    completed: i % 5 !== 0,
    webUrl: `https://contoso.sharepoint.com/doc/${i}`,
    listedAt: T0,
    declaredBy: null,
  }));
}

function view(
  state: ApplicationState,
  over: { level?: Level | null; documents?: number; long?: boolean; disagree?: boolean } = {},
): ApplicationView {
  const level = over.level === undefined ? 'gold' : over.level;
  const documents = docs(over.documents ?? 14);
  const long = over.long ? 'x'.repeat(3990) : 'We use the policy in every department.';
  const criteria = criteriaUpTo(DEFAULT_FRAMEWORK, level ?? 'gold');
  const commentary = criteria.map((c, i) => ({
    criterionId: c.id,
    text: i % 4 === 0 ? '' : long,
    references:
      documents.length === 0
        ? []
        : [0, 1, 2].map((j) => ({ documentName: documents[(i + j) % documents.length]!.name, pages: [1, 2, 3, 7, 9] })),
  }));
  const application = {
    id: '6f1d2c3b-aaaa-4bbb-8ccc-123456789abc',
    organisationId: org.id,
    cycleId: cycle.id,
    state,
    targetLevel: level,
    version: 7,
    requestedAt: T0,
    submittedAt: ['requested', 'open'].includes(state) ? null : T0,
    submittedLate: state === 'in_review',
  };
  const decided = ['decided', 'communicated'].includes(state);
  return {
    application,
    cycle,
    organisation: org,
    inspections: [],
    dismissals: [],
    framework: DEFAULT_FRAMEWORK,
    commentary,
    documents,
    documentsListedAt: T0,
    readiness: level
      ? assessReadiness({ framework: DEFAULT_FRAMEWORK, targetLevel: level, commentary, documents, at: T0 })
      : null,
    reviewers,
    assessments: criteria.slice(0, 5).map((c) => ({
      applicationId: application.id,
      reviewerId: 'rev-1',
      criterionId: c.id,
      outcome: 'partly_met' as const,
      note: long,
      updatedAt: T0,
    })),
    recommendations: ['recommended', 'decided', 'communicated'].includes(state)
      ? [
          {
            applicationId: application.id,
            reviewerId: 'rev-1',
            level: 'gold' as const,
            strengths: long,
            improvements: long,
            recommendedAt: T0,
          },
          {
            applicationId: application.id,
            reviewerId: 'rev-2',
            level: over.disagree ? ('silver' as const) : ('gold' as const),
            strengths: long,
            improvements: long,
            recommendedAt: T0,
          },
        ]
      : [],
    clarifications: [
      {
        id: 'c1',
        applicationId: application.id,
        askedBy: 'rev-1',
        question: long,
        askedAt: T0,
        answer: long,
        answeredBy: 'lead-a',
        answeredAt: T0,
      },
      ...(state === 'clarification_requested'
        ? [
            {
              id: 'c2',
              applicationId: application.id,
              askedBy: 'rev-1',
              question: 'Which departments?',
              askedAt: T0,
              answer: null,
              answeredBy: null,
              answeredAt: null,
            },
          ]
        : []),
    ],
    decision: decided
      ? {
          applicationId: application.id,
          level: 'gold',
          feedbackStrengths: long,
          feedbackImprovements: long,
          decidedAt: T0,
          decidedBy: 'admin-1',
        }
      : null,
    award: decided
      ? {
          id: 'award-1',
          applicationId: application.id,
          cycleId: 'cycle-1',
          organisationId: org.id,
          organisationName: org.name,
          level: 'gold',
          validFrom: T0,
          validUntil: new Date(T0.getTime() + 730 * DAY),
          verificationCode: '0123456789ABCDEF',
          illustrative: true,
          issuedAt: T0,
          revokedAt: null,
          revokedBy: null,
          revokeReason: null,
        }
      : null,
    downloads: decided
      ? {
          certificate: 'https://wexqs.example/files/awards/award-1/certificate.pdf?exp=1&sig=x',
          badgePng: 'https://wexqs.example/files/awards/award-1/badge.png?exp=1&sig=x',
          badgeSvg: 'https://wexqs.example/files/awards/award-1/badge.svg?exp=1&sig=x',
          verify: 'https://wexqs.example/verify/0123456789ABCDEF',
          feedbackReport: 'https://wexqs.example/files/applications/app-1/feedback.pdf?exp=1&sig=x',
        }
      : null,
    folder: { webUrl: 'https://contoso.sharepoint.com/sites/wexqs/Evidence/org-a' },
    now: T0,
    daysLeft: 30,
  };
}

const cards: [string, () => AdaptiveCard][] = [];
const add = (label: string, build: () => AdaptiveCard) => cards.push([label, build]);
const notice = {
  message: staleNotice({
    changedByName: 'Alex Morgan',
    lastAction: 'open',
    changedAt: T0.toISOString(),
    currentState: 'open',
  }),
  tone: 'warning' as const,
};

for (const state of APPLICATION_STATES) {
  for (const variant of [{}, { long: true, documents: 60 }, { level: null }, { disagree: true }] as const) {
    const tag = `${state} ${JSON.stringify(variant)}`;
    add(`applicant ${tag}`, () => applicantApplicationCard(view(state, variant), { notice, canSubmit: true }));
    add(`reviewer ${tag}`, () => reviewerApplicationCard(view(state, variant), 'rev-1', { notice }));
    add(`admin ${tag}`, () => adminApplicationCard(view(state, variant), { notice }));
  }
}
for (const section of SECTION_NUMBERS) {
  for (const level of ['bronze', 'gold', null] as const) {
    for (const n of [0, 5, 60]) {
      add(`commentary s${section} ${level} ${n} docs`, () =>
        commentarySectionCard(view('open', { level, documents: n, long: true }), section, { notice }),
      );
    }
    add(`assess s${section} ${level}`, () =>
      assessSectionCard(view('in_review', { level, long: true }), 'rev-1', section, { notice }),
    );
  }
}
for (const n of [0, 3, 60])
  for (const page of [0, 1, 2])
    add(`evidence ${n} docs page ${page}`, () => evidenceCard(view('open', { documents: n }), page));
add('withdraw confirm', () => withdrawConfirmCard(view('open')));
add('submit confirm', () =>
  submitConfirmCard(
    view('open'),
    view('open').readiness!.problems.filter((p) => p.severity === 'soft'),
    true,
  ),
);
add('not ready', () =>
  notReadyCard(
    view('open'),
    view('open', { documents: 60 }).readiness!.problems.map((p) => p.message),
  ),
);
const dashRows = APPLICATION_STATES.map((s, i) => ({
  application: { ...view(s).application, id: `app-${i}` },
  organisation: org,
  reviewers: i % 2,
  reason: 'needs action',
}));
const dash = {
  cycle,
  counts: Object.fromEntries(APPLICATION_STATES.map((s) => [s, 3])) as Record<ApplicationState, number>,
  total: 30,
  overdue: dashRows,
  unassigned: dashRows,
  toAct: dashRows,
  withOpenFindings: 4,
};
add('dashboard', () => dashboardCard(dash, { notice }));
add('dashboard empty paused', () =>
  dashboardCard({ ...dash, cycle: { ...cycle, intakePaused: true }, overdue: [], unassigned: [], toAct: [], total: 0 }),
);
add('applications list', () => applicationsListCard([...dashRows, ...dashRows, ...dashRows, ...dashRows], cycle));
add('applications list empty', () => applicationsListCard([], null));
const options = [...reviewers, { ...reviewers[0]!, id: 'rev-a', organisationId: 'org-a' }].map((person, i) => ({
  person,
  load: i,
  eligible: i < 2,
}));
add('assign', () => assignCard(view('submitted'), options));
add('assign none eligible', () =>
  assignCard(
    view('submitted'),
    options.map((o) => ({ ...o, eligible: false })),
  ),
);
for (const status of ['starting', 'running', 'finished', 'failed'] as const) {
  add(`provisioning ${status}`, () =>
    provisioningCard({
      runId: 'r1',
      cycleName: cycle.name,
      total: 1000,
      done: 400,
      failed: 3,
      status,
      startedAt: T0,
      failures: [{ organisation: org.name, reason: 'throttled' }],
    }),
  );
}
add('intake open', () => intakeCard(cycle));
add('intake paused', () => intakeCard({ ...cycle, intakePaused: true }));
const queueItems = APPLICATION_STATES.map((s) => ({
  application: view(s).application,
  organisation: org,
  cycleName: cycle.name,
  assessed: 3,
  criteria: 22,
}));
add('queue', () => queueCard([...queueItems, ...queueItems, ...queueItems]));
add('queue empty', () => queueCard([]));
const session = {
  id: 's1',
  title: 'WEx QS drop-in: bronze, silver or gold?',
  startsAt: new Date(T0.getTime() + 5 * DAY),
  endsAt: new Date(T0.getTime() + 5 * DAY + 3600_000),
  capacity: 10,
  cancelled: false,
  joinUrl: 'https://teams.microsoft.com/l/meetup-join/x',
};
const sessions = [0, 1, 2, 3].map((i) => ({
  ...session,
  id: `s${i}`,
  booked: i === 2 ? 10 : i,
  waitlisted: i === 2 ? 3 : 0,
}));
const booking = (sessionId: string, status: 'booked' | 'waitlisted') => ({
  id: `b-${sessionId}`,
  sessionId,
  personId: 'lead-a',
  organisationId: 'org-a',
  status,
  attended: false,
  createdAt: T0,
});
add('sessions', () =>
  sessionsCard(sessions, [booking('s1', 'booked'), booking('s2', 'waitlisted')], { notice: 'Done.' }),
);
add('sessions none', () => sessionsCard([], []));
add('booked', () => bookedCard(session, booking('s1', 'booked')));
add('waitlisted', () => bookedCard({ ...session, joinUrl: null }, booking('s1', 'waitlisted')));
add('moved', () => bookedCard(session, booking('s1', 'booked'), { moved: true }));
add('booked with .ics link', () =>
  bookedCard(session, booking('s1', 'booked'), { icsUrl: 'https://wexqs.example/ics/bookings/b1?exp=1&sig=x' }),
);
add('cancelled', () => bookingCancelledCard(session, false));
add('left waitlist', () => bookingCancelledCard(null, true));
add('promoted', () => promotedCard(session, booking('s1', 'booked')));
add('session full (offers the waitlist)', () => sessionFullCard(session));
add('eligible', () =>
  eligibilityCard(org, { eligible: true, lastAttended: T0, expiresAt: T0, source: 'teams_report' }),
);
add('eligible (marked by an admin)', () =>
  eligibilityCard(org, { eligible: true, lastAttended: T0, expiresAt: T0, source: 'admin' }),
);
add('not eligible', () =>
  eligibilityCard(org, { eligible: false, reason: 'attendance_too_old', lastAttended: T0, source: null }),
);
add('never attended', () =>
  eligibilityCard(org, { eligible: false, reason: 'never_attended', lastAttended: null, source: null }),
);
add('requested', () => applicationRequestedCard(org, cycle, view('requested').application));
add('cycle', () => cycleCard(cycle));
add('another tenant', () => otherTenantCard());
const dropIn = {
  id: 'd1',
  title: 'Tuesday drop-in',
  startsAt: T0,
  endsAt: new Date(T0.getTime() + 3_600_000),
  capacity: 60,
  cancelled: false,
  joinUrl: null,
};
const rosterEntry = (i: number, attended: boolean) => ({
  booking: {
    id: `b${i}`,
    sessionId: 'd1',
    personId: `p${i}`,
    organisationId: 'org-a',
    status: 'booked' as const,
    attended,
    createdAt: T0,
    attendedSource: attended ? (i % 2 ? ('teams_report' as const) : ('admin' as const)) : null,
  },
  person: { id: `p${i}`, displayName: `Person ${i}` },
  organisationName: 'Alpha NHS Trust',
});
add('attendance: recent sessions', () => recentSessionsCard([{ ...dropIn, booked: 12, waitlisted: 0 }]));
add('attendance: no recent sessions', () => recentSessionsCard([]));
add('attendance: roster, report read', () =>
  rosterCard(
    {
      session: dropIn,
      entries: [rosterEntry(1, true), rosterEntry(2, false), rosterEntry(3, false)],
      collection: { status: 'collected', reports: 2, checkedAt: T0 },
    },
    'Recorded: Person 2 attended.',
  ),
);
add('attendance: roster, no report came, longest', () =>
  rosterCard({
    session: dropIn,
    entries: Array.from({ length: ROSTER_LINES + 5 }, (_, i) => rosterEntry(i, i % 3 === 0)),
    collection: { status: 'no_report', reports: 0, checkedAt: null },
  }),
);
add('attendance: roster, one report, not dated', () =>
  rosterCard({ session: dropIn, entries: [], collection: { status: 'pending', reports: 1, checkedAt: null } }),
);
add('help', () =>
  helpCard({
    person: reviewers[0]!,
    organisation: org,
    entries: [{ verb: 'queue', title: 'Queue', description: 'd', typed: 'queue' }],
    greeting: true,
    notUnderstood: 'blah',
  }),
);
add('error', () => errorCard('Nope', 'Message', 'Next step', { title: 'Retry', verb: 'help' }));
add('unexpected', () => unexpectedErrorCard('ABCD1234'));
add('unknown user', () => unknownUserCard('Jordan'));
add('with refresh', () =>
  withRefresh(
    applicantApplicationCard(view('clarification_requested')),
    'app_view',
    { applicationId: 'x' },
    Array.from({ length: 70 }, (_, i) => `29:user-${i}`),
  ),
);
add('help in a group chat (refreshed for each viewer)', () =>
  withRefreshForEveryone(
    helpCard({
      person: reviewers[0]!,
      organisation: org,
      entries: [{ verb: 'queue', title: 'Queue', description: 'd', typed: 'queue' }],
      greeting: false,
    }),
    'help',
  ),
);

describe('card builders', () => {
  it.each(cards)('%s is a valid 1.5 card under 40 KB', (_label, build) => {
    const c = build();
    expect(validateCard(c)).toEqual([]);
  });

  it('covers every workflow state for every role', () => {
    expect(cards.length).toBeGreaterThan(150);
  });

  it('the largest commentary card (gold, 60 long-named documents, long text) stays under 40 KB', () => {
    const sizes = SECTION_NUMBERS.map((s) =>
      cardBytes(commentarySectionCard(view('open', { level: 'gold', documents: 60, long: true }), s)),
    );
    expect(Math.max(...sizes)).toBeLessThan(40 * 1024);
  });

  it('the validator catches what the parser misses', () => {
    const bad = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [
        { type: 'TextBlock', text: ' ' },
        { type: 'Input.Text', id: 'a' },
        { type: 'Input.Text', id: 'a' },
      ],
      actions: [
        { type: 'Action.OpenUrl', title: 'x' },
        { type: 'Action.Execute', title: 'y' },
      ],
    };
    const problems = validateCard(bad).join('\n');
    expect(problems).toMatch(/empty TextBlock/);
    expect(problems).toMatch(/OpenUrl without/);
    expect(problems).toMatch(/without verb/);
    expect(problems).toMatch(/input id a used 2 times|Duplicate/i);
    expect(() => assertValidCard({ ...bad, version: '1.6' })).toThrow();
  });

  it('page numbers parse forgivingly and format compactly', () => {
    expect(parsePages('1, 3-5 p7;pp.9')).toEqual([1, 3, 4, 5, 7, 9]);
    expect(parsePages('')).toEqual([]);
    expect(parsePages('two')).toBeNull();
    expect(parsePages('0')).toBeNull();
    expect(formatPages([5, 1, 2, 3, 9])).toBe('1-3, 5, 9');
    expect(docKey(' Policy.PDF ')).toBe(docKey('policy.pdf'));
  });

  it('the stale notice says what changed and by whom', () => {
    expect(staleNotice({ changedByName: 'Alex Morgan', lastAction: 'submit', currentState: 'submitted' })).toContain(
      'Alex Morgan submitted the application',
    );
    expect(staleNotice({})).toContain('Someone else changed the application');
  });
});
