/** What admins see: the dashboard, the application per state, assignment, decision and provisioning cards. */
import { awardSection } from './award-cards.js';
import { EARLY_START_REASON_MAX_CHARS, STATE_LABELS } from '../../src/domain/application-state.js';
import { AWARD_VALIDITY_YEARS } from '../../src/domain/award.js';
import { graceEnd, inDecisionWindow } from '../../src/domain/cycle.js';
import { ELIGIBILITY_WEEKS } from '../../src/domain/dropins.js';
import { formatLondon } from '../../src/domain/time.js';
import { APPLICATION_STATES, type ApplicationState, type Cycle } from '../../src/domain/types.js';
import type { ApplicationView } from '../../src/workflows/application-view.js';
import type { Dashboard, DashboardRow, ReviewerOption } from '../../src/workflows/admin.js';
import { recommendationsDisagree } from '../../src/workflows/admin.js';
import { MAX_COMMENTARY_CHARS } from '../../src/workflows/application-journey.js';
import {
  actionSet,
  bulletList,
  callout,
  card,
  choiceInput,
  container,
  execute,
  facts,
  heading,
  notice,
  openUrl,
  pageButtons,
  pageBySize,
  plain,
  plural,
  rich,
  strong,
  text,
  textInput,
  truncate,
  type AdaptiveCard,
  type CardAction,
  type CardElement,
  type PagePosition,
} from './card-kit.js';
import { appData, applicationHeader, deadlineLine, levelLabel, reference } from './application-common.js';
import type { CardOptions } from './applicant-cards.js';
import { levelChoices } from './review-cards.js';

const top = (opts: CardOptions): CardElement[] => (opts.notice ? [notice(opts.notice.message, opts.notice.tone)] : []);

function rowAction(r: DashboardRow): CardAction {
  const data = { applicationId: r.application.id, version: r.application.version, as: 'admin' };
  switch (r.application.state) {
    case 'requested':
      return execute('Open application', 'open_application', data, 'positive');
    case 'submitted':
    case 'in_review':
    case 'clarification_requested':
      return execute(r.reviewers === 0 ? 'Assign reviewers' : 'Reviewers', 'assign', data);
    case 'recommended':
      return execute('Decide', 'app_view', data);
    case 'decided':
      return execute('Communicate', 'app_view', data);
    case 'withdrawn':
    case 'lapsed':
    case 'communicated':
    case 'open':
    default:
      return execute('View', 'app_view', data);
  }
}

function rows(list: readonly DashboardRow[], max: number): CardElement[] {
  const out: CardElement[] = list.slice(0, max).map((r) =>
    container(
      [
        rich([
          strong(r.organisation?.name ?? r.application.organisationId),
          ` · ${STATE_LABELS[r.application.state]} · ref ${reference(r.application.id)}`,
        ]),
        text(`${r.reason}${r.reviewers ? ` · ${plural(r.reviewers, 'reviewer', 'reviewers')}` : ''}`, {
          isSubtle: true,
          size: 'Small',
        }),
        actionSet([rowAction(r)]),
      ],
      'emphasis',
    ),
  );
  if (list.length > max)
    out.push(text(`…and ${list.length - max} more: type **applications** to see them all.`, { isSubtle: true }));
  return out;
}

export function dashboardCard(d: Dashboard, opts: CardOptions = {}): AdaptiveCard {
  const counts = APPLICATION_STATES.filter(
    (s) => d.counts[s] > 0 || ['requested', 'open', 'submitted', 'in_review', 'recommended', 'decided'].includes(s),
  ).map((s) => [STATE_LABELS[s], String(d.counts[s])] as [string, string]);
  const body: CardElement[] = [
    ...top(opts),
    ...heading(
      `Dashboard: ${d.cycle.name}`,
      `${d.total} application${d.total === 1 ? '' : 's'} · new applications ${d.cycle.intakePaused ? 'PAUSED' : 'open'} · deadline ${formatLondon(d.cycle.submissionDeadline)} UK time`,
    ),
    facts(counts),
    facts([
      ['Overdue', String(d.overdue.length)],
      ['Without a reviewer', String(d.unassigned.length)],
      ['Waiting for you', String(d.toAct.length)],
      ['With open evidence findings', String(d.withOpenFindings)],
    ]),
  ];
  if (d.toAct.length > 0) body.push(text('**Waiting for you**'), ...rows(d.toAct, 6));
  if (d.unassigned.length > 0)
    body.push(callout('warning', [text('**Without a reviewer**'), ...rows(d.unassigned, 6)]));
  if (d.overdue.length > 0) body.push(callout('attention', [text('**Overdue**'), ...rows(d.overdue, 5)]));
  // Pausing intake stops every organisation requesting an application: set apart, and confirmed.
  if (!d.cycle.intakePaused) body.push(pauseIntakeSection());
  return card(
    body,
    [
      execute('Refresh', 'dashboard'),
      execute('All applications', 'applications'),
      ...(d.cycle.intakePaused ? [execute('Open intake', 'intake', { paused: false }, 'positive')] : []),
      execute('Provision folders', 'provision'),
    ],
    `Dashboard: ${d.cycle.name}`,
  );
}

