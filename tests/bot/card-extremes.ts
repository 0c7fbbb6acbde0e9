/**
 * Card inputs at the extremes, for the size and plain-text tests: an application whose every
 * text field holds `fill(n)` (the maximum length, or a hostile string), and dashboards, lists and
 * session rosters at the largest realistic scale. Not a test file itself.
 */
import { criteriaUpTo } from '../../src/domain/framework.js';
import { DEFAULT_FRAMEWORK } from '../../src/domain/framework-default.js';
import { normaliseDocumentName, type DocumentInspection } from '../../src/domain/evidence-findings.js';
import { assessReadiness } from '../../src/domain/readiness.js';
import { APPLICATION_STATES, type Application, type ApplicationState, type Level } from '../../src/domain/types.js';
import type { Dashboard, DashboardRow } from '../../src/workflows/admin.js';
import type { ApplicationView } from '../../src/workflows/application-view.js';
import type { SessionWithSeats } from '../../src/store/dropin-repository.js';
import { cycleAt, T0 } from '../support/fixtures.js';

const DAY = 86_400_000;

/** Text people type and name, hostile: a link and bold that must show as typed. */
export const HOSTILE = '[Full evidence pack](https://evil.example/pack) **DECISION: GOLD APPROVED** _x_ `y` # z';
/** What must never reach a Markdown field unescaped. */
export const HOSTILE_MARKERS = ['[Full evidence pack](', '**DECISION', '`y`'];

export interface Extremes {
  /** Commentary, questions, answers, feedback, notes. */
  long: string;
  /** Names of documents, organisations, people, sessions, cycles. */
  name: (i: number) => string;
}

export const MAXIMUM: Extremes = {
  long: 'Evidence of practice across every host department, page by page. '.repeat(80).slice(0, 4000),
  name: (i) => `${'Evidence document with the longest name a trust would give it, '.repeat(3)}${i}.pdf`.slice(-200),
};

export const HOSTILE_DATA: Extremes = {
  long: `${HOSTILE}\n- listed?\n1. numbered?`,
  name: (i) => `${HOSTILE} ${i}`,
};

