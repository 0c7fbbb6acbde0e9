import { DEFAULT_FRAMEWORK } from '../../src/domain/framework-default.js';
import type { Cycle, Person } from '../../src/domain/types.js';
import { silentLogger } from '../../src/log.js';
import type { Store } from '../../src/store/store.js';
import type { Services } from '../../src/workflows/services.js';
import { fixedClock, type Clock } from '../../src/domain/time.js';

export const T0 = new Date('2026-03-02T10:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

export function services(store: Store, clock: Clock = fixedClock(T0)): Services {
  return { store, clock, log: silentLogger };
}

export function cycleAt(now: Date, over: Partial<Cycle> = {}): Cycle {
  const d = (days: number) => new Date(now.getTime() + days * DAY);
  return {
    id: 'cycle-1',
    name: '2025/26 cycle 2',
    submissionDeadline: d(30),
    graceMinutes: 24 * 60,
    reviewStart: d(40),
    reviewEnd: d(80),
    decisionStart: d(81),
    decisionEnd: d(95),
    intakePaused: false,
    frameworkVersion: DEFAULT_FRAMEWORK.version,
    ...over,
  };
}

/** The reviewer seedBasics loads. */
export const RITA_REVIEWER: Person = {
  id: 'rev-1',
  displayName: 'Rita Reviewer',
  email: 'rita@nhse.example',
  entraObjectId: 'oid-rev-1',
  organisationId: null,
  roles: ['reviewer'],
};

/** Framework, one cycle, one organisation with an applicant lead, a reviewer and an admin. */
export async function seedBasics(
  store: Store,
  now: Date = T0,
  cycle: Partial<Cycle> = {},
): Promise<{ lead: Person; cycle: Cycle }> {
  await store.frameworks.save(DEFAULT_FRAMEWORK);
  const c = cycleAt(now, cycle);
  await store.cycles.create(c);
  await store.organisations.upsert({ id: 'org-a', name: 'Alpha NHS Trust', code: 'A1' });
  await store.organisations.upsert({ id: 'org-b', name: 'Beta NHS Trust', code: 'B1' });
  const lead: Person = {
    id: 'lead-a',
    displayName: 'Ada Lead',
    email: 'ada@alpha.example',
    entraObjectId: 'oid-lead-a',
    organisationId: 'org-a',
    roles: ['applicant_lead'],
  };
  await store.people.upsert(lead);
  await store.people.upsert(RITA_REVIEWER);
  await store.people.upsert({
    id: 'admin-1',
    displayName: 'Adam Admin',
    email: 'adam@nhse.example',
    entraObjectId: 'oid-admin-1',
    organisationId: null,
    roles: ['admin'],
  });
  return { lead, cycle: c };
}

/** Give an organisation a drop-in attendance `daysAgo` before `now`. */
export async function attend(
  store: Store,
  organisationId: string,
  personId: string,
  now: Date,
  daysAgo: number,
): Promise<void> {
  const id = `past-${organisationId}-${daysAgo}`;
  const startsAt = new Date(now.getTime() - daysAgo * DAY);
  await store.dropIns.createSession({
    id,
    title: 'Past drop-in',
    startsAt,
    endsAt: new Date(startsAt.getTime() + 3600_000),
    capacity: 50,
    cancelled: false,
    joinUrl: null,
  });
  const b = await store.dropIns.book({
    sessionId: id,
    personId,
    organisationId,
    actorId: 'seed',
    now: new Date(startsAt.getTime() - DAY),
  });
  await store.dropIns.markAttended(b.id, true, 'seed', now);
}

/** Beside seedBasics: a contributor in the lead's organisation (org-a) and the lead of org-b. */
export async function seedContributorAndSecondLead(store: Store): Promise<void> {
  await store.people.upsert({
    id: 'contrib-a',
    displayName: 'Cara Contributor',
    email: 'cara@alpha.example',
    entraObjectId: 'oid-contrib-a',
    organisationId: 'org-a',
    roles: ['applicant_contributor'],
  });
  await store.people.upsert({
    id: 'lead-b',
    displayName: 'Ben Lead',
    email: 'ben@beta.example',
    entraObjectId: 'oid-lead-b',
    organisationId: 'org-b',
    roles: ['applicant_lead'],
  });
}
