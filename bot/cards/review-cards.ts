/** What reviewers see: the queue, the application per state, the assessment form per section. */
import { awardableLevels } from '../../src/domain/application-state.js';
import { graceEnd } from '../../src/domain/cycle.js';
import { criteriaForSection, criteriaUpTo, SECTIONS } from '../../src/domain/framework.js';
import {
  documentPageLink,
  FINDING_LABELS,
  normaliseDocumentName,
  openFindings,
} from '../../src/domain/evidence-findings.js';
import { formatLondon } from '../../src/domain/time.js';
import type { ApplicationState, AssessmentOutcome, SectionNumber } from '../../src/domain/types.js';
import type { ApplicationView } from '../../src/workflows/application-view.js';
import { MAX_COMMENTARY_CHARS } from '../../src/workflows/application-journey.js';
import type { QueueItem } from '../../src/workflows/review.js';
import { STATE_LABELS } from '../../src/domain/application-state.js';
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
  type AdaptiveCard,
  type CardAction,
  type CardElement,
  type PagePosition,
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

/** Applications per page of the queue (fewer when long names make the card too big). */
export const QUEUE_PAGE_SIZE = 25;

export function queueCard(items: readonly QueueItem[], opts: CardOptions = {}, page = 0): AdaptiveCard {
  const pages = pageBySize(items, (slice, pos) => buildQueueCard(items, slice, pos, opts), {
    maxPerPage: QUEUE_PAGE_SIZE,
  });
  const index = Math.min(Math.max(0, page), pages.length - 1);
  return buildQueueCard(items, pages[index]!, { index, count: pages.length }, opts);
}

