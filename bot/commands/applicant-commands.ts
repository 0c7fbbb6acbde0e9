/** Applicant commands after the request: status, level, commentary, evidence, submit, clarification answers. */
import { z } from 'zod';
import { DomainError, isDomainError } from '../../src/domain/errors.js';
import { londonDate, parseUkDate } from '../../src/domain/time.js';
import { LEVELS, type Commentary, type EvidenceReference, type SectionNumber } from '../../src/domain/types.js';
import {
  answerClarification,
  declareEvidence,
  saveSectionCommentary,
  setTargetLevel,
  submitApplication,
  withdrawApplication,
} from '../../src/workflows/application-journey.js';
import { loadApplicationView, loadForEditing } from '../../src/workflows/application-view.js';
import { ownApplicationView } from '../../src/workflows/applications.js';
import { dismissEvidenceWarning } from '../../src/workflows/evidence-inspection.js';
import { criteriaForSection } from '../../src/domain/framework.js';
import {
  commentarySectionCard,
  evidenceCard,
  notReadyCard,
  parsePages,
  submitConfirmCard,
  withdrawConfirmCard,
} from '../cards/applicant-cards.js';
import { docKey } from '../cards/application-common.js';
import { card, execute, heading, plural, text, truncate } from '../cards/card-kit.js';
import type { BotCommand } from '../router.js';
import {
  APPLICANTS,
  appRefSchema,
  inputText,
  cardForViewer,
  currentApplicationCard,
  refreshNoticeSchema,
  resolveAppId,
  resolveAppRef,
  staleSafe,
  type AppRef,
} from './command-support.js';
import { ROLES } from '../../src/domain/types.js';

const sectionSchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(6)
  .transform((n) => n as SectionNumber);
/** Which part of a section's form (long sections come in parts). */
const partSchema = z.coerce.number().int().min(0).max(50);

/** The applicant's own application (typed "status"), or any application by id (buttons, every role). */
export const statusCommand: BotCommand<AppRef> = {
  verb: 'status',
  title: 'My application',
  description: 'progress per section, readiness and days left',
  aliases: ['status', 'my application', 'progress', 'readiness', 'ready'],
  roles: APPLICANTS,
  inHelp: true,
  data: appRefSchema,
  async run(ctx) {
    if (!ctx.data.applicationId) {
      const { view, cycle } = await ownApplicationView(ctx.svc, ctx.actor);
      if (!view) {
        return card(
          [
            ...heading('No application yet', cycle.name),
            text(
              'Your organisation has not requested an application in this cycle. Check your eligibility, then request one.',
            ),
          ],
          [
            execute('Check eligibility', 'eligibility'),
            execute('Request application', 'request_application', {}, 'positive'),
            execute('Back to menu', 'help'),
          ],
          'No application yet',
        );
      }
      return cardForViewer(ctx.actor, view, { as: 'applicant' });
    }
    return currentApplicationCard(ctx, ctx.data.applicationId, ctx.data.as ? { as: ctx.data.as } : {});
  },
};

/** Refresh / open any application card (all roles; used by buttons and `refresh`). */
export const appViewCommand: BotCommand<AppRef & z.infer<typeof refreshNoticeSchema>> = {
  verb: 'app_view',
  title: 'Application',
  description: 'show an application',
  aliases: [],
  roles: ROLES,
  inHelp: false,
  data: appRefSchema.extend(refreshNoticeSchema.shape),
  async run(ctx) {
    const applicationId = await resolveAppId(ctx);
    const { as, notice, tone, noticeState } = ctx.data;
    // A message's reason (e.g. "a reviewer has asked a question") while it still holds.
    const keep =
      notice && noticeState && (await ctx.svc.store.applications.get(applicationId))?.state === noticeState
        ? { notice: { message: notice, tone: tone ?? 'good' } }
        : {};
    return currentApplicationCard(ctx, applicationId, { ...(as ? { as } : {}), ...keep });
  },
};

export const chooseLevelCommand: BotCommand<AppRef & { level?: string }> = {
  verb: 'choose_level',
  title: 'Choose level',
  description: 'choose bronze, silver or gold',
  aliases: ['choose level', 'level', 'target level'],
  roles: APPLICANTS,
  inHelp: false,
  data: appRefSchema.extend({ level: z.string().optional() }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    const raw = (ctx.data.level ?? ctx.args).trim().toLowerCase();
    const level = LEVELS.find((l) => raw.includes(l));
    if (!level)
      throw new DomainError('VALIDATION', 'Choose bronze, silver or gold from the list, then press Save level.', {
        field: 'level',
      });
    return staleSafe(ctx, ref.applicationId, 'applicant', async () => {
      await setTargetLevel(ctx.svc, ctx.actor, { ...ref, level });
      return currentApplicationCard(ctx, ref.applicationId, {
        as: 'applicant',
        notice: { message: `Level saved: you are applying for ${level}.`, tone: 'good' },
      });
    });
  },
};

