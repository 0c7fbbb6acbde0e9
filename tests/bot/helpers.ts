/** A router over a real PGlite store with the in-memory ports, and helpers to click card buttons. */
import { ALL_COMMANDS } from '../../bot/commands/index.js';
import { provisionFolders, recheckEvidence } from '../../bot/jobs.js';
import { renderNotification } from '../../bot/notification-cards.js';
import { CommandRouter, type RouterResult } from '../../bot/router.js';
import type { AdaptiveCard } from '../../bot/cards/card-kit.js';
import type { Clock } from '../../src/domain/time.js';
import { runFollowUp, type CardJobs } from '../../src/jobs/app-jobs.js';
import { silentLogger } from '../../src/log.js';
import { Dispatcher } from '../../src/notifications/dispatcher.js';
import type { Messenger, SendOutcome, SendRequest } from '../../src/notifications/messenger.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import {
  InMemoryEvidenceFolders,
  InMemoryMeetings,
  RecordingCardDelivery,
  RecordingJobs,
} from '../../src/workflows/fakes.js';
import type { Services } from '../../src/workflows/services.js';
import { attend, seedBasics, T0, seedContributorAndSecondLead } from '../support/fixtures.js';
import { VirtualTimer } from '../support/time.js';
import { assertValidCard } from './card-validator.js';
import { unescapeMarkdown } from '../support/markdown.js';

/** Sends nothing: renders each notification as the bot would and keeps the card per person. */
export class RecordingMessenger implements Messenger {
  readonly delivered: { personId: string; card: AdaptiveCard; outboxId: string }[] = [];
  readonly unreachable = new Set<string>();
  constructor(private readonly svc: Services) {}
  async send(req: SendRequest): Promise<SendOutcome> {
    if (this.unreachable.has(req.recipient.personId))
      return { status: 'unreachable', httpStatus: 403, reason: '403 ConversationBlockedByUser/MessageWritesBlocked' };
    const card = await renderNotification(this.svc, req.message, req.recipient.personId);
    this.delivered.push({ personId: req.recipient.personId, card, outboxId: req.outboxId });
    return { status: 'sent', activityId: `a-${req.outboxId}`, conversationId: null };
  }
  to(personId: string): AdaptiveCard[] {
    return this.delivered.filter((d) => d.personId === personId).map((d) => d.card);
  }
}

export class MovableClock implements Clock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at.getTime());
  }
  advanceDays(days: number): void {
    this.at = new Date(this.at.getTime() + days * 86_400_000);
  }
}

export interface Harness {
  store: Store;
  svc: Services;
  clock: MovableClock;
  router: CommandRouter;
  evidence: InMemoryEvidenceFolders;
  meetings: InMemoryMeetings;
  cards: RecordingCardDelivery;
  jobs: RecordingJobs;
  messenger: RecordingMessenger;
  /** What happens after the reply: run the queued jobs, then send what the outbox holds (as the app's jobs do). */
  deliver(): Promise<void>;
}

/** The jobs whose result is a card, as the app wires them. */
export function cardJobsFor(svc: Services): CardJobs {
  return {
    provision: (data) => provisionFolders(svc, data),
    recheck: (data) => recheckEvidence(svc, data),
  };
}

/** Run what `svc.jobs` (a RecordingJobs) holds, as the job library would after the commit. */
export function runJobs(svc: Services & { jobs: RecordingJobs }): Promise<number> {
  const cardJobs = cardJobsFor(svc);
  return svc.jobs.drain((job) => runFollowUp(svc, cardJobs, job));
}

