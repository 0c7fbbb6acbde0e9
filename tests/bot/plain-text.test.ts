/**
 * Text people typed or named is shown as text in every card: a clarification answer, commentary,
 * feedback, notes, document, organisation, person, session and cycle names, what someone typed
 * to the bot, holding `[Full evidence pack](https://…)` and `**DECISION: GOLD APPROVED**`, never
 * reaches a field Teams reads as Markdown unescaped (so it can be neither a link nor bold), and
 * the reader still sees it exactly as it was typed.
 */
import { describe, expect, it } from 'vitest';
import {
  adminApplicationCard,
  applicationsListCard,
  assignCard,
  dashboardCard,
  provisioningCard,
  recommendationCard,
} from '../../bot/cards/admin-cards.js';
import {
  applicantApplicationCard,
  commentarySectionCard,
  evidenceCard,
  notReadyCard,
  submitConfirmCard,
  withdrawConfirmCard,
} from '../../bot/cards/applicant-cards.js';
import { cycleCard, eligibilityCard } from '../../bot/cards/application-cards.js';
import { escapeMarkdown, type AdaptiveCard } from '../../bot/cards/card-kit.js';
import { bookedCard, cancelBookingConfirmCard, promotedCard, sessionsCard } from '../../bot/cards/dropin-cards.js';
import { helpCard } from '../../bot/cards/help-card.js';
import { errorCard, notForYouCard, unknownUserCard } from '../../bot/cards/message-cards.js';
import { reminderCard, reminderPreviewCard } from '../../bot/cards/reminder-cards.js';
import { assessSectionCard, queueCard, reviewerApplicationCard } from '../../bot/cards/review-cards.js';
import { APPLICATION_STATES, SECTION_NUMBERS } from '../../src/domain/types.js';
import { T0 } from '../support/fixtures.js';
import { assertValidCard } from './card-validator.js';
import {
  dashboard,
  dashboardRows,
  extremeView,
  HOSTILE,
  HOSTILE_DATA,
  HOSTILE_MARKERS,
  sessions,
} from './card-extremes.js';
import { cardText, unescapeMarkdown } from './helpers.js';

/** The text of every field Teams reads as Markdown: TextBlock text, fact titles and values. */
function markdownFields(c: unknown): string[] {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
    if (o.type === 'FactSet') for (const f of o.facts as { title: string; value: string }[]) out.push(f.title, f.value);
    for (const v of Object.values(o)) walk(v);
  };
  walk(c);
  return out;
}

const x = HOSTILE_DATA;
const cards: [string, () => AdaptiveCard][] = [];
const add = (label: string, build: () => AdaptiveCard) => cards.push([label, build]);

