/**
 * Reminder cards: a ReminderMessage (what the outbox holds) rendered as an Adaptive Card 1.5 with
 * Universal Actions, and the admin's reminder cards (preview, status, mute, send now).
 */
import {
  NOTIFICATION_KIND_LABELS,
  REMINDER_KIND_LABELS,
  REMINDER_KINDS,
  type NotificationKind,
  type ReminderKind,
} from '../../src/domain/reminders.js';
import { formatLondon } from '../../src/domain/time.js';
import type { ReminderMessage } from '../../src/notifications/messenger.js';
import {
  callout,
  card,
  container,
  rich,
  strong,
  type Run,
  execute,
  facts,
  heading,
  openUrl,
  plain,
  text,
  type AdaptiveCard,
  type CardAction,
  type CardElement,
} from './card-kit.js';

/**
 * A reminder line as runs: its **bold** parts bold, the rest shown as written (a line may name a
 * document or an organisation, so it is never read as Markdown: no links, no lists).
 */
function lineRuns(line: string): Run[] {
  return line.split('**').map((part, i) => (i % 2 === 1 ? strong(part) : part));
}

export function reminderCard(m: ReminderMessage): AdaptiveCard {
  const body: CardElement[] = [...heading(m.title, m.subtitle)];
  for (const line of m.lines) if (line.trim() !== '') body.push(rich(lineRuns(line)));
  if (m.facts.length > 0) body.push(facts(m.facts.filter(([k, v]) => k.trim() !== '' && v.trim() !== '')));
  const actions: CardAction[] = m.actions.map((a) =>
    a.type === 'execute' ? execute(a.title, a.verb, a.data ?? {}) : openUrl(a.title, a.url),
  );
  return card(body, actions, m.summary);
}

export interface PreviewRow {
  kind: NotificationKind;
  recipientName: string | null;
  sendAfter: Date;
  offsetLabel: string | null;
}

export function reminderPreviewCard(input: {
  rows: PreviewRow[];
  total: number;
  muted: ReminderKind[];
  planned: { inserted: number; updated: number; cancelled: number };
}): AdaptiveCard {
  const body: CardElement[] = [
    ...heading('Reminders: who will be reminded, and when', 'Times are UK time; nothing is sent in quiet hours.'),
  ];
  if (input.rows.length === 0) body.push(text('Nothing is waiting to be sent.'));
  else {
    body.push(
      facts(
        input.rows.map((r) => [
          formatLondon(r.sendAfter),
          `${NOTIFICATION_KIND_LABELS[r.kind]}${r.offsetLabel ? ` (${r.offsetLabel} before)` : ''} → ${r.recipientName ?? 'unknown person'}`,
        ]),
      ),
    );
    if (input.total > input.rows.length)
      body.push(text(`…and ${input.total - input.rows.length} more.`, { isSubtle: true }));
  }
  body.push(
    text(
      `Schedule refreshed: ${input.planned.inserted} new, ${input.planned.updated} updated, ${input.planned.cancelled} withdrawn.`,
      { isSubtle: true, size: 'Small' },
    ),
  );
  if (input.muted.length > 0)
    body.push(callout('warning', [text(`Muted: ${input.muted.map((k) => REMINDER_KIND_LABELS[k]).join('; ')}.`)]));
  return card(
    body,
    [
      execute('Send due reminders now', 'reminders_send_now', {}, 'positive'),
      execute('Reminder status', 'reminders_status'),
      execute('Mute or unmute', 'reminders_mute'),
    ],
    'Reminder preview',
  );
}

