/**
 * GET /api/me — the tab's home page data for the signed-in person (see src/server/tab-auth.ts for
 * who that is): who they are, the current cycle's dates in UK time, their organisation's
 * application and readiness, and their upcoming drop-in bookings.
 *
 * Query (optional): `organisationId` — look at another organisation (admins only; an applicant
 * asking for any organisation but their own gets 403).
 */
import type { Express, Request, Response } from 'express';
import { STATE_LABELS } from '../domain/application-state.js';
import { cyclePhase, graceEnd, type CyclePhase } from '../domain/cycle.js';
import { ELIGIBILITY_WEEKS, type Eligibility } from '../domain/dropins.js';
import { httpStatusFor, isDomainError } from '../domain/errors.js';
import { ROLE_PRECEDENCE } from '../domain/people.js';
import { formatLondon } from '../domain/time.js';
import type { ApplicationState, BookingStatus, Cycle, Level, Role } from '../domain/types.js';
import { myOverview, type EvidenceCheck, type MyOverview } from '../workflows/my-overview.js';
import type { Services } from '../workflows/services.js';
import { badRequest, meQuery } from './http-input.js';
import { tabUserOf } from './tab-auth.js';

/** An instant, as ISO 8601 UTC and as UK wall-clock text ("Fri 19 Sep 2025, 17:00"). */
export interface When {
  at: string;
  uk: string;
}

export interface MeResponse {
  person: { name: string; roles: Role[]; roleLabel: string; organisation: { id: string; name: string } | null };
  cycle: null | {
    name: string;
    phase: CyclePhase;
    phaseLabel: string;
    intakePaused: boolean;
    dates: (When & { label: string })[];
  };
  organisation: null | {
    id: string;
    name: string;
    eligibility: { eligible: boolean; summary: string };
    application: null | {
      id: string;
      state: ApplicationState;
      stateLabel: string;
      targetLevel: Level | null;
      daysLeft: number;
      submittedAt: When | null;
      submittedLate: boolean;
      /** What this stage means for the organisation, in a sentence. */
      stageSummary: string;
      /** The decision, once communicated (never before): the level (null: no award) and the award's dates. */
      decision: null | { level: Level | null; levelLabel: string; validFrom: When | null; validUntil: When | null };
      readiness: {
        /** Whether readiness applies at this stage (only while the application is open). */
        applies: boolean;
        /** False until a target level is chosen (then ready/required/problems are null/empty). */
        checked: boolean;
        ready: boolean | null;
        documentsListed: number;
        documentsCompleted: number;
        documentsRequired: number | null;
        problems: { severity: 'hard' | 'soft'; kind: string; message: string }[];
      };
      /** What inspecting each evidence file found: kinds, pages and masked hints, never a value. */
      evidenceChecks: EvidenceCheck[];
    };
  };
  bookings: {
    id: string;
    status: Exclude<BookingStatus, 'cancelled'>;
    title: string;
    startsAt: When;
    endsAt: When;
    sessionCancelled: boolean;
    joinUrl: string | null;
    icsUrl: string | null;
  }[];
  generatedAt: When;
}

const ROLE_NAMES: Record<Role, string> = {
  applicant_lead: 'Applicant lead',
  applicant_contributor: 'Applicant contributor',
  reviewer: 'Reviewer',
  admin: 'Admin (NHS England WEx QS team)',
};

const PHASE_LABELS: Record<CyclePhase, string> = {
  intake: 'Open for applications',
  grace: 'Deadline passed: late submissions still accepted',
  awaiting_review: 'Submissions closed: review starts soon',
  review: 'Applications are being reviewed',
  awaiting_decision: 'Review finished: decisions soon',
  decision: 'Decisions are being made',
  closed: 'Closed',
};

const when = (d: Date): When => ({ at: d.toISOString(), uk: formatLondon(d) });

/** What each stage means for the organisation (the tab's one-line summary). */
function stageSummary(state: ApplicationState, cycle: Cycle | null): string {
  const decisions = cycle
    ? ` Decisions are sent between ${formatLondon(cycle.decisionStart, 'date')} and ${formatLondon(cycle.decisionEnd, 'date')}.`
    : '';
  switch (state) {
    case 'requested':
      return 'Requested: the WEx QS team will open it and share your private evidence folder.';
    case 'open':
      return 'Open: upload your evidence, write your commentary and submit before the deadline.';
    case 'submitted':
      return `Submitted: reviewers will assess it during the review period.${decisions}`;
    case 'in_review':
      return `Being reviewed.${decisions}`;
    case 'clarification_requested':
      return 'A reviewer has asked your team a question: answer it in the WEx QS chat.';
    case 'recommended':
    case 'decided':
      return `The review is complete: the WEx QS team will send you the decision.${decisions}`;
    case 'communicated':
      return 'The decision has been sent to your team.';
    case 'withdrawn':
      return 'Withdrawn: your organisation can apply again in a later cycle.';
    case 'lapsed':
      return 'Lapsed: it was not submitted before submissions closed. Your organisation can apply again in a later cycle.';
  }
}

function cycleDates(c: Cycle): (When & { label: string })[] {
  return [
    { label: 'Submission deadline', ...when(c.submissionDeadline) },
    ...(c.graceMinutes > 0 ? [{ label: 'Late submissions accepted until', ...when(graceEnd(c)) }] : []),
    { label: 'Review starts', ...when(c.reviewStart) },
    { label: 'Review ends', ...when(c.reviewEnd) },
    { label: 'Decisions from', ...when(c.decisionStart) },
    { label: 'Decisions by', ...when(c.decisionEnd) },
  ];
}

