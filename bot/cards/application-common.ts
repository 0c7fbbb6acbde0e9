/** Pieces shared by every application card: the header, the stale-card notice, reference keys. */
import { createHash } from 'node:crypto';
import { AUDIT_ACTION_WORDS } from '../../src/domain/history.js';
import { STATE_LABELS } from '../../src/domain/application-state.js';
import { graceEnd } from '../../src/domain/cycle.js';
import { normaliseDocumentName } from '../../src/domain/readiness.js';
import { formatLondon } from '../../src/domain/time.js';
import type { ApplicationState, Level } from '../../src/domain/types.js';
import type { ApplicationView } from '../../src/workflows/application-view.js';
import { facts, heading, type CardElement } from './card-kit.js';

export const LEVEL_LABELS: Record<Level, string> = { bronze: 'Bronze', silver: 'Silver', gold: 'Gold' };
export const LEVEL_CHOICES = (['bronze', 'silver', 'gold'] as const).map((l) => ({ title: LEVEL_LABELS[l], value: l }));

export function levelLabel(level: Level | null): string {
  return level ? LEVEL_LABELS[level] : 'No award';
}

/** The short reference people quote (first 8 characters of the id). */
export function reference(applicationId: string): string {
  return applicationId.slice(0, 8).toUpperCase();
}

/** Data every application action carries: which application, and the version the card shows. */
export function appData(
  view: Pick<ApplicationView, 'application'>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { applicationId: view.application.id, version: view.application.version, ...extra };
}

/** A short stable key for a document name (Input ids and choice values stay small). */
export function docKey(name: string): string {
  return createHash('sha1').update(normaliseDocumentName(name)).digest('hex').slice(0, 10);
}

export function applicationHeader(view: ApplicationView, title?: string): CardElement[] {
  const a = view.application;
  return [
    ...heading(title ?? view.organisation.name, `${view.cycle.name} · ${STATE_LABELS[a.state]}`),
    facts([
      ['Reference', reference(a.id)],
      ['Level applied for', a.targetLevel ? LEVEL_LABELS[a.targetLevel] : 'Not chosen yet'],
      ...(a.submittedAt
        ? ([['Submitted', `${formatLondon(a.submittedAt)}${a.submittedLate ? ' (late)' : ''}`]] as [string, string][])
        : []),
    ]),
  ];
}

/** "12 days left (deadline Fri 19 Sep 2025, 17:00 UK time)" and the grace/closed variants. */
export function deadlineLine(view: ApplicationView): string {
  const { cycle, daysLeft, now } = view;
  const deadline = `${formatLondon(cycle.submissionDeadline)} UK time`;
  if (now.getTime() <= cycle.submissionDeadline.getTime()) {
    const when = daysLeft === 0 ? 'The deadline is today' : `${daysLeft} day${daysLeft === 1 ? '' : 's'} left`;
    return `${when} (deadline ${deadline}).`;
  }
  if (now.getTime() <= graceEnd(cycle).getTime()) {
    return `The deadline (${deadline}) has passed. Late submissions are accepted until ${formatLondon(graceEnd(cycle))} UK time and are marked late.`;
  }
  return `Submissions for this cycle closed at ${formatLondon(graceEnd(cycle))} UK time.`;
}

const ACTION_WORDS = AUDIT_ACTION_WORDS;

/** The line on a card returned for an outdated action: what changed and by whom. */
export function staleNotice(details: Record<string, unknown>): string {
  const who =
    typeof details.changedByName === 'string' && details.changedByName ? details.changedByName : 'Someone else';
  const what = ACTION_WORDS[String(details.lastAction ?? '')] ?? 'changed the application';
  const when = typeof details.changedAt === 'string' ? ` at ${formatLondon(new Date(details.changedAt))}` : '';
  const state =
    typeof details.currentState === 'string' ? STATE_LABELS[details.currentState as ApplicationState] : null;
  return `This card was out of date: ${who} ${what}${when}${state ? ` (now: ${state})` : ''}. Nothing was changed by your click. This is the current version.`;
}
