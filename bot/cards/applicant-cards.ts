/**
 * What applicants see of their application: one builder per workflow state, plus the forms
 * (commentary per section, evidence details) and the submit outcomes.
 */
import { criteriaForSection, SECTIONS } from '../../src/domain/framework.js';
import { MIN_DOCUMENTS } from '../../src/domain/levels.js';
import type { ReadinessProblem } from '../../src/domain/readiness.js';
import { formatLondon } from '../../src/domain/time.js';
import type { ApplicationState, SectionNumber } from '../../src/domain/types.js';
import type { ApplicationView } from '../../src/workflows/application-view.js';
import { MAX_COMMENTARY_CHARS } from '../../src/workflows/application-journey.js';
import { MAX_DISMISS_REASON } from '../../src/workflows/evidence-inspection.js';
import {
  actionSet,
  bulletList,
  callout,
  card,
  cardBytes,
  choiceInput,
  columns,
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
  toggleInput,
  ukDateInput,
  type AdaptiveCard,
  type CardAction,
  type CardElement,
  type PagePosition,
} from './card-kit.js';
import { awardSection } from './award-cards.js';
import { CARD_BUDGET_UTF16_BYTES } from './constants.js';
import { appData, applicationHeader, deadlineLine, docKey, LEVEL_CHOICES, LEVEL_LABELS } from './application-common.js';

export interface CardOptions {
  /** A line shown at the top (e.g. what changed since the card was sent, or what was just saved). */
  notice?: { message: string; tone: 'good' | 'warning' | 'attention' };
  /** The viewer may submit (applicant lead). */
  canSubmit?: boolean;
}

function top(opts: CardOptions): CardElement[] {
  return opts.notice ? [notice(opts.notice.message, opts.notice.tone)] : [];
}

const refresh = (view: ApplicationView, title = 'Refresh'): CardAction => execute(title, 'app_view', appData(view));
const menu = (): CardAction => execute('Back to menu', 'help');

function folderAction(view: ApplicationView): CardAction[] {
  return view.folder ? [openUrl('Open evidence folder', view.folder.webUrl)] : [];
}

const APPLICANT_BUILDERS: Record<ApplicationState, (view: ApplicationView, opts: CardOptions) => AdaptiveCard> = {
  requested: applicantRequestedCard,
  open: applicantOpenCard,
  submitted: applicantInReviewCard,
  in_review: applicantInReviewCard,
  clarification_requested: applicantClarificationCard,
  recommended: applicantAwaitingDecisionCard,
  decided: applicantAwaitingDecisionCard,
  communicated: applicantDecisionCard,
  withdrawn: applicantClosedCard,
  lapsed: applicantClosedCard,
};

/** The applicant's card for the application's current state. */
export function applicantApplicationCard(view: ApplicationView, opts: CardOptions = {}): AdaptiveCard {
  return APPLICANT_BUILDERS[view.application.state](view, opts);
}

export function applicantRequestedCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      text(
        'Your request has reached the WEx QS team. When they open your application you will get a message here with the link to your private evidence folder.',
      ),
      text(deadlineLine(view), { isSubtle: true }),
      ...withdrawButton(view, opts),
    ],
    [refresh(view), menu()],
    'Application requested',
  );
}

function problemLines(problems: readonly ReadinessProblem[], max: number): string[] {
  const lines = problems.slice(0, max).map((p) => p.message);
  if (problems.length > max) lines.push(`…and ${problems.length - max} more.`);
  return lines;
}

