/**
 * Awards end to end in the use cases: issued when communicated (two years from then, with a
 * code), certificate, badge and feedback report (deterministic, "illustrative" when the framework
 * is), public verification (1,000 random codes find nothing; revoked says so), revocation
 * (admins only, audited), conflicts of interest in manual and automatic assignment, and
 * "communicate all decided" (preview, then the outbox).
 */
import { randomBytes } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { formatVerificationCode, verificationCodeFromBytes } from '../../src/domain/award.js';
import { addYearsLondon, fixedClock } from '../../src/domain/time.js';
import type { Actor } from '../../src/domain/types.js';
import { planReminders } from '../../src/notifications/schedule.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { assignReviewers, reviewerOptions } from '../../src/workflows/admin.js';
import { communicateAll, consoleSummary, previewCommunicateAll } from '../../src/workflows/admin-console.js';
import {
  applicationAward,
  awardFile,
  feedbackReportFile,
  revokeAward,
  verifyAward,
} from '../../src/workflows/awards.js';
import { declareConflict, myConflicts, withdrawConflict } from '../../src/workflows/conflicts.js';
import { cycleCalibration, historyOf } from '../../src/workflows/panel.js';
import type { Services } from '../../src/workflows/services.js';
import { engines } from '../support/databases.js';
import { ADMIN, IN_DECISION_WINDOW, seedPipeline, type SeededApplication } from '../support/award-fixtures.js';
import { services, T0 } from '../support/fixtures.js';

const LEAD = (org: string): Actor => ({
  personId: `lead-${org}`,
  displayName: `Lead of ${org}`,
  roles: ['applicant_lead'],
  organisationId: org,
});
const REVIEWER: Actor = { personId: 'rev-1', displayName: 'Rita Reviewer', roles: ['reviewer'], organisationId: null };

/** The text drawn on a PDF's pages (pdf-lib writes Flate-compressed content streams). */
async function pdfInfo(bytes: Uint8Array): Promise<{ pages: number; title: string | undefined }> {
  const doc = await PDFDocument.load(bytes);
  return { pages: doc.getPageCount(), title: doc.getTitle() };
}

function svgText(svg: Uint8Array): string {
  return Buffer.from(svg).toString('utf8');
}

