/** What reviewers see: the queue, the application per state, the assessment form per section. */
import { criteriaForSection, criteriaUpTo, SECTIONS } from '../../src/domain/framework.js';
import { formatLondon } from '../../src/domain/time.js';
import type { ApplicationState, AssessmentOutcome, SectionNumber } from '../../src/domain/types.js';
import type { ApplicationView } from '../../src/workflows/application-view.js';
import { MAX_COMMENTARY_CHARS } from '../../src/workflows/application-journey.js';
import type { QueueItem } from '../../src/workflows/review.js';
import { STATE_LABELS } from '../../src/domain/application-state.js';
import {
  actionSet,
  card,
  choiceInput,
  container,
  execute,
  facts,
  heading,
  notice,
  openUrl,
  text,
  textInput,
  truncate,
  type AdaptiveCard,
  type CardAction,
  type CardElement,
} from './card-kit.js';
import { appData, applicationHeader, LEVEL_LABELS, levelLabel, reference } from './application-common.js';
import { formatPages, type CardOptions } from './applicant-cards.js';

export const OUTCOME_LABELS: Record<AssessmentOutcome, string> = {
  met: 'Met',
  partly_met: 'Partly met',
  not_met: 'Not met',
};
const OUTCOME_CHOICES = (['met', 'partly_met', 'not_met'] as const).map((o) => ({
  title: OUTCOME_LABELS[o],
  value: o,
}));

export function queueCard(items: readonly QueueItem[], opts: CardOptions = {}): AdaptiveCard {
  const body: CardElement[] = [
    ...(opts.notice ? [notice(opts.notice.message, opts.notice.tone)] : []),
    ...heading('Your review queue', `${items.length} application${items.length === 1 ? '' : 's'} assigned to you`),
  ];
  if (items.length === 0)
    body.push(
      text(
        'Nothing is assigned to you at the moment. The WEx QS team will let you know when an application is assigned.',
      ),
    );
  for (const it of items.slice(0, 25)) {
    const a = it.application;
    body.push(
      container(
        [
          text(`**${it.organisation?.name ?? 'Unknown organisation'}**`),
          text(
            `${STATE_LABELS[a.state]} · ${a.targetLevel ? LEVEL_LABELS[a.targetLevel] : 'no level'} · ref ${reference(a.id)}${it.criteria ? ` · you have assessed ${it.assessed} of ${it.criteria} criteria` : ''}`,
            { isSubtle: true },
          ),
          actionSet([
            execute(a.state === 'submitted' ? 'Open and start' : 'Open', 'app_view', {
              applicationId: a.id,
              version: a.version,
              as: 'reviewer',
            }),
          ]),
        ],
        'emphasis',
      ),
    );
  }
  if (items.length > 25) body.push(text(`…and ${items.length - 25} more.`, { isSubtle: true }));
  return card(body, [execute('Refresh', 'queue'), execute('Back to menu', 'help')], 'Your review queue');
}

function mine(view: ApplicationView, reviewerId: string) {
  return new Map(view.assessments.filter((a) => a.reviewerId === reviewerId).map((a) => [a.criterionId, a]));
}

function sectionProgress(view: ApplicationView, reviewerId: string): [string, string][] {
  const done = mine(view, reviewerId);
  const level = view.application.targetLevel ?? 'gold';
  return SECTIONS.map((s) => {
    const cs = criteriaForSection(view.framework, s.number, level);
    return [`${s.number}. ${s.title}`, `${cs.filter((c) => done.has(c.id)).length} of ${cs.length} assessed`];
  });
}

const REVIEWER_BUILDERS: Record<
  ApplicationState,
  (view: ApplicationView, reviewerId: string, opts: CardOptions) => AdaptiveCard
> = {
  requested: reviewerStatusCard,
  open: reviewerStatusCard,
  submitted: reviewerSubmittedCard,
  in_review: reviewerInReviewCard,
  clarification_requested: reviewerInReviewCard,
  recommended: reviewerDoneCard,
  decided: reviewerDoneCard,
  communicated: reviewerDoneCard,
  withdrawn: reviewerStatusCard,
  lapsed: reviewerStatusCard,
};

