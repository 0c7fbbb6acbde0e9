/**
 * Admin actions on reminders: mute or unmute a kind, and queue everyone's next reminder now. Both
 * are audited only when they change something: muting a kind that is already muted (a second
 * click, an old card) writes nothing.
 */
import { authorise } from '../domain/authorisation.js';
import type { ReminderKind } from '../domain/reminders.js';
import type { Actor } from '../domain/types.js';
import { planReminders, sendNow } from '../notifications/schedule.js';
import type { Services } from './services.js';

export interface MuteOutcome {
  kind: ReminderKind;
  muted: boolean;
  /** False when the kind was already in that state (nothing written). */
  changed: boolean;
  /** Pending reminders cancelled by muting. */
  cancelled: number;
}

export async function setReminderKindMuted(
  svc: Services,
  actor: Actor,
  input: { kind: ReminderKind; mute: boolean },
): Promise<MuteOutcome> {
  authorise(actor, 'manage_cycle', { kind: 'cycle' });
  const now = svc.clock.now();
  const { kind, mute } = input;
  const outcome = await svc.store.transaction(async (tx) => {
    const r = mute
      ? await tx.reminders.mute(kind, actor.personId, now)
      : { changed: await tx.reminders.unmute(kind), cancelled: 0 };
    if (r.changed)
      await tx.audit.append({
        at: now,
        actorId: actor.personId,
        action: mute ? 'reminders_mute' : 'reminders_unmute',
        entityKind: 'reminders',
        entityId: kind,
        fromState: mute ? 'unmuted' : 'muted',
        toState: mute ? 'muted' : 'unmuted',
        details: { cancelled: r.cancelled },
      });
    return r;
  });
  // Unmuting lets the planner schedule that kind again.
  if (!mute && outcome.changed) await planReminders(svc.store, now);
  return { kind, muted: mute, ...outcome };
}

/** Queue everyone's next reminder for sending now; audited when anything was queued. */
export async function queueRemindersNow(
  svc: Services,
  actor: Actor,
): Promise<{ queued: number; recipients: number; sendAt: Date }> {
  authorise(actor, 'manage_cycle', { kind: 'cycle' });
  const now = svc.clock.now();
  const r = await svc.store.transaction(async (tx) => {
    const queued = await sendNow(tx, now);
    if (queued.queued > 0)
      await tx.audit.append({
        at: now,
        actorId: actor.personId,
        action: 'reminders_send_now',
        entityKind: 'reminders',
        entityId: 'run',
        fromState: null,
        toState: null,
        details: { queued: queued.queued, recipients: queued.recipients },
      });
    return queued;
  });
  svc.reminders?.wake();
  return r;
}