describe.each(engines())('awards on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  let svc: Services;
  let apps: SeededApplication[];
  const links = {
    icsForBooking: (id: string) => `https://wexqs.example/ics/${id}`,
    awardFile: (id: string, file: string) => `https://wexqs.example/files/awards/${id}/${file}?sig=x`,
    feedbackReport: (id: string) => `https://wexqs.example/files/applications/${id}/feedback.pdf?sig=x`,
    verify: (code: string) => `https://wexqs.example/verify/${code}`,
  };

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    ({ svc, apps } = await seedPipeline(store, [
      { state: 'communicated', level: 'gold', name: 'Northshire Hospitals NHS Foundation Trust' },
      { state: 'communicated', level: null },
      { state: 'decided', level: 'silver' },
      { state: 'decided', level: 'bronze' },
      { state: 'recommended' },
      { state: 'submitted', unassigned: true },
      { state: 'open' },
    ]));
    svc = { ...svc, links };
  }, 60_000);
  afterAll(async () => handle?.close());

  it('the award is issued when the decision is communicated: valid two years from then, with a code', async () => {
    const award = await store.awards.forApplication(apps[0]!.id);
    expect(award).toMatchObject({
      level: 'gold',
      organisationName: 'Northshire Hospitals NHS Foundation Trust',
      cycleId: 'cycle-1',
      illustrative: true,
      revokedAt: null,
    });
    expect(award!.validFrom).toEqual(IN_DECISION_WINDOW);
    expect(award!.issuedAt).toEqual(IN_DECISION_WINDOW);
    expect(award!.validUntil).toEqual(addYearsLondon(IN_DECISION_WINDOW, 2));
    expect(award!.verificationCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
    // No award for "no award"; none before communication.
    expect(await store.awards.forApplication(apps[1]!.id)).toBeNull();
    expect(await store.awards.forApplication(apps[2]!.id)).toBeNull();
    // The team is told through the outbox; the reviewers get the outcome.
    const outbox = await store.db
      .selectFrom('reminder_outbox')
      .select(['kind', 'recipient_id'])
      .where('application_id', '=', apps[0]!.id)
      .execute();
    expect(outbox.map((o) => `${o.kind}:${o.recipient_id}`).sort()).toEqual([
      'decision_communicated:lead-org-01',
      'review_outcome:rev-1',
      'review_outcome:rev-2',
    ]);
  });

  it('certificate, badge and feedback report: the same bytes every time, marked illustrative', async () => {
    const award = (await store.awards.forApplication(apps[0]!.id))!;
    const later = { ...svc, clock: fixedClock(new Date(IN_DECISION_WINDOW.getTime() + 3_600_000)) };
    for (const file of ['certificate.pdf', 'badge.png', 'badge.svg'] as const) {
      const a = await awardFile(svc, award.id, file);
      const b = await awardFile(later, award.id, file);
      expect(Buffer.from(a.body).equals(Buffer.from(b.body)), file).toBe(true);
      expect(a.filename).toMatch(/^wexqs-gold-northshire-hospitals-nhs-foundation-trust-/);
    }
    const cert = await awardFile(svc, award.id, 'certificate.pdf');
    expect(cert.contentType).toBe('application/pdf');
    const info = await pdfInfo(cert.body);
    expect(info.pages).toBe(1);
    expect(info.title).toContain('Gold award certificate: Northshire Hospitals NHS Foundation Trust');
    // A4 portrait.
    const page = (await PDFDocument.load(cert.body)).getPage(0);
    expect([Math.round(page.getWidth()), Math.round(page.getHeight())]).toEqual([595, 842]);

    const svg = svgText((await awardFile(svc, award.id, 'badge.svg')).body);
    const years = `${IN_DECISION_WINDOW.getUTCFullYear()}–${IN_DECISION_WINDOW.getUTCFullYear() + 2}`;
    expect(svg).toContain('>GOLD<');
    expect(svg).toContain(years);
    expect(svg).toContain(formatVerificationCode(award.verificationCode));
    expect(svg).toContain('ILLUSTRATIVE');
    const png = (await awardFile(svc, award.id, 'badge.png')).body;
    expect(Buffer.from(png).subarray(1, 4).toString()).toBe('PNG');
    expect(Buffer.from(png).readUInt32BE(16)).toBe(640); // 320 × 2

    const report = await feedbackReportFile(svc, apps[0]!.id);
    const again = await feedbackReportFile(later, apps[0]!.id);
    expect(Buffer.from(report.body).equals(Buffer.from(again.body))).toBe(true);
    expect((await pdfInfo(report.body)).pages).toBeGreaterThanOrEqual(1);
    // "No award" still has its feedback report; an undecided application has none.
    expect((await feedbackReportFile(svc, apps[1]!.id)).contentType).toBe('application/pdf');
    await expect(feedbackReportFile(svc, apps[2]!.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('without the illustrative framework, no document says illustrative', async () => {
    await store.db
      .updateTable('awards')
      .set({ illustrative: false })
      .where('application_id', '=', apps[0]!.id)
      .execute();
    const award = (await store.awards.forApplication(apps[0]!.id))!;
    expect(svgText((await awardFile(svc, award.id, 'badge.svg')).body)).not.toContain('ILLUSTRATIVE');
    const withMark = await awardFile(svc, award.id, 'certificate.pdf');
    await store.db
      .updateTable('awards')
      .set({ illustrative: true })
      .where('application_id', '=', apps[0]!.id)
      .execute();
    const marked = await awardFile(svc, award.id, 'certificate.pdf');
    expect(Buffer.from(withMark.body).equals(Buffer.from(marked.body))).toBe(false);
    // The words are in the page's content stream (compressed, text as glyph ids): compare sizes.
    expect(marked.body.length).toBeGreaterThan(withMark.body.length);
    expect(inflateSync).toBeTypeOf('function');
  });

  it('the applicant team and admins get the award and its links; other organisations do not', async () => {
    const mine = await applicationAward(svc, LEAD('org-01'), apps[0]!.id);
    expect(mine.status).toBe('valid');
    expect(mine.downloads).toMatchObject({
      certificate: expect.stringContaining('/certificate.pdf'),
      badgePng: expect.stringContaining('/badge.png'),
      badgeSvg: expect.stringContaining('/badge.svg'),
      feedbackReport: expect.stringContaining('/feedback.pdf'),
      verify: `https://wexqs.example/verify/${mine.award!.verificationCode}`,
    });
    expect((await applicationAward(svc, ADMIN, apps[0]!.id)).award?.id).toBe(mine.award!.id);
    await expect(applicationAward(svc, LEAD('org-02'), apps[0]!.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const none = await applicationAward(svc, LEAD('org-02'), apps[1]!.id);
    expect(none.award).toBeNull();
    expect(none.downloads?.certificate).toBeNull();
    expect(none.downloads?.feedbackReport).toContain('/feedback.pdf');
    expect((await applicationAward(svc, LEAD('org-03'), apps[2]!.id)).downloads).toBeNull();
  });

  it('public verification: only the public fields; 1,000 random codes find nothing', async () => {
    const award = (await store.awards.forApplication(apps[0]!.id))!;
    const found = await verifyAward(svc, formatVerificationCode(award.verificationCode).toLowerCase());
    expect(found).toEqual({
      organisation: 'Northshire Hospitals NHS Foundation Trust',
      level: 'gold',
      validFrom: award.validFrom,
      validUntil: award.validUntil,
      status: 'valid',
      statusLabel: 'Valid today',
      illustrative: true,
    });
    let hits = 0;
    for (let i = 0; i < 1000; i++) if (await verifyAward(svc, verificationCodeFromBytes(randomBytes(10)))) hits++;
    expect(hits).toBe(0);
    expect(await verifyAward(svc, 'not a code')).toBeNull();
    const expired = { ...svc, clock: fixedClock(award.validUntil) };
    expect((await verifyAward(expired, award.verificationCode))?.status).toBe('expired');
  });

  it('revoking: admins only, with a reason, audited; verification then says revoked and files are gone', async () => {
    const award = (await store.awards.forApplication(apps[0]!.id))!;
    await expect(revokeAward(svc, LEAD('org-01'), { awardId: award.id, reason: 'x' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(revokeAward(svc, ADMIN, { awardId: award.id, reason: '  ' })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await expect(revokeAward(svc, ADMIN, { awardId: 'nope', reason: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // Its expiry reminders are planned while it stands, cancelled and never planned again once revoked.
    const expiryRows = () =>
      store.db
        .selectFrom('reminder_outbox')
        .select(['status'])
        .where('subject_id', '=', award.id)
        .where('kind', '=', 'award_expiry')
        .execute();
    await planReminders(store, IN_DECISION_WINDOW);
    expect((await expiryRows()).map((r) => r.status)).toEqual(['pending', 'pending']);
    const revoked = await revokeAward(svc, ADMIN, { awardId: award.id, reason: 'Evidence was not its own.' });
    await planReminders(store, IN_DECISION_WINDOW);
    expect((await expiryRows()).map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    expect(revoked).toMatchObject({ revokedBy: 'admin-1', revokeReason: 'Evidence was not its own.' });
    await expect(revokeAward(svc, ADMIN, { awardId: award.id, reason: 'again' })).rejects.toMatchObject({
      code: 'STALE',
    });
    expect((await verifyAward(svc, award.verificationCode))?.status).toBe('revoked');
    await expect(awardFile(svc, award.id, 'certificate.pdf')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { revoked: true },
    });
    const trail = await store.audit.forEntity('application', apps[0]!.id);
    expect(trail.at(-1)).toMatchObject({
      action: 'revoke_award',
      actorId: 'admin-1',
      details: { reason: 'Evidence was not its own.' },
    });
    // The team sees it in its history, without the admin's name.
    const history = await historyOf(svc, LEAD('org-01'), apps[0]!.id);
    expect(history.at(-1)).toMatchObject({ who: 'The WEx QS team', what: 'revoked the award' });
    expect((await historyOf(svc, ADMIN, apps[0]!.id)).at(-1)?.who).toBe('Adam Admin');
    await expect(historyOf(svc, LEAD('org-02'), apps[0]!.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a declared conflict of interest stops manual and automatic assignment', async () => {
    const target = apps[5]!; // submitted, no reviewer yet
    const app = (await store.applications.get(target.id))!;
    await expect(
      declareConflict(svc, REVIEWER, { organisationId: target.organisationId, reason: ' ' }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await expect(declareConflict(svc, LEAD('org-01'), { organisationId: 'org-02', reason: 'x' })).rejects.toMatchObject(
      {
        code: 'FORBIDDEN',
      },
    );
    await expect(declareConflict(svc, REVIEWER, { organisationId: 'nope', reason: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const mine = await declareConflict(svc, REVIEWER, {
      organisationId: target.organisationId,
      reason: 'My sister leads its work experience team.',
    });
    expect(mine.map((c) => c.organisationName)).toEqual(['Trust 06 NHS Trust']);

    const options = await reviewerOptions(svc, app);
    expect(options.find((o) => o.person.id === 'rev-1')).toMatchObject({
      eligible: false,
      reason: 'declared a conflict of interest',
    });
    await expect(
      assignReviewers(svc, ADMIN, { applicationId: app.id, version: app.version, reviewerIds: ['rev-1'] }),
    ).rejects.toMatchObject({ code: 'CONFLICT_OF_INTEREST', details: { declared: true } });
    const auto = await assignReviewers(svc, ADMIN, { applicationId: app.id, version: app.version });
    expect(auto.reviewers.map((r) => r.id)).toEqual(['rev-2']);

    // Withdrawn: eligible again.
    await withdrawConflict(svc, REVIEWER, { organisationId: target.organisationId });
    expect(await myConflicts(svc, REVIEWER)).toEqual([]);
    expect((await reviewerOptions(svc, app)).find((o) => o.person.id === 'rev-1')?.eligible).toBe(true);
  });

  it('calibration per reviewer from the cycle’s assessments', async () => {
    const c = await cycleCalibration(svc, ADMIN, 'cycle-1');
    const rev1 = c.reviewers.find((r) => r.reviewerId === 'rev-1')!;
    const rev2 = c.reviewers.find((r) => r.reviewerId === 'rev-2')!;
    expect(rev1.shareMet).toBe(1);
    expect(rev2.shareMet).toBeLessThan(1);
    expect(rev1.agreement).toBe(rev2.agreement);
    expect(c.names['rev-1']).toBe('Rita Reviewer');
    await expect(cycleCalibration(svc, REVIEWER, 'cycle-1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('communicate all decided: the preview says who gets what; sending skips what changed since', async () => {
    const outside = { ...svc, clock: fixedClock(T0) };
    const preview = await previewCommunicateAll(svc, ADMIN, 'cycle-1');
    expect(preview.items.map((i) => [i.organisation, i.outcome, i.applicantRecipients, i.reviewerRecipients])).toEqual([
      ['Trust 03 NHS Trust', 'Silver award', 1, 2],
      ['Trust 04 NHS Trust', 'Bronze award', 1, 2],
    ]);
    expect(preview.messages).toBe(6);
    expect(preview.inDecisionWindow).toBe(true);
    await expect(previewCommunicateAll(svc, REVIEWER, 'cycle-1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(communicateAll(outside, ADMIN, { cycleId: 'cycle-1', items: preview.items })).rejects.toMatchObject({
      code: 'OUTSIDE_WINDOW',
    });

    const result = await communicateAll(svc, ADMIN, {
      cycleId: 'cycle-1',
      items: [...preview.items, { applicationId: apps[3]!.id, version: 0 }, { applicationId: 'nope', version: 1 }],
    });
    expect(result.communicated.sort()).toEqual([apps[2]!.id, apps[3]!.id].sort());
    expect(result.skipped.map((s) => s.reason)).toEqual([
      'changed since the preview',
      'not an application of this cycle',
    ]);
    expect((await store.awards.forApplication(apps[2]!.id))?.level).toBe('silver');
    const sent = await store.db
      .selectFrom('reminder_outbox')
      .select(['kind'])
      .where('application_id', 'in', [apps[2]!.id, apps[3]!.id])
      .execute();
    expect(sent).toHaveLength(6);
    expect((await previewCommunicateAll(svc, ADMIN, 'cycle-1')).items).toEqual([]);
  });

  it('the console summary counts every stage as the database does', async () => {
    const s = await consoleSummary(svc, ADMIN, 'cycle-1');
    const rows = await store.db
      .selectFrom('applications')
      .select(['state', store.db.fn.countAll<number>().as('n')])
      .where('cycle_id', '=', 'cycle-1')
      .groupBy('state')
      .execute();
    const db = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    for (const p of s.pipeline) expect(p.count, p.state).toBe(db[p.state] ?? 0);
    expect(s.total).toBe(apps.length);
    expect(s.awaitingModeration.map((r) => r.reason)).toEqual(['reviewers agree: confirm']);
    expect(s.awards.map((a) => a.status).sort()).toEqual(['revoked', 'valid', 'valid']);
    await expect(consoleSummary(svc, LEAD('org-01'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(services).toBeTypeOf('function');
  });
});
