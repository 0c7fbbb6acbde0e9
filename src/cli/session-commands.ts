/**
 * `npm run admin -- create-session | change-session | list-sessions`: drop-in sessions and the
 * Teams meetings behind them. The database change comes first (with its audit row and the
 * attendees' reminder updates, one transaction); the calendar event follows through Graph, in
 * local mode against the Graph emulator on `npm start`'s data.
 */
import path from 'node:path';
import { z } from 'zod';
import type { AppConfig } from '../config.js';
import { formatLondon } from '../domain/time.js';
import type { Actor } from '../domain/types.js';
import { startGraphEmulator } from '../graph/emulator/index.js';
import { createGraphPorts, LOCAL_EMULATOR_TOKEN, LOCAL_TENANT_DIRECTORY } from '../graph/graph-setup.js';
import { createLogger } from '../log.js';
import type { Store } from '../store/store.js';
import { changeSession, createSession } from '../workflows/dropins.js';
import { CLI_ACTOR, parseLondonDateTime } from './admin-tasks.js';

const CLI_ADMIN: Actor = {
  personId: CLI_ACTOR,
  displayName: 'Admin command line',
  roles: ['admin'],
  organisationId: null,
};

const createArgs = z.object({
  title: z.string({ error: '--title is required' }).trim().min(3, '--title needs at least 3 characters').max(200),
  start: z.string({ error: '--start is required ("YYYY-MM-DD HH:mm", UK time)' }),
  minutes: z.coerce.number().int().min(15).max(480).default(60),
  capacity: z
    .string({ error: '--capacity is required' })
    .transform(Number)
    .pipe(
      z
        .number()
        .int('--capacity must be a whole number')
        .min(1, '--capacity must be at least 1')
        .max(500, '--capacity must be at most 500'),
    ),
});
const changeArgs = z.object({
  id: z.string({ error: '--id is required (see list-sessions)' }).min(1),
  title: z.string().trim().min(3).max(200).optional(),
  start: z.string().optional(),
  minutes: z.coerce.number().int().min(15).max(480).optional(),
  cancel: z.boolean().optional(),
});

interface Context {
  config: AppConfig;
  store: Store;
  now: Date;
  out: (s: string) => void;
}

export async function sessionCommand(command: string, args: Record<string, unknown>, ctx: Context): Promise<number> {
  const { store, out } = ctx;
  const svc = { store, clock: { now: () => ctx.now }, log: createLogger({ level: 'warn', name: 'wexqs-admin' }) };
  if (command === 'list-sessions') {
    for (const s of await store.dropIns.listUpcoming(ctx.now)) {
      out(
        `${s.id}\t${formatLondon(s.startsAt)}–${formatLondon(s.endsAt, 'time')}\t${s.booked}/${s.capacity} booked${s.waitlisted ? `, ${s.waitlisted} waiting` : ''}\t${s.title}`,
      );
    }
    return 0;
  }
  if (command === 'create-session') {
    const a = createArgs.parse(args);
    const startsAt = parseLondonDateTime(a.start, 'start');
    const session = await createSession(svc, CLI_ADMIN, {
      title: a.title,
      startsAt,
      endsAt: new Date(startsAt.getTime() + a.minutes * 60_000),
      capacity: a.capacity,
    });
    out(
      `Created drop-in session ${session.id}: ${session.title}, ${formatLondon(session.startsAt)}–${formatLondon(session.endsAt, 'time')} (UK time), ${session.capacity} seats.`,
    );
    const joinUrl = await withMeetings(ctx, async (m) => (await m.ensureMeeting(session.id)).joinUrl);
    out(
      joinUrl
        ? `Teams meeting created in the organiser's calendar: ${joinUrl}`
        : 'The Teams meeting could not be created now; `npm start` creates missing meetings.',
    );
    return 0;
  }
  const a = changeArgs.parse(args);
  const current = await store.dropIns.getSession(a.id);
  if (!current) {
    out(`No drop-in session "${a.id}". See: npm run admin -- list-sessions`);
    return 1;
  }
  const startsAt = a.start ? parseLondonDateTime(a.start, 'start') : current.startsAt;
  const minutes = a.minutes ?? Math.round((current.endsAt.getTime() - current.startsAt.getTime()) / 60_000);
  const r = await changeSession(svc, CLI_ADMIN, {
    sessionId: a.id,
    ...(a.title ? { title: a.title } : {}),
    ...(a.start || a.minutes ? { startsAt, endsAt: new Date(startsAt.getTime() + minutes * 60_000) } : {}),
    ...(a.cancel ? { cancel: true } : {}),
  });
  out(
    `${a.cancel ? 'Cancelled' : 'Changed'} ${r.session.title} (${formatLondon(r.session.startsAt)} UK time); ${r.notified} booked attendee(s) will be told in Teams.`,
  );
  const synced = await withMeetings(ctx, (m) => m.syncMeeting(a.id));
  if (synced === 'updated') out('The Teams meeting was updated in the calendar.');
  else if (synced === 'cancelled') out('The Teams meeting was cancelled in the calendar.');
  return 0;
}

/** Run `fn` with the Graph-backed meetings: the local emulator on npm start's data, or Graph. */
async function withMeetings<T>(
  ctx: Context,
  fn: (m: ReturnType<typeof createGraphPorts>['meetings']) => Promise<T>,
): Promise<T | null> {
  const { config } = ctx;
  const emulator =
    config.mode === 'local' && config.local.graphEmulator
      ? await startGraphEmulator({
          port: 0,
          host: '127.0.0.1',
          dataDir: path.join(config.dataDir, 'graph'),
          acceptedToken: LOCAL_EMULATOR_TOKEN,
          directory: LOCAL_TENANT_DIRECTORY,
          users: [{ mail: config.graph.organiserUpn, displayName: 'WEx QS team' }],
        })
      : null;
  try {
    const effective: AppConfig = emulator
      ? { ...config, graph: { ...config.graph, baseUrl: `${emulator.url}/v1.0` } }
      : config;
    return await fn(
      createGraphPorts(effective, ctx.store, createLogger({ level: 'warn', name: 'wexqs-admin' })).meetings,
    );
  } catch (err) {
    ctx.out(`Microsoft Graph: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  } finally {
    await emulator?.close();
  }
}