export const commentaryCommand: BotCommand<AppRef & { section?: SectionNumber; part?: number }> = {
  verb: 'commentary',
  title: 'Write commentary',
  description: 'the commentary form of a section',
  aliases: ['commentary', 'write', 'section'],
  roles: APPLICANTS,
  inHelp: false,
  data: appRefSchema.extend({ section: sectionSchema.optional(), part: partSchema.optional() }),
  async run(ctx) {
    const applicationId = await resolveAppId(ctx);
    const typed = Number(/\d/.exec(ctx.args)?.[0] ?? '1');
    const section = (ctx.data.section ?? (typed >= 1 && typed <= 6 ? typed : 1)) as SectionNumber;
    const view = await loadApplicationView(ctx.svc, ctx.actor, applicationId);
    if (view.application.state !== 'open')
      return cardForViewer(ctx.actor, view, {
        as: 'applicant',
        notice: { message: 'Commentary can be changed only while the application is open.', tone: 'warning' },
      });
    return commentarySectionCard(view, section, {}, ctx.data.part ?? 0);
  },
};

/** Reads the section form's inputs (text_<id>, doc_<id>_<i>, pages_<id>_<i>) into commentary. */
export function readCommentaryInputs(
  data: Record<string, unknown>,
  criterionIds: readonly string[],
  documentNames: readonly string[],
  previous: readonly Commentary[],
): Commentary[] {
  const byKey = new Map<string, string>();
  for (const n of documentNames) byKey.set(docKey(n), n);
  for (const c of previous)
    for (const r of c.references)
      if (!byKey.has(docKey(r.documentName))) byKey.set(docKey(r.documentName), r.documentName);
  const problems: string[] = [];
  const out: Commentary[] = [];
  for (const id of criterionIds) {
    const textValue = data[`text_${id}`];
    const hasAny =
      textValue !== undefined ||
      Object.keys(data).some((k) => k.startsWith(`doc_${id}_`) || k.startsWith(`pages_${id}_`));
    if (!hasAny) continue;
    const refs: EvidenceReference[] = [];
    for (let i = 0; i < 10; i++) {
      const doc = inputText(data, `doc_${id}_${i}`).trim();
      const pagesRaw = inputText(data, `pages_${id}_${i}`).trim();
      if (doc === '' && pagesRaw === '') continue;
      if (doc === '') {
        problems.push(`criterion ${id}: pages “${pagesRaw}” are given without choosing a document`);
        continue;
      }
      const name = byKey.get(doc);
      if (!name) {
        problems.push(`criterion ${id}: a chosen document is no longer in your folder`);
        continue;
      }
      const pages = parsePages(pagesRaw);
      if (pages === null) {
        problems.push(`criterion ${id}: “${pagesRaw}” is not a list of page numbers (write e.g. 2, 4-5)`);
        continue;
      }
      const existing = refs.find((r) => r.documentName === name);
      if (existing) existing.pages = [...new Set([...existing.pages, ...pages])].sort((a, b) => a - b);
      else refs.push({ documentName: name, pages });
    }
    out.push({ criterionId: id, text: inputText(data, `text_${id}`).trim(), references: refs });
  }
  if (problems.length > 0)
    throw new DomainError('VALIDATION', `Nothing was saved: ${problems.join('; ')}.`, { problems });
  return out;
}

export const saveCommentaryCommand: BotCommand<
  AppRef & { section: SectionNumber; part?: number; next?: SectionNumber; nextPart?: number }
> = {
  verb: 'save_commentary',
  title: 'Save commentary',
  description: 'save a section of commentary (draft)',
  aliases: [],
  roles: APPLICANTS,
  inHelp: false,
  data: appRefSchema.extend({
    section: sectionSchema,
    part: partSchema.optional(),
    next: sectionSchema.optional(),
    nextPart: partSchema.optional(),
  }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    return staleSafe(ctx, ref.applicationId, 'applicant', async () => {
      const view = await loadForEditing(ctx.svc, ctx.actor, ref.applicationId);
      const criteria = criteriaForSection(view.framework, ctx.data.section).map((c) => c.id);
      const items = readCommentaryInputs(
        ctx.data,
        criteria,
        view.documents.map((d) => d.name),
        view.commentary,
      );
      const { view: fresh } = await saveSectionCommentary(
        ctx.svc,
        ctx.actor,
        { ...ref, section: ctx.data.section, items },
        view,
      );
      const saved = {
        message: `Section ${ctx.data.section} saved (${plural(items.length, 'criterion', 'criteria')}).`,
        tone: 'good' as const,
      };
      return ctx.data.next
        ? commentarySectionCard(fresh, ctx.data.next, { notice: saved }, ctx.data.nextPart ?? 0)
        : commentarySectionCard(fresh, ctx.data.section, { notice: saved }, ctx.data.part ?? 0);
    });
  },
};