export function applicantOpenCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  const a = view.application;
  const r = view.readiness;
  const body: CardElement[] = [...top(opts), ...applicationHeader(view), rich([strong(deadlineLine(view))])];
  body.push(
    text(
      view.folder
        ? 'Upload completed, anonymised evidence to your private folder (one sub-folder per section), then reference it by document name and page in your commentary.'
        : 'Your private evidence folder is being prepared. The link will appear here.',
    ),
  );
  body.push(
    container([
      text('**Level you are applying for**'),
      columns([
        {
          items: [
            choiceInput('level', 'Level', LEVEL_CHOICES, {
              ...(a.targetLevel ? { value: a.targetLevel } : {}),
              placeholder: 'Choose a level',
            }),
          ],
        },
        { width: 'auto', items: [actionSet([execute('Save level', 'choose_level', appData(view))])] },
      ]),
    ]),
  );
  if (r) {
    const hard = r.problems.filter((p) => p.severity === 'hard');
    const soft = r.problems.filter((p) => p.severity === 'soft');
    body.push(
      text('**Progress by section**'),
      facts(
        r.sections.map((s) => [
          `${s.section}. ${SECTIONS[s.section - 1]?.title ?? ''}`,
          `${s.completed} of ${plural(s.criteria, 'criterion', 'criteria')} complete`,
        ]),
      ),
      rich([
        strong('Evidence: '),
        `${r.documentsCompleted} of the ${r.documentsRequired} completed documents a ${LEVEL_LABELS[a.targetLevel!].toLowerCase()} application needs.${view.documentsListedAt ? ` Folder last checked ${formatLondon(view.documentsListedAt)}.` : ' The folder has not been checked yet.'}`,
      ]),
    );
    if (hard.length === 0) body.push(callout('good', [rich([strong('✓ Ready to submit.')])]));
    else
      body.push(
        callout('attention', [
          rich([strong(`To fix before you can submit (${hard.length})`)]),
          bulletList(problemLines(hard, 8)),
        ]),
      );
    // Warnings the applicant may dismiss are listed once, each beside its own button.
    const dismissable = dismissableWarnings(view, soft);
    const others = soft.filter((p) => !dismissable.includes(p));
    if (others.length > 0)
      body.push(
        callout('warning', [rich([strong(`Worth checking (${others.length})`)]), bulletList(problemLines(others, 4))]),
      );
    body.push(...dismissWarningsBlock(view, dismissable));
  } else {
    body.push(
      text(
        `Choose the level first: it decides which criteria need commentary and how many documents you need (${MIN_DOCUMENTS.bronze} bronze, ${MIN_DOCUMENTS.silver} silver, ${MIN_DOCUMENTS.gold} gold).`,
      ),
    );
  }
  body.push(
    text('**Write your commentary**', { isSubtle: false }),
    actionSet(
      SECTIONS.slice(0, 3).map((s) =>
        execute(`${s.number}. ${s.title}`, 'commentary', { ...appData(view), section: s.number }),
      ),
    ),
    actionSet(
      SECTIONS.slice(3).map((s) =>
        execute(`${s.number}. ${s.title}`, 'commentary', { ...appData(view), section: s.number }),
      ),
    ),
  );
  // Submit is offered (as the main action) only when nothing blocks it.
  const canSubmitNow = opts.canSubmit !== false && r !== null && r.problems.every((p) => p.severity !== 'hard');
  if (opts.canSubmit === false)
    body.push(text('Your applicant lead submits the application when it is ready.', { isSubtle: true }));
  else if (!canSubmitNow)
    body.push(text('The Submit button appears here once nothing above blocks your submission.', { isSubtle: true }));
  body.push(...withdrawButton(view, opts));
  const actions: CardAction[] = [
    ...(canSubmitNow ? [execute('Submit application', 'submit', appData(view), 'positive')] : []),
    execute('Evidence details', 'evidence', appData(view)),
    execute('Re-check folder', 'refresh_evidence', appData(view)),
    ...folderAction(view),
    refresh(view),
  ];
  return card(body, actions, 'Your application');
}

export function applicantInReviewCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  const answered = view.clarifications.filter((c) => c.answer !== null);
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      text(
        view.application.state === 'submitted'
          ? 'Thank you: your application has been submitted. Reviewers will assess it during the review period.'
          : 'Your application is being reviewed. If a reviewer has a question, it will come to this chat.',
      ),
      facts([
        [
          'Review period',
          `${formatLondon(view.cycle.reviewStart, 'date')} to ${formatLondon(view.cycle.reviewEnd, 'date')}`,
        ],
        [
          'Decisions',
          `${formatLondon(view.cycle.decisionStart, 'date')} to ${formatLondon(view.cycle.decisionEnd, 'date')}`,
        ],
      ]),
      ...(answered.length > 0
        ? [
            text(`You have answered ${plural(answered.length, 'clarification question', 'clarification questions')}.`, {
              isSubtle: true,
            }),
          ]
        : []),
      ...(view.application.state === 'submitted' ? withdrawButton(view, opts) : []),
    ],
    [refresh(view), menu()],
    'Application under review',
  );
}