function pauseIntakeSection(): CardElement {
  return {
    type: 'Container',
    separator: true,
    spacing: 'ExtraLarge',
    items: [
      text('To stop new applications (for example when the standard is paused):', { isSubtle: true, size: 'Small' }),
      actionSet([execute('Pause intake…', 'intake', { paused: true }, 'destructive')]),
    ],
  };
}

/** Applications shown per page of the list (fewer when long names make the card too big). */
export const APPLICATIONS_PAGE_SIZE = 20;

/** Every application of the cycle with its next step, a page at a time. */
export function applicationsListCard(list: readonly DashboardRow[], cycle: Cycle | null, page = 0): AdaptiveCard {
  const pages = pageBySize(list, (slice, pos) => buildApplicationsList(list, slice, pos, cycle), {
    maxPerPage: APPLICATIONS_PAGE_SIZE,
  });
  const index = Math.min(Math.max(0, page), pages.length - 1);
  return buildApplicationsList(list, pages[index]!, { index, count: pages.length }, cycle);
}

function buildApplicationsList(
  list: readonly DashboardRow[],
  slice: readonly DashboardRow[],
  page: PagePosition,
  cycle: Cycle | null,
): AdaptiveCard {
  const body: CardElement[] = [
    ...heading(
      'Applications',
      [
        cycle?.name,
        plural(list.length, 'application', 'applications'),
        page.count > 1 ? `page ${page.index + 1} of ${page.count}` : '',
      ]
        .filter(Boolean)
        .join(' · '),
    ),
  ];
  if (list.length === 0) body.push(text('There are no applications in this cycle yet.'));
  body.push(...rows(slice, slice.length));
  return card(
    body,
    [
      ...pageButtons(page, 'applications', (i) => ({ page: i })),
      execute('Dashboard', 'dashboard'),
      execute('Back to menu', 'help'),
    ],
    'Applications',
  );
}

const ADMIN_BUILDERS: Record<ApplicationState, (view: ApplicationView, opts: CardOptions) => AdaptiveCard> = {
  requested: adminRequestedCard,
  open: adminOpenCard,
  submitted: adminReviewStageCard,
  in_review: adminReviewStageCard,
  clarification_requested: adminReviewStageCard,
  recommended: adminDecisionFormCard,
  decided: adminDecidedCard,
  communicated: adminCommunicatedCard,
  withdrawn: adminClosedCard,
  lapsed: adminClosedCard,
};

export function adminApplicationCard(view: ApplicationView, opts: CardOptions = {}): AdaptiveCard {
  return ADMIN_BUILDERS[view.application.state](view, opts);
}

const back = (): CardAction => execute('Dashboard', 'dashboard');
const refresh = (view: ApplicationView): CardAction => execute('Refresh', 'app_view', appData(view, { as: 'admin' }));
const folder = (view: ApplicationView): CardAction[] =>
  view.folder ? [openUrl('Open evidence folder', view.folder.webUrl)] : [];

export function adminRequestedCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      text(
        `Requested ${formatLondon(view.application.requestedAt)}. Opening it shares the organisation's private evidence folder with its applicants.`,
      ),
    ],
    [execute('Open application', 'open_application', appData(view), 'positive'), refresh(view), back()],
    'Application requested',
  );
}

export function adminOpenCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  const r = view.readiness;
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      text(deadlineLine(view)),
      text(
        r
          ? `Readiness: ${r.documentsCompleted} of ${plural(r.documentsRequired, 'document', 'documents')}, ${r.sections.reduce((n, s) => n + s.completed, 0)} of ${plural(
              r.sections.reduce((n, s) => n + s.criteria, 0),
              'criterion',
              'criteria',
            )} complete, ${plural(r.problems.filter((p) => p.severity === 'hard').length, 'problem', 'problems')} to fix.`
          : 'The organisation has not chosen a level yet.',
      ),
      ...(view.folder ? [] : [callout('warning', [text('The evidence folder has not been provisioned yet.')])]),
    ],
    [...folder(view), refresh(view), back()],
    'Application open',
  );
}

