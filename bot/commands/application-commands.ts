import { DomainError } from '../../src/domain/errors.js';
import { currentCycle, requestApplication } from '../../src/workflows/applications.js';
import { organisationEligibility } from '../../src/workflows/dropins.js';
import { applicationRequestedCard, cycleCard, eligibilityCard } from '../cards/application-cards.js';
import type { BotCommand } from '../router.js';
import { ROLES } from '../../src/domain/types.js';

const APPLICANTS = ['applicant_lead', 'applicant_contributor'] as const;

async function organisationOf(svc: Parameters<BotCommand['run']>[0]['svc'], organisationId: string | null) {
  const org = organisationId ? await svc.store.organisations.get(organisationId) : null;
  if (!org) throw new DomainError('NOT_FOUND', 'Your organisation is not set up in WEx QS.');
  return org;
}

export const eligibilityCommand: BotCommand = {
  verb: 'eligibility',
  title: 'Check eligibility',
  description: 'see whether your organisation can apply this cycle',
  aliases: ['eligibility', 'eligible', 'can we apply'],
  roles: APPLICANTS,
  inHelp: true,
  async run({ svc, actor }) {
    const org = await organisationOf(svc, actor.organisationId);
    return eligibilityCard(org, await organisationEligibility(svc, actor));
  },
};

export const requestApplicationCommand: BotCommand = {
  verb: 'request_application',
  title: 'Request application',
  description: "request your organisation's application for this cycle",
  aliases: ['request', 'apply', 'request application'],
  roles: APPLICANTS,
  inHelp: true,
  async run({ svc, actor }) {
    const org = await organisationOf(svc, actor.organisationId);
    const app = await requestApplication(svc, actor);
    const cycle = await currentCycle(svc);
    return applicationRequestedCard(org, cycle, app);
  },
};

export const cycleCommand: BotCommand = {
  verb: 'cycle',
  title: 'Cycle dates',
  description: 'deadline, review and decision dates of the current cycle',
  aliases: ['cycle', 'dates', 'deadline', 'deadlines'],
  roles: ROLES,
  inHelp: true,
  async run({ svc }) {
    return cycleCard(await currentCycle(svc));
  },
};