export function extremeView(
  state: ApplicationState,
  x: Extremes,
  over: { level?: Level; documents?: number } = {},
): ApplicationView {
  const level = over.level ?? 'gold';
  const cycle = { ...cycleAt(T0), name: x.name(0) };
  const organisation = { id: 'org-a', name: x.name(1), code: 'A1' };
  const reviewers = [1, 2].map((i) => ({
    id: `rev-${i}`,
    displayName: x.name(10 + i),
    email: `r${i}@x`,
    entraObjectId: null,
    organisationId: null,
    roles: ['reviewer' as const],
  }));
  const documents = Array.from({ length: over.documents ?? 60 }, (_, i) => ({
    key: `k${i}`,
    name: x.name(100 + i),
    section: ((i % 6) + 1) as 1,
    evidenceDate: null,
    lastModified: new Date(T0.getTime() - 10 * DAY),
    completed: true,
    webUrl: `https://northshire.sharepoint.com/sites/wexqs/Shared%20Documents/${encodeURIComponent(x.name(0))}/${encodeURIComponent(x.name(100 + i))}`,
    listedAt: T0,
    declaredBy: null,
  }));
  const criteria = criteriaUpTo(DEFAULT_FRAMEWORK, level);
  const commentary = criteria.map((c, i) => ({
    criterionId: c.id,
    text: x.long,
    references: [0, 1, 2, 3, 4, 5].map((j) => ({
      documentName: documents[(i + j) % documents.length]!.name,
      pages: [1, 2, 3, 7, 9, 12, 15],
    })),
  }));
  // Every document inspected, with every kind of finding, and its warning dismissed at the longest reason.
  const inspections: DocumentInspection[] = documents.map((d) => ({
    documentName: d.name,
    pages: 15,
    documentDate: '2020-01-31',
    personalData: [{ kind: 'nhs_number', page: 3, hint: '943 *** ****' }],
    findings: [
      {
        code: 'blank_template',
        pages: [1, 2, 3, 4, 5, 6],
        message: `This looks like a blank template. ${x.long.slice(0, 200)}`,
      },
      {
        code: 'personal_data',
        pages: [3, 7, 9],
        message: `Personal data found (NHS number) on page 3. ${x.long.slice(0, 200)}`,
      },
      {
        code: 'fake_redaction',
        pages: [4],
        message: `Text is still readable under a black box. ${x.long.slice(0, 200)}`,
      },
      { code: 'low_confidence', pages: [], message: `This check is less certain. ${x.long.slice(0, 200)}` },
      { code: 'image_only_pages', pages: [2, 5, 8, 11], message: `Pages are scans. ${x.long.slice(0, 200)}` },
    ],
  }));
  const dismissals = documents.map((d) => ({
    documentName: normaliseDocumentName(d.name),
    findingKey: 'low_confidence:',
    reason: x.long.slice(0, 500),
    dismissedBy: 'lead-a',
    dismissedAt: T0,
  }));
  const application = {
    id: '6f1d2c3b-aaaa-4bbb-8ccc-123456789abc',
    organisationId: organisation.id,
    cycleId: cycle.id,
    state,
    targetLevel: level,
    version: 7,
    requestedAt: T0,
    submittedAt: ['requested', 'open'].includes(state) ? null : T0,
    submittedLate: false,
  };
  const decided = ['decided', 'communicated'].includes(state);
  return {
    application,
    cycle,
    organisation,
    framework: DEFAULT_FRAMEWORK,
    commentary,
    documents,
    documentsListedAt: T0,
    readiness: assessReadiness({
      framework: DEFAULT_FRAMEWORK,
      targetLevel: level,
      commentary,
      documents,
      at: T0,
      inspections,
      dismissed: new Set(dismissals.map((d) => `${d.documentName}|${d.findingKey}`)),
    }),
    reviewers,
    assessments: criteria.map((c) => ({
      applicationId: application.id,
      reviewerId: 'rev-1',
      criterionId: c.id,
      outcome: 'partly_met' as const,
      note: x.long,
      updatedAt: T0,
    })),
    recommendations: ['recommended', 'decided', 'communicated'].includes(state)
      ? reviewers.map((r, i) => ({
          applicationId: application.id,
          reviewerId: r.id,
          level: i === 0 ? ('gold' as const) : ('silver' as const),
          strengths: x.long,
          improvements: x.long,
          recommendedAt: T0,
        }))
      : [],
    clarifications: [
      {
        id: 'c1',
        applicationId: application.id,
        askedBy: 'rev-1',
        question: x.long,
        askedAt: T0,
        answer: x.long,
        answeredBy: 'lead-a',
        answeredAt: T0,
      },
      ...(state === 'clarification_requested'
        ? [
            {
              id: 'c2',
              applicationId: application.id,
              askedBy: 'rev-1',
              question: x.long,
              askedAt: T0,
              answer: null,
              answeredBy: null,
              answeredAt: null,
            },
          ]
        : []),
    ],
    decision: decided
      ? {
          applicationId: application.id,
          level: 'gold',
          feedbackStrengths: x.long,
          feedbackImprovements: x.long,
          decidedAt: T0,
          decidedBy: 'admin-1',
        }
      : null,
    award:
      state === 'communicated'
        ? {
            id: 'award-1',
            applicationId: application.id,
            cycleId: application.cycleId,
            verificationCode: 'ABCD2345',
            organisationId: organisation.id,
            organisationName: organisation.name,
            illustrative: true,
            level: 'gold',
            validFrom: T0,
            validUntil: new Date(T0.getTime() + 730 * DAY),
            issuedAt: T0,
            revokedAt: null,
            revokedBy: null,
            revokeReason: null,
          }
        : null,
    folder: { webUrl: 'http://127.0.0.1:3978/local/evidence/org-a' },
    inspections,
    dismissals,
    downloads: null,
    now: T0,
    daysLeft: 30,
  };
}

/** `n` dashboard rows, one organisation each, in every state in turn. */
/** Rows with whole applications: the queue card takes them too. */
export function dashboardRows(n: number, x: Extremes): (DashboardRow & { application: Application })[] {
  return Array.from({ length: n }, (_, i) => {
    const state = APPLICATION_STATES[i % APPLICATION_STATES.length]!;
    return {
      application: { ...extremeView(state, x, { documents: 1 }).application, id: `a${String(i).padStart(7, '0')}-app` },
      organisation: { id: `org-${i}`, name: x.name(1000 + i), code: null },
      reviewers: i % 3,
      reason: 'needs action',
    };
  });
}

/** A dashboard where every list holds all `n` organisations. */
export function dashboard(n: number, x: Extremes): Dashboard {
  const rows = dashboardRows(n, x);
  return {
    cycle: { ...cycleAt(T0), name: x.name(0) },
    counts: Object.fromEntries(APPLICATION_STATES.map((s) => [s, Math.ceil(n / APPLICATION_STATES.length)])) as Record<
      ApplicationState,
      number
    >,
    total: n,
    overdue: rows,
    unassigned: rows,
    toAct: rows,
    withOpenFindings: n,
  };
}

/** `n` upcoming sessions, some full with a waitlist. */
export function sessions(n: number, x: Extremes): SessionWithSeats[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    title: x.name(2000 + i),
    startsAt: new Date(T0.getTime() + (i + 1) * DAY),
    endsAt: new Date(T0.getTime() + (i + 1) * DAY + 3600_000),
    capacity: 30,
    cancelled: false,
    joinUrl: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${'x'.repeat(60)}%40thread.v2/0?context=${i}`,
    booked: i % 3 === 0 ? 30 : i,
    waitlisted: i % 3 === 0 ? 12 : 0,
  }));
}