export function adminReviewStageCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  const open = view.clarifications.find((c) => c.answer === null);
  const closes = graceEnd(view.cycle);
  // Before submissions close a review starts only if an admin gives a reason (it is audited).
  const early = view.application.state === 'submitted' && view.now.getTime() <= closes.getTime();
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      view.reviewers.length > 0
        ? rich([`Reviewers: ${view.reviewers.map((r) => r.displayName).join(', ')}.`])
        : callout('warning', [text('No reviewer is assigned yet.')]),
      text(`Recommendations received: ${view.recommendations.length} of ${view.reviewers.length}.`, { isSubtle: true }),
      ...(open ? [text('A clarification question is waiting for the applicant team.', { isSubtle: true })] : []),
      ...(early
        ? [
            {
              type: 'Container',
              separator: true,
              spacing: 'Large',
              items: [
                text(
                  `Reviews start once submissions close on ${formatLondon(closes)} (UK time). To start this one earlier, give the reason: it is kept in the audit log.`,
                  { isSubtle: true },
                ),
                textInput('earlyStartReason', 'Reason for starting early', {
                  maxLength: EARLY_START_REASON_MAX_CHARS,
                  placeholder: 'e.g. the panel meets before the deadline',
                  errorMessage: 'Give the reason for starting early (at least 10 characters).',
                }),
                actionSet([execute('Start review early', 'start_review', appData(view, { early: true }))]),
              ],
            } as CardElement,
          ]
        : []),
    ],
    [
      execute(
        view.reviewers.length > 0 ? 'Change reviewers' : 'Assign reviewers',
        'assign',
        appData(view),
        view.reviewers.length > 0 ? undefined : 'positive',
      ),
      ...folder(view),
      refresh(view),
      back(),
    ],
    'Application in review',
  );
}

/** How much of each reviewer's feedback the decision card shows; the rest is a click away. */
const FEEDBACK_PREVIEW_CHARS = 600;

/** Confirm the decision; when the reviewers disagree this is the moderation card. */
export function adminDecisionFormCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  const recs = view.recommendations;
  const disagree = recommendationsDisagree(recs);
  const names = new Map(view.reviewers.map((p) => [p.id, p.displayName]));
  const agreed = !disagree && recs[0] ? (recs[0].level ?? 'none') : (view.application.targetLevel ?? 'none');
  // The feedback boxes start from the reviewers' words, as long as they fit in one box.
  const join = (pick: (r: (typeof recs)[number]) => string) => {
    const all = recs.map(pick).filter(Boolean).join('\n\n');
    return all.length <= MAX_COMMENTARY_CHARS
      ? all
      : (recs.map(pick).find(Boolean) ?? '').slice(0, MAX_COMMENTARY_CHARS);
  };
  const canDecide = view.now.getTime() > view.cycle.submissionDeadline.getTime();
  const body: CardElement[] = [
    ...top(opts),
    ...applicationHeader(view, disagree ? 'Moderation needed' : 'Confirm the decision'),
  ];
  body.push(rich([strong(view.organisation.name)]));
  if (disagree)
    body.push(
      callout('warning', [
        text('The reviewers recommend different outcomes. Read both recommendations and decide the level.'),
      ]),
    );
  for (const r of recs) {
    const long = r.strengths.length > FEEDBACK_PREVIEW_CHARS || r.improvements.length > FEEDBACK_PREVIEW_CHARS;
    body.push(
      container(
        [
          rich([
            strong(names.get(r.reviewerId) ?? 'Reviewer'),
            ' recommends ',
            strong(levelLabel(r.level)),
            ` (${formatLondon(r.recommendedAt, 'date')})`,
          ]),
          rich([strong('Strengths: '), truncate(r.strengths, FEEDBACK_PREVIEW_CHARS)], { size: 'Small' }),
          rich([strong('To improve: '), truncate(r.improvements, FEEDBACK_PREVIEW_CHARS)], { size: 'Small' }),
          ...(long
            ? [actionSet([execute('Read in full', 'read_recommendation', appData(view, { reviewerId: r.reviewerId }))])]
            : []),
        ],
        'emphasis',
      ),
    );
  }
  if (!canDecide)
    body.push(
      callout('warning', [
        text(
          `Decisions can be confirmed once the submission deadline (${formatLondon(view.cycle.submissionDeadline)} UK time) has passed.`,
        ),
      ]),
    );
  body.push(
    choiceInput('level', 'Level awarded', levelChoices(view), {
      value: agreed,
      errorMessage: 'Choose the level awarded, or No award.',
    }),
    textInput('strengths', 'Strengths (sent to the organisation)', {
      multiline: true,
      maxLength: MAX_COMMENTARY_CHARS,
      value: join((r) => r.strengths),
      errorMessage: `Write the strengths (up to ${MAX_COMMENTARY_CHARS} characters): they go to the organisation.`,
    }),
    textInput('improvements', 'Areas to improve (sent to the organisation)', {
      multiline: true,
      maxLength: MAX_COMMENTARY_CHARS,
      value: join((r) => r.improvements),
      errorMessage: `Write the areas to improve (up to ${MAX_COMMENTARY_CHARS} characters): they go to the organisation.`,
    }),
  );
  return card(
    body,
    [...(canDecide ? [execute('Confirm decision', 'decide', appData(view), 'positive')] : []), ...folder(view), back()],
    disagree ? 'Moderation needed' : 'Confirm the decision',
  );
}

