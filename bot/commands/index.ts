import type { BotCommand } from '../router.js';
import { cycleCommand, eligibilityCommand, requestApplicationCommand } from './application-commands.js';
import { bookDropInCommand, sessionsCommand } from './dropin-commands.js';
import { helpCommand } from './help-command.js';

/** Every command the bot understands, in the order the help card lists them. */
export const ALL_COMMANDS: readonly BotCommand[] = [
  helpCommand,
  sessionsCommand,
  bookDropInCommand,
  eligibilityCommand,
  requestApplicationCommand,
  cycleCommand,
];
