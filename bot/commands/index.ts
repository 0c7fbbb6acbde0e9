import type { BotCommand } from '../router.js';
import { ADMIN_COMMANDS } from './admin-commands.js';
import { ATTENDANCE_COMMANDS } from './attendance-commands.js';
import { APPLICANT_WORKFLOW_COMMANDS } from './applicant-commands.js';
import { cycleCommand, eligibilityCommand, requestApplicationCommand } from './application-commands.js';
import { DROPIN_COMMANDS } from './dropin-commands.js';
import { helpCommand } from './help-command.js';
import { REVIEW_COMMANDS } from './review-commands.js';
import { REMINDER_COMMANDS } from './reminder-commands.js';

/** Every command the bot understands, in the order the help card lists them. */
export const ALL_COMMANDS: readonly BotCommand[] = [
  helpCommand,
  ...DROPIN_COMMANDS,
  eligibilityCommand,
  requestApplicationCommand,
  ...APPLICANT_WORKFLOW_COMMANDS,
  ...REVIEW_COMMANDS,
  ...ADMIN_COMMANDS,
  ...ATTENDANCE_COMMANDS,
  ...REMINDER_COMMANDS,
  cycleCommand,
];
