/**
 * What the outbox says when a decision is communicated: to the applicant team (the decision, with
 * a button to open it and the public verification link) and to each reviewer of the application
 * (the outcome of what they reviewed). Pure: built from what the workflow read.
 */
import { formatVerificationCode, type IssuedAward } from '../domain/award.js';
import { formatLondon } from '../domain/time.js';
import type { Level } from '../domain/types.js';
import type { ReminderAction, ReminderMessage } from './messenger.js';

const LEVEL: Record<Level, string> = { bronze: 'Bronze', silver: 'Silver', gold: 'Gold' };

export function decisionMessage(input: {
  applicationId: string;
  organisationName: string;
  cycleName: string;
  level: Level | null;
  award: IssuedAward | null;
  verifyUrl: string | null;
}): ReminderMessage {
  const { award } = input;
  const open: ReminderAction = {
    type: 'execute',
    title: 'Open the decision',
    verb: 'app_view',
    data: { applicationId: input.applicationId },
  };
  if (input.level && award) {
    return {
      kind: 'decision_communicated',
      title: `${LEVEL[input.level]} award`,
      subtitle: `${input.organisationName} · ${input.cycleName}`,
      lines: [
        `Congratulations: your organisation has been awarded the Work Experience Quality Standard at **${LEVEL[input.level]}** level.`,
        'Open the decision for your certificate, your badge for your website and the feedback report.',
      ],
      facts: [
        ['Valid from', formatLondon(award.validFrom, 'date')],
        ['Expires', formatLondon(award.validUntil, 'date')],
        ['Verification code', formatVerificationCode(award.verificationCode)],
      ],
      actions: [
        open,
        ...(input.verifyUrl ? [{ type: 'url' as const, title: 'Check the award', url: input.verifyUrl }] : []),
      ],
      summary: `${LEVEL[input.level]} award for ${input.organisationName}`,
    };
  }
  return {
    kind: 'decision_communicated',
    title: 'Decision on your application',
    subtitle: `${input.organisationName} · ${input.cycleName}`,
    lines: [
      'Your application has not been given an award this time.',
      'Open the decision for the feedback: what was strong, what to work on, and the outcome per criterion.',
    ],
    facts: [],
    actions: [open],
    summary: `Decision on ${input.organisationName}'s application`,
  };
}

export function reviewOutcomeMessage(input: {
  organisationName: string;
  cycleName: string;
  level: Level | null;
  recommended: Level | null | undefined;
}): ReminderMessage {
  const outcome = input.level ? `${LEVEL[input.level]} award` : 'no award';
  const yours =
    input.recommended === undefined
      ? null
      : `You recommended ${input.recommended ? LEVEL[input.recommended] : 'no award'}.`;
  return {
    kind: 'review_outcome',
    title: 'Outcome of an application you reviewed',
    subtitle: `${input.organisationName} · ${input.cycleName}`,
    lines: [`The decision has been communicated to the organisation: **${outcome}**.`, ...(yours ? [yours] : [])],
    facts: [],
    actions: [],
    summary: `${input.organisationName}: ${outcome}`,
  };
}
