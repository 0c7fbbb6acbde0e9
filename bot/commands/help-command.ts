import { z } from 'zod';
import { helpCard } from '../cards/help-card.js';
import type { BotCommand } from '../router.js';
import { ROLES } from '../../src/domain/types.js';

export const helpCommand: BotCommand<{ greeting?: boolean }> = {
  verb: 'help',
  title: 'Help',
  description: 'show what you can do',
  aliases: ['menu', 'start', 'hi', 'hello', 'commands', 'what can you do'],
  roles: ROLES,
  inHelp: false,
  data: z.object({ greeting: z.boolean().optional() }),
  async run({ svc, person, router, data, unmatched }) {
    const organisation = person.organisationId ? await svc.store.organisations.get(person.organisationId) : null;
    const entries = router
      .available(person.roles)
      .filter((c) => c.inHelp)
      .map((c) => ({ verb: c.verb, title: c.title, description: c.description, typed: c.aliases[0] ?? c.verb }));
    return helpCard({
      person,
      organisation,
      entries,
      greeting: data.greeting ?? false,
      ...(unmatched ? { notUnderstood: unmatched } : {}),
    });
  },
};