export function reminderStatusCard(input: {
  counts: { kind: NotificationKind; status: string; count: number }[];
  problems: {
    kind: NotificationKind;
    recipientName: string | null;
    status: string;
    reason: string | null;
    at: Date;
  }[];
  muted: ReminderKind[];
  /** Configuration faults keeping notifications waiting (nobody is marked unreachable for them). */
  alerts?: { message: string; since: Date }[];
}): AdaptiveCard {
  const byKind = new Map<NotificationKind, Record<string, number>>();
  for (const c of input.counts) byKind.set(c.kind, { ...(byKind.get(c.kind) ?? {}), [c.status]: c.count });
  const body: CardElement[] = [...heading('Reminder status', 'Reminders and every other notification the app sends')];
  for (const a of input.alerts ?? [])
    body.push(
      callout('attention', [
        text('**Needs a fix: notifications are waiting**'),
        plain(`${a.message} (since ${formatLondon(a.since)})`),
      ]),
    );
  if (byKind.size === 0) body.push(text('No reminders yet.'));
  for (const [kind, s] of byKind) {
    const parts = ['pending', 'sent', 'failed', 'unreachable', 'dead_lettered', 'cancelled']
      .filter((k) => s[k])
      .map((k) => `${s[k]} ${k.replace('_', '-')}`);
    body.push(
      text(
        `**${NOTIFICATION_KIND_LABELS[kind]}**${(input.muted as string[]).includes(kind) ? ' (muted)' : ''}: ${parts.join(', ')}`,
      ),
    );
  }
  if (input.problems.length > 0) {
    body.push(text('**Not delivered**', { weight: 'Bolder' }));
    body.push(
      facts(
        input.problems.map((p) => [
          `${p.recipientName ?? 'unknown person'}`,
          `${NOTIFICATION_KIND_LABELS[p.kind]}: ${p.status.replace('_', '-')}${p.reason ? ` (${p.reason})` : ''}, ${formatLondon(p.at)}`,
        ]),
      ),
    );
  }
  return card(body, [execute('Preview', 'reminders'), execute('Refresh', 'reminders_status')], 'Reminder status');
}

export function reminderMuteCard(
  muted: ReminderKind[],
  changed?: { kind: ReminderKind; muted: boolean; cancelled: number },
): AdaptiveCard {
  const body: CardElement[] = [
    ...heading(
      'Mute or unmute a kind of reminder',
      'Muting cancels what is waiting of that kind; unmuting lets the schedule plan it again.',
    ),
  ];
  if (changed) {
    body.push(
      container(
        [
          text(
            `${REMINDER_KIND_LABELS[changed.kind]} is now ${changed.muted ? `muted (${changed.cancelled} waiting cancelled)` : 'unmuted'}.`,
          ),
        ],
        'good',
      ),
    );
  }
  body.push(
    facts(REMINDER_KINDS.map((k) => [REMINDER_KIND_LABELS[k], muted.includes(k) ? 'muted' : 'on'])),
    {
      type: 'Input.ChoiceSet',
      id: 'kind',
      label: 'Kind of reminder',
      isRequired: true,
      errorMessage: 'Choose a kind of reminder.',
      choices: REMINDER_KINDS.map((k) => ({ title: REMINDER_KIND_LABELS[k], value: k })),
    },
    {
      type: 'ActionSet',
      actions: [
        execute('Mute', 'reminders_mute', { mute: true }, 'destructive'),
        execute('Unmute', 'reminders_mute', { mute: false }),
      ],
    },
  );
  return card(body, [execute('Preview', 'reminders')], 'Mute reminders');
}

export function reminderSendNowCard(input: {
  queued: number;
  recipients: number;
  sendAt: Date;
  quiet: boolean;
}): AdaptiveCard {
  return card(
    [
      ...heading('Reminder run queued'),
      text(
        `${input.queued} reminder${input.queued === 1 ? '' : 's'} to ${input.recipients} ${input.recipients === 1 ? 'person' : 'people'} will go ${input.quiet ? `at ${formatLondon(input.sendAt)} (quiet hours until then)` : 'in the next few seconds'}.`,
      ),
      text('Each person gets one message per reminder; running this twice in the same minute sends nothing more.', {
        isSubtle: true,
        size: 'Small',
      }),
    ],
    [execute('Reminder status', 'reminders_status'), execute('Preview', 'reminders')],
    'Reminder run queued',
  );
}
