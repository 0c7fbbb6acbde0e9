import type { Organisation, Person } from '../../src/domain/types.js';
import { card, execute, heading, text, type AdaptiveCard } from './card-kit.js';
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
    ...heading(input.greeting ? `Welcome, ${first}` : `Hi ${first}, here's what you can do`, 'Work Experience Quality Standard'),
    text(who),
  ];
  if (input.notUnderstood) {
    body.push(text(`Sorry, I didn't understand "${input.notUnderstood}". Choose one of these instead:`, { color: 'Warning' }));
  }
  body.push(
    ...entries.map((e) => text(`**${e.title}** — ${e.description}`)),
    text(`You can also type: ${entries.map((e) => `**${e.typed}**`).join(', ')}.`, { isSubtle: true, size: 'Small' }),
  );
  return card(
    body,
    entries.map((e) => execute(e.title, e.verb)),
    `WEx QS: ${entries.map((e) => e.typed).join(', ')}`,
  );
}
