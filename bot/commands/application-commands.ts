import { DomainError, isDomainError } from '../../src/domain/errors.js';
import { currentCycle, ownApplication, requestApplication } from '../../src/workflows/applications.js';
import { currentApplicationCard } from './command-support.js';
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
  async run(ctx) {
    const { svc, actor } = ctx;
    const org = await organisationOf(svc, actor.organisationId);
    try {
      const app = await requestApplication(svc, actor);
      const cycle = await currentCycle(svc);
      return applicationRequestedCard(org, cycle, app);
    } catch (e) {
      // Asked again (a double click, or a colleague): the application the organisation already
      // has is the answer, not an error.
      if (!isDomainError(e) || e.code !== 'ALREADY_APPLIED') throw e;
      const { application } = await ownApplication(svc, actor);
      if (!application) throw e;
      const live = application.state !== 'withdrawn' && application.state !== 'lapsed';
      return currentApplicationCard(ctx, application.id, {
        as: 'applicant',
        notice: live
          ? { message: 'Your organisation already has its application for this cycle: here it is.', tone: 'good' }
          : {
              message:
                'Your organisation has already had its application for this cycle (only one per cycle is accepted).',
              tone: 'warning',
            },
      });
    }
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
