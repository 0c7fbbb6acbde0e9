/**
 * Shared pieces of the workflow commands: the data every application action carries, the
 * role-appropriate card for an application, turning STALE into the current card with a notice,
 * and the Teams user ids a card's `refresh` names. (Notifications to people are written by the
 * workflows into the outbox; see src/workflows/event-notifications.ts.)
 */
import { z } from 'zod';
import { isDomainError } from '../../src/domain/errors.js';
import { isApplicant } from '../../src/domain/people.js';
import { APPLICATION_STATES, type Actor } from '../../src/domain/types.js';
import { loadApplicationView, type ApplicationView } from '../../src/workflows/application-view.js';
import { ownApplication } from '../../src/workflows/applications.js';
import type { Services } from '../../src/workflows/services.js';
import { adminApplicationCard } from '../cards/admin-cards.js';
import { applicantApplicationCard, type CardOptions } from '../cards/applicant-cards.js';
import { staleNotice } from '../cards/application-common.js';
import type { AdaptiveCard } from '../cards/card-kit.js';
import { reviewerApplicationCard } from '../cards/review-cards.js';
import type { CommandContext } from '../router.js';
import { DomainError } from '../../src/domain/errors.js';

export const APPLICANTS = ['applicant_lead', 'applicant_contributor'] as const;
export const REVIEWERS = ['reviewer'] as const;
export const ADMINS = ['admin'] as const;

export const AS = z.enum(['applicant', 'reviewer', 'admin']);
export type ViewAs = z.infer<typeof AS>;

/** A notice a refreshed card keeps while the application is still at the stage it was sent for. */
export const refreshNoticeSchema = z.object({
  notice: z.string().max(300).optional(),
  tone: z.enum(['good', 'warning', 'attention']).optional(),
  noticeState: z.enum(APPLICATION_STATES).optional(),
});

/** Data of an application action. Typed commands may leave both out (the applicant's own application, current version). */
export const appRefSchema = z.looseObject({
  applicationId: z.string().min(1).max(100).optional(),
  version: z.coerce.number().int().nonnegative().optional(),
  as: AS.optional(),
});
export type AppRef = z.infer<typeof appRefSchema>;

/**
 * The value of a card input as text. Teams sends inputs as strings (numbers and true/false are
 * taken as written); a list or an object is not something this app's cards send, so it is refused
 * rather than stored as "[object Object]".
 */
export function inputText(data: Record<string, unknown>, key: string): string {
  const v = data[key];
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new DomainError('VALIDATION', 'The card sent something unexpected, so nothing was saved.', { field: key });
}

/**
 * Which application an action that only reads it is about (its version is not needed): the one
 * the card names, else the applicant's own.
 */
export async function resolveAppId(ctx: CommandContext<AppRef>): Promise<string> {
  return ctx.data.applicationId ?? (await resolveAppRef(ctx)).applicationId;
}

/** Which application and version an action is about. */
export async function resolveAppRef(ctx: CommandContext<AppRef>): Promise<{ applicationId: string; version: number }> {
  const { svc, actor, data } = ctx;
  if (data.applicationId) {
    if (data.version !== undefined) return { applicationId: data.applicationId, version: data.version };
    const app = await svc.store.applications.get(data.applicationId);
    if (!app) throw new DomainError('NOT_FOUND', 'That application does not exist.', {});
    return { applicationId: app.id, version: app.version };
  }
  if (!isApplicant(actor))
    throw new DomainError('VALIDATION', 'Open the application from your queue or the dashboard first.', {});
  const { application } = await ownApplication(svc, actor);
  if (!application)
    throw new DomainError(
      'NOT_FOUND',
      'Your organisation has no application in this cycle yet. Type **request** to ask for one.',
      {},
    );
  return { applicationId: application.id, version: application.version };
}

/** Which face of an application this actor sees (applicant of the organisation, assigned reviewer, admin). */
export function viewerRole(actor: Actor, view: ApplicationView, as?: ViewAs): ViewAs {
  const applicant = isApplicant(actor) && actor.organisationId === view.application.organisationId;
  const reviewer = actor.roles.includes('reviewer') && view.reviewers.some((r) => r.id === actor.personId);
  const admin = actor.roles.includes('admin');
  if (as === 'applicant' && applicant) return 'applicant';
  if (as === 'reviewer' && reviewer) return 'reviewer';
  if (as === 'admin' && admin) return 'admin';
  return applicant ? 'applicant' : reviewer ? 'reviewer' : admin ? 'admin' : 'applicant';
}

export function cardForViewer(
  actor: Actor,
  view: ApplicationView,
  opts: CardOptions & { as?: ViewAs } = {},
): AdaptiveCard {
  const role = viewerRole(actor, view, opts.as);
  if (role === 'reviewer') return reviewerApplicationCard(view, actor.personId, opts);
  if (role === 'admin') return adminApplicationCard(view, opts);
  return applicantApplicationCard(view, { ...opts, canSubmit: actor.roles.includes('applicant_lead') });
}

/** The current card of an application for the person acting. */
export async function currentApplicationCard(
  ctx: Pick<CommandContext, 'svc' | 'actor'>,
  applicationId: string,
  opts: CardOptions & { as?: ViewAs } = {},
): Promise<AdaptiveCard> {
  const view = await loadApplicationView(ctx.svc, ctx.actor, applicationId);
  return cardForViewer(ctx.actor, view, opts);
}

/**
 * Run an action on an application; if the card was out of date (STALE), answer with the current
 * card and a line saying what changed and by whom. Nothing is changed twice.
 */
export async function staleSafe(
  ctx: Pick<CommandContext, 'svc' | 'actor'>,
  applicationId: string,
  as: ViewAs | undefined,
  fn: () => Promise<AdaptiveCard>,
): Promise<AdaptiveCard> {
  try {
    return await fn();
  } catch (e) {
    if (isDomainError(e) && e.code === 'STALE' && typeof e.details.applicationId === 'string') {
      return currentApplicationCard(ctx, applicationId, {
        ...(as ? { as } : {}),
        notice: { message: staleNotice(e.details), tone: 'warning' },
      });
    }
    throw e;
  }
}

/** Teams user ids (for `refresh.userIds`) of people the bot has talked to. */
export async function teamsUserIds(svc: Services, personIds: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of personIds) {
    const conv = await svc.store.conversations.personal(id);
    const user = (conv?.reference as { user?: { id?: string } } | undefined)?.user?.id;
    if (user) out.push(user);
  }
  return out;
}