/** One reviewer's recommendation in full (the decision card shows the start of it). */
export function recommendationCard(view: ApplicationView, reviewerId: string): AdaptiveCard {
  const r = view.recommendations.find((x) => x.reviewerId === reviewerId);
  const name = view.reviewers.find((p) => p.id === reviewerId)?.displayName ?? 'Reviewer';
  return card(
    [
      ...heading(`${name}'s recommendation`, `${view.organisation.name} · ${view.cycle.name}`),
      ...(r
        ? [
            rich([strong('Recommends: '), levelLabel(r.level), ` (${formatLondon(r.recommendedAt, 'date')})`]),
            text('**Strengths**'),
            plain(r.strengths),
            text('**Areas to improve**'),
            plain(r.improvements),
          ]
        : [text('This reviewer has not recommended a level yet.')]),
    ],
    [execute('Back to the decision', 'app_view', appData(view, { as: 'admin' }))],
    `${name}'s recommendation`,
  );
}

export function adminDecidedCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  const d = view.decision;
  const inWindow = inDecisionWindow(view.cycle, view.now);
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      rich([
        'Decision: ',
        strong(levelLabel(d?.level ?? null)),
        d?.level ? `. The award is valid for ${AWARD_VALIDITY_YEARS} years from the day it is communicated.` : '.',
      ]),
      inWindow
        ? text('Communicate it now: the applicant team gets a card with the level, the feedback and the expiry date.')
        : callout('warning', [
            text(
              `Decisions can be communicated from ${formatLondon(view.cycle.decisionStart)} to ${formatLondon(view.cycle.decisionEnd)} UK time.`,
            ),
          ]),
    ],
    [
      ...(inWindow ? [execute('Communicate decision', 'communicate', appData(view), 'positive')] : []),
      refresh(view),
      back(),
    ],
    'Decision confirmed',
  );
}

export function adminCommunicatedCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      rich([
        'Decision communicated: ',
        strong(levelLabel(view.decision?.level ?? null)),
        view.award
          ? `, valid from ${formatLondon(view.award.validFrom, 'date')} until ${formatLondon(view.award.validUntil, 'date')}.`
          : '.',
      ]),
      ...awardSection(view),
    ],
    [back()],
    'Decision communicated',
  );
}

export function adminClosedCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  return card(
    [...top(opts), ...applicationHeader(view), text('This application is closed.')],
    [back()],
    'Application closed',
  );
}