function buildQueueCard(
  items: readonly QueueItem[],
  slice: readonly QueueItem[],
  page: PagePosition,
  opts: CardOptions,
): AdaptiveCard {
  const body: CardElement[] = [
    ...(opts.notice ? [notice(opts.notice.message, opts.notice.tone)] : []),
    ...heading(
      'Your review queue',
      `${plural(items.length, 'application', 'applications')} assigned to you${page.count > 1 ? ` · page ${page.index + 1} of ${page.count}` : ''}`,
    ),
  ];
  if (items.length === 0)
    body.push(
      text(
        'Nothing is assigned to you at the moment. The WEx QS team will let you know when an application is assigned.',
      ),
    );
  for (const it of slice) {
    const a = it.application;
    body.push(
      container(
        [
          rich([strong(it.organisation?.name ?? 'Unknown organisation')]),
          text(
            `${STATE_LABELS[a.state]} · ${a.targetLevel ? LEVEL_LABELS[a.targetLevel] : 'no level'} · ref ${reference(a.id)}${it.criteria ? ` · you have assessed ${it.assessed} of ${plural(it.criteria, 'criterion', 'criteria')}` : ''}`,
            { isSubtle: true },
          ),
          actionSet([
            execute('Open', 'app_view', {
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
  return card(
    body,
    [...pageButtons(page, 'queue', (i) => ({ page: i })), execute('Refresh', 'queue'), execute('Back to menu', 'help')],
    'Your review queue',
  );
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
  // Reviews start once submissions close (deadline + grace): the button is there only when it works.
  const closes = graceEnd(view.cycle);
  const canStart = view.now.getTime() > closes.getTime();
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      text(
        `Assigned to you for review. Review period: ${formatLondon(view.cycle.reviewStart, 'date')} to ${formatLondon(view.cycle.reviewEnd, 'date')}.`,
      ),
      ...(canStart
        ? []
        : [
            callout('warning', [
              text(
                `You can start this review once submissions close on ${formatLondon(closes)} (UK time). Until then you can read the evidence.`,
              ),
            ]),
          ]),
      rich([`Reviewers: ${view.reviewers.map((r) => r.displayName).join(', ') || 'none'}.`], { isSubtle: true }),
    ],
    [
      ...(canStart ? [execute('Start review', 'start_review', appData(view), 'positive')] : []),
      ...folder(view),
      refresh(view),
      execute('My queue', 'queue'),
    ],
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
  // The latest question and answer in full; earlier ones are counted (each is up to 4,000 characters).
  const latest = answered.at(-1);
  if (answered.length > 1)
    body.push(
      text(`${plural(answered.length - 1, 'earlier question was', 'earlier questions were')} answered.`, {
        isSubtle: true,
      }),
    );
  if (latest) {
    body.push(
      container(
        [
          rich([strong('Question'), ` (${formatLondon(latest.askedAt)}): `, latest.question]),
          rich([
            strong('Answer'),
            ` (${latest.answeredAt ? formatLondon(latest.answeredAt) : ''}): `,
            latest.answer ?? '',
          ]),
        ],
        'emphasis',
      ),
    );
  }
  if (open) {
    body.push(callout('warning', [rich([strong('Waiting for the applicant team to answer: '), open.question])]));
  } else {
    body.push(
      text('**Ask the applicant team**'),
      textInput('question', 'Question', {
        multiline: true,
        maxLength: MAX_COMMENTARY_CHARS,
        placeholder: 'What do you need them to clarify?',
        errorMessage: `Write the question (up to ${MAX_COMMENTARY_CHARS} characters) before sending it.`,
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
      // At most the level applied for: the criteria above it were not written or assessed.
      choiceInput('level', 'Level to award', levelChoices(view), {
        value: my ? (my.level ?? 'none') : (view.application.targetLevel ?? 'none'),
        errorMessage: 'Choose the level to award, or No award.',
      }),
      textInput('strengths', 'Strengths (feedback)', {
        multiline: true,
        maxLength: MAX_COMMENTARY_CHARS,
        ...(my ? { value: my.strengths } : {}),
        errorMessage: `Write the strengths (up to ${MAX_COMMENTARY_CHARS} characters): they go to the organisation.`,
      }),
      textInput('improvements', 'Areas to improve (feedback)', {
        multiline: true,
        maxLength: MAX_COMMENTARY_CHARS,
        ...(my ? { value: my.improvements } : {}),
        errorMessage: `Write the areas to improve (up to ${MAX_COMMENTARY_CHARS} characters): they go to the organisation.`,
      }),
      actionSet([execute('Recommend', 'recommend', appData(view), 'positive')]),
    );
  }
  return card(body, [...folder(view), refresh(view), execute('My queue', 'queue')], 'Application in review');
}

/** The levels a reviewer or admin may give: up to the one applied for, or no award. */
export function levelChoices(view: ApplicationView): { title: string; value: string }[] {
  return [
    ...awardableLevels(view.application.targetLevel).map((l) => ({ title: LEVEL_LABELS[l], value: l })),
    { title: 'No award', value: 'none' },
  ];
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

/**
 * The assessment form of one section: the applicant's commentary (in full) and references,
 * outcome and note per criterion. A section whose commentary would make the card too big for
 * Teams comes in parts.
 */
export function assessSectionCard(
  view: ApplicationView,
  reviewerId: string,
  section: SectionNumber,
  opts: CardOptions = {},
  part = 0,
): AdaptiveCard {
  const criteria = criteriaForSection(view.framework, section, view.application.targetLevel ?? 'gold');
  const parts = pageBySize(criteria, (slice, page) => buildAssessCard(view, reviewerId, section, slice, page, opts));
  const index = Math.min(Math.max(0, part), parts.length - 1);
  return buildAssessCard(view, reviewerId, section, parts[index]!, { index, count: parts.length }, opts);
}

function buildAssessCard(
  view: ApplicationView,
  reviewerId: string,
  section: SectionNumber,
  criteria: readonly ReturnType<typeof criteriaForSection>[number][],
  page: PagePosition,
  opts: CardOptions,
): AdaptiveCard {
  const s = SECTIONS[section - 1]!;
  const done = mine(view, reviewerId);
  const commentary = new Map(view.commentary.map((c) => [c.criterionId, c]));
  const body: CardElement[] = [
    ...top(opts),
    ...heading(
      `Assess section ${section}: ${s.title}${page.count > 1 ? ` (part ${page.index + 1} of ${page.count})` : ''}`,
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
          rich([strong(c.id), ` ${c.text}`]),
          com?.text.trim()
            ? plain(com.text)
            : text('No commentary was written for this criterion.', { isSubtle: true }),
          ...(refs.length > 0
            ? [
                rich(
                  [strong('Evidence: '), refs.map((r) => `${r.documentName} p. ${formatPages(r.pages)}`).join('; ')],
                  { size: 'Small' },
                ),
                ...referenceFindings(view, refs),
              ]
            : []),
          choiceInput(`outcome_${c.id}`, `Outcome for ${c.id}`, OUTCOME_CHOICES, {
            style: 'expanded',
            ...(a ? { value: a.outcome } : {}),
            errorMessage: `Choose met, partly met or not met for ${c.id}.`,
          }),
          textInput(`note_${c.id}`, `Note for ${c.id}`, {
            maxLength: MAX_COMMENTARY_CHARS,
            ...(a?.note ? { value: a.note } : {}),
            placeholder: 'Optional: why, or what is missing',
            errorMessage: `Keep the note for ${c.id} to ${MAX_COMMENTARY_CHARS} characters.`,
          }),
        ],
        'emphasis',
      ),
    );
  }
  const onward: CardAction[] =
    page.index + 1 < page.count
      ? [
          execute(`Save and continue (part ${page.index + 2} of ${page.count})`, 'save_assessment', {
            ...appData(view),
            section,
            part: page.index,
            next: section,
            nextPart: page.index + 1,
          }),
        ]
      : section < 6
        ? [
            execute(`Save and assess section ${section + 1}`, 'save_assessment', {
              ...appData(view),
              section,
              part: page.index,
              next: section + 1,
            }),
          ]
        : [];
  return card(
    body,
    [
      execute('Save', 'save_assessment', { ...appData(view), section, part: page.index }, 'positive'),
      ...onward,
      ...(page.index > 0
        ? [execute('Previous part', 'assess', { ...appData(view), section, part: page.index - 1 })]
        : []),
      execute('Back to application', 'app_view', appData(view, { as: 'reviewer' })),
      ...folder(view),
    ],
    `Assess section ${section}`,
  );
}

/**
 * Per criterion, the findings of at most this many referenced documents, this many lines each
 * (the rest are counted), so that one criterion at the longest always fits a card.
 */
const DOCUMENTS_WITH_FINDINGS = 2;
const FINDINGS_PER_DOCUMENT = 2;

/**
 * Beside a criterion's references: what inspecting each referenced document found (open findings,
 * and warnings the applicant dismissed with their reason), and a link opening it at the first
 * cited page (documentPageLink: a PDF at that page, other files at their start).
 */
function referenceFindings(
  view: ApplicationView,
  refs: readonly { documentName: string; pages: number[] }[],
): CardElement[] {
  const out: CardElement[] = [];
  const links: CardAction[] = [];
  const seen = new Set<string>();
  let notShown = 0;
  for (const ref of refs) {
    const name = normaliseDocumentName(ref.documentName);
    if (seen.has(name)) continue;
    seen.add(name);
    const inspection = view.inspections.find((i) => normaliseDocumentName(i.documentName) === name);
    const tooOld = (view.readiness?.problems ?? []).filter(
      (p) => p.kind === 'evidence_too_old' && normaliseDocumentName(p.documentName ?? '') === name,
    );
    const open = inspection ? openFindings(inspection) : [];
    const dismissed = view.dismissals.filter(
      (d) => d.documentName === name && open.some((f) => f.key === d.findingKey),
    );
    const lines = [
      ...tooOld.map((p) => `Problem: ${p.message}`),
      ...open
        .filter((f) => !dismissed.some((d) => d.findingKey === f.key))
        .map((f) => `${f.severity === 'hard' ? 'Problem' : 'Warning'}: ${f.message}`),
      ...dismissed.map(
        (d) =>
          `Warning dismissed by the applicant (${FINDING_LABELS[open.find((f) => f.key === d.findingKey)!.code]}): “${d.reason}”`,
      ),
    ];
    if (lines.length > 0 && out.length >= DOCUMENTS_WITH_FINDINGS) notShown++;
    else if (lines.length > 0)
      out.push(
        container(
          [
            rich([strong(`Checks of ${inspection?.documentName ?? ref.documentName.trim()}`)], { size: 'Small' }),
            bulletList(
              lines.length > FINDINGS_PER_DOCUMENT
                ? [...lines.slice(0, FINDINGS_PER_DOCUMENT), `…and ${lines.length - FINDINGS_PER_DOCUMENT} more.`]
                : lines,
            ),
          ],
          'warning',
        ),
      );
    const doc = view.documents.find((d) => normaliseDocumentName(d.name) === name);
    const first = ref.pages.find((p) => Number.isInteger(p) && p > 0);
    if (doc?.webUrl && links.length < MAX_OPEN_LINKS) {
      const link = documentPageLink(doc.webUrl, doc.name, first ?? 1);
      const short = doc.name.length > 28 ? `${doc.name.slice(0, 27)}…` : doc.name;
      links.push(openUrl(link.page ? `Open ${short} at p. ${link.page}` : `Open ${short}`, link.url));
    }
  }
  if (notShown > 0)
    out.push(
      text(`${plural(notShown, 'more referenced document has', 'more referenced documents have')} findings too.`, {
        isSubtle: true,
        size: 'Small',
      }),
    );
  if (links.length > 0) out.push(actionSet(links));
  return out;
}

/** Open-document links per criterion (Teams shows at most a few actions side by side). */
const MAX_OPEN_LINKS = 2;

/** Count of criteria a reviewer still has to assess (for tests and notices). */
export function remainingToAssess(view: ApplicationView, reviewerId: string): number {
  const done = mine(view, reviewerId);
  return criteriaUpTo(view.framework, view.application.targetLevel ?? 'gold').filter((c) => !done.has(c.id)).length;
}
