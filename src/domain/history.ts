/**
 * An application's history from its audit records: who did what, when, and from which state to
 * which. Admins see every entry with people's names. Applicants see the steps their application
 * went through (state changes, and a revoked award), with the names of their own organisation's
 * people only: reviewers and the WEx QS team appear by role, as on the cards they already get.
 */
import { STATE_LABELS } from './application-state.js';
import type { Role } from './types.js';

/** What each recorded action means, as a verb phrase after the person's name. */
export const AUDIT_ACTION_WORDS: Readonly<Record<string, string>> = {
  request: 'requested the application',
  open: 'opened the application',
  submit: 'submitted the application',
  start_review: 'started the review',
  request_clarification: 'asked the applicant team a question',
  answer_clarification: 'answered the clarification question',
  recommend: 'recommended a level',
  record_recommendation: 'recorded a recommendation',
  decide: 'confirmed the decision',
  communicate: 'communicated the decision',
  withdraw: 'withdrew the application',
  lapse: 'marked the application as lapsed',
  set_target_level: 'changed the level applied for',
  assign_reviewers: 'changed the reviewers',
  save_commentary: 'saved commentary',
  declare_evidence: 'updated the evidence details',
  assess: 'assessed criteria',
  revoke_award: 'revoked the award',
};

export function actionWords(action: string): string {
  return AUDIT_ACTION_WORDS[action] ?? action.replace(/_/g, ' ');
}

export interface HistoryRecord {
  at: Date;
  actorId: string;
  action: string;
  fromState: string | null;
  toState: string | null;
}

export interface HistoryPerson {
  displayName: string;
  organisationId: string | null;
  roles: readonly Role[];
}

export type HistoryViewer = { kind: 'admin' } | { kind: 'applicant'; personId: string; organisationId: string };

export interface HistoryEntry {
  at: Date;
  who: string;
  what: string;
  from: string | null;
  to: string | null;
}

/** Actions an applicant sees in their application's history besides state changes. */
const APPLICANT_VISIBLE_ACTIONS = new Set(['revoke_award']);

function stateLabel(s: string | null): string | null {
  if (s === null) return null;
  return (STATE_LABELS as Record<string, string>)[s] ?? s;
}

function roleName(p: HistoryPerson | undefined): string {
  if (!p) return 'Someone';
  if (p.roles.includes('admin')) return 'The WEx QS team';
  if (p.roles.includes('reviewer')) return 'A reviewer';
  return 'Someone';
}

/** Oldest first. */
export function applicationHistory(
  records: readonly HistoryRecord[],
  people: ReadonlyMap<string, HistoryPerson>,
  viewer: HistoryViewer,
): HistoryEntry[] {
  const visible =
    viewer.kind === 'admin'
      ? records
      : records.filter((r) => r.toState !== null || APPLICANT_VISIBLE_ACTIONS.has(r.action));
  return [...visible]
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .map((r) => {
      const person = people.get(r.actorId);
      let who: string;
      if (r.actorId === 'system') who = 'WEx QS';
      else if (viewer.kind === 'admin') who = person?.displayName ?? 'Someone (no longer registered)';
      else if (r.actorId === viewer.personId) who = 'You';
      else if (person && person.organisationId === viewer.organisationId) who = person.displayName;
      else who = roleName(person);
      return {
        at: r.at,
        who,
        what: actionWords(r.action),
        from: stateLabel(r.fromState),
        to: stateLabel(r.toState),
      };
    });
}
