import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_provisioning.js';
import * as m0003 from './0003_workflow.js';
import * as m0004 from './0004_reminders.js';
import * as m0006 from './0006_attendance.js';
import * as m0007 from './0007_verified_sharing.js';
import * as m0009 from './0009_evidence_inspection.js';
import * as m0010 from './0010_awards.js';
import * as m0011 from './0011_provisioning_runs.js';
import * as m0012 from './0012_jobs.js';
import * as m0013 from './0013_people_change_notices.js';

/** Every migration, in order. Names are stable: never rename one that has shipped. */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_provisioning': m0002,
  '0003_workflow': m0003,
  '0004_reminders': m0004,
  '0006_attendance': m0006,
  '0007_verified_sharing': m0007,
  '0009_evidence_inspection': m0009,
  '0010_awards': m0010,
  '0011_provisioning_runs': m0011,
  '0012_jobs': m0012,
  '0013_people_change_notices': m0013,
};
