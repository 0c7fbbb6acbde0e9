/** What admins see: the dashboard, the application per state, assignment, decision and provisioning cards. */
import { awardSection } from './award-cards.js';
import { STATE_LABELS } from '../../src/domain/application-state.js';
import { formatLondon } from '../../src/domain/time.js';
import { APPLICATION_STATES, type ApplicationState, type Cycle } from '../../src/domain/types.js';
import type { ApplicationView } from '../../src/workflows/application-view.js';
import type { Dashboard, DashboardRow, ReviewerOption } from '../../src/workflows/admin.js';
import { recommendationsDisagree } from '../../src/workflows/admin.js';
import { MAX_COMMENTARY_CHARS } from '../../src/workflows/application-journey.js';
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
  type AdaptiveCard,
  type CardAction,
  type CardElement,
} from './card-kit.js';
import { appData, applicationHeader, deadlineLine, LEVEL_LABELS, levelLabel, reference } from './application-common.js';
import type { CardOptions } from './applicant-cards.js';

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
    default:
      return execute('View', 'app_view', data);
  }
}

function rows(list: readonly DashboardRow[], max: number): CardElement[] {
  const out: CardElement[] = list.slice(0, max).map((r) =>
    container(
      [
        text(
          `**${r.organisation?.name ?? r.application.organisationId}** · ${STATE_LABELS[r.application.state]} · ref ${reference(r.application.id)}`,
        ),
        text(`${r.reason}${r.reviewers ? ` · ${r.reviewers} reviewer${r.reviewers === 1 ? '' : 's'}` : ''}`, {
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
    ]),
  ];
  if (d.toAct.length > 0) body.push(text('**Waiting for you**'), ...rows(d.toAct, 6));
  if (d.unassigned.length > 0)
    body.push(text('**Without a reviewer**', { color: 'Warning' }), ...rows(d.unassigned, 6));
  if (d.overdue.length > 0) body.push(text('**Overdue**', { color: 'Attention' }), ...rows(d.overdue, 5));
  return card(
    body,
    [
      execute('Refresh', 'dashboard'),
      execute('All applications', 'applications'),
      d.cycle.intakePaused
        ? execute('Open intake', 'intake', { paused: false }, 'positive')
        : execute('Pause intake', 'intake', { paused: true }, 'destructive'),
      execute('Provision folders', 'provision'),
    ],
    `Dashboard: ${d.cycle.name}`,
  );
}

export function applicationsListCard(list: readonly DashboardRow[], cycle: Cycle | null): AdaptiveCard {
  const body: CardElement[] = [...heading('Applications', cycle ? cycle.name : undefined)];
  if (list.length === 0) body.push(text('There are no applications in this cycle yet.'));
  body.push(...rows(list, 30));
  return card(body, [execute('Dashboard', 'dashboard'), execute('Back to menu', 'help')], 'Applications');
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
          ? `Readiness: ${r.documentsCompleted} of ${r.documentsRequired} documents, ${r.sections.reduce((n, s) => n + s.completed, 0)} of ${r.sections.reduce((n, s) => n + s.criteria, 0)} criteria complete, ${r.problems.filter((p) => p.severity === 'hard').length} problems to fix.`
          : 'The organisation has not chosen a level yet.',
      ),
      ...(view.folder ? [] : [text('The evidence folder has not been provisioned yet.', { color: 'Warning' })]),
    ],
    [...folder(view), refresh(view), back()],
    'Application open',
  );
}

export function adminReviewStageCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  const open = view.clarifications.find((c) => c.answer === null);
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      text(
        view.reviewers.length > 0
          ? `Reviewers: ${view.reviewers.map((r) => r.displayName).join(', ')}.`
          : 'No reviewer is assigned yet.',
        view.reviewers.length > 0 ? {} : { color: 'Warning' },
      ),
      text(`Recommendations received: ${view.recommendations.length} of ${view.reviewers.length}.`, { isSubtle: true }),
      ...(open ? [text('A clarification question is waiting for the applicant team.', { isSubtle: true })] : []),
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

