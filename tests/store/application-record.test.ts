import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/store/database.js';
import { PostgresProvisioningLedger } from '../../src/store/provisioning-ledger.js';
import { Store } from '../../src/store/store.js';
import { seedPipeline } from '../support/award-fixtures.js';
import { engines } from '../support/databases.js';
import { T0 } from '../support/fixtures.js';

const DAY = 86_400_000;

/** What the repositories read one table at a time: the record must be exactly this. */
async function oneByOne(store: Store, applicationId: string) {
  const application = (await store.applications.get(applicationId))!;
  const reviewerIds = await store.reviews.reviewersFor(applicationId);
  const { documents, listedAt } = await store.evidence.listing(applicationId);
  const folder = await new PostgresProvisioningLedger(store.db).folderFor(
    application.cycleId,
    application.organisationId,
  );
  return {
    application,
    cycle: await store.cycles.get(application.cycleId),
    organisation: await store.organisations.get(application.organisationId),
    folder: folder ? { webUrl: folder.webUrl } : null,
    reviewerIds,
    reviewers: (await Promise.all(reviewerIds.map((id) => store.people.get(id)))).filter((p) => p !== null),
    commentary: await store.applications.commentary(applicationId),
    documents,
    listedAt,
    assessments: await store.reviews.assessments(applicationId),
    recommendations: await store.reviews.recommendations(applicationId),
    clarifications: await store.reviews.clarifications(applicationId),
    decision: await store.decisions.get(applicationId),
    award: await store.awards.forApplication(applicationId),
    inspections: await store.inspections.current(applicationId),
    dismissals: await store.inspections.dismissals(applicationId),
  };
}

