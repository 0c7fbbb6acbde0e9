/**
 * A cycle with applications in every stage, for the award, export and console tests: organisations
 * org-01… with a lead each, two reviewers and an admin; applications moved along with the
 * repositories (fast) and, for "communicated", through the real use case (award and outbox).
 */
import { criteriaUpTo } from '../../src/domain/framework.js';
import { DEFAULT_FRAMEWORK } from '../../src/domain/framework-default.js';
import { fixedClock } from '../../src/domain/time.js';
import type { Actor, ApplicationState, Level } from '../../src/domain/types.js';
import type { Store } from '../../src/store/store.js';
import { communicate } from '../../src/workflows/admin.js';
import type { Services } from '../../src/workflows/services.js';
import { seedBasics, services, T0 } from './fixtures.js';

const DAY = 86_400_000;
/** Inside the fixture cycle's decision window (decisions from T0 + 81 days to T0 + 95). */
export const IN_DECISION_WINDOW = new Date(T0.getTime() + 85 * DAY);
export const ADMIN: Actor = { personId: 'admin-1', displayName: 'Adam Admin', roles: ['admin'], organisationId: null };

const PATH: ApplicationState[] = [
  'requested',
  'open',
  'submitted',
  'in_review',
  'recommended',
  'decided',
  'communicated',
];
const ACTION: Partial<Record<ApplicationState, string>> = {
  open: 'open',
  submitted: 'submit',
  in_review: 'start_review',
  recommended: 'recommend',
  decided: 'decide',
  communicated: 'communicate',
};

export interface SeededApplication {
  id: string;
  organisationId: string;
  state: ApplicationState;
}

/**
 * `plan` lists the final state of each application in order (org-01 gets the first). Every
 * application from "submitted" on has both reviewers and their assessments; "decided" and later
 * have a decision (`level`, default bronze; null for no award). Organisation names may be given.
 */
export async function seedPipeline(
  store: Store,
  plan: { state: ApplicationState; level?: Level | null; name?: string; unassigned?: boolean }[],
): Promise<{ svc: Services; apps: SeededApplication[] }> {
  await seedBasics(store);
  await store.people.upsert({
    id: 'rev-2',
    displayName: 'Ravi Reviewer',
    email: 'ravi@nhse.example',
    entraObjectId: 'oid-rev-2',
    organisationId: null,
    roles: ['reviewer'],
  });
  const criteria = criteriaUpTo(DEFAULT_FRAMEWORK, 'bronze');
  const apps: SeededApplication[] = [];
  let n = 0;
  for (const p of plan) {
    n++;
    const orgId = `org-${String(n).padStart(2, '0')}`;
    await store.organisations.upsert({
      id: orgId,
      name: p.name ?? `Trust ${String(n).padStart(2, '0')} NHS Trust`,
      code: null,
    });
    await store.people.upsert({
      id: `lead-${orgId}`,
      displayName: `Lead of ${orgId}`,
      email: `lead@${orgId}.example`,
      entraObjectId: `oid-lead-${orgId}`,
      organisationId: orgId,
      roles: ['applicant_lead'],
    });
    let app = await store.applications.create({
      organisationId: orgId,
      cycleId: 'cycle-1',
      actorId: `lead-${orgId}`,
      now: T0,
    });
    await store.applications.setTargetLevel({
      applicationId: app.id,
      expectedVersion: app.version,
      level: 'bronze',
      actorId: `lead-${orgId}`,
      now: T0,
    });
    app = (await store.applications.get(app.id))!;
    const last =
      p.state === 'withdrawn' || p.state === 'lapsed'
        ? 'open'
        : p.state === 'clarification_requested'
          ? 'in_review'
          : p.state;
    const upTo = PATH.indexOf(last === 'communicated' ? 'decided' : last);
    for (let i = 1; i <= upTo; i++) {
      const to = PATH[i]!;
      if (to === 'submitted') {
        app = await store.applications.transition({
          applicationId: app.id,
          expectedVersion: app.version,
          from: app.state,
          to,
          action: 'submit',
          actorId: `lead-${orgId}`,
          now: T0,
          patch: { submittedAt: T0, submittedLate: false },
        });
        if (!p.unassigned) await store.reviews.setReviewers(app.id, ['rev-1', 'rev-2'], 'admin-1', T0);
        continue;
      }
      if (to === 'recommended') {
        for (const [rev, met] of [
          ['rev-1', criteria.length],
          ['rev-2', criteria.length - 2],
        ] as const) {
          await store.reviews.saveAssessments(
            app.id,
            rev,
            criteria.map((c, k) => ({ criterionId: c.id, outcome: k < met ? 'met' : 'not_met', note: '' })),
            T0,
          );
          await store.reviews.recommend(
            {
              applicationId: app.id,
              reviewerId: rev,
              level: p.level === undefined ? 'bronze' : p.level,
              strengths: 'Strong policy.',
              improvements: 'Evaluate more.',
            },
            T0,
          );
        }
      }
      if (to === 'decided') {
        await store.decisions.save({
          applicationId: app.id,
          level: p.level === undefined ? 'bronze' : p.level,
          feedbackStrengths: 'A clear policy, applied across the trust.',
          feedbackImprovements: '=HYPERLINK("http://evil.example","click") and evaluate every placement.',
          decidedAt: T0,
          decidedBy: 'admin-1',
        });
      }
      app = await store.applications.transition({
        applicationId: app.id,
        expectedVersion: app.version,
        from: app.state,
        to,
        action: ACTION[to]!,
        actorId: to === 'in_review' ? 'rev-1' : 'admin-1',
        now: T0,
      });
    }
    if (p.state === 'withdrawn' || p.state === 'lapsed' || p.state === 'clarification_requested') {
      app = await store.applications.transition({
        applicationId: app.id,
        expectedVersion: app.version,
        from: app.state,
        to: p.state,
        action: p.state === 'withdrawn' ? 'withdraw' : p.state === 'lapsed' ? 'lapse' : 'request_clarification',
        actorId: 'admin-1',
        now: T0,
      });
    }
    if (p.state === 'communicated') {
      const svc = services(store, fixedClock(IN_DECISION_WINDOW));
      app = await communicate(svc, ADMIN, { applicationId: app.id, version: app.version });
    }
    apps.push({ id: app.id, organisationId: orgId, state: app.state });
  }
  return { svc: services(store, fixedClock(IN_DECISION_WINDOW)), apps };
}
