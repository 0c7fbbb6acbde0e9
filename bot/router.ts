/**
 * One router for typed messages and `adaptiveCard/action` invokes. A command is registered once
 * with its verb (for card buttons), its text aliases (for typing), the roles that may use it and
 * a schema for its data; workflows slot in by adding commands. The router resolves who is
 * talking, refuses unknown users with a how-to-get-access card, and turns every failure into a
 * card: domain errors in plain English, anything else with a short reference id that is logged.
 */
import { z } from 'zod';
import { isDomainError } from '../src/domain/errors.js';
import { failureRef } from '../src/log.js';
import type { Actor, Person, Role } from '../src/domain/types.js';
import { identifySender, type TeamsIdentity } from '../src/workflows/identity.js';
import type { Services } from '../src/workflows/services.js';
import type { CardOrigin } from '../src/workflows/ports.js';
import type { AdaptiveCard } from './cards/card-kit.js';
import {
  errorCard,
  notForYouCard,
  otherTenantCard,
  unexpectedErrorCard,
  unknownButtonCard,
  unknownUserCard,
} from './cards/message-cards.js';
import { errorTitle } from './cards/error-titles.js';
import { audience, describeRoles } from './cards/role-labels.js';
import { truncate } from './cards/card-kit.js';

/** At most this much of what someone typed is repeated back to them. */
export const MAX_ECHOED_CHARS = 80;

export interface CommandContext<D = Record<string, unknown>> {
  svc: Services;
  actor: Actor;
  person: Person;
  data: D;
  /** The words typed after the command, if it came from a message. */
  args: string;
  /** Set when the router fell back to this command because it did not understand the request. */
  unmatched?: string;
  router: CommandRouter;
  /** For a card action: where the clicked card is, so slow work can update it later. */
  origin?: CardOrigin;
}

// The registry holds commands whose data types differ; `any` here is the variance escape hatch.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface BotCommand<D = any> {
  verb: string;
  title: string;
  description: string;
  /** Words or phrases that select the command when typed (case and extra words don't matter). */
  aliases: readonly string[];
  roles: readonly Role[];
  /** Listed on the help card as a button and a text command. */
  inHelp: boolean;
  data?: z.ZodType<D>;
  run(ctx: CommandContext<D>): Promise<AdaptiveCard>;
}

export interface IncomingRequest {
  kind: 'message' | 'invoke';
  identity: TeamsIdentity & { name?: string };
  text?: string;
  verb?: string;
  data?: Record<string, unknown>;
  origin?: CardOrigin;
}

export interface RouterResult {
  card: AdaptiveCard;
  /** Which command answered (for logs and tests); 'unknown_user', 'other_tenant', 'error', 'not_understood'. */
  outcome: string;
}

