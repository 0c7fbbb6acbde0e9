/** Admin commands: dashboard, open, assign, decide (moderate), communicate, intake, provisioning. */
import { z } from 'zod';
import { DomainError } from '../../src/domain/errors.js';
import { LEVELS, type Level } from '../../src/domain/types.js';
import {
  applicationsInState,
  assignReviewers,
  communicate,
  dashboard,
  decide,
  provisioningRunStatus,
  reviewerOptions,
  setIntakePaused,
  startProvisioningRun,
} from '../../src/workflows/admin.js';
import { openApplication } from '../../src/workflows/application-journey.js';
import { loadApplicationView } from '../../src/workflows/application-view.js';
import { currentCycle } from '../../src/workflows/applications.js';
import { APPLICATION_STATES } from '../../src/domain/types.js';
import {
  applicationsListCard,
  assignCard,
  dashboardCard,
  intakeCard,
  pauseIntakeConfirmCard,
  provisioningCard,
  recommendationCard,
} from '../cards/admin-cards.js';
import type { BotCommand } from '../router.js';
import {
  ADMINS,
  appRefSchema,
  currentApplicationCard,
  resolveAppRef,
  staleSafe,
  type AppRef,
} from './command-support.js';

export const dashboardCommand: BotCommand = {
  verb: 'dashboard',
  title: 'Dashboard',
  description: 'counts per state, overdue and unassigned applications',
  aliases: ['dashboard', 'overview', 'pipeline', 'stats'],
  roles: ADMINS,
  inHelp: true,
  async run(ctx) {
    return dashboardCard(await dashboard(ctx.svc, ctx.actor));
  },
};

export const applicationsCommand: BotCommand<{ page?: number }> = {
  verb: 'applications',
  title: 'All applications',
  description: 'every application of the cycle with its next step',
  aliases: ['applications', 'all applications', 'list'],
  roles: ADMINS,
  inHelp: true,
  data: z.object({ page: z.coerce.number().int().min(0).max(1000).optional() }),
  async run(ctx) {
    const list = await applicationsInState(ctx.svc, ctx.actor, APPLICATION_STATES);
    return applicationsListCard(list, await currentCycle(ctx.svc), ctx.data.page ?? 0);
  },
};

export const readRecommendationCommand: BotCommand<AppRef & { reviewerId: string }> = {
  verb: 'read_recommendation',
  title: 'Read a recommendation',
  description: "a reviewer's recommendation in full",
  aliases: [],
  roles: ADMINS,
  inHelp: false,
  data: appRefSchema.extend({ reviewerId: z.string().min(1).max(100) }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    return recommendationCard(await loadApplicationView(ctx.svc, ctx.actor, ref.applicationId), ctx.data.reviewerId);
  },
};

export const openApplicationCommand: BotCommand<AppRef> = {
  verb: 'open_application',
  title: 'Open application',
  description: 'open a requested application and share its folder',
  aliases: [],
  roles: ADMINS,
  inHelp: false,
  data: appRefSchema,
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    const { svc } = ctx;
    return staleSafe(ctx, ref.applicationId, 'admin', async () => {
      // The folder is made and shared by a job queued with the change; the team's message waits for it.
      await openApplication(svc, ctx.actor, ref);
      return currentApplicationCard(ctx, ref.applicationId, {
        as: 'admin',
        notice: { message: 'Opened. The applicant team will get their folder link in a moment.', tone: 'good' },
      });
    });
  },
};

export const assignCommand: BotCommand<AppRef> = {
  verb: 'assign',
  title: 'Assign reviewers',
  description: 'choose reviewers for an application',
  aliases: [],
  roles: ADMINS,
  inHelp: false,
  data: appRefSchema,
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    const view = await loadApplicationView(ctx.svc, ctx.actor, ref.applicationId);
    return assignCard(view, await reviewerOptions(ctx.svc, view.application));
  },
};

export const saveAssignmentCommand: BotCommand<AppRef & { reviewerIds?: string }> = {
  verb: 'save_assignment',
  title: 'Assign selected',
  description: 'assign the chosen reviewers',
  aliases: [],
  roles: ADMINS,
  inHelp: false,
  data: appRefSchema.extend({ reviewerIds: z.string().max(4000).optional() }),
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    const ids = (ctx.data.reviewerIds ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.length === 0)
      throw new DomainError('VALIDATION', 'Choose at least one reviewer, or press Assign automatically.', {
        field: 'reviewerIds',
      });
    return staleSafe(ctx, ref.applicationId, 'admin', async () => {
      const out = await assignReviewers(ctx.svc, ctx.actor, { ...ref, reviewerIds: ids });
      return currentApplicationCard(ctx, ref.applicationId, {
        as: 'admin',
        notice: { message: `Assigned: ${out.reviewers.map((r) => r.displayName).join(', ')}.`, tone: 'good' },
      });
    });
  },
};