/** Choose reviewers: eligible ones (least loaded first) selectable; those from the organisation listed as not eligible. */
export function assignCard(
  view: ApplicationView,
  options: readonly ReviewerOption[],
  opts: CardOptions = {},
): AdaptiveCard {
  const eligible = options.filter((o) => o.eligible);
  const blocked = options.filter((o) => !o.eligible);
  const current = view.reviewers.map((r) => r.id);
  const suggested = current.length > 0 ? current : eligible.slice(0, 2).map((o) => o.person.id);
  const body: CardElement[] = [...top(opts), ...applicationHeader(view, 'Assign reviewers')];
  body.push(rich([strong(view.organisation.name)]));
  if (eligible.length === 0)
    body.push(callout('attention', [text('No reviewer outside the applicant organisation is available.')]));
  else {
    body.push(
      choiceInput(
        'reviewerIds',
        'Reviewers (open reviews in brackets)',
        eligible.map((o) => ({ title: `${o.person.displayName} (${o.load})`, value: o.person.id })),
        {
          multi: true,
          style: 'expanded',
          value: suggested.join(','),
          errorMessage: 'Choose at least one reviewer, or press Assign automatically.',
        },
      ),
    );
  }
  if (blocked.length > 0)
    body.push(
      rich([`Not eligible (from ${view.organisation.name}): ${blocked.map((o) => o.person.displayName).join(', ')}.`], {
        isSubtle: true,
        size: 'Small',
      }),
    );
  return card(
    body,
    [
      ...(eligible.length > 0
        ? [
            execute('Assign selected', 'save_assignment', appData(view), 'positive'),
            execute('Assign automatically', 'auto_assign', appData(view)),
          ]
        : []),
      execute('Back', 'app_view', appData(view, { as: 'admin' })),
    ],
    'Assign reviewers',
  );
}

export interface ProvisioningState {
  runId: string;
  cycleName: string;
  total: number;
  done: number;
  failed: number;
  status: 'starting' | 'running' | 'finished' | 'failed' | 'interrupted';
  startedAt: Date;
  failures?: { organisation: string; reason: string }[];
}

export function provisioningCard(p: ProvisioningState): AdaptiveCard {
  const pct = p.total === 0 ? 100 : Math.round((p.done / p.total) * 100);
  const status =
    p.status === 'finished'
      ? p.failed > 0
        ? `Finished with ${plural(p.failed, 'failure', 'failures')}. Run it again to retry: finished folders are not redone.`
        : 'Finished: every folder is ready.'
      : p.status === 'failed'
        ? 'Stopped by an error. Run it again: it carries on where it stopped.'
        : p.status === 'interrupted'
          ? 'Interrupted: the app instance running it stopped. Run it again: it carries on where it stopped.'
          : p.status === 'starting'
            ? 'Starting…'
            : 'Working… this card updates as folders are made.';
  const tone =
    p.status === 'finished' && p.failed === 0
      ? 'good'
      : p.status === 'failed' || p.status === 'interrupted' || p.failed > 0
        ? 'warning'
        : null;
  return card(
    [
      ...heading('Evidence folder provisioning', p.cycleName),
      facts([
        ['Organisations', `${p.done} of ${p.total} (${pct}%)`],
        ['Failed', String(p.failed)],
        ['Started', formatLondon(p.startedAt)],
      ]),
      tone ? callout(tone, [text(status)]) : text(status),
      ...(p.failures && p.failures.length > 0
        ? [bulletList(p.failures.slice(0, 5).map((f) => `${f.organisation}: ${f.reason}`))]
        : []),
    ],
    [
      ...(p.status === 'finished' || p.status === 'failed' || p.status === 'interrupted'
        ? [execute('Run again', 'provision')]
        : [execute('Show progress', 'provision_status', { runId: p.runId })]),
      execute('Dashboard', 'dashboard'),
    ],
    'Evidence folder provisioning',
  );
}

export function intakeCard(cycle: Cycle): AdaptiveCard {
  return card(
    [
      ...heading(cycle.intakePaused ? 'New applications paused' : 'New applications open', cycle.name),
      text(
        cycle.intakePaused
          ? 'Organisations cannot request an application until you open intake again. Applications already under way carry on, and existing awards stay valid until they expire.'
          : `Organisations that attended a drop-in in the last ${ELIGIBILITY_WEEKS} weeks can request an application.`,
      ),
      ...(cycle.intakePaused ? [] : [pauseIntakeSection()]),
    ],
    [
      ...(cycle.intakePaused ? [execute('Open intake', 'intake', { paused: false }, 'positive')] : []),
      execute('Dashboard', 'dashboard'),
    ],
    cycle.intakePaused ? 'Intake paused' : 'Intake open',
  );
}

/** Pausing intake, confirmed first. */
export function pauseIntakeConfirmCard(cycle: Cycle): AdaptiveCard {
  return card(
    [
      ...heading('Pause new applications?', cycle.name),
      text(
        'No organisation will be able to request an application until you open intake again. Applications already under way carry on, existing awards stay valid, and pending deadline reminders are withdrawn.',
      ),
    ],
    [
      execute('Keep intake open', 'dashboard'),
      execute('Yes, pause intake', 'intake', { paused: true, confirm: true }, 'destructive'),
    ],
    'Pause new applications?',
  );
}