/** seedBasics + a second reviewer, a reviewer from org-a (conflict), a contributor, and org-a eligible. */
export async function harness(handle: DatabaseHandle): Promise<Harness> {
  const store = new Store(handle.db);
  await seedBasics(store);
  await store.people.upsert({
    id: 'rev-2',
    displayName: 'Ravi Reviewer',
    email: 'ravi@nhse.example',
    entraObjectId: 'oid-rev-2',
    organisationId: null,
    roles: ['reviewer'],
  });
  await store.people.upsert({
    id: 'rev-a',
    displayName: 'Alpha Reviewer',
    email: 'rev@alpha.example',
    entraObjectId: 'oid-rev-a',
    organisationId: 'org-a',
    roles: ['reviewer'],
  });
  await seedContributorAndSecondLead(store);
  await attend(store, 'org-a', 'lead-a', T0, 10);
  const clock = new MovableClock(T0);
  const evidence = new InMemoryEvidenceFolders({ store });
  const meetings = new InMemoryMeetings();
  const cards = new RecordingCardDelivery();
  const jobs = new RecordingJobs();
  const svc: Services = { store, clock, log: silentLogger, evidence, meetings, cards, jobs };
  const messenger = new RecordingMessenger(svc);
  const cardJobs = cardJobsFor(svc);
  const dispatcher = new Dispatcher({
    store,
    messenger,
    clock,
    log: silentLogger,
    timer: new VirtualTimer(),
    leaseMs: 60_000,
    sendTimeoutMs: 5_000,
  });
  const deliver = async () => {
    await jobs.drain((job) => runFollowUp(svc, cardJobs, job));
    await dispatcher.drain();
  };
  return {
    store,
    svc,
    clock,
    router: new CommandRouter(svc, ALL_COMMANDS),
    evidence,
    meetings,
    cards,
    jobs,
    messenger,
    deliver,
  };
}

export const OID: Record<string, string> = {
  lead: 'oid-lead-a',
  contributor: 'oid-contrib-a',
  leadB: 'oid-lead-b',
  rev1: 'oid-rev-1',
  rev2: 'oid-rev-2',
  revA: 'oid-rev-a',
  admin: 'oid-admin-1',
};

/** Every card the router answers with is validated (parser at 1.5 + own checks). */
async function checked(p: Promise<RouterResult>, label: string): Promise<RouterResult> {
  const r = await p;
  assertValidCard(r.card, `${label} → ${r.outcome}`);
  return r;
}

export function say(h: Harness, who: keyof typeof OID, text: string): Promise<RouterResult> {
  return checked(h.router.handle({ kind: 'message', identity: { entraObjectId: OID[who]! }, text }), `"${text}"`);
}

export function invoke(
  h: Harness,
  who: keyof typeof OID,
  verb: string,
  data: Record<string, unknown> = {},
): Promise<RouterResult> {
  return checked(
    h.router.handle({ kind: 'invoke', identity: { entraObjectId: OID[who]! }, verb, data: { verb, ...data } }),
    verb,
  );
}

/** Every Action.Execute in a card (top level, ActionSets, nested containers and columns). */
export function executeActions(c: unknown): { title: string; verb: string; data: Record<string, unknown> }[] {
  const out: { title: string; verb: string; data: Record<string, unknown> }[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'Action.Execute')
      out.push({ title: String(o.title ?? ''), verb: String(o.verb), data: (o.data ?? {}) as Record<string, unknown> });
    for (const [k, v] of Object.entries(o)) if (k !== 'refresh') walk(v);
  };
  walk(c);
  return out;
}

/** Press the button with this verb (and title, if given), sending its data plus input values. */
export async function click(
  h: Harness,
  who: keyof typeof OID,
  c: AdaptiveCard,
  verb: string,
  inputs: Record<string, unknown> = {},
  title?: string,
): Promise<RouterResult> {
  const action = executeActions(c).find((a) => a.verb === verb && (title === undefined || a.title === title));
  if (!action)
    throw new Error(
      `no ${verb}${title ? ` "${title}"` : ''} button on card: ${executeActions(c)
        .map((a) => `${a.verb}:${a.title}`)
        .join(', ')}`,
    );
  return invoke(h, who, verb, { ...action.data, ...inputs });
}

/** All text of a card, for assertions. */
export function cardText(c: unknown): string {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    // What a person reads: Markdown escapes undone, a paragraph of runs as one line.
    if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(unescapeMarkdown(o.text));
    if (o.type === 'FactSet' && Array.isArray(o.facts))
      for (const f of o.facts as { title: string; value: string }[])
        out.push(`${unescapeMarkdown(f.title)}: ${unescapeMarkdown(f.value)}`);
    if (o.type === 'RichTextBlock' && Array.isArray(o.inlines)) {
      out.push((o.inlines as { text?: string }[]).map((r) => r.text ?? '').join(''));
      return;
    }
    for (const v of Object.values(o)) walk(v);
  };
  walk(c);
  return out.join('\n');
}

export { unescapeMarkdown };

/** The Input ids of a card. */
export function inputIds(c: unknown): string[] {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (typeof o.type === 'string' && o.type.startsWith('Input.') && typeof o.id === 'string') out.push(o.id);
    for (const v of Object.values(o)) walk(v);
  };
  walk(c);
  return out;
}