export const evidenceCommand: BotCommand<AppRef & { page?: number }> = {
  verb: 'evidence',
  title: 'Evidence details',
  description: 'date and completed flag of each document',
  aliases: ['evidence', 'documents', 'docs'],
  roles: APPLICANTS,
  inHelp: false,
  data: appRefSchema.extend({ page: z.coerce.number().int().min(0).max(1000).optional() }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    const view = await loadApplicationView(ctx.svc, ctx.actor, ref.applicationId);
    return evidenceCard(view, ctx.data.page ?? 0);
  },
};

export const saveEvidenceCommand: BotCommand<AppRef & { page?: number; keys: string }> = {
  verb: 'save_evidence',
  title: 'Save evidence details',
  description: 'save evidence dates and completed flags',
  aliases: [],
  roles: APPLICANTS,
  inHelp: false,
  data: appRefSchema.extend({ page: z.coerce.number().int().min(0).max(1000).optional(), keys: z.string().max(2000) }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    return staleSafe(ctx, ref.applicationId, 'applicant', async () => {
      const view = await loadForEditing(ctx.svc, ctx.actor, ref.applicationId);
      const byKey = new Map(view.documents.map((d) => [docKey(d.name), d]));
      const items: { name: string; evidenceDate: Date | null; completed: boolean }[] = [];
      for (const k of ctx.data.keys.split(',').filter(Boolean)) {
        const d = byKey.get(k);
        if (!d) continue;
        const raw = inputText(ctx.data, `date_${k}`).trim();
        let evidenceDate: Date | null = null;
        if (raw !== '') {
          const date = parseUkDate(raw);
          if (!date)
            throw new DomainError(
              'VALIDATION',
              `The evidence date of “${truncate(d.name, 80)}” is not a date: write it day first, e.g. 19/09/2025.`,
              { field: 'evidenceDate' },
            );
          evidenceDate = londonDate(date.year, date.month, date.day, 12);
        }
        items.push({ name: d.name, evidenceDate, completed: inputText(ctx.data, `done_${k}`) === 'true' });
      }
      const { changed, view: fresh } = await declareEvidence(ctx.svc, ctx.actor, { ...ref, items }, view);
      return evidenceCard(fresh, ctx.data.page ?? 0, {
        notice: {
          message: changed > 0 ? `Saved ${changed} document${changed === 1 ? '' : 's'}.` : 'Nothing had changed.',
          tone: 'good',
        },
      });
    });
  },
};

/** Re-list the folder after the reply and update the clicked card when done (Graph never on the invoke path). */
export const refreshEvidenceCommand: BotCommand<AppRef> = {
  verb: 'refresh_evidence',
  title: 'Re-check folder',
  description: 're-read the documents in your evidence folder',
  aliases: ['recheck', 're check folder', 'refresh evidence', 'check folder'],
  roles: APPLICANTS,
  inHelp: false,
  data: appRefSchema,
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    const { svc, actor, origin } = ctx;
    const view = await loadApplicationView(svc, actor, ref.applicationId);
    if (!svc.evidence)
      return cardForViewer(actor, view, {
        as: 'applicant',
        notice: { message: 'The evidence folder cannot be read in this installation.', tone: 'attention' },
      });
    if (!svc.jobs)
      return cardForViewer(actor, view, {
        as: 'applicant',
        notice: { message: 'The folder cannot be checked from here just now.', tone: 'attention' },
      });
    // A job lists the folder after the reply and updates this card when done.
    const jobs = svc.jobs;
    await svc.store.transaction((tx) =>
      jobs.enqueue(tx, {
        name: 'evidence-recheck',
        data: { applicationId: ref.applicationId, actorId: actor.personId, ...(origin ? { origin } : {}) },
      }),
    );
    return cardForViewer(actor, view, {
      as: 'applicant',
      notice: { message: 'Checking your evidence folder… this card updates when it is done.', tone: 'good' },
    });
  },
};

/** Dismiss an evidence warning with a reason (audited; reviewers see it). */
export const dismissEvidenceWarningCommand: BotCommand<
  AppRef & { documentName: string; findingKey: string; reason?: string }