function eligibilitySummary(e: Eligibility, own: boolean): { eligible: boolean; summary: string } {
  const who = own ? 'Your organisation' : 'This organisation';
  if (e.eligible) {
    return {
      eligible: true,
      summary: `${who} attended a drop-in on ${formatLondon(e.lastAttended, 'date')}, so it can request an application until ${formatLondon(e.expiresAt)}.`,
    };
  }
  if (e.reason === 'never_attended') {
    return {
      eligible: false,
      summary: `${who} has not attended a drop-in session yet. It must attend one before requesting an application.`,
    };
  }
  return {
    eligible: false,
    summary: `${who} last attended a drop-in on ${formatLondon(e.lastAttended ?? new Date(0), 'date')}, more than ${ELIGIBILITY_WEEKS} weeks ago. It must attend another before requesting an application.`,
  };
}

/** The JSON the tab renders, from the use case's result. */
export function meResponse(o: MyOverview, links?: Services['links']): MeResponse {
  const roles = ROLE_PRECEDENCE.filter((r) => o.actor.roles.includes(r));
  const org = o.organisation;
  const app = org?.application ?? null;
  return {
    person: {
      name: o.actor.displayName,
      roles,
      roleLabel: roles.map((r) => ROLE_NAMES[r]).join(', '),
      organisation: o.ownOrganisation ? { id: o.ownOrganisation.id, name: o.ownOrganisation.name } : null,
    },
    cycle: o.cycle
      ? {
          name: o.cycle.name,
          phase: cyclePhase(o.cycle, o.now),
          phaseLabel: PHASE_LABELS[cyclePhase(o.cycle, o.now)],
          intakePaused: o.cycle.intakePaused,
          dates: cycleDates(o.cycle),
        }
      : null,
    organisation: org
      ? {
          id: org.organisation.id,
          name: org.organisation.name,
          eligibility: eligibilitySummary(org.eligibility, org.organisation.id === o.actor.organisationId),
          application: app
            ? {
                id: app.application.id,
                state: app.application.state,
                stateLabel: STATE_LABELS[app.application.state],
                targetLevel: app.application.targetLevel,
                daysLeft: app.daysLeft,
                submittedAt: app.application.submittedAt ? when(app.application.submittedAt) : null,
                submittedLate: app.application.submittedLate,
                stageSummary: stageSummary(app.application.state, o.cycle),
                decision: app.decision
                  ? {
                      level: app.decision.level,
                      levelLabel: app.decision.level
                        ? `${app.decision.level.charAt(0).toUpperCase()}${app.decision.level.slice(1)}`
                        : 'No award',
                      validFrom: app.award ? when(app.award.validFrom) : null,
                      validUntil: app.award ? when(app.award.validUntil) : null,
                    }
                  : null,
                readiness: {
                  applies: app.application.state === 'open',
                  checked: app.readiness !== null,
                  ready: app.readiness?.ready ?? null,
                  documentsListed: app.documentsListed,
                  documentsCompleted: app.documentsCompleted,
                  documentsRequired: app.readiness?.documentsRequired ?? null,
                  problems: [...(app.readiness?.problems ?? [])]
                    .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'hard' ? -1 : 1))
                    .map((p) => ({ severity: p.severity, kind: p.kind, message: p.message })),
                },
                evidenceChecks: app.evidenceChecks,
              }
            : null,
        }
      : null,
    bookings: o.bookings.map(({ booking, session }) => ({
      id: booking.id,
      status: booking.status === 'waitlisted' ? 'waitlisted' : 'booked',
      title: session.title,
      startsAt: when(session.startsAt),
      endsAt: when(session.endsAt),
      sessionCancelled: session.cancelled,
      joinUrl:
        booking.status === 'booked' && !session.cancelled && session.joinUrl
          ? (links?.joinMeeting?.(session.id) ?? session.joinUrl)
          : null,
      icsUrl: booking.status === 'booked' && !session.cancelled && links ? links.icsForBooking(booking.id) : null,
    })),
    generatedAt: when(o.now),
  };
}

/** Mount GET /api/me. Must be mounted behind the tab authentication middleware (see tab-route.ts). */
export function mountMeRoute(app: Express, deps: { svc: Services }): void {
  app.get('/api/me', async (req: Request, res: Response) => {
    const q = meQuery.safeParse(req.query);
    if (!q.success) return badRequest(res, 'invalid_request', 'The request had an organisation id that is not valid.');
    const { svc } = deps;
    const { actor } = tabUserOf(res);
    try {
      const overview = await myOverview(
        svc,
        actor,
        q.data.organisationId ? { organisationId: q.data.organisationId } : {},
      );
      res.status(200).json(meResponse(overview, svc.links));
    } catch (e) {
      if (isDomainError(e)) {
        return void res.status(httpStatusFor(e.code)).json({ error: e.code, message: e.message, nextStep: e.nextStep });
      }
      svc.log.error(
        { route: 'GET /api/me', err: { type: e instanceof Error ? e.name : typeof e } },
        'tab overview failed',
      );
      res
        .status(500)
        .json({ error: 'internal', message: 'Something went wrong on our side. Please try again in a moment.' });
    }
  });
}
