/** Reviewer commands: queue, start review, assess section by section, clarification, recommend. */
import { z } from 'zod';
import { DomainError } from '../../src/domain/errors.js';
import { criteriaForSection } from '../../src/domain/framework.js';
import { LEVELS, type AssessmentOutcome, type Level, type SectionNumber } from '../../src/domain/types.js';
import { loadApplicationView } from '../../src/workflows/application-view.js';
import {
  OUTCOMES,
  recommend,
  requestClarification,
  reviewQueue,
  saveAssessments,
  startReview,
} from '../../src/workflows/review.js';
import { plural } from '../cards/card-kit.js';
import { assessSectionCard, queueCard } from '../cards/review-cards.js';
import type { BotCommand } from '../router.js';
import {
  appRefSchema,
  cardForViewer,
  currentApplicationCard,
  inputText,
  resolveAppRef,
  REVIEWERS,
  staleSafe,
  type AppRef,
} from './command-support.js';

const sectionSchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(6)
  .transform((n) => n as SectionNumber);
/** Which part of a section's form (long sections come in parts). */
const partSchema = z.coerce.number().int().min(0).max(50);

export const queueCommand: BotCommand<{ page?: number }> = {
  verb: 'queue',
  title: 'My review queue',
  description: 'applications assigned to you',
  aliases: ['queue', 'my queue', 'reviews', 'assigned', 'to review'],
  roles: REVIEWERS,
  inHelp: true,
  data: z.object({ page: z.coerce.number().int().min(0).max(1000).optional() }),
  async run(ctx) {
    return queueCard(await reviewQueue(ctx.svc, ctx.actor), {}, ctx.data.page ?? 0);
  },
};

export const startReviewCommand: BotCommand<AppRef & { early?: boolean; earlyStartReason?: string }> = {
  verb: 'start_review',
  title: 'Start review',
  description: 'start reviewing a submitted application',
  aliases: [],
  roles: [...REVIEWERS, 'admin'],
  inHelp: false,
  data: appRefSchema.extend({
    early: z.boolean().optional(),
    earlyStartReason: z.string().max(2000).optional(),
  }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    // An admin starting early (before submissions close) gives a reason; the audit log keeps it.
    const early = ctx.data.early === true;
    const as = early ? 'admin' : 'reviewer';
    return staleSafe(ctx, ref.applicationId, as, async () => {
      await startReview(ctx.svc, ctx.actor, {
        ...ref,
        ...(early ? { earlyStartReason: ctx.data.earlyStartReason ?? '' } : {}),
      });
      return currentApplicationCard(ctx, ref.applicationId, {
        as,
        notice: early
          ? { message: 'Review started early; your reason is in the audit log.', tone: 'good' }
          : { message: 'Review started. Assess each section, then recommend a level.', tone: 'good' },
      });
    });
  },
};

export const assessCommand: BotCommand<AppRef & { section?: SectionNumber; part?: number }> = {
  verb: 'assess',
  title: 'Assess section',
  description: 'the assessment form of a section',
  aliases: [],
  roles: REVIEWERS,
  inHelp: false,
  data: appRefSchema.extend({ section: sectionSchema.optional(), part: partSchema.optional() }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    const view = await loadApplicationView(ctx.svc, ctx.actor, ref.applicationId);
    if (view.application.state !== 'in_review' && view.application.state !== 'clarification_requested') {
      return cardForViewer(ctx.actor, view, {
        as: 'reviewer',
        notice: { message: 'Criteria can be assessed only while the application is in review.', tone: 'warning' },
      });
    }
    return assessSectionCard(view, ctx.actor.personId, ctx.data.section ?? 1, {}, ctx.data.part ?? 0);
  },
};

export const saveAssessmentCommand: BotCommand<
  AppRef & { section: SectionNumber; part?: number; next?: SectionNumber; nextPart?: number }