/** Confirm the decision; when the reviewers disagree this is the moderation card. */
export function adminDecisionFormCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  const recs = view.recommendations;
  const disagree = recommendationsDisagree(recs);
  const names = new Map(view.reviewers.map((p) => [p.id, p.displayName]));
  const agreed = !disagree && recs[0] ? (recs[0].level ?? 'none') : (view.application.targetLevel ?? 'bronze');
  const join = (pick: (r: (typeof recs)[number]) => string) =>
    recs.length === 1
      ? pick(recs[0]!)
      : recs
          .map((r) => `${pick(r)}`)
          .filter(Boolean)
          .join('\n\n');
  const body: CardElement[] = [
    ...top(opts),
    ...applicationHeader(view, disagree ? 'Moderation needed' : 'Confirm the decision'),
  ];
  body.push(text(`**${view.organisation.name}**`));
  if (disagree)
    body.push(
      text('The reviewers recommend different outcomes. Read both recommendations and decide the level.', {
        color: 'Warning',
      }),
    );
  for (const r of recs) {
    body.push(
      container(
        [
          text(
            `**${names.get(r.reviewerId) ?? 'Reviewer'}** recommends **${levelLabel(r.level)}** (${formatLondon(r.recommendedAt, 'date')})`,
          ),
          text(`Strengths: ${r.strengths}`, { size: 'Small' }),
          text(`To improve: ${r.improvements}`, { size: 'Small' }),
        ],
        'emphasis',
      ),
    );
  }
  body.push(
    choiceInput(
      'level',
      'Level awarded',
      [
        ...(['bronze', 'silver', 'gold'] as const).map((l) => ({ title: LEVEL_LABELS[l], value: l })),
        { title: 'No award', value: 'none' },
      ],
      { value: agreed },
    ),
    textInput('strengths', 'Strengths (sent to the organisation)', {
      multiline: true,
      maxLength: MAX_COMMENTARY_CHARS,
      value: join((r) => r.strengths),
    }),
    textInput('improvements', 'Areas to improve (sent to the organisation)', {
      multiline: true,
      maxLength: MAX_COMMENTARY_CHARS,
      value: join((r) => r.improvements),
    }),
  );
  return card(
    body,
    [execute('Confirm decision', 'decide', appData(view), 'positive'), ...folder(view), back()],
    disagree ? 'Moderation needed' : 'Confirm the decision',
  );
}

export function adminDecidedCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  const d = view.decision;
  const inWindow =
    view.now.getTime() >= view.cycle.decisionStart.getTime() && view.now.getTime() <= view.cycle.decisionEnd.getTime();
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      text(
        `Decision: **${levelLabel(d?.level ?? null)}**${view.award ? `, award valid until ${formatLondon(view.award.validUntil, 'date')}` : ''}.`,
      ),
      text(
        inWindow
          ? 'Communicate it now: the applicant team gets a card with the level, the feedback and the expiry date.'
          : `Decisions can be communicated from ${formatLondon(view.cycle.decisionStart)} to ${formatLondon(view.cycle.decisionEnd)} UK time.`,
        inWindow ? {} : { color: 'Warning' },
      ),
    ],
    [execute('Communicate decision', 'communicate', appData(view), 'positive'), refresh(view), back()],
    'Decision confirmed',
  );
}

export function adminCommunicatedCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      text(
        `Decision communicated: **${levelLabel(view.decision?.level ?? null)}**${view.award ? `, valid until ${formatLondon(view.award.validUntil, 'date')}` : ''}.`,
      ),
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
  body.push(text(`**${view.organisation.name}**`));
  if (eligible.length === 0)
    body.push(text('No reviewer outside the applicant organisation is available.', { color: 'Attention' }));
  else {
    body.push(
      choiceInput(
        'reviewerIds',
        'Reviewers (open reviews in brackets)',
        eligible.map((o) => ({ title: `${o.person.displayName} (${o.load})`, value: o.person.id })),
        { multi: true, style: 'expanded', value: suggested.join(',') },
      ),
    );
  }
  if (blocked.length > 0)
    body.push(
      text(`Not eligible (from ${view.organisation.name}): ${blocked.map((o) => o.person.displayName).join(', ')}.`, {
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
        ? `Finished with ${p.failed} failure${p.failed === 1 ? '' : 's'}. Run it again to retry: finished folders are not redone.`
        : 'Finished: every folder is ready.'
      : p.status === 'failed'
        ? 'Stopped by an error. Run it again: it carries on where it stopped.'
        : p.status === 'interrupted'
          ? 'Interrupted: the app instance running it stopped. Run it again: it carries on where it stopped.'
          : p.status === 'starting'
            ? 'Starting…'
            : 'Working… this card updates as folders are made.';
  return card(
    [
      ...heading('Evidence folder provisioning', p.cycleName),
      facts([
        ['Organisations', `${p.done} of ${p.total} (${pct}%)`],
        ['Failed', String(p.failed)],
        ['Started', formatLondon(p.startedAt)],
      ]),
      text(status, {
        color:
          p.status === 'finished' && p.failed === 0
            ? 'Good'
            : p.status === 'failed' || p.status === 'interrupted' || p.failed > 0
              ? 'Warning'
              : 'Accent',
      }),
      ...(p.failures && p.failures.length > 0
        ? [
            text(
              p.failures
                .slice(0, 5)
                .map((f) => `- ${f.organisation}: ${f.reason}`)
                .join('\r'),
              { size: 'Small' },
            ),
          ]
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
          : 'Organisations that attended a drop-in in the last 8 weeks can request an application.',
      ),
    ],
    [
      cycle.intakePaused
        ? execute('Open intake', 'intake', { paused: false }, 'positive')
        : execute('Pause intake', 'intake', { paused: true }, 'destructive'),
      execute('Dashboard', 'dashboard'),
    ],
    cycle.intakePaused ? 'Intake paused' : 'Intake open',
  );
}
