import type { Organisation, Person } from '../../src/domain/types.js';
import {
  actionSet,
  callout,
  card,
  execute,
  heading,
  rich,
  text,
  type AdaptiveCard,
  type CardElement,
} from './card-kit.js';
import { describeRoles } from './role-labels.js';

export interface HelpEntry {
  verb: string;
  title: string;
  description: string;
  typed: string;
}

/** The role's menu: every journey starts here, by button or by typing. */
export function helpCard(input: {
  person: Person;
  organisation: Organisation | null;
  entries: HelpEntry[];
  greeting: boolean;
  notUnderstood?: string;
}): AdaptiveCard {
  const { person, organisation, entries } = input;
  const first = person.displayName.split(' ')[0] ?? person.displayName;
  const who = `You're signed in as ${describeRoles(person.roles)}${organisation ? ` for ${organisation.name}` : ''}.`;
  const body = [
    ...heading(
      input.greeting ? `Welcome, ${first}` : `Hi ${first}, here's what you can do`,
      'Work Experience Quality Standard',
    ),
    rich([who]),
  ];
  if (input.notUnderstood) {
    body.push(
      callout('warning', [rich([`Sorry, I didn't understand “${input.notUnderstood}”. Choose one of these instead:`])]),
    );
  }
  body.push(
    ...entries.map((e) => text(`**${e.title}** — ${e.description}`)),
    text(`You can also type: ${entries.map((e) => `**${e.typed}**`).join(', ')}.`, { isSubtle: true, size: 'Small' }),
  );
  // Cards allow at most 5 actions per set: with more, the role's buttons go in rows of three.
  const buttons = entries.map((e) => execute(e.title, e.verb));
  if (buttons.length > 5)
    for (let i = 0; i < buttons.length; i += 3) body.push(actionSet(buttons.slice(i, i + 3)) as CardElement);
  return card(body, buttons.length > 5 ? [] : buttons, `WEx QS: ${entries.map((e) => e.typed).join(', ')}`);
}