export function applicantClarificationCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  const open = view.clarifications.find((c) => c.answer === null);
  const body: CardElement[] = [...top(opts), ...applicationHeader(view, 'A reviewer has a question')];
  body.push(rich([strong(view.organisation.name)]));
  if (open) {
    body.push(
      container(
        [text(`Asked ${formatLondon(open.askedAt)}`, { isSubtle: true, size: 'Small' }), plain(open.question)],
        'emphasis',
      ),
      textInput('answer', 'Your answer', {
        multiline: true,
        maxLength: MAX_COMMENTARY_CHARS,
        required: true,
        placeholder: 'Answer the question; name documents and page numbers where useful.',
        errorMessage: `Write your answer (up to ${MAX_COMMENTARY_CHARS} characters) before sending it.`,
      }),
    );
  }
  return card(
    body,
    [
      ...(open
        ? [execute('Send answer', 'answer_clarification', appData(view, { clarificationId: open.id }), 'positive')]
        : []),
      ...folderAction(view),
      refresh(view),
    ],
    'A reviewer has a question about your application',
  );
}

export function applicantAwaitingDecisionCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      text(
        'The review of your application is complete. The WEx QS team will send you the decision during the decision period.',
      ),
      facts([
        [
          'Decisions',
          `${formatLondon(view.cycle.decisionStart, 'date')} to ${formatLondon(view.cycle.decisionEnd, 'date')}`,
        ],
      ]),
    ],
    [refresh(view), menu()],
    'Review complete',
  );
}

/** The decision as the applicant team receives it: level, feedback, and the award's expiry. */
export function applicantDecisionCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  const d = view.decision;
  const body: CardElement[] = [...top(opts)];
  if (d?.level) {
    body.push(...heading(`${LEVEL_LABELS[d.level]} award`, `${view.organisation.name} · ${view.cycle.name}`));
    body.push(
      text(
        `Congratulations: your organisation has been awarded the Work Experience Quality Standard at **${LEVEL_LABELS[d.level]}** level.`,
      ),
    );
    if (view.award) {
      body.push(
        facts([
          ['Valid from', formatLondon(view.award.validFrom, 'date')],
          ['Expires', formatLondon(view.award.validUntil, 'date')],
        ]),
      );
      body.push(text('You can reapply before the award expires.', { isSubtle: true }));
    }
  } else {
    body.push(...heading('Decision on your application', `${view.organisation.name} · ${view.cycle.name}`));
    body.push(
      text(
        'Your application has not been given an award this time. The feedback below explains why and what to work on; you can apply again in a later cycle.',
      ),
    );
  }
  if (d) {
    body.push(
      text('**Strengths**'),
      plain(d.feedbackStrengths),
      text('**Areas to improve**'),
      plain(d.feedbackImprovements),
    );
  }
  body.push(...awardSection(view));
  return card(
    body,
    [refresh(view), menu()],
    d?.level ? `${LEVEL_LABELS[d.level]} award` : 'Decision on your application',
  );
}

export function applicantClosedCard(view: ApplicationView, opts: CardOptions): AdaptiveCard {
  return card(
    [
      ...top(opts),
      ...applicationHeader(view),
      text(
        view.application.state === 'lapsed'
          ? 'This application lapsed because it was not submitted before submissions closed. You can request an application in a later cycle.'
          : 'This application was withdrawn. You can request an application in a later cycle.',
      ),
    ],
    [menu()],
    'Application closed',
  );
}

/** Parses "1, 3-5" into [1, 3, 4, 5]; null when it is not a list of page numbers and ranges. */
export function parsePages(input: string): number[] | null {
  const parts = input
    .split(/[,;\s]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) return [];
  const out: number[] = [];
  for (const p of parts) {
    const m = /^(?:p{1,2}\.?)?(\d{1,4})(?:\s*[-–]\s*(\d{1,4}))?$/i.exec(p);
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] ? Number(m[2]) : a;
    if (a < 1 || b < a || b - a > 200) return null;
    for (let i = a; i <= b; i++) if (!out.includes(i)) out.push(i);
  }
  return out;
}

/** "1, 3-5" from [1, 3, 4, 5]. */
export function formatPages(pages: readonly number[]): string {
  const sorted = [...new Set(pages)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i]!;
    let end = start;
    while (sorted[i + 1] === end + 1) end = sorted[++i]!;
    out.push(end > start ? `${start}-${end}` : String(start));
  }
  return out.join(', ');
}

/** Choice sets carry at most this many document choices in total; fewer when the text is long, so the card stays small. */
const CHOICE_BUDGETS = [260, 160, 100, 60, 30, 16, 8] as const;
/** Page numbers as people write them: "2, 4-5", "p7", "pp. 9". */
const PAGES_PATTERN = '^[pP.\\d\\s,;–-]*$';