> = {
  verb: 'save_assessment',
  title: 'Save assessment',
  description: 'save the outcomes of a section',
  aliases: [],
  roles: REVIEWERS,
  inHelp: false,
  data: appRefSchema.extend({
    section: sectionSchema,
    part: partSchema.optional(),
    next: sectionSchema.optional(),
    nextPart: partSchema.optional(),
  }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    return staleSafe(ctx, ref.applicationId, 'reviewer', async () => {
      const view = await loadApplicationView(ctx.svc, ctx.actor, ref.applicationId);
      const items: { criterionId: string; outcome: AssessmentOutcome; note: string }[] = [];
      for (const c of criteriaForSection(view.framework, ctx.data.section, view.application.targetLevel ?? 'gold')) {
        const outcome = inputText(ctx.data, `outcome_${c.id}`).trim();
        const note = inputText(ctx.data, `note_${c.id}`).trim();
        if (outcome === '') {
          if (note !== '')
            throw new DomainError('VALIDATION', `Choose an outcome for criterion ${c.id} as well as the note.`, {
              criterionId: c.id,
            });
          continue;
        }
        if (!(OUTCOMES as readonly string[]).includes(outcome))
          throw new DomainError('VALIDATION', `Choose met, partly met or not met for criterion ${c.id}.`, {
            criterionId: c.id,
          });
        items.push({ criterionId: c.id, outcome: outcome as AssessmentOutcome, note });
      }
      await saveAssessments(ctx.svc, ctx.actor, { ...ref, section: ctx.data.section, items });
      const fresh = await loadApplicationView(ctx.svc, ctx.actor, ref.applicationId);
      const saved = {
        message: `Section ${ctx.data.section}: ${plural(items.length, 'criterion', 'criteria')} saved.`,
        tone: 'good' as const,
      };
      if (ctx.data.next)
        return assessSectionCard(fresh, ctx.actor.personId, ctx.data.next, { notice: saved }, ctx.data.nextPart ?? 0);
      return cardForViewer(ctx.actor, fresh, { as: 'reviewer', notice: saved });
    });
  },
};

export const requestClarificationCommand: BotCommand<AppRef & { question?: string }> = {
  verb: 'request_clarification',
  title: 'Ask the applicant team',
  description: 'send a clarification question',
  aliases: [],
  roles: REVIEWERS,
  inHelp: false,
  data: appRefSchema.extend({ question: z.string().max(8000).optional() }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    return staleSafe(ctx, ref.applicationId, 'reviewer', async () => {
      await requestClarification(ctx.svc, ctx.actor, { ...ref, question: ctx.data.question ?? '' });
      return currentApplicationCard(ctx, ref.applicationId, {
        as: 'reviewer',
        notice: { message: 'Question sent to the applicant team. Their answer will come back here.', tone: 'good' },
      });
    });
  },
};

export const recommendCommand: BotCommand<AppRef & { level?: string; strengths?: string; improvements?: string }> = {
  verb: 'recommend',
  title: 'Recommend',
  description: 'recommend a level with feedback',
  aliases: [],
  roles: REVIEWERS,
  inHelp: false,
  data: appRefSchema.extend({
    level: z.string().max(20).optional(),
    strengths: z.string().max(8000).optional(),
    improvements: z.string().max(8000).optional(),
  }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    const raw = (ctx.data.level ?? '').trim().toLowerCase();
    if (raw !== 'none' && !(LEVELS as readonly string[]).includes(raw))
      throw new DomainError('VALIDATION', 'Choose the level to award (or No award).', { field: 'level' });
    const level = raw === 'none' ? null : (raw as Level);
    return staleSafe(ctx, ref.applicationId, 'reviewer', async () => {
      const out = await recommend(ctx.svc, ctx.actor, {
        ...ref,
        level,
        strengths: ctx.data.strengths ?? '',
        improvements: ctx.data.improvements ?? '',
      });
      return currentApplicationCard(ctx, ref.applicationId, {
        as: 'reviewer',
        notice: out.transitioned
          ? { message: 'Recommendation sent. The WEx QS team will confirm the decision.', tone: 'good' }
          : {
              message: `Recommendation saved. Waiting for ${out.waitingFor} more reviewer${out.waitingFor === 1 ? '' : 's'}.`,
              tone: 'good',
            },
      });
    });
  },
};

export const REVIEW_COMMANDS: readonly BotCommand[] = [
  queueCommand,
  startReviewCommand,
  assessCommand,
  saveAssessmentCommand,
  requestClarificationCommand,
  recommendCommand,
];