export const autoAssignCommand: BotCommand<AppRef> = {
  verb: 'auto_assign',
  title: 'Assign automatically',
  description: 'assign the least-loaded eligible reviewers',
  aliases: [],
  roles: ADMINS,
  inHelp: false,
  data: appRefSchema,
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    return staleSafe(ctx, ref.applicationId, 'admin', async () => {
      const out = await assignReviewers(ctx.svc, ctx.actor, ref);
      return currentApplicationCard(ctx, ref.applicationId, {
        as: 'admin',
        notice: { message: `Assigned: ${out.reviewers.map((r) => r.displayName).join(', ')}.`, tone: 'good' },
      });
    });
  },
};

export const decideCommand: BotCommand<AppRef & { level?: string; strengths?: string; improvements?: string }> = {
  verb: 'decide',
  title: 'Confirm decision',
  description: 'confirm the level and feedback',
  aliases: [],
  roles: ADMINS,
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
      throw new DomainError('VALIDATION', 'Choose the level awarded (or No award).', { field: 'level' });
    const level = raw === 'none' ? null : (raw as Level);
    return staleSafe(ctx, ref.applicationId, 'admin', async () => {
      await decide(ctx.svc, ctx.actor, {
        ...ref,
        level,
        strengths: ctx.data.strengths ?? '',
        improvements: ctx.data.improvements ?? '',
      });
      return currentApplicationCard(ctx, ref.applicationId, {
        as: 'admin',
        notice: { message: 'Decision confirmed. Communicate it during the decision window.', tone: 'good' },
      });
    });
  },
};

export const communicateCommand: BotCommand<AppRef> = {
  verb: 'communicate',
  title: 'Communicate decision',
  description: 'send the decision to the applicant team',
  aliases: [],
  roles: ADMINS,
  inHelp: false,
  data: appRefSchema,
  async run(ctx) {
    const ref = await resolveAppRef(ctx);
    return staleSafe(ctx, ref.applicationId, 'admin', async () => {
      await communicate(ctx.svc, ctx.actor, ref);
      return currentApplicationCard(ctx, ref.applicationId, {
        as: 'admin',
        notice: { message: 'Decision sent to the applicant team.', tone: 'good' },
      });
    });
  },
};

export const intakeCommand: BotCommand<{ paused?: boolean; confirm?: boolean }> = {
  verb: 'intake',
  title: 'Open or pause intake',
  description: 'stop or restart new applications',
  aliases: ['intake', 'pause intake', 'open intake', 'pause', 'resume'],
  roles: ADMINS,
  inHelp: true,
  data: z.object({ paused: z.boolean().optional(), confirm: z.boolean().optional() }),
  async run(ctx) {
    let paused = ctx.data.paused;
    if (paused === undefined) {
      const typed = ctx.args;
      if (/\b(pause|stop|close)\b/.test(typed)) paused = true;
      else if (/\b(open|resume|start)\b/.test(typed)) paused = false;
    }
    const cycle = await currentCycle(ctx.svc);
    if (paused === undefined) return intakeCard(cycle);
    // Pausing stops every organisation requesting an application: confirmed first.
    if (paused && !cycle.intakePaused && !ctx.data.confirm) return pauseIntakeConfirmCard(cycle);
    return intakeCard(await setIntakePaused(ctx.svc, ctx.actor, { paused }));
  },
};

export const provisionCommand: BotCommand = {
  verb: 'provision',
  title: 'Provision folders',
  description: 'create and share the evidence folders, with live progress',
  aliases: ['provision', 'folders', 'provision folders'],
  roles: ADMINS,
  inHelp: true,
  async run(ctx) {
    const { svc, actor, origin } = ctx;
    // The run and its progress live in the database (any instance answers "Show progress"); the
    // work is a job written with it, done by whichever instance picks it up. A second click while
    // it runs shows that run instead of starting another.
    const { view } = await startProvisioningRun(svc, actor, origin);
    return provisioningCard(view);
  },
};

export const provisionStatusCommand: BotCommand<{ runId: string }> = {
  verb: 'provision_status',
  title: 'Provisioning progress',
  description: 'progress of a provisioning run',
  aliases: [],
  roles: ADMINS,
  inHelp: false,
  data: z.object({ runId: z.string().min(1).max(100) }),
  async run(ctx) {
    return provisioningCard(await provisioningRunStatus(ctx.svc, ctx.actor, ctx.data.runId));
  },
};

export const ADMIN_COMMANDS: readonly BotCommand[] = [
  dashboardCommand,
  applicationsCommand,
  readRecommendationCommand,
  openApplicationCommand,
  assignCommand,
  saveAssignmentCommand,
  autoAssignCommand,
  decideCommand,
  communicateCommand,
  intakeCommand,
  provisionCommand,
  provisionStatusCommand,
];
