/** Recipients with stored conversation references pointing at a local Bot Connector, and due rows for them. */
import type { ConnectorEmulator } from '../../src/connector-emulator/index.js';
import type { ReminderMessage } from '../../src/notifications/messenger.js';
import { enqueue } from '../../src/notifications/outbox.js';
import type { Store } from '../../src/store/store.js';

export const TENANT = '00000000-0000-0000-0000-00000000aaaa';

export function message(title = 'Submission deadline in 7 days'): ReminderMessage {
  return {
    kind: 'submission_deadline',
    title,
    lines: ['Your application must be submitted by Fri 19 Jun 2026, 17:00.'],
    facts: [['Deadline', 'Fri 19 Jun 2026, 17:00']],
    actions: [{ type: 'execute', title: 'Open status card', verb: 'status' }],
    summary: 'WEx QS: submission deadline',
  };
}

/** People r-<prefix>-<i> with a personal conversation on the emulator (registered so it counts per person id). */
export async function seedRecipients(
  store: Store,
  emulator: ConnectorEmulator | { url: string; registerConversation?: (c: string, u: string) => void },
  n: number,
  prefix = 'r',
): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await store.db
      .insertInto('people')
      .values(
        chunk.map((id) => ({
          id,
          display_name: `Recipient ${id}`,
          email: `${id}@example.org`,
          entra_object_id: `aad-${id}`,
          organisation_id: null,
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    await store.db
      .insertInto('conversation_refs')
      .values(
        chunk.map((id) => ({
          key: `personal:conv-${id}`,
          person_id: id,
          aad_object_id: `aad-${id}`,
          scope: 'personal' as const,
          reference: JSON.stringify({
            serviceUrl: emulator.url,
            channelId: 'msteams',
            conversation: { id: `conv-${id}`, conversationType: 'personal', tenantId: TENANT },
            user: { id: `29:${id}`, aadObjectId: `aad-${id}` },
            bot: { id: '28:bot' },
          }),
          updated_at: new Date(),
        })),
      )
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  }
  for (const id of ids) emulator.registerConversation?.(`conv-${id}`, id);
  return ids;
}

/** One due row per recipient (or `perRecipient` rows each), no quiet hours. */
export async function enqueueDue(
  store: Store,
  recipients: readonly string[],
  opts: {
    perRecipient?: number;
    subject?: string;
    dueAt?: Date;
    expiresAt?: Date | null;
    message?: ReminderMessage;
  } = {},
): Promise<void> {
  const dueAt = opts.dueAt ?? new Date(Date.now() - 60_000);
  const items = recipients.flatMap((recipientId) =>
    Array.from({ length: opts.perRecipient ?? 1 }, (_, k) => ({
      kind: 'submission_deadline' as const,
      recipientId,
      dueAt,
      subject: { kind: 'application' as const, id: `${opts.subject ?? 'app'}-${k}` },
      message: opts.message ?? message(),
      ...(opts.expiresAt !== undefined ? { expiresAt: opts.expiresAt } : {}),
    })),
  );
  for (let i = 0; i < items.length; i += 1000) {
    await store.transaction((tx) => enqueue(tx, items.slice(i, i + 1000), new Date(), { quietHours: null }));
  }
}

export async function statusCounts(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of await store.reminders.statusCounts()) out[c.status] = (out[c.status] ?? 0) + c.count;
  return out;
}
