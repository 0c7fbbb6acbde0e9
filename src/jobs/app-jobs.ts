/**
 * The app's background jobs, registered on the one registry (registry.ts). Each is on by default
 * in every mode (local and tenant) and can be switched off per instance with its JOB_* setting.
 *
 *   reminder-planning  periodic (every 10 min)  plans reminders into the outbox
 *   reminder-dispatch  service                  sends the outbox through the Bot Connector
 *   lapsing            periodic (every 10 min)  lapses applications never submitted in time
 *   attendance         periodic (every 15 min)  Teams attendance reports → drop-in eligibility
 *   evidence-refresh   periodic (hourly)        re-lists evidence folders not listed for a while
 *   meeting-attendees  queued, per session      meeting attendees follow the bookings
 *   evidence-folders   queued, per organisation folder made/shared/listed; held messages released
 *   provisioning       queued                   a provisioning run (one active per cycle), progress card
 *   evidence-recheck   queued, per application and clicked card  re-lists a folder and updates the card
 */
import type { ReminderSettings } from '../domain/reminders.js';
import { Dispatcher, type DispatchEvent, type DispatcherOptions } from '../notifications/dispatcher.js';
import type { Messenger } from '../notifications/messenger.js';
import { planReminders } from '../notifications/schedule.js';
import { lapseOverdueApplications } from '../workflows/application-journey.js';
import { collectAttendance } from '../workflows/attendance.js';
import { refreshStaleEvidence } from '../workflows/evidence-refresh.js';
import { prepareEvidenceFolder, releaseFolderNotices, syncSessionAttendees } from '../workflows/follow-ups.js';
import type { JobRequest } from '../workflows/ports.js';
import type { Services } from '../workflows/services.js';
import type { JobRegistry, JobSummary, ServiceContext } from './registry.js';

type DataOf<N extends JobRequest['name']> = Extract<JobRequest, { name: N }>['data'];

/** The jobs whose result is a card in Teams (bot/jobs.ts). */
export interface CardJobs {
  provision(data: DataOf<'provisioning'>): Promise<JobSummary>;
  recheck(data: DataOf<'evidence-recheck'>): Promise<JobSummary>;
}

export interface AppJobOptions {
  svc: Services;
  cardJobs: CardJobs;
  /** How the dispatcher sends (bot/messenger.ts over the adapter). */
  messenger: Messenger;
  dispatcher?: Partial<Omit<DispatcherOptions, 'store' | 'clock' | 'log' | 'messenger'>>;
  reminderSettings?: Partial<ReminderSettings>;
}

/** When the periodic jobs run (cron, London time; each run does what is due). */
export const JOB_SCHEDULES = Object.freeze({
  'reminder-planning': '*/10 * * * *',
  lapsing: '*/10 * * * *',
  attendance: '*/15 * * * *',
  'evidence-refresh': '0 * * * *',
} as const);

/** Run one follow-up job the way the registry does (tests drive RecordingJobs with this). */
export async function runFollowUp(svc: Services, cardJobs: CardJobs, job: JobRequest): Promise<JobSummary> {
  switch (job.name) {
    case 'meeting-attendees':
      return syncSessionAttendees(svc, job.data.sessionId);
    case 'evidence-folders':
      return prepareEvidenceFolder(svc, job.data);
    case 'provisioning':
      return cardJobs.provision(job.data);
    case 'evidence-recheck':
      return cardJobs.recheck(job.data);
  }
}

/** Register the app's jobs; returns the notification dispatcher ("send now" wakes it). */
export function registerAppJobs(jobs: JobRegistry, o: AppJobOptions): Dispatcher {
  const { svc } = o;
  let service: ServiceContext | null = null;
  const report = (e: DispatchEvent) => {
    if (!service) return;
    const summary = { ...dispatcher.counters };
    const r =
      e.type === 'misconfigured'
        ? service.record('failed', { error: new Error(`configuration fault: ${e.code}`), summary })
        : e.type === 'sent' || e.type === 'idle'
          ? service.record('ok', { summary })
          : null;
    void r?.catch(() => undefined);
  };
  const dispatcher = new Dispatcher({
    store: svc.store,
    clock: svc.clock,
    log: svc.log,
    messenger: o.messenger,
    ...(o.dispatcher ?? {}),
    onEvent: (e) => {
      o.dispatcher?.onEvent?.(e);
      report(e);
    },
  });

  jobs.periodic('reminder-planning', {
    cron: JOB_SCHEDULES['reminder-planning'],
    description: 'Plans reminders (deadlines, drop-ins, review and decision windows, awards) into the outbox',
    run: async () => ({
      ...(await planReminders(svc.store, svc.clock.now(), o.reminderSettings ? { settings: o.reminderSettings } : {})),
    }),
  });
  jobs.service('reminder-dispatch', 'Sends the notification outbox to Teams within its rate limits', {
    start: (ctx) => {
      service = ctx;
      dispatcher.start();
    },
    stop: async () => {
      await dispatcher.stop();
      service = null;
    },
    status: () => ({ ...dispatcher.counters }),
  });
  jobs.periodic('lapsing', {
    cron: JOB_SCHEDULES.lapsing,
    description: 'Lapses applications never submitted once the deadline and grace period have passed',
    run: async () => ({ lapsed: await lapseOverdueApplications(svc) }),
  });
  jobs.periodic('attendance', {
    cron: JOB_SCHEDULES.attendance,
    description: "Reads the drop-ins' Teams attendance reports and records who attended",
    run: async () => ({ ...(await collectAttendance(svc, svc.clock.now())) }),
  });
  jobs.periodic('evidence-refresh', {
    cron: JOB_SCHEDULES['evidence-refresh'],
    description: 'Lists again the evidence folders of live applications not listed for a while',
    run: async () => ({ ...(await refreshStaleEvidence(svc, svc.clock.now())) }),
  });
  jobs.queue<DataOf<'meeting-attendees'>>(
    'meeting-attendees',
    "Keeps a drop-in meeting's attendees in line with its bookings",
    (d) => syncSessionAttendees(svc, d.sessionId),
    { serialiseBy: (d) => d.sessionId, timeoutSeconds: 120 },
  );
  jobs.queue<DataOf<'evidence-folders'>>(
    'evidence-folders',
    "Creates or updates an organisation's evidence folder, lists it, then sends the messages waiting for it",
    (d) => prepareEvidenceFolder(svc, d),
    {
      serialiseBy: (d) => `${d.cycleId}/${d.organisationId}`,
      timeoutSeconds: 600,
      // The team still hears that their application is open, without the link.
      onGiveUp: async (d) => void (await releaseFolderNotices(svc, d)),
    },
  );
  jobs.queue<DataOf<'provisioning'>>(
    'provisioning',
    "Does a provisioning run: every evidence folder of a cycle, updating the admin's progress card",
    (d) => o.cardJobs.provision(d),
    // One active run per cycle is kept by provisioning_runs; a job retried after a crash resumes
    // its run unless a later one replaced it.
    { retryLimit: 2, timeoutSeconds: 2 * 3600 },
  );
  jobs.queue<DataOf<'evidence-recheck'>>(
    'evidence-recheck',
    "Lists an application's evidence folder again and updates the card the applicant clicked",
    (d) => o.cardJobs.recheck(d),
    // One per application at a time; a re-check that carries a clicked card is its own request
    // (folded into one already waiting, that card would never be updated).
    {
      serialiseBy: (d) => (d.origin ? `${d.applicationId}/${d.origin.activityId}` : d.applicationId),
      retryLimit: 2,
      timeoutSeconds: 300,
    },
  );
  return dispatcher;
}
