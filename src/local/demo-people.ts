import type { Role } from '../domain/types.js';

/**
 * The demo people. Their ids, names, emails and Entra object ids are the users of the committed
 * Agents Playground config (.m365agentsplayground.yml), so whoever you chat as in the Playground
 * is recognised with the matching role. A test keeps the two in step.
 */
export interface DemoPerson {
  /** The Playground user id, for the people you can chat as (the Playground has six). */
  playgroundUserId: string | null;
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
    playgroundUserId: 'user-id-0',
    personId: 'demo-priya',
    displayName: 'Priya Shah',
    email: 'priya.shah@northshire.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000001',
    organisationId: 'org-northshire',
    roles: ['applicant_lead'],
  },
  {
    playgroundUserId: null,
    personId: 'demo-tom',
    displayName: 'Tom Okafor',
    email: 'tom.okafor@northshire.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000002',
    organisationId: 'org-northshire',
    roles: ['applicant_contributor'],
  },
  {
    playgroundUserId: 'user-id-1',
    personId: 'demo-grace',
    displayName: 'Grace Hughes',
    email: 'grace.hughes@riverside.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000003',
    organisationId: 'org-riverside',
    roles: ['applicant_lead'],
  },
  {
    playgroundUserId: 'user-id-2',
    personId: 'demo-sam',
    displayName: 'Sam Patel',
    email: 'sam.patel@england.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000004',
    organisationId: null,
    roles: ['reviewer'],
  },
  {
    playgroundUserId: 'user-id-3',
    personId: 'demo-morgan',
    displayName: 'Morgan Ellis',
    email: 'morgan.ellis@westmoor.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000005',
    organisationId: 'org-westmoor',
    roles: ['reviewer'],
  },
  {
    playgroundUserId: 'user-id-4',
    personId: 'demo-alex',
    displayName: 'Alex Morgan',
    email: 'alex.morgan@england.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000006',
    organisationId: null,
    roles: ['admin'],
  },
  // Not in the database: shows what someone without access sees.
  {
    playgroundUserId: 'user-id-5',
    personId: null,
    displayName: 'Jordan Lee',
    email: 'jordan.lee@elsewhere.example.nhs.uk',
    entraObjectId: '3f1c5a2e-0000-4000-8000-000000000007',
    organisationId: null,
    roles: [],
  },
];

export function demoPerson(playgroundUserId: string): DemoPerson {
  const p = DEMO_PEOPLE.find((d) => d.playgroundUserId === playgroundUserId);
  if (!p) throw new Error(`no demo person for ${playgroundUserId}`);
  return p;
}