> = {
  verb: 'dismiss_evidence_warning',
  title: 'Dismiss warning',
  description: 'dismiss a warning about a document, with a reason',
  aliases: [],
  roles: APPLICANTS,
  inHelp: false,
  data: appRefSchema.extend({
    documentName: z.string().min(1).max(300),
    findingKey: z.string().min(1).max(200),
    reason: z.string().max(2000).optional(),
  }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    const { svc, actor, data } = ctx;
    const r = await dismissEvidenceWarning(svc, actor, {
      applicationId: ref.applicationId,
      version: ref.version,
      documentName: data.documentName,
      findingKey: data.findingKey,
      reason: data.reason ?? '',
    });
    const view = await loadApplicationView(svc, actor, ref.applicationId);
    return cardForViewer(actor, view, {
      as: 'applicant',
      notice: {
        message: r.dismissed
          ? 'Warning dismissed; your reason is kept for the reviewers.'
          : 'That warning was already dismissed.',
        tone: 'good',
      },
    });
  },
};

export const submitCommand: BotCommand<AppRef & { acknowledgeWarnings?: boolean }> = {
  verb: 'submit',
  title: 'Submit application',
  description: 'submit your application for review',
  aliases: ['submit', 'submit application', 'submit my application', 'send application'],
  roles: ['applicant_lead'],
  inHelp: false,
  data: appRefSchema.extend({ acknowledgeWarnings: z.boolean().optional() }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    return staleSafe(ctx, ref.applicationId, 'applicant', async () => {
      try {
        const out = await submitApplication(ctx.svc, ctx.actor, {
          ...ref,
          acknowledgeWarnings: ctx.data.acknowledgeWarnings ?? false,
        });
        const view = await loadApplicationView(ctx.svc, ctx.actor, ref.applicationId);
        if (out.kind === 'needs_confirmation') return submitConfirmCard(view, out.warnings, out.late);
        return cardForViewer(ctx.actor, view, {
          as: 'applicant',
          notice: out.late
            ? {
                message: 'Submitted after the deadline, inside the grace period: your application is marked late.',
                tone: 'warning',
              }
            : { message: 'Submitted. Thank you!', tone: 'good' },
        });
      } catch (e) {
        if (isDomainError(e) && e.code === 'NOT_READY') {
          const view = await loadApplicationView(ctx.svc, ctx.actor, ref.applicationId);
          return notReadyCard(view, (e.details.problems as string[] | undefined) ?? [e.message]);
        }
        throw e;
      }
    });
  },
};

export const answerClarificationCommand: BotCommand<AppRef & { clarificationId: string; answer?: string }> = {
  verb: 'answer_clarification',
  title: 'Answer question',
  description: "answer a reviewer's question",
  aliases: [],
  roles: APPLICANTS,
  inHelp: false,
  data: appRefSchema.extend({ clarificationId: z.string().min(1).max(100), answer: z.string().max(8000).optional() }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    return staleSafe(ctx, ref.applicationId, 'applicant', async () => {
      await answerClarification(ctx.svc, ctx.actor, {
        ...ref,
        clarificationId: ctx.data.clarificationId,
        answer: ctx.data.answer ?? '',
      });
      return currentApplicationCard(ctx, ref.applicationId, {
        as: 'applicant',
        notice: { message: 'Answer sent to the reviewers.', tone: 'good' },
      });
    });
  },
};

export const withdrawCommand: BotCommand<AppRef & { confirm?: boolean }> = {
  verb: 'withdraw_application',
  title: 'Withdraw application',
  description: "withdraw your organisation's application",
  aliases: ['withdraw', 'withdraw application'],
  roles: ['applicant_lead'],
  inHelp: false,
  data: appRefSchema.extend({ confirm: z.boolean().optional() }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    return staleSafe(ctx, ref.applicationId, 'applicant', async () => {
      if (!ctx.data.confirm) {
        const view = await loadApplicationView(ctx.svc, ctx.actor, ref.applicationId);
        if (!['requested', 'open', 'submitted'].includes(view.application.state)) {
          throw new DomainError(
            'INVALID_TRANSITION',
            'This application can no longer be withdrawn: its review has started.',
            {},
          );
        }
        return withdrawConfirmCard(view);
      }
      await withdrawApplication(ctx.svc, ctx.actor, ref);
      return currentApplicationCard(ctx, ref.applicationId, {
        as: 'applicant',
        notice: { message: 'Your application has been withdrawn.', tone: 'warning' },
      });
    });
  },
};

export const APPLICANT_WORKFLOW_COMMANDS: readonly BotCommand[] = [
  statusCommand,
  appViewCommand,
  chooseLevelCommand,
  commentaryCommand,
  saveCommentaryCommand,
  evidenceCommand,
  saveEvidenceCommand,
  refreshEvidenceCommand,
  dismissEvidenceWarningCommand,
  submitCommand,
  answerClarificationCommand,
  withdrawCommand,
];
