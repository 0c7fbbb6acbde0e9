/**
 * The whole journey through the router, as the people would click it: request → open (folder) →
 * level → evidence → commentary → submit → assign → review → clarification → recommend (two
 * reviewers disagree → moderation) → decide → communicate → the applicant team gets the decision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docKey } from '../../bot/cards/application-common.js';
import type { AdaptiveCard } from '../../bot/cards/card-kit.js';
import { criteriaForSection } from '../../src/domain/framework.js';
import { DEFAULT_FRAMEWORK } from '../../src/domain/framework-default.js';
import { SECTION_NUMBERS } from '../../src/domain/types.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { engines } from '../support/databases.js';
import { T0 } from '../support/fixtures.js';
import { cardText, click, executeActions, harness, invoke, say, type Harness } from './helpers.js';
import { assertValidCard } from './card-validator.js';

const DAY = 86_400_000;
const DOCS = [
  'Work experience policy.pdf',
  'Risk assessment.docx',
  'Induction checklist.pdf',
  'Learner evaluation form.pdf',
  'Certificate.pdf',
];

describe.each(engines())('full journey on $name', (engine) => {
  let handle: DatabaseHandle;
  let h: Harness;
  let appId = '';

  beforeAll(async () => {
    handle = await engine.open();
    h = await harness(handle);
  });
  afterAll(async () => handle.close());

  it('the applicant requests and the admin opens; the team gets the folder link after the reply', async () => {
    const req = await say(h, 'lead', 'Request our application please');
    expect(req.outcome).toBe('request_application');
    appId = (await h.store.applications.forOrganisation('org-a', 'cycle-1'))!.id;

    const dash = await say(h, 'admin', 'DASHBOARD');
    expect(dash.outcome).toBe('dashboard');
    const opened = await click(h, 'admin', dash.card, 'open_application');
    expect(opened.outcome).toBe('open_application');
    expect(cardText(opened.card)).toContain('Opened');
    // Slow work waits for the reply.
    expect(h.evidence.provisionCalls).toBe(0);
    h.evidence.setDocuments(
      'cycle-1',
      'org-a',
      DOCS.map((name, i) => ({
        name,
        section: ((i % 6) + 1) as 1,
        lastModified: new Date(T0.getTime() - 30 * DAY),
        webUrl: null,
      })),
    );
    await h.deliver();
    expect(h.evidence.provisionCalls).toBe(1);
    const sent = h.messenger.to('lead-a');
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0])).toContain('Open evidence folder');
    expect((sent[0] as { refresh?: unknown }).refresh).toBeUndefined(); // no conversation stored for the lead: no userIds to refresh for
    expect(h.messenger.to('contrib-a')).toHaveLength(1);
  });

  it('the applicant chooses a level, declares evidence, writes commentary and submits', async () => {
    const status = await say(h, 'lead', 'status');
    expect(cardText(status.card)).toContain('days left');
    const level = await click(h, 'lead', status.card, 'choose_level', { level: 'bronze' });
    expect(cardText(level.card)).toContain('Level saved');

    let ev = await click(h, 'lead', level.card, 'evidence');
    const done = Object.fromEntries(DOCS.map((n) => [`done_${docKey(n)}`, 'true']));
    ev = await click(h, 'lead', ev.card, 'save_evidence', done);
    expect(cardText(ev.card)).toContain('Saved 5 documents');

    for (const section of SECTION_NUMBERS) {
      const form = await invoke(h, 'contributor', 'commentary', { applicationId: appId, section });
      expect(form.outcome).toBe('commentary');
      const inputs: Record<string, unknown> = {};
      for (const c of criteriaForSection(DEFAULT_FRAMEWORK, section, 'bronze')) {
        inputs[`text_${c.id}`] = `How we meet ${c.id}.`;
        inputs[`doc_${c.id}_0`] = docKey(DOCS[section % 4]!);
        inputs[`pages_${c.id}_0`] = '1, 3-4';
      }
      const saved = await click(h, 'contributor', form.card, 'save_commentary', inputs, 'Save draft');
      expect(cardText(saved.card)).toContain(`Section ${section} saved`);
    }

    const ready = await invoke(h, 'lead', 'status');
    expect(cardText(ready.card)).toContain('Ready to submit');
    // The contributor cannot submit.
    expect(executeActions((await invoke(h, 'contributor', 'status')).card).some((a) => a.verb === 'submit')).toBe(
      false,
    );
    // One document is not referenced: a soft warning asks for confirmation first.
    const warn = await click(h, 'lead', ready.card, 'submit');
    expect(cardText(warn.card)).toContain('not referenced');
    const submitted = await click(h, 'lead', warn.card, 'submit');
    expect(cardText(submitted.card)).toContain('Submitted');
    expect((await h.store.applications.get(appId))!.state).toBe('submitted');

    // The old submit button again: the current card and who changed it, no second transition.
    const again = await click(h, 'lead', warn.card, 'submit');
    expect(cardText(again.card)).toContain('This card was out of date: Ada Lead submitted the application');
    expect((await h.store.audit.forEntity('application', appId)).filter((a) => a.action === 'submit')).toHaveLength(1);
  });

  it('the admin assigns two reviewers (never the one from the organisation); they are told', async () => {
    const dash = await invoke(h, 'admin', 'dashboard');
    expect(cardText(dash.card)).toContain('Without a reviewer: 1');
    const assign = await click(h, 'admin', dash.card, 'assign');
    expect(cardText(assign.card)).toContain('Not eligible');
    const done = await click(h, 'admin', assign.card, 'auto_assign');
    expect(cardText(done.card)).toMatch(/Assigned: (Rita Reviewer, Ravi Reviewer|Ravi Reviewer, Rita Reviewer)/);
    expect(await h.store.reviews.reviewersFor(appId)).not.toContain('rev-a');
    await h.deliver();
    expect(h.messenger.to('rev-1')).toHaveLength(1);
    expect(h.messenger.to('rev-2')).toHaveLength(1);
    const conflict = await invoke(h, 'admin', 'save_assignment', {
      applicationId: appId,
      version: (await h.store.applications.get(appId))!.version,
      reviewerIds: 'rev-a',
    });
    expect(conflict.outcome).toBe('error:CONFLICT_OF_INTEREST');
  });

  it('a reviewer starts, asks a question; the applicant answers; the answer comes back', async () => {
    // Reviews start once submissions close (deadline + grace): not before.
    const tooSoon = await invoke(h, 'rev1', 'start_review', {
      applicationId: appId,
      version: (await h.store.applications.get(appId))!.version,
    });
    expect(tooSoon.outcome).toBe('error:OUTSIDE_WINDOW');
    expect(cardText(tooSoon.card)).toContain('Reviews start after submissions close');
    h.clock.advanceDays(32);

    const queue = await say(h, 'rev1', 'show my queue');
    expect(queue.outcome).toBe('queue');
    const view = await click(h, 'rev1', queue.card, 'app_view');
    const started = await click(h, 'rev1', view.card, 'start_review');
    expect(cardText(started.card)).toContain('Review started');
    const asked = await click(h, 'rev1', started.card, 'request_clarification', {
      question: 'Which departments used the risk assessment?',
    });
    expect(cardText(asked.card)).toContain('Question sent');
    await h.deliver();
    const toLead = h.messenger.to('lead-a').at(-1) as AdaptiveCard;
    expect(cardText(toLead)).toContain('Which departments used the risk assessment?');
    // Teams refreshes a message when it is looked at: the reason it came stays while it still holds.
    const reason = {
      applicationId: appId,
      notice: 'A reviewer has asked a question.',
      noticeState: 'clarification_requested',
    };
    expect(cardText((await invoke(h, 'lead', 'app_view', reason)).card)).toContain('A reviewer has asked a question.');
    const answered = await click(h, 'lead', toLead, 'answer_clarification', {
      answer: 'Radiology and pharmacy, pages 2-3.',
    });
    expect(cardText(answered.card)).toContain('Answer sent');
    await h.deliver();
    expect(cardText(h.messenger.to('rev-1').at(-1))).toContain('Radiology and pharmacy');
    expect((await h.store.applications.get(appId))!.state).toBe('in_review');
  });

  it('two reviewers assess and disagree: the admin gets a moderation card', async () => {
    for (const [who, level] of [
      ['rev1', 'bronze'],
      ['rev2', 'none'],
    ] as const) {
      let card: AdaptiveCard = (await invoke(h, who, 'app_view', { applicationId: appId })).card;
      const early = await click(h, who, card, 'recommend', {
        level,
        strengths: 'Clear policy.',
        improvements: 'More evaluation.',
      });
      expect(early.outcome).toBe('error:VALIDATION');
      for (const section of SECTION_NUMBERS) {
        const form = await invoke(h, who, 'assess', { applicationId: appId, section });
        const inputs: Record<string, unknown> = {};
        for (const c of criteriaForSection(DEFAULT_FRAMEWORK, section, 'bronze')) inputs[`outcome_${c.id}`] = 'met';
        const saved = await click(h, who, form.card, 'save_assessment', inputs, 'Save');
        card = saved.card;
      }
      const rec = await click(h, who, card, 'recommend', {
        level,
        strengths: 'Clear policy.',
        improvements: 'More evaluation.',
      });
      expect(rec.outcome).toBe('recommend');
    }
    expect((await h.store.applications.get(appId))!.state).toBe('recommended');
    await h.deliver();
    const toAdmin = h.messenger.to('admin-1').at(-1) as AdaptiveCard;
    expect(cardText(toAdmin)).toContain('Moderation needed');

    const decided = await click(h, 'admin', toAdmin, 'decide', {
      level: 'bronze',
      strengths: 'A clear policy.',
      improvements: 'Evaluate every placement.',
    });
    expect(cardText(decided.card)).toContain('Decision confirmed');
    // The award is issued when the decision is communicated, not before.
    expect(await h.store.awards.forApplication(appId)).toBeNull();
    // Double click on the moderation card: no second decision.
    const twice = await click(h, 'admin', toAdmin, 'decide', { level: 'silver', strengths: 'x', improvements: 'y' });
    expect(cardText(twice.card)).toContain('out of date');
    expect((await h.store.decisions.get(appId))!.level).toBe('bronze');
  });

  it('communicating waits for the decision window; then the team receives level, feedback and expiry', async () => {
    const view = await invoke(h, 'admin', 'app_view', { applicationId: appId });
    // Before the window the card offers no Communicate button, and the action is refused.
    expect(executeActions(view.card).some((a) => a.verb === 'communicate')).toBe(false);
    const early = await invoke(h, 'admin', 'communicate', {
      applicationId: appId,
      version: (await h.store.applications.get(appId))!.version,
    });
    expect(early.outcome).toBe('error:OUTSIDE_WINDOW');
    h.clock.advanceDays(50);
    const inWindow = await invoke(h, 'admin', 'app_view', { applicationId: appId });
    const sent = await click(h, 'admin', inWindow.card, 'communicate');
    expect(cardText(sent.card)).toContain('Decision sent');
    // Valid two years from the moment it was communicated; the decision goes through the outbox.
    const award = await h.store.awards.forApplication(appId);
    expect(award?.level).toBe('bronze');
    expect(award!.validFrom).toEqual(h.clock.now());
    expect(award!.validUntil.getUTCFullYear()).toBe(h.clock.now().getUTCFullYear() + 2);
    const outbox = await h.store.db
      .selectFrom('reminder_outbox')
      .select(['recipient_id', 'kind', 'payload'])
      .where('application_id', '=', appId)
      .where('kind', 'in', ['decision_communicated', 'review_outcome'])
      .orderBy('recipient_id')
      .execute();
    expect(outbox.map((r) => `${r.kind}:${r.recipient_id}`).sort()).toEqual([
      'decision_communicated:contrib-a',
      'decision_communicated:lead-a',
      'review_outcome:rev-1',
      'review_outcome:rev-2',
    ]);
    const notice = outbox.find((r) => r.recipient_id === 'lead-a')!.payload as { title: string; facts: string[][] };
    expect(notice.title).toBe('Bronze award');
    expect(notice.facts.map((f) => f[0])).toEqual(['Valid from', 'Expires', 'Verification code']);
    // Opening the decision shows the level, the feedback and the expiry.
    const decision = cardText((await invoke(h, 'lead', 'app_view', { applicationId: appId })).card);
    expect(decision).toContain('Bronze award');
    expect(decision).toContain('Evaluate every placement.');
    expect(decision).toContain('Expires');
    const trail = await h.store.audit.forEntity('application', appId);
    const transitions = trail.filter((a) => a.toState !== null && a.fromState !== a.toState);
    expect(transitions.map((a) => a.action)).toEqual([
      'request',
      'open',
      'submit',
      'start_review',
      'request_clarification',
      'answer_clarification',
      'recommend',
      'decide',
      'communicate',
    ]);
    expect(transitions.every((a) => a.actorId && a.actorId !== 'system')).toBe(true);
  });

  it('every card sent proactively during the journey is a valid 1.5 card, each sent once and recorded as sent', async () => {
    const { delivered } = h.messenger;
    expect(delivered.length).toBeGreaterThan(5);
    for (const s of delivered) assertValidCard(s.card, `card to ${s.personId}`);
    expect(new Set(delivered.map((d) => d.outboxId)).size).toBe(delivered.length);
    const rows = await h.store.reminders.list({ status: 'sent', limit: 1000 });
    expect(rows.map((r) => r.id).sort()).toEqual(delivered.map((d) => d.outboxId).sort());
  });
});
