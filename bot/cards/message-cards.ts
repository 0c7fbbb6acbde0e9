import { CARD_ERROR_REFERENCE_PREFIX } from './constants.js';
import { callout, card, execute, heading, rich, strong, text, type AdaptiveCard } from './card-kit.js';

/** A domain error: what went wrong in plain English and what to do next (both may name data: shown as written). */
export function errorCard(
  title: string,
  message: string,
  nextStep: string,
  retry?: { title: string; verb: string; data?: Record<string, unknown> },
): AdaptiveCard {
  return card(
    [...heading(title), callout('attention', [rich([message])]), rich([strong('What to do next: '), nextStep])],
    [execute('Show what I can do', 'help'), ...(retry ? [execute(retry.title, retry.verb, retry.data ?? {})] : [])],
    message,
  );
}

/** An unexpected failure: a short reference the support team can find in the log. */
export function unexpectedErrorCard(referenceId: string): AdaptiveCard {
  return card(
    [
      ...heading('Something went wrong'),
      text('Nothing was changed. Please try again in a minute.'),
      text(
        `If it keeps happening, contact the WEx QS team and quote reference **${CARD_ERROR_REFERENCE_PREFIX}${referenceId}**.`,
      ),
    ],
    [execute('Show what I can do', 'help')],
    `Something went wrong (reference ${CARD_ERROR_REFERENCE_PREFIX}${referenceId})`,
  );
}

/** Someone the app does not know yet. */
/** For an activity from a Microsoft 365 organisation other than the one this app serves. */
export function otherTenantCard(): AdaptiveCard {
  return card(
    [
      ...heading('This app serves another organisation', 'Work Experience Quality Standard'),
      text(
        'You are signed in to Teams with an account from a different organisation, so the WEx QS app cannot let you in.',
      ),
      text(
        '**What to do:** open Teams with your account in the organisation that runs WEx QS (switch account or organisation in Teams), then say **help** here. If you think this is wrong, contact the NHS England WEx QS team.',
      ),
    ],
    [],
    'This app serves another organisation: switch to the right Teams account.',
  );
}

export function unknownUserCard(name: string | undefined): AdaptiveCard {
  return card(
    [
      ...heading(name ? `Hello ${name}` : 'Hello', 'Work Experience Quality Standard'),
      text("You don't have access to the WEx QS app yet."),
      text(
        '**To get access:** if your organisation is applying for the quality standard, ask your work experience lead to add you as a contributor, or email the NHS England Widening Access and Participation team with your organisation name and your NHS email address. Reviewers and admins are added by the WEx QS team.',
      ),
      text('Once you have been added, say **help** here to see what you can do.', { isSubtle: true }),
    ],
    [execute('Check again', 'help')],
    "You don't have access to the WEx QS app yet.",
  );
}

/**
 * A button meant for another role: who it is for, who the person is, and the way back to their
 * own menu (never "didn't understand" with the button's internal name).
 */
export function notForYouCard(input: { forWhom: string; you: string }): AdaptiveCard {
  return card(
    [
      ...heading(`This action is for ${input.forWhom}`),
      rich([`You're signed in as ${input.you}, so this button or command is not one of yours. Nothing was changed.`]),
      text('Choose one of your own actions instead:', { isSubtle: true }),
    ],
    [execute('Show what I can do', 'help')],
    `This action is for ${input.forWhom}`,
  );
}

/** A button the app no longer knows (e.g. on a card from an older version): no internal names shown. */
export function unknownButtonCard(): AdaptiveCard {
  return card(
    [
      ...heading('That button no longer works'),
      text('The card it was on is out of date. Nothing was changed.'),
      text('Open a fresh menu and start again from there.', { isSubtle: true }),
    ],
    [execute('Show what I can do', 'help')],
    'That button no longer works',
  );
}