export function reviewerApplicationCard(
  view: ApplicationView,
  reviewerId: string,
  opts: CardOptions = {},
): AdaptiveCard {
  return REVIEWER_BUILDERS[view.application.state](view, reviewerId, opts);
}

const top = (opts: CardOptions): CardElement[] => (opts.notice ? [notice(opts.notice.message, opts.notice.tone)] : []);
const folder = (view: ApplicationView): CardAction[] =>
  view.folder ? [openUrl('Open evidence folder', view.folder.webUrl)] : [];
const refresh = (view: ApplicationView): CardAction =>
  execute('Refresh', 'app_view', appData(view, { as: 'reviewer' }));

export function reviewerStatusCard(view: ApplicationView, _reviewerId: string, opts: CardOptions): AdaptiveCard {
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      text('There is nothing to review on this application at its current stage.'),
    ],
    [execute('My queue', 'queue')],
    'Application status',
  );
}

export function reviewerSubmittedCard(view: ApplicationView, _reviewerId: string, opts: CardOptions): AdaptiveCard {
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      text(
        `Assigned to you for review. Review period: ${formatLondon(view.cycle.reviewStart, 'date')} to ${formatLondon(view.cycle.reviewEnd, 'date')}.`,
      ),
      text(`Reviewers: ${view.reviewers.map((r) => r.displayName).join(', ') || 'none'}.`, { isSubtle: true }),
    ],
    [execute('Start review', 'start_review', appData(view), 'positive'), ...folder(view), execute('My queue', 'queue')],
    'Application ready for review',
  );
}

export function reviewerInReviewCard(view: ApplicationView, reviewerId: string, opts: CardOptions): AdaptiveCard {
  const open = view.clarifications.find((c) => c.answer === null);
  const answered = view.clarifications.filter((c) => c.answer !== null);
  const my = view.recommendations.find((r) => r.reviewerId === reviewerId);
  const body: CardElement[] = [
    ...top(opts),
    ...applicationHeader(view),
    text('**Your assessment by section**'),
    facts(sectionProgress(view, reviewerId)),
  ];
  body.push(
    actionSet(
      SECTIONS.slice(0, 3).map((s) => execute(`Assess ${s.number}`, 'assess', { ...appData(view), section: s.number })),
    ),
    actionSet(
      SECTIONS.slice(3).map((s) => execute(`Assess ${s.number}`, 'assess', { ...appData(view), section: s.number })),
    ),
  );
  for (const c of answered.slice(-3)) {
    body.push(
      container(
        [
          text(`**Question** (${formatLondon(c.askedAt)}): ${truncate(c.question, 600)}`),
          text(`**Answer** (${c.answeredAt ? formatLondon(c.answeredAt) : ''}): ${truncate(c.answer ?? '', 1200)}`),
        ],
        'emphasis',
      ),
    );
  }
  if (open) {
    body.push(
      text(`**Waiting for the applicant team to answer:** ${truncate(open.question, 600)}`, { color: 'Warning' }),
    );
  } else {
    body.push(
      text('**Ask the applicant team**'),
      textInput('question', 'Question', {
        multiline: true,
        maxLength: MAX_COMMENTARY_CHARS,
        placeholder: 'What do you need them to clarify?',
      }),
      actionSet([execute('Send question', 'request_clarification', appData(view))]),
      text('**Recommend a level**'),
      ...(my
        ? [
            text(
              `You recommended: ${levelLabel(my.level)} (${formatLondon(my.recommendedAt)}). Waiting for the other reviewer.`,
              { isSubtle: true },
            ),
          ]
        : []),
      choiceInput(
        'level',
        'Level to award',
        [
          ...(['bronze', 'silver', 'gold'] as const).map((l) => ({ title: LEVEL_LABELS[l], value: l })),
          { title: 'No award', value: 'none' },
        ],
        {
          value: my ? (my.level ?? 'none') : (view.application.targetLevel ?? 'bronze'),
        },
      ),
      textInput('strengths', 'Strengths (feedback)', {
        multiline: true,
        maxLength: MAX_COMMENTARY_CHARS,
        ...(my ? { value: my.strengths } : {}),
      }),
      textInput('improvements', 'Areas to improve (feedback)', {
        multiline: true,
        maxLength: MAX_COMMENTARY_CHARS,
        ...(my ? { value: my.improvements } : {}),
      }),
      actionSet([execute('Recommend', 'recommend', appData(view), 'positive')]),
    );
  }
  return card(body, [...folder(view), refresh(view), execute('My queue', 'queue')], 'Application in review');
}

