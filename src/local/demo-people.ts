import type { Role } from '../domain/types.js';

/**
 * The demo people. Each has their own Teams client in local mode (an Agents Playground whose
 * current user they are, src/local/playground-clients.ts); their ids, names, emails and Entra
 * object ids are the users of those clients' configs (and of the committed
 * .m365agentsplayground.yml, Priya's), so whoever acts is recognised with the matching role.
 */
export interface DemoPerson {
  /** Short name: their Teams client's config file and personal chat id. */
  key: string;
  /** The Playground user id (the same in every client). */
  playgroundUserId: string;
  /** What `npm start` prints beside their client's link. */
  summary: string;
  personId: string | null;
  displayName: string;
  email: string;
  entraObjectId: string;
  organisationId: string | null;
  roles: Role[];
}

export const DEMO_TENANT_ID = '7b1e6c2a-0000-4000-8000-00000000a001';

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  {
    key: 'priya',
    playgroundUserId: 'user-id-0',
    summary: 'applicant lead, Northshire Hospitals (attended a drop-in 3 weeks ago: eligible)',
    personId: 'demo-priya',
    displayName: 'Priya Shah',
    email: 'priya.shah@northshire.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000001',
    organisationId: 'org-northshire',
    roles: ['applicant_lead'],
  },
  {
    key: 'tom',
    playgroundUserId: 'user-id-6',
    summary: 'applicant contributor, Northshire Hospitals (writes commentary; cannot submit)',
    personId: 'demo-tom',
    displayName: 'Tom Okafor',
    email: 'tom.okafor@northshire.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000002',
    organisationId: 'org-northshire',
    roles: ['applicant_contributor'],
  },
  {
    key: 'grace',
    playgroundUserId: 'user-id-1',
    summary: 'applicant lead, Riverside Community Health (attended 10 weeks ago: not eligible)',
    personId: 'demo-grace',
    displayName: 'Grace Hughes',
    email: 'grace.hughes@riverside.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000003',
    organisationId: 'org-riverside',
    roles: ['applicant_lead'],
  },
  {
    key: 'sam',
    playgroundUserId: 'user-id-2',
    summary: 'reviewer',
    personId: 'demo-sam',
    displayName: 'Sam Patel',
    email: 'sam.patel@england.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000004',
    organisationId: null,
    roles: ['reviewer'],
  },
  {
    key: 'morgan',
    playgroundUserId: 'user-id-3',
    summary: 'reviewer (from Westmoor, so never reviews Westmoor)',
    personId: 'demo-morgan',
    displayName: 'Morgan Ellis',
    email: 'morgan.ellis@westmoor.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000005',
    organisationId: 'org-westmoor',
    roles: ['reviewer'],
  },
  {
    key: 'alex',
    playgroundUserId: 'user-id-4',
    summary: 'admin (NHS England WEx QS team)',
    personId: 'demo-alex',
    displayName: 'Alex Morgan',
    email: 'alex.morgan@england.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000006',
    organisationId: null,
    roles: ['admin'],
  },
  // Not in the database: shows what someone without access sees.
  {
    key: 'jordan',
    playgroundUserId: 'user-id-5',
    summary: 'not registered: sees how to get access',
    personId: null,
    displayName: 'Jordan Lee',
    email: 'jordan.lee@elsewhere.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000007',
    organisationId: null,
    roles: [],
  },
];

/** The demo person with this Playground user id or key. */
export function demoPerson(idOrKey: string): DemoPerson {
  const p = DEMO_PEOPLE.find((d) => d.playgroundUserId === idOrKey || d.key === idOrKey);
  if (!p) throw new Error(`no demo person ${idOrKey}`);
  return p;
}