export function normaliseText(input: string): string {
  return input
    .replace(/<at>.*?<\/at>/gi, ' ')
    .toLowerCase()
    .replace(/[^a-z0-9\s-]/g, ' ')
    .replace(/-/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export class CommandRouter {
  private readonly byVerb = new Map<string, BotCommand>();

  constructor(
    private readonly svc: Services,
    readonly commands: readonly BotCommand[],
    private readonly fallbackVerb = 'help',
  ) {
    for (const c of commands) {
      if (this.byVerb.has(c.verb)) throw new Error(`duplicate bot command verb ${c.verb}`);
      this.byVerb.set(c.verb, c);
    }
    if (!this.byVerb.has(fallbackVerb)) throw new Error(`no ${fallbackVerb} command registered`);
  }

  /** Commands a person with these roles may use, in registration order. */
  available(roles: readonly Role[]): BotCommand[] {
    return this.commands.filter((c) => c.roles.some((r) => roles.includes(r)));
  }

  /** The command a typed message asks for: the longest alias found as whole words wins. */
  match(text: string): { command: BotCommand; args: string } | null {
    const norm = normaliseText(text);
    if (!norm) return null;
    const padded = ` ${norm} `;
    let best: { command: BotCommand; alias: string; at: number } | null = null;
    for (const command of this.commands) {
      for (const raw of [command.verb, ...command.aliases]) {
        const alias = normaliseText(raw);
        const at = padded.indexOf(` ${alias} `);
        if (at < 0) continue;
        if (!best || alias.length > best.alias.length || (alias.length === best.alias.length && at < best.at)) {
          best = { command, alias, at };
        }
      }
    }
    if (!best) return null;
    const args = padded.slice(best.at + best.alias.length + 2).trim();
    return { command: best.command, args };
  }

  async handle(req: IncomingRequest): Promise<RouterResult> {
    try {
      const sender = await identifySender(this.svc, req.identity);
      if (sender.kind === 'wrong_tenant') return { card: otherTenantCard(), outcome: 'other_tenant' };
      if (sender.kind === 'unknown') return { card: unknownUserCard(req.identity.name), outcome: 'unknown_user' };
      const who = sender;

      let command: BotCommand | undefined;
      let args = '';
      let notUnderstood = false;
      if (req.kind === 'invoke') {
        command = this.byVerb.get(req.verb ?? '');
        // A button the app does not know: never echo its internal name.
        if (!command) return { card: unknownButtonCard(), outcome: 'unknown_button' };
      } else {
        const m = this.match(req.text ?? '');
        if (m) ({ command, args } = m);
        else notUnderstood = (req.text ?? '').trim().length > 0;
      }
      if (command && !command.roles.some((r) => who.actor.roles.includes(r))) {
        // Another role's button (or command): say whose it is, and offer the way back.
        const org = who.person.organisationId
          ? await this.svc.store.organisations.get(who.person.organisationId)
          : null;
        return {
          card: notForYouCard({
            forWhom: audience(command.roles),
            you: `${describeRoles(who.person.roles)}${org ? ` for ${org.name}` : ''}`,
          }),
          outcome: 'not_for_you',
        };
      }
      // Unknown words: show what they can do.
      command ??= this.byVerb.get(this.fallbackVerb)!;
      const input = notUnderstood ? {} : stripVerb(req.data);
      const parsed = command.data ? command.data.safeParse(input) : { success: true as const, data: {} };
      if (!parsed.success) {
        return {
          card: errorCard(
            'That request was not valid',
            `The card sent something unexpected: ${truncate(z.prettifyError(parsed.error).split('\n').join(' '), 300)}`,
            'Open a fresh card by typing “help” and try again.',
          ),
          outcome: 'error',
        };
      }
      const unmatched = notUnderstood ? truncate(normaliseEcho(req.text ?? ''), MAX_ECHOED_CHARS) : undefined;
      const card = await command.run({
        svc: this.svc,
        actor: who.actor,
        person: who.person,
        data: parsed.data,
        args: notUnderstood ? '' : args,
        ...(unmatched !== undefined ? { unmatched } : {}),
        ...(req.origin ? { origin: req.origin } : {}),
        router: this,
      });
      return { card, outcome: notUnderstood ? 'not_understood' : command.verb };
    } catch (err) {
      if (isDomainError(err)) {
        return { card: errorCard(errorTitle(err.code), err.message, err.nextStep), outcome: `error:${err.code}` };
      }
      const ref = failureRef();
      this.svc.log.error(
        { ref, err: serialiseError(err), kind: req.kind, verb: req.verb },
        'unexpected error handling bot request',
      );
      return { card: unexpectedErrorCard(ref), outcome: 'error:UNEXPECTED' };
    }
  }
}

/** What someone typed, as one line, without mentions (shown back to them as plain text). */
function normaliseEcho(input: string): string {
  return input
    .replace(/<at>.*?<\/at>/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function stripVerb(data: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!data) return {};
  const { verb: _verb, ...rest } = data;
  return rest;
}

function serialiseError(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { type: err.name, message: err.message, stack: err.stack } : { value: String(err) };
}
