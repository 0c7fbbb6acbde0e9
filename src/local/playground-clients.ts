/**
 * A Teams client per demo person: one Microsoft 365 Agents Playground each, on its own port with
 * its own config (that person as the current user, their own personal chat), all pointed at the
 * one bot. The Playground shows one current user per process, so this is how every role can act
 * by clicking in their own client; the bot's proactive messages reach a person's client through
 * the conversation reference of their personal chat (see `conversationReference`).
 *
 * The Playground's config schema takes the current user plus exactly five `users`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_PEOPLE, DEMO_TENANT_ID, type DemoPerson } from './demo-people.js';
import { spawnPlayground, type SpawnedPlayground } from './playground.js';

/** The bot as the Playground shows it (the committed config uses the same). */
export const PLAYGROUND_BOT = { id: '00000000-0000-0000-0000-00000000b071', name: 'WEx QS' } as const;
/** The group chat every client has (the same id in each, so tests and people find it). */
export const DEMO_GROUP_CHAT = { id: 'group-chat-wexqs', name: 'Northshire WEx QS application' } as const;
/** How many other people a Playground config lists besides its current user. */
const PLAYGROUND_OTHER_USERS = 5;

/** The personal chat of a person with the bot in their own client. */
export function personalChatId(person: Pick<DemoPerson, 'key'>): string {
  return `personal-chat-${person.key}`;
}

/** The port of a person's client: PLAYGROUND_PORT for the first demo person, then one up per person. */
export function clientPort(basePort: number, person: Pick<DemoPerson, 'key'>): number {
  const i = DEMO_PEOPLE.findIndex((p) => p.key === person.key);
  if (i < 0) throw new Error(`no demo person ${person.key}`);
  return basePort + i;
}

function playgroundUser(p: DemoPerson) {
  const [givenName = p.displayName, ...rest] = p.displayName.split(' ');
  return {
    id: p.playgroundUserId,
    name: p.displayName,
    // [sic]: the Playground's config schema spells it this way.
    userPrincipleName: p.email,
    aadObjectId: p.entraObjectId,
    givenName,
    surname: rest.join(' '),
    email: p.email,
  };
}

/** The Agents Playground config of a person's own client (what .m365agentsplayground.yml holds for Priya). */
export function playgroundConfigFor(person: DemoPerson): Record<string, unknown> {
  const others = DEMO_PEOPLE.filter((p) => p.key !== person.key).slice(0, PLAYGROUND_OTHER_USERS);
  return {
    version: '0.1.1',
    tenantId: DEMO_TENANT_ID,
    bot: { ...PLAYGROUND_BOT },
    currentUser: playgroundUser(person),
    users: others.map(playgroundUser),
    personalChat: { id: personalChatId(person) },
    groupChat: { ...DEMO_GROUP_CHAT },
    team: {
      id: 'team-wexqs',
      name: 'NHS England WEx QS',
      aadGroupId: '7b1e6c2a-0000-4000-8000-00000000c001',
      channels: [{ id: 'channel-reviewers', name: 'Reviewers' }],
    },
  };
}

/**
 * The conversation reference the bot keeps for a person's personal chat in their client, as the
 * Playground sends it on every activity there (its Bot Connector is `/_connector` on its port).
 * Stored at start-up, it lets the bot reach people who have not typed anything yet, as the app
 * installed for them does in Teams.
 */
export function conversationReference(person: DemoPerson, port: number): Record<string, unknown> {
  return {
    channelId: 'msteams',
    serviceUrl: `http://localhost:${port}/_connector`,
    conversation: { id: personalChatId(person), conversationType: 'personal', tenantId: DEMO_TENANT_ID },
    user: { id: person.playgroundUserId, name: person.displayName, aadObjectId: person.entraObjectId },
    bot: { id: PLAYGROUND_BOT.id, name: PLAYGROUND_BOT.name },
  };
}

export interface DemoClient {
  person: DemoPerson;
  playground: SpawnedPlayground;
}

export interface DemoClientsOptions {
  people: readonly DemoPerson[];
  basePort: number;
  botEndpoint: string;
  /** Where the generated configs and the clients' logs go (under DATA_DIR). */
  dir: string;
  /** Scheduling priority of the clients (0 normal, up to 19 lowest). */
  niceness?: number;
}

/** Starts every person's client at once; `ready` per client. */
export function startDemoClients(opts: DemoClientsOptions): DemoClient[] {
  return opts.people.map((person) => {
    const port = clientPort(opts.basePort, person);
    // Each client in its own folder: its config, its output, and the devTools/ log it writes.
    const dir = path.resolve(opts.dir, person.key);
    mkdirSync(dir, { recursive: true });
    const configPath = path.join(dir, '.m365agentsplayground.yml');
    // JSON is YAML: the Playground reads this file as its .m365agentsplayground.yml.
    writeFileSync(configPath, `${JSON.stringify(playgroundConfigFor(person), null, 2)}\n`);
    const playground = spawnPlayground({
      botEndpoint: opts.botEndpoint,
      port,
      configPath,
      cwd: dir,
      logFile: path.join(dir, 'playground.log'),
      ...(opts.niceness ? { niceness: opts.niceness } : {}),
    });
    return { person, playground };
  });
}

/**
 * Stops every client (SIGTERM, then SIGKILL after a grace period); rejects naming the clients
 * whose exit was not reported in time, after waiting for all of them.
 */
export async function stopDemoClients(clients: readonly DemoClient[]): Promise<void> {
  const results = await Promise.allSettled(clients.map((c) => c.playground.stop()));
  const stuck = clients.filter((_, i) => results[i]!.status === 'rejected').map((c) => c.person.displayName);
  if (stuck.length > 0) throw new Error(`not confirmed stopped: ${stuck.join(', ')}`);
}
