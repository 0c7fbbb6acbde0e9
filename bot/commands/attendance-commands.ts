/** Admin commands for drop-in attendance: recent sessions, a session's roster, marking attendance. */
import { z } from 'zod';
import { markAttendance, recentSessions, sessionRoster } from '../../src/workflows/attendance.js';
import { recentSessionsCard, rosterCard } from '../cards/attendance-cards.js';
import type { BotCommand } from '../router.js';
import { ADMINS } from './command-support.js';

export const attendanceCommand: BotCommand = {
  verb: 'attendance',
  title: 'Drop-in attendance',
  description: 'who attended each drop-in; mark people who joined by phone',
  aliases: ['attendance', 'roster', 'who attended'],
  roles: ADMINS,
  inHelp: true,
  async run({ svc, actor }) {
    return recentSessionsCard(await recentSessions(svc, actor));
  },
};

const sessionRef = z.object({
  sessionId: z.string().trim().min(1).max(100),
  /** The roster page the card was on (a long roster is paged). */
  page: z.coerce.number().int().min(0).max(1000).optional(),
});

export const rosterCommand: BotCommand<z.infer<typeof sessionRef>> = {
  verb: 'dropin_roster',
  title: 'Roster',
  description: "a drop-in session's roster",
  aliases: [],
  roles: ADMINS,
  inHelp: false,
  data: sessionRef,
  async run({ svc, actor, data }) {
    return rosterCard(await sessionRoster(svc, actor, data.sessionId), undefined, data.page ?? 0);
  },
};

const markData = sessionRef.extend({
  personId: z.string().trim().min(1).max(100).optional(),
  email: z
    .string()
    .trim()
    .max(320)
    .optional()
    .transform((v) => (v ? v : undefined)),
  attended: z.boolean(),
});

export const markAttendanceCommand: BotCommand<z.infer<typeof markData>> = {
  verb: 'mark_attendance',
  title: 'Mark attendance',
  description: 'mark that someone attended a drop-in (or did not)',
  aliases: [],
  roles: ADMINS,
  inHelp: false,
  data: markData,
  async run({ svc, actor, data }) {
    const { person, changed } = await markAttendance(svc, actor, {
      sessionId: data.sessionId,
      attended: data.attended,
      ...(data.personId ? { personId: data.personId } : {}),
      ...(data.email ? { email: data.email } : {}),
    });
    const roster = await sessionRoster(svc, actor, data.sessionId);
    const what = data.attended ? 'attended' : 'did not attend';
    return rosterCard(
      roster,
      changed
        ? `Recorded: ${person.displayName} ${what}.`
        : `${person.displayName} was already recorded as ${data.attended ? 'attending' : 'not attending'}.`,
      data.page ?? 0,
    );
  },
};

export const ATTENDANCE_COMMANDS: readonly BotCommand[] = [attendanceCommand, rosterCommand, markAttendanceCommand];
