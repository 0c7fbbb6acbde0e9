/**
 * "My overview": what the tab's home page shows a signed-in person. Who they are, the current
 * cycle, their organisation's application with its readiness, and their upcoming drop-in bookings.
 * Database only (never Graph), so the tab answers in one quick request.
 *
 * An applicant sees only their own organisation: asking for another one is refused (FORBIDDEN) by
 * the authorisation policy; an admin may look at any organisation.
 */
import { authorise, can } from '../domain/authorisation.js';
import { checkEligibility, type Eligibility } from '../domain/dropins.js';
import { DomainError } from '../domain/errors.js';
import { inspectedDateProblem, type Readiness } from '../domain/readiness.js';
import type {
  Actor,
  Application,
  Award,
  Booking,
  Cycle,
  Decision,
  DropInSession,
  Organisation,
} from '../domain/types.js';
import { normaliseDocumentName, openFindings } from '../domain/evidence-findings.js';
import { personalDataKindWords, type PersonalDataKind } from '../evidence/types.js';
import { loadApplicationView, type ApplicationView } from './application-view.js';
import { myBookings } from './dropins.js';
import type { Services } from './services.js';

export interface OrganisationOverview {
  organisation: Organisation;
  /** Drop-in eligibility now (what a request for an application would be judged on). */
  eligibility: Eligibility;
  /** Null when the organisation has no application in the current cycle (or there is no cycle). */
  application: {
    application: Application;
    /** Evidence documents in the folder at the last listing, and how many count (completed, anonymised). */
    documentsListed: number;
    documentsCompleted: number;
    /** Null until a target level is chosen. */
    readiness: Readiness | null;
    /** London calendar days to the submission deadline (negative after). */
    daysLeft: number;
    /** The decision, once communicated to the organisation (never before). */
    decision: { level: Decision['level']; communicatedAt: Date | null } | null;
    /** The award a communicated decision granted. */
    award: Award | null;
    /** What inspecting each file found (kinds, pages and masked hints only; never a value). */
    evidenceChecks: EvidenceCheck[];
  } | null;
}

/** One inspected file as the tab lists it. */
export interface EvidenceCheck {
  document: string;
  pages: number | null;
  documentDate: string | null;
  findings: { severity: 'hard' | 'soft'; message: string; dismissedReason: string | null }[];
  personalData: { kind: string; page: number | null; hint: string }[];
}

/** The inspected files with their findings: open ones, and warnings dismissed with the reason given. */
export function evidenceChecks(view: Pick<ApplicationView, 'inspections' | 'dismissals' | 'now'>): EvidenceCheck[] {
  return view.inspections.map((i) => {
    const name = normaliseDocumentName(i.documentName);
    const reasons = new Map(
      view.dismissals.filter((d) => d.documentName === name).map((d) => [d.findingKey, d.reason]),
    );
    const tooOld = inspectedDateProblem(i.documentDate, view.now);
    return {
      document: i.documentName,
      pages: i.pages,
      documentDate: i.documentDate,
      findings: [
        ...(tooOld ? [{ severity: 'hard' as const, message: tooOld, dismissedReason: null }] : []),
        ...openFindings(i).map((f) => ({
          severity: f.severity,
          message: f.message,
          dismissedReason: f.severity === 'soft' ? (reasons.get(f.key) ?? null) : null,
        })),
      ],
      personalData: i.personalData.map((p) => ({
        kind: personalDataKindWords(p.kind as PersonalDataKind) ?? p.kind,
        page: p.page,
        hint: p.hint,
      })),
    };
  });
}

export interface MyOverview {
  actor: Actor;
  /** The actor's own organisation, if they belong to one. */
  ownOrganisation: Organisation | null;
  cycle: Cycle | null;
  /** The organisation shown: the actor's own (when they may see it) or the one asked for. */
  organisation: OrganisationOverview | null;
  /** The actor's booked or waitlisted drop-ins whose session has not ended, soonest first. */
  bookings: { booking: Booking; session: DropInSession }[];
  now: Date;
}

export async function myOverview(
  svc: Services,
  actor: Actor,
  input: { organisationId?: string } = {},
): Promise<MyOverview> {
  const { store } = svc;
  const now = svc.clock.now();
  const [ownOrganisation, cycle] = await Promise.all([
    actor.organisationId ? store.organisations.get(actor.organisationId) : Promise.resolve(null),
    store.cycles.current(now),
  ]);

  let organisationId: string | null = null;
  if (input.organisationId !== undefined) {
    authorise(actor, 'view_organisation', { kind: 'organisation', organisationId: input.organisationId });
    organisationId = input.organisationId;
  } else if (
    actor.organisationId &&
    can(actor, 'view_organisation', { kind: 'organisation', organisationId: actor.organisationId })
  ) {
    // A reviewer who belongs to an organisation does not see its application here.
    organisationId = actor.organisationId;
  }

  const [organisation, bookings] = await Promise.all([
    organisationId ? organisationOverview(svc, actor, organisationId, cycle, now) : Promise.resolve(null),
    upcomingBookings(svc, actor, now),
  ]);
  return { actor, ownOrganisation, cycle, organisation, bookings, now };
}

async function organisationOverview(
  svc: Services,
  actor: Actor,
  organisationId: string,
  cycle: Cycle | null,
  now: Date,
): Promise<OrganisationOverview> {
  const { store } = svc;
  const [organisation, attendances, application] = await Promise.all([
    store.organisations.get(organisationId),
    store.dropIns.attendancesForOrganisation(organisationId),
    cycle ? store.applications.forOrganisation(organisationId, cycle.id) : Promise.resolve(null),
  ]);
  if (!organisation) throw new DomainError('NOT_FOUND', 'That organisation does not exist.', { organisationId });
  const eligibility = checkEligibility(attendances, now);
  if (!application) return { organisation, eligibility, application: null };
  // Authorises view_application again, with the application's assigned reviewers.
  const view = await loadApplicationView(svc, actor, application.id);
  return {
    organisation,
    eligibility,
    application: {
      application: view.application,
      documentsListed: view.documents.length,
      documentsCompleted: view.documents.filter((d) => d.completed).length,
      readiness: view.readiness,
      daysLeft: view.daysLeft,
      // Only once communicated: a decision confirmed but not yet sent is not the organisation's news yet.
      decision:
        view.application.state === 'communicated' && view.decision
          ? { level: view.decision.level, communicatedAt: view.award?.validFrom ?? null }
          : null,
      award: view.application.state === 'communicated' ? view.award : null,
      evidenceChecks: evidenceChecks(view),
    },
  };
}

async function upcomingBookings(svc: Services, actor: Actor, now: Date): Promise<MyOverview['bookings']> {
  authorise(actor, 'view_dropins', { kind: 'dropin', organisationId: actor.organisationId });
  const bookings = await myBookings(svc, actor);
  const withSessions = await Promise.all(
    bookings.map(async (booking) => ({ booking, session: await svc.store.dropIns.getSession(booking.sessionId) })),
  );
  return withSessions
    .filter(
      (b): b is { booking: Booking; session: DropInSession } =>
        b.session !== null && b.session.endsAt.getTime() > now.getTime(),
    )
    .sort((a, b) => a.session.startsAt.getTime() - b.session.startsAt.getTime());
}