/**
 * The commentary form of one section: per criterion a text box and reference rows (document
 * picked from the folder + pages). Criteria are those up to the target level (all, before one is
 * chosen). A section whose commentary would make the card too big for Teams comes in parts.
 */
export function commentarySectionCard(
  view: ApplicationView,
  section: SectionNumber,
  opts: CardOptions = {},
  part = 0,
): AdaptiveCard {
  const criteria = criteriaForSection(view.framework, section, view.application.targetLevel ?? undefined);
  // Parts are cut with every document offered; only a criterion too big on its own offers fewer.
  const parts = pageBySize(criteria, (slice, page) =>
    buildCommentaryCard(view, section, slice, page, opts, CHOICE_BUDGETS[0]),
  );
  const index = Math.min(Math.max(0, part), parts.length - 1);
  const page = { index, count: parts.length };
  let built: AdaptiveCard | null = null;
  for (const budget of CHOICE_BUDGETS) {
    built = buildCommentaryCard(view, section, parts[index]!, page, opts, budget);
    if (cardBytes(built) < CARD_BUDGET_UTF16_BYTES) break;
  }
  return built!;
}

function buildCommentaryCard(
  view: ApplicationView,
  section: SectionNumber,
  criteria: readonly ReturnType<typeof criteriaForSection>[number][],
  page: PagePosition,
  opts: CardOptions,
  choiceBudget: number,
): AdaptiveCard {
  const s = SECTIONS[section - 1]!;
  const byId = new Map(view.commentary.map((c) => [c.criterionId, c]));
  const rowsFor = (id: string) => Math.min(4, Math.max(2, (byId.get(id)?.references.length ?? 0) + 1));
  const totalRows = criteria.reduce((n, c) => n + rowsFor(c.id), 0) || 1;
  const perRow = Math.max(1, Math.floor(choiceBudget / totalRows));
  const all = view.documents;
  const inSection = all.filter((d) => d.section === section);
  const pool = all.length <= perRow ? all : inSection.length > 0 ? inSection.slice(0, perRow) : all.slice(0, perRow);

  const body: CardElement[] = [
    ...top(opts),
    ...heading(
      `Section ${section}: ${s.title}${page.count > 1 ? ` (part ${page.index + 1} of ${page.count})` : ''}`,
      `${view.organisation.name} · ${view.application.targetLevel ? `criteria up to ${LEVEL_LABELS[view.application.targetLevel].toLowerCase()}` : 'all criteria (choose a level to see only yours)'}`,
    ),
    plain(s.description, { isSubtle: true }),
  ];
  if (view.framework.illustrative)
    body.push(
      text('Illustrative framework: example criteria, not the official NHS England text.', {
        isSubtle: true,
        size: 'Small',
      }),
    );
  if (all.length === 0)
    body.push(
      callout('warning', [
        text(
          'No documents are listed from your evidence folder yet. Upload them, then press **Re-check folder** on your application card.',
        ),
      ]),
    );
  else if (pool.length < all.length)
    body.push(
      text(
        `Showing ${pool.length} of your ${all.length} documents (this section's folder first) and those already referenced; move a document into this section's folder to reference it here.`,
        { isSubtle: true, size: 'Small' },
      ),
    );

  for (const c of criteria) {
    const existing = byId.get(c.id);
    const refs = existing?.references ?? [];
    const referenced = new Set(refs.map((r) => docKey(r.documentName)));
    const choices = [
      ...pool.map((d) => ({ title: d.name, value: docKey(d.name) })),
      ...all
        .filter((d) => referenced.has(docKey(d.name)) && !pool.includes(d))
        .map((d) => ({ title: d.name, value: docKey(d.name) })),
      ...refs
        .filter((r) => !all.some((d) => docKey(d.name) === docKey(r.documentName)))
        .map((r) => ({ title: `${r.documentName} (not in folder)`, value: docKey(r.documentName) })),
    ];
    const rows: CardElement[] = [];
    for (let i = 0; i < (choices.length > 0 ? rowsFor(c.id) : 0); i++) {
      const ref = refs[i];
      // Labels name the criterion: a screen reader (and a person scanning) knows which row this is.
      const n = `${i === 0 ? '' : ` ${i + 1}`} for ${c.id}`;
      rows.push(
        columns([
          {
            items: [
              choiceInput(`doc_${c.id}_${i}`, `Document${n}`, choices, {
                ...(ref ? { value: docKey(ref.documentName) } : {}),
                placeholder: 'Choose a document',
                errorMessage: 'Choose a document from your folder for these pages.',
              }),
            ],
          },
          {
            width: '90px',
            items: [
              textInput(`pages_${c.id}_${i}`, `Pages${n}`, {
                ...(ref ? { value: formatPages(ref.pages) } : {}),
                placeholder: 'e.g. 2, 4-5',
                maxLength: 60,
                regex: PAGES_PATTERN,
                errorMessage: 'Write page numbers and ranges, e.g. 2, 4-5.',
              }),
            ],
          },
        ]),
      );
    }
    body.push(
      container(
        [
          rich([strong(c.id), ` ${c.text}`]),
          plain(
            `From ${LEVEL_LABELS[c.minimumLevel].toLowerCase()}. Typical evidence: ${c.suggestedEvidence.join('; ') || 'any relevant document'}.`,
            { isSubtle: true, size: 'Small' },
          ),
          textInput(`text_${c.id}`, `Commentary for ${c.id}`, {
            multiline: true,
            maxLength: MAX_COMMENTARY_CHARS,
            ...(existing?.text ? { value: existing.text } : {}),
            placeholder: 'Explain how you meet this criterion and where the evidence shows it.',
            errorMessage: `Keep the commentary for ${c.id} to ${MAX_COMMENTARY_CHARS} characters.`,
          }),
          ...rows,
        ],
        'emphasis',
      ),
    );
  }
  const onward: CardAction[] =
    page.index + 1 < page.count
      ? [
          execute(`Save and continue (part ${page.index + 2} of ${page.count})`, 'save_commentary', {
            ...appData(view),
            section,
            part: page.index,
            next: section,
            nextPart: page.index + 1,
          }),
        ]
      : section < 6
        ? [
            execute(`Save and go to section ${section + 1}`, 'save_commentary', {
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
      execute('Save draft', 'save_commentary', { ...appData(view), section, part: page.index }, 'positive'),
      ...onward,
      ...(page.index > 0
        ? [execute('Previous part', 'commentary', { ...appData(view), section, part: page.index - 1 })]
        : []),
      execute('Back to application', 'app_view', appData(view)),
    ],
    `Commentary: section ${section}`,
  );
}

export const EVIDENCE_PAGE_SIZE = 20;

/** Per document: the evidence date and whether it is completed and anonymised (what counts). */
export function evidenceCard(view: ApplicationView, page = 0, opts: CardOptions = {}): AdaptiveCard {
  const pages = pageBySize(view.documents, (slice, pos) => buildEvidenceCard(view, slice, pos, opts), {
    maxPerPage: EVIDENCE_PAGE_SIZE,
  });
  const index = Math.min(Math.max(0, page), pages.length - 1);
  return buildEvidenceCard(view, pages[index]!, { index, count: pages.length }, opts);
}

function buildEvidenceCard(
  view: ApplicationView,
  slice: readonly ApplicationView['documents'][number][],
  page: PagePosition,
  opts: CardOptions,
): AdaptiveCard {
  const docs = view.documents;
  const body: CardElement[] = [
    ...top(opts),
    ...heading(
      'Evidence details',
      `${view.organisation.name} · ${plural(docs.length, 'document', 'documents')} in your folder${page.count > 1 ? ` · page ${page.index + 1} of ${page.count}` : ''}`,
    ),
    text(
      'Only completed, anonymised documents count (blank templates do not). Evidence must be dated within the last 12 months; give the date the evidence was produced if it differs from the upload date.',
      { isSubtle: true },
    ),
  ];
  if (docs.length === 0)
    body.push(
      callout('warning', [
        text('No documents are listed yet. Upload them to your folder, then press **Re-check folder**.'),
      ]),
    );
  for (const d of slice) {
    const k = docKey(d.name);
    body.push(
      container([
        rich([strong(d.name)]),
        text(
          `${d.section ? `Section ${d.section}` : 'Folder top level'} · uploaded ${formatLondon(d.lastModified, 'date')}`,
          { isSubtle: true, size: 'Small' },
        ),
        columns([
          { items: [ukDateInput(`date_${k}`, 'Evidence date', d.evidenceDate ?? d.lastModified)] },
          { items: [toggleInput(`done_${k}`, 'Counts as evidence', 'Completed and anonymised', d.completed)] },
        ]),
      ]),
    );
  }
  const actions: CardAction[] = [];
  if (slice.length > 0)
    actions.push(
      execute(
        'Save',
        'save_evidence',
        { ...appData(view), page: page.index, keys: slice.map((d) => docKey(d.name)).join(',') },
        'positive',
      ),
    );
  actions.push(...pageButtons(page, 'evidence', (i) => ({ ...appData(view), page: i })));
  actions.push(execute('Back to application', 'app_view', appData(view)));
  return card(body, actions, 'Evidence details');
}

/** Soft problems only: confirm before submitting. */
export function submitConfirmCard(
  view: ApplicationView,
  warnings: readonly ReadinessProblem[],
  late: boolean,
): AdaptiveCard {
  return card(
    [
      ...heading('Submit with these warnings?', view.organisation.name),
      text('Nothing here stops you submitting, but reviewers may notice:'),
      bulletList(problemLines(warnings, 8)),
      ...(late ? [callout('warning', [text('The deadline has passed: your submission will be marked late.')])] : []),
    ],
    [
      execute('Submit anyway', 'submit', appData(view, { acknowledgeWarnings: true }), 'positive'),
      execute('Back to application', 'app_view', appData(view)),
    ],
    'Submit with warnings?',
  );
}

/**
 * The applicant lead may withdraw until review starts: set apart at the foot of the card, under
 * a separator, and a confirmation card comes first.
 */
function withdrawButton(view: ApplicationView, opts: CardOptions): CardElement[] {
  return opts.canSubmit === false
    ? []
    : [
        {
          type: 'Container',
          separator: true,
          spacing: 'ExtraLarge',
          items: [
            text('If your organisation is not going ahead this cycle:', { isSubtle: true, size: 'Small' }),
            actionSet([execute('Withdraw application…', 'withdraw_application', appData(view), 'destructive')]),
          ],
        },
      ];
}

export function withdrawConfirmCard(view: ApplicationView): AdaptiveCard {
  return card(
    [
      ...heading('Withdraw your application?', view.organisation.name),
      rich([
        `Your organisation will not be assessed in ${view.cycle.name}. Your evidence folder and commentary stay as they are, but only one application per organisation is accepted in a cycle, so you would need to apply again in a later cycle.`,
      ]),
    ],
    [
      execute('Keep my application', 'app_view', appData(view)),
      execute('Yes, withdraw', 'withdraw_application', appData(view, { confirm: true }), 'destructive'),
    ],
    'Withdraw your application?',
  );
}

/** Hard problems: submission refused, each reason listed. */
export function notReadyCard(view: ApplicationView, problems: readonly string[]): AdaptiveCard {
  const shown = problems.slice(0, 12);
  return card(
    [
      ...heading('Not ready to submit', view.organisation.name),
      callout('attention', [
        text(
          `Your application was not submitted. Fix ${problems.length === 1 ? 'this problem' : `these ${problems.length} problems`} first:`,
        ),
        bulletList(problems.length > shown.length ? [...shown, `…and ${problems.length - shown.length} more.`] : shown),
      ]),
    ],
    [execute('Back to application', 'app_view', appData(view)), execute('Evidence details', 'evidence', appData(view))],
    'Not ready to submit',
  );
}

/** At most this many dismissable warnings on the card (one button each), to keep it small. */
const MAX_DISMISSABLE = 3;

function dismissableWarnings(view: ApplicationView, soft: readonly ReadinessProblem[]): ReadinessProblem[] {
  if (view.application.state !== 'open') return [];
  return soft.filter((p) => p.kind === 'evidence_warning' && p.findingKey && p.documentName).slice(0, MAX_DISMISSABLE);
}

/**
 * Warnings from inspecting the documents can be dismissed with a reason (kept in the audit log and
 * shown to reviewers): each warning numbered with its own button, and one reason box above them.
 */
function dismissWarningsBlock(view: ApplicationView, warnings: readonly ReadinessProblem[]): CardElement[] {
  if (warnings.length === 0) return [];
  return [
    callout('warning', [
      rich([strong(`Warnings from checking your files (${warnings.length})`)]),
      text('If one does not apply, say why and dismiss it. Reviewers see your reason.', { isSubtle: true }),
      ...warnings.map((w, i) => plain(`${i + 1}. ${w.message}`)),
      textInput('reason', 'Why a warning does not apply (kept and shown to reviewers)', {
        maxLength: MAX_DISMISS_REASON,
      }),
      actionSet(
        warnings.map((w, i) =>
          execute(`Dismiss warning ${i + 1}`, 'dismiss_evidence_warning', {
            ...appData(view),
            documentName: w.documentName,
            findingKey: w.findingKey,
          }),
        ),
      ),
    ]),
  ];
}