for (const state of APPLICATION_STATES) {
  const v = extremeView(state, x, { documents: 8 });
  add(`applicant ${state}`, () =>
    applicantApplicationCard(v, { canSubmit: true, notice: { message: HOSTILE, tone: 'warning' } }),
  );
  add(`reviewer ${state}`, () => reviewerApplicationCard(v, 'rev-1'));
  add(`admin ${state}`, () => adminApplicationCard(v));
}
for (const section of SECTION_NUMBERS) {
  add(`commentary s${section}`, () => commentarySectionCard(extremeView('open', x, { documents: 8 }), section));
  add(`assess s${section}`, () => assessSectionCard(extremeView('in_review', x, { documents: 8 }), 'rev-1', section));
}
const open = extremeView('open', x, { documents: 8 });
add('evidence', () => evidenceCard(open));
add('not ready', () =>
  notReadyCard(
    open,
    open.readiness!.problems.map((p) => p.message),
  ),
);
add('submit with warnings', () => submitConfirmCard(open, open.readiness!.problems, true));
add('withdraw confirm', () => withdrawConfirmCard(open));
add('recommendation in full', () => recommendationCard(extremeView('recommended', x), 'rev-1'));
add('assign', () =>
  assignCard(
    extremeView('submitted', x),
    extremeView('submitted', x).reviewers.map((person, i) => ({ person, load: i, eligible: i === 0 })),
  ),
);
add('dashboard', () => dashboardCard(dashboard(5, x)));
add('applications', () => applicationsListCard(dashboardRows(5, x), dashboard(1, x).cycle));
add('queue', () =>
  queueCard(dashboardRows(5, x).map((r) => ({ ...r, cycleName: x.name(0), assessed: 1, criteria: 2 }))),
);
add('provisioning', () =>
  provisioningCard({
    runId: 'r',
    cycleName: x.name(0),
    total: 3,
    done: 3,
    failed: 1,
    status: 'finished',
    startedAt: T0,
    failures: [{ organisation: x.name(1), reason: HOSTILE }],
  }),
);
const s = sessions(3, x);
add('sessions', () =>
  sessionsCard(s, [
    { id: 'b1', sessionId: 's1', personId: 'p', organisationId: 'o', status: 'booked', attended: false, createdAt: T0 },
  ]),
);
const booking = {
  id: 'b1',
  sessionId: 's1',
  personId: 'p',
  organisationId: 'o',
  status: 'booked' as const,
  attended: false,
  createdAt: T0,
};
add('booked', () => bookedCard(s[1]!, booking));
add('cancel confirm', () => cancelBookingConfirmCard(s[1]!, booking));
add('promoted', () => promotedCard(s[1]!, booking));
add('eligibility', () =>
  eligibilityCard(
    { id: 'o', name: x.name(1), code: null },
    { eligible: false, reason: 'never_attended', lastAttended: null, source: null },
  ),
);
add('cycle', () => cycleCard({ ...extremeView('open', x).cycle }));
add('help, typed words echoed', () =>
  helpCard({
    person: {
      id: 'p',
      displayName: x.name(3),
      email: 'e',
      entraObjectId: null,
      organisationId: 'o',
      roles: ['reviewer'],
    },
    organisation: { id: 'o', name: x.name(1), code: null },
    entries: [{ verb: 'queue', title: 'My review queue', description: 'applications assigned to you', typed: 'queue' }],
    greeting: false,
    notUnderstood: HOSTILE,
  }),
);
add('error naming a document', () =>
  errorCard('Please check what you entered', `The evidence date of “${HOSTILE}” is not a date.`, HOSTILE),
);
add('not for you', () => notForYouCard({ forWhom: 'admins', you: `applicant lead for ${HOSTILE}` }));
add('unknown user', () => unknownUserCard(HOSTILE));
add('reminder', () =>
  reminderCard({
    kind: 'submission_deadline',
    title: HOSTILE,
    subtitle: HOSTILE,
    lines: [`**Still missing** (1 item):`, `- “${HOSTILE}” is not referenced`],
    facts: [[HOSTILE, HOSTILE]],
    actions: [],
    summary: 's',
  } as never),
);
add('reminder preview', () =>
  reminderPreviewCard({
    rows: [{ kind: 'submission_deadline', recipientName: HOSTILE, sendAfter: T0, offsetLabel: '7 days' }],
    total: 1,
    muted: [],
    planned: { inserted: 1, updated: 0, cancelled: 0 },
  }),
);

describe('what people typed is shown as text, never as Markdown', () => {
  it.each(cards)('%s', (label, build) => {
    const c = build();
    assertValidCard(c, label);
    for (const field of markdownFields(c))
      for (const marker of HOSTILE_MARKERS) expect(field, `${label}: a Markdown field`).not.toContain(marker);
    // …and the reader sees it as typed (the link text and its address, the asterisks).
    expect(cardText(c), label).toContain(HOSTILE);
  });

  it('escaping keeps every character and only neutralises formatting', () => {
    const tricky = '**b** _i_ [l](u) `c` # h\n- item\n1. item\n+ x\\y <at>n</at> ~s~ |t| !i';
    expect(unescapeMarkdown(escapeMarkdown(tricky))).toBe(tricky);
    const escaped = escapeMarkdown(tricky);
    for (const raw of ['**b**', '_i_', '[l](u)', '`c`', '\n- item', '\n1. item', '<at>'])
      expect(escaped).not.toContain(raw);
    expect(escapeMarkdown('St Mary’s & Anne-Marie, 2024.')).toBe('St Mary’s & Anne-Marie, 2024.');
  });
});
