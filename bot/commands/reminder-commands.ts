/**
 * Admin reminder commands: preview who will be reminded of what and when, send a run now, mute a
 * kind, and per-reminder status (pending, sent, failed with reason, unreachable, dead-lettered).
 */
import { z } from 'zod';
import { REMINDER_KINDS, type ReminderKind } from '../../src/domain/reminders.js';
import { planReminders } from '../../src/notifications/schedule.js';
import { queueRemindersNow, setReminderKindMuted } from '../../src/workflows/reminder-admin.js';
import { isQuietTime, DEFAULT_QUIET_HOURS } from '../../src/domain/reminders.js';
import {
  reminderMuteCard,
  reminderPreviewCard,
  reminderSendNowCard,
  reminderStatusCard,
} from '../cards/reminder-cards.js';
import type { BotCommand } from '../router.js';

const ADMIN = ['admin'] as const;
const PREVIEW_ROWS = 15;

export const remindersPreviewCommand: BotCommand = {
  verb: 'reminders',
  title: 'Reminders',
  description: 'preview who will be reminded of what and when; send now, mute, status',
  aliases: ['reminders', 'reminder preview', 'preview reminders'],
  roles: ADMIN,
  inHelp: true,
  async run({ svc }) {
    const now = svc.clock.now();
    const planned = await planReminders(svc.store, now);
    const rows = await svc.store.reminders.upcoming(PREVIEW_ROWS);
    const total = (await svc.store.reminders.statusCounts())
      .filter((c) => c.status === 'pending')
      .reduce((n, c) => n + c.count, 0);
    return reminderPreviewCard({
      rows: rows.map((r) => ({
        kind: r.kind,
        recipientName: r.recipientName,
        sendAfter: r.sendAfter,
        offsetLabel: typeof r.payload.offsetLabel === 'string' ? r.payload.offsetLabel : null,
      })),
      total,
      muted: await svc.store.reminders.mutedKinds(),
      planned: { inserted: planned.inserted, updated: planned.updated, cancelled: planned.cancelled },
    });
  },
};

export const remindersSendNowCommand: BotCommand = {
  verb: 'reminders_send_now',
  title: 'Send reminders now',
  description: 'send everyone their next reminder now',
  aliases: ['send reminders now', 'send reminders'],
  roles: ADMIN,
  inHelp: false,
  async run({ svc, actor }) {
    const r = await queueRemindersNow(svc, actor);
    svc.log.info({ actor: actor.personId, queued: r.queued, recipients: r.recipients }, 'reminder run queued');
    return reminderSendNowCard({ ...r, quiet: isQuietTime(svc.clock.now(), DEFAULT_QUIET_HOURS) });
  },
};

export const remindersStatusCommand: BotCommand = {
  verb: 'reminders_status',
  title: 'Reminder status',
  description: 'how many reminders are pending, sent, failed or unreachable, and why',
  aliases: ['reminder status', 'reminders status'],
  roles: ADMIN,
  inHelp: false,
  async run({ svc }) {
    const problems = await svc.store.reminders.problems(10);
    const alerts = await svc.store.reminders.activeAlerts();
    return reminderStatusCard({
      alerts: alerts.map((a) => ({ message: a.message, since: a.firstSeenAt })),
      counts: await svc.store.reminders.statusCounts(),
      problems: problems.map((p) => ({
        kind: p.kind,
        recipientName: p.recipientName,
        status: p.status,
        reason: p.lastError,
        at: p.updatedAt,
      })),
      muted: await svc.store.reminders.mutedKinds(),
    });
  },
};

const muteData = z.object({
  kind: z.enum(REMINDER_KINDS as unknown as [ReminderKind, ...ReminderKind[]]).optional(),
  mute: z.boolean().optional(),
});

export const remindersMuteCommand: BotCommand<z.infer<typeof muteData>> = {
  verb: 'reminders_mute',
  title: 'Mute reminders',
  description: 'mute or unmute a kind of reminder',
  aliases: ['mute reminders', 'unmute reminders'],
  roles: ADMIN,
  inHelp: false,
  data: muteData,
  async run({ svc, actor, data }) {
    let changed: { kind: ReminderKind; muted: boolean; cancelled: number } | undefined;
    if (data.kind && data.mute !== undefined) {
      const r = await setReminderKindMuted(svc, actor, { kind: data.kind, mute: data.mute });
      changed = { kind: r.kind, muted: r.muted, cancelled: r.cancelled };
    }
    return reminderMuteCard(await svc.store.reminders.mutedKinds(), changed);
  },
};

export const REMINDER_COMMANDS: readonly BotCommand[] = [
  remindersPreviewCommand,
  remindersSendNowCommand,
  remindersStatusCommand,
  remindersMuteCommand,
];