export function reviewerDoneCard(view: ApplicationView, reviewerId: string, opts: CardOptions): AdaptiveCard {
  const my = view.recommendations.find((r) => r.reviewerId === reviewerId);
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      text(
        my
          ? `You recommended **${levelLabel(my.level)}** on ${formatLondon(my.recommendedAt)}.`
          : 'The review is complete.',
      ),
      ...(view.decision
        ? [text(`Decision: **${levelLabel(view.decision.level)}**.`)]
        : [text('The WEx QS team will confirm the decision.', { isSubtle: true })]),
    ],
    [execute('My queue', 'queue')],
    'Review complete',
  );
}

/** The assessment form of one section: the applicant's commentary and references, outcome and note per criterion. */
export function assessSectionCard(
  view: ApplicationView,
  reviewerId: string,
  section: SectionNumber,
  opts: CardOptions = {},
): AdaptiveCard {
  const s = SECTIONS[section - 1]!;
  const criteria = criteriaForSection(view.framework, section, view.application.targetLevel ?? 'gold');
  const done = mine(view, reviewerId);
  const commentary = new Map(view.commentary.map((c) => [c.criterionId, c]));
  const body: CardElement[] = [
    ...top(opts),
    ...heading(
      `Assess section ${section}: ${s.title}`,
      `${view.organisation.name} · ${view.application.targetLevel ? LEVEL_LABELS[view.application.targetLevel] : ''} application`,
    ),
  ];
  if (view.framework.illustrative)
    body.push(
      text('Illustrative framework: example criteria, not the official NHS England text.', {
        isSubtle: true,
        size: 'Small',
      }),
    );
  for (const c of criteria) {
    const com = commentary.get(c.id);
    const refs = com?.references ?? [];
    const a = done.get(c.id);
    body.push(
      container(
        [
          text(`**${c.id}** ${c.text}`),
          text(com?.text.trim() ? truncate(com.text, 1200) : 'No commentary was written for this criterion.', {
            isSubtle: !com?.text.trim(),
          }),
          ...(refs.length > 0
            ? [
                text(`Evidence: ${refs.map((r) => `${r.documentName} p. ${formatPages(r.pages)}`).join('; ')}`, {
                  size: 'Small',
                }),
              ]
            : []),
          choiceInput(`outcome_${c.id}`, 'Outcome', OUTCOME_CHOICES, {
            style: 'expanded',
            ...(a ? { value: a.outcome } : {}),
          }),
          textInput(`note_${c.id}`, 'Note', {
            maxLength: MAX_COMMENTARY_CHARS,
            ...(a?.note ? { value: a.note } : {}),
            placeholder: 'Optional: why, or what is missing',
          }),
        ],
        'emphasis',
      ),
    );
  }
  const next =
    section < 6
      ? ([
          execute(`Save and assess section ${section + 1}`, 'save_assessment', {
            ...appData(view),
            section,
            next: section + 1,
          }),
        ] as CardAction[])
      : [];
  return card(
    body,
    [
      execute('Save', 'save_assessment', { ...appData(view), section }, 'positive'),
      ...next,
      execute('Back to application', 'app_view', appData(view, { as: 'reviewer' })),
      ...folder(view),
    ],
    `Assess section ${section}`,
  );
}

/** Count of criteria a reviewer still has to assess (for tests and notices). */
export function remainingToAssess(view: ApplicationView, reviewerId: string): number {
  const done = mine(view, reviewerId);
  return criteriaUpTo(view.framework, view.application.targetLevel ?? 'gold').filter((c) => !done.has(c.id)).length;
}