describe.each(engines())('application record on $name', (engine) => {
  let handle: DatabaseHandle;
  let store: Store;
  let communicated: string;
  let open: string;

  beforeAll(async () => {
    handle = await engine.open();
    store = new Store(handle.db);
    const { apps } = await seedPipeline(store, [{ state: 'communicated' }, { state: 'open' }]);
    communicated = apps[0]!.id;
    open = apps[1]!.id;
    // Everything else an application can have: its evidence folder, commentary with references,
    // documents (one gone from the folder since), declarations, a clarification, inspections (one
    // superseded) and a dismissed warning.
    const ledger = new PostgresProvisioningLedger(handle.db);
    const { cycleId, organisationId } = (await store.applications.get(communicated))!;
    await ledger.recordOrgFolder(cycleId, organisationId, {
      id: 'folder-1',
      webUrl: 'https://example.sharepoint.com/evidence/org',
      name: 'Org',
    });
    // Another organisation's folder, and the same organisation's in another cycle, are not its folder.
    await ledger.recordOrgFolder(cycleId, 'another-org', { id: 'f-2', webUrl: 'https://x/2', name: 'X' });
    await ledger.recordOrgFolder('another-cycle', organisationId, { id: 'f-3', webUrl: 'https://x/3', name: 'Y' });
    const listed = new Date(T0.getTime() - 2 * DAY);
    await store.evidence.syncListing(
      communicated,
      ['Policy.pdf', 'Gone.pdf', 'Feedback.docx'].map((name, i) => ({
        name,
        section: i === 2 ? null : ((i + 1) as 1),
        lastModified: new Date(T0.getTime() - (10 + i) * DAY),
        webUrl: i === 0 ? 'https://example.sharepoint.com/policy' : null,
      })),
      listed,
    );
    await store.evidence.syncListing(
      communicated,
      ['Policy.pdf', 'Feedback.docx'].map((name, i) => ({
        name,
        section: i === 1 ? null : (1 as const),
        lastModified: new Date(T0.getTime() - (10 + i) * DAY),
        webUrl: null,
      })),
      T0,
    );
    await store.evidence.declare(
      communicated,
      [{ name: 'Policy.pdf', evidenceDate: new Date('2025-09-19T11:00:00.123Z'), completed: true }],
      'lead-org-01',
      T0,
    );
    await store.applications.saveCommentary(
      communicated,
      [
        { criterionId: '1.2', text: 'Second, with “quotes” and a NUL-free \\ backslash.', references: [] },
        { criterionId: '1.1', text: 'First.', references: [{ documentName: 'Policy.pdf', pages: [1, 3] }] },
      ],
      'lead-org-01',
      T0,
    );
    const question = await store.reviews.ask(communicated, 'rev-1', 'Which policy?', T0);
    await store.reviews.answer(question.id, 'lead-org-01', 'The first.', new Date(T0.getTime() + 1));
    await store.reviews.ask(communicated, 'rev-2', 'And the second?', new Date(T0.getTime() + 2));
    const result = {
      format: 'pdf',
      pages: 3,
      textlessPages: [],
      blankTemplate: false,
      completeness: null,
      personalData: [{ kind: 'email', page: 2, hint: 'a***@x.example' }],
      documentDate: '2025-09-01',
      duplicateOf: null,
      problems: [
        { code: 'personal_data' as const, severity: 'warning' as const, pages: [2], message: 'Personal data.' },
      ],
      error: null,
    };
    await store.inspections.record(communicated, {
      itemId: 'item-1',
      versionKey: 'v1',
      name: 'Policy.pdf',
      inspectedAt: new Date(T0.getTime() - DAY),
      result,
    });
    await store.inspections.record(communicated, {
      itemId: 'item-1',
      versionKey: 'v2',
      name: 'Policy.pdf',
      inspectedAt: T0,
      result: { ...result, pages: 4 },
    });
    await store.inspections.dismiss(
      communicated,
      { documentName: 'Policy.pdf', findingKey: 'personal_data', reason: 'Staff email, allowed.' },
      'lead-org-01',
      T0,
    );
  });
  afterAll(async () => handle.close());

  it('reads in one statement exactly what the repositories read one table at a time', async () => {
    const record = await store.applicationRecords.get(communicated);
    const expected = await oneByOne(store, communicated);
    expect(record).toEqual(expected);
    // The fixture covers every part, so the comparison above compares something.
    expect(record!.reviewers.map((p) => p.id)).toEqual(['rev-1', 'rev-2']);
    expect(record!.documents.map((d) => d.name)).toEqual(['Policy.pdf', 'Feedback.docx']);
    expect(record!.documents[0]!.evidenceDate).toEqual(new Date('2025-09-19T11:00:00.123Z'));
    expect(record!.commentary.map((c) => c.criterionId)).toEqual(['1.1', '1.2']);
    expect(record!.clarifications).toHaveLength(2);
    expect(record!.assessments.length).toBeGreaterThan(0);
    expect(record!.recommendations).toHaveLength(2);
    expect(record!.decision).not.toBeNull();
    expect(record!.award).not.toBeNull();
    expect(record!.inspections.map((i) => i.versionKey)).toEqual(['v2']);
    expect(record!.dismissals).toHaveLength(1);
    expect(record!.listedAt).toEqual(T0);
    expect(record!.folder).toEqual({ webUrl: 'https://example.sharepoint.com/evidence/org' });
    expect(record!.application.requestedAt).toBeInstanceOf(Date);
  });

  it('reads an application with nothing else stored about it the same way', async () => {
    const record = await store.applicationRecords.get(open);
    expect(record).toEqual(await oneByOne(store, open));
    expect(record).toMatchObject({ folder: null, documents: [], listedAt: null, decision: null, award: null });
  });

  it("reads the current cycle and an organisation's application in it in one statement", async () => {
    const app = (await store.applications.get(communicated))!;
    const cycle = (await store.cycles.get(app.cycleId))!;
    const during = new Date(cycle.decisionEnd.getTime() - DAY);
    expect(await store.cycles.current(during)).toEqual(cycle);
    expect(await store.applicationRecords.forOrganisationInCurrentCycle(app.organisationId, during)).toEqual({
      cycle,
      record: await store.applicationRecords.get(communicated),
    });
    // An organisation without an application in it: the cycle, no record.
    await store.organisations.upsert({ id: 'org-none', name: 'No Application NHS Trust', code: null });
    expect(await store.applicationRecords.forOrganisationInCurrentCycle('org-none', during)).toEqual({
      cycle,
      record: null,
    });
    // After every cycle's decision window: no current cycle.
    const after = new Date(Math.max(...(await store.cycles.list()).map((c) => c.decisionEnd.getTime())) + DAY);
    expect(await store.cycles.current(after)).toBeNull();
    expect(await store.applicationRecords.forOrganisationInCurrentCycle(app.organisationId, after)).toEqual({
      cycle: null,
      record: null,
    });
  });

  it('answers null for an application that does not exist', async () => {
    expect(await store.applicationRecords.get('no-such-application')).toBeNull();
  });

  it('an edit reads the record as the edit leaves it, in the edit’s own statement', async () => {
    const audited = async () => (await store.audit.forEntity('application', communicated)).length;
    const at = new Date(T0.getTime() + DAY);
    // Commentary: one criterion changed, one added, one given unchanged (not written).
    const before = await audited();
    const saved = await store.applications.saveCommentaryThen(
      communicated,
      [
        { criterionId: '1.3', text: 'New.', references: [] },
        { criterionId: '1.1', text: 'First, edited.', references: [{ documentName: 'Policy.pdf', pages: [2] }] },
        { criterionId: '1.2', text: 'Second, with “quotes” and a NUL-free \\ backslash.', references: [] },
      ],
      'lead-org-01',
      at,
      { section: 1 },
      store.applicationRecords.afterChange(communicated),
    );
    expect(saved.written).toEqual(['1.3', '1.1']);
    expect(await audited()).toBe(before + 1);
    expect(saved.read).toEqual(await oneByOne(store, communicated));
    expect(saved.read!.commentary.map((c) => [c.criterionId, c.text])).toEqual([
      ['1.1', 'First, edited.'],
      ['1.2', 'Second, with “quotes” and a NUL-free \\ backslash.'],
      ['1.3', 'New.'],
    ]);
    // Declarations: one document changed, one given as it was, one never listed.
    const declared = await store.evidence.declareThen(
      communicated,
      [
        { name: 'Feedback.docx', evidenceDate: new Date('2025-10-01T11:00:00.000Z'), completed: true },
        { name: 'Policy.pdf', evidenceDate: new Date('2025-09-19T11:00:00.123Z'), completed: true },
        { name: 'Never listed.pdf', evidenceDate: null, completed: true },
      ],
      'lead-org-01',
      at,
      store.applicationRecords.afterChange(communicated),
    );
    expect(declared.changed).toBe(1);
    expect(await audited()).toBe(before + 2);
    expect(declared.read).toEqual(await oneByOne(store, communicated));
    expect(declared.read!.documents.map((d) => [d.name, d.completed, d.declaredBy])).toEqual([
      ['Policy.pdf', true, 'lead-org-01'],
      ['Feedback.docx', true, 'lead-org-01'],
    ]);
    // Nothing changed: no audit row, and the record as it is.
    const again = await store.evidence.declareThen(
      communicated,
      [{ name: 'Feedback.docx', evidenceDate: new Date('2025-10-01T11:00:00.000Z'), completed: true }],
      'lead-org-01',
      at,
      store.applicationRecords.afterChange(communicated),
    );
    expect(again).toEqual({ changed: 0, read: await oneByOne(store, communicated) });
    const none = await store.applications.saveCommentaryThen(
      communicated,
      [],
      'lead-org-01',
      at,
      {},
      store.applicationRecords.afterChange(communicated),
    );
    expect(none).toEqual({ written: [], read: await oneByOne(store, communicated) });
    expect(await audited()).toBe(before + 2);
    // An application that does not exist: nothing to read.
    expect(
      (
        await store.evidence.declareThen(
          'no-such-application',
          [],
          'x',
          at,
          store.applicationRecords.afterChange('no-such-application'),
        )
      ).read,
    ).toBeNull();
  });
});
