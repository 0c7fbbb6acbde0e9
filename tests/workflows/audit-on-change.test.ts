/**
 * The audit log records changes, not clicks: every audited action repeated with the same input
 * (a double click, an old card, a re-run command) writes one row, and a repeat that changes
 * nothing writes none. Concurrent repeats are run against the real database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyImport, planImport } from '../../src/cli/admin-tasks.js';
import { actorFor } from '../../src/domain/people.js';
import type { Actor } from '../../src/domain/types.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { requestApplication } from '../../src/workflows/applications.js';
import { openApplication, saveSectionCommentary, setTargetLevel } from '../../src/workflows/application-journey.js';
import { loadForEditing } from '../../src/workflows/application-view.js';
import { changeSession } from '../../src/workflows/dropins.js';
import { queueRemindersNow, setReminderKindMuted } from '../../src/workflows/reminder-admin.js';
import { engines } from '../support/databases.js';
import { T0 } from '../support/fixtures.js';
import { harness, invoke, type Harness } from '../bot/helpers.js';

const DAY = 86_400_000;

describe.each(engines())('audit rows only for changes, on $name', (engine) => {
  let handle: DatabaseHandle;
  let h: Harness;
  let admin: Actor;
  let lead: Actor;
  let appId = '';

  const rows = async (action?: string) => {
    const all = await h.store.db.selectFrom('audit_log').select(['action']).execute();
    return all.filter((r) => action === undefined || r.action === action).length;
  };

  beforeAll(async () => {
    handle = await engine.open();
    h = await harness(handle);
    admin = actorFor((await h.store.people.get('admin-1'))!);
    lead = actorFor((await h.store.people.get('lead-a'))!);
    const requested = await requestApplication(h.svc, lead);
    const opened = await openApplication(h.svc, admin, { applicationId: requested.id, version: requested.version });
    appId = opened.id;
  });
  afterAll(async () => handle.close());

  it('reminders_mute clicked 20 times (one after another, then all at once) writes one row', async () => {
    for (let i = 0; i < 20; i++) await invoke(h, 'admin', 'reminders_mute', { kind: 'award_expiry', mute: true });
    expect(await rows('reminders_mute')).toBe(1);
    await Promise.all(
      Array.from({ length: 20 }, () => setReminderKindMuted(h.svc, admin, { kind: 'review_closing', mute: true })),
    );
    expect(await rows('reminders_mute')).toBe(2);
    const unmuted = await Promise.all(
      Array.from({ length: 5 }, () => setReminderKindMuted(h.svc, admin, { kind: 'review_closing', mute: false })),
    );
    expect(unmuted.filter((u) => u.changed)).toHaveLength(1);
    expect(await rows('reminders_unmute')).toBe(1);
    // Unmuting what is not muted changes nothing.
    expect((await setReminderKindMuted(h.svc, admin, { kind: 'dropin_changed', mute: false })).changed).toBe(false);
    expect(await rows('reminders_unmute')).toBe(1);
    expect(await h.store.reminders.mutedKinds()).toEqual(['award_expiry']);
    await expect(setReminderKindMuted(h.svc, lead, { kind: 'award_expiry', mute: false })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('"send reminders now" is audited only when it queued something', async () => {
    const before = await rows('reminders_send_now');
    // The open application has a deadline coming: its team has a reminder to send now.
    const first = await queueRemindersNow(h.svc, admin);
    expect(first.queued).toBeGreaterThan(0);
    expect(await rows('reminders_send_now')).toBe(before + 1);
    // A second click in the same minute queues nothing, and says nothing in the log.
    const again = await queueRemindersNow(h.svc, admin);
    expect(again.queued).toBe(0);
    expect(await rows('reminders_send_now')).toBe(before + 1);
    await expect(queueRemindersNow(h.svc, lead)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('the same target level twice: one new version, one row', async () => {
    const app = (await h.store.applications.get(appId))!;
    const first = await setTargetLevel(h.svc, lead, { applicationId: appId, version: app.version, level: 'bronze' });
    const second = await setTargetLevel(h.svc, lead, {
      applicationId: appId,
      version: first.version,
      level: 'bronze',
    });
    expect(second.version).toBe(first.version);
    expect(await rows('set_target_level')).toBe(1);
    // A card from before the change is STALE, naming the change and who made it (read with the
    // application, not after it), and changes nothing.
    const leadName = (await h.store.people.get(lead.personId))!.displayName;
    await expect(
      setTargetLevel(h.svc, lead, { applicationId: appId, version: app.version, level: 'silver' }),
    ).rejects.toMatchObject({
      code: 'STALE',
      details: {
        applicationId: appId,
        seenVersion: app.version,
        currentVersion: first.version,
        currentState: 'open',
        changedBy: lead.personId,
        changedByName: leadName,
        lastAction: 'set_target_level',
      },
    });
    expect((await h.store.applications.get(appId))!.targetLevel).toBe('bronze');
    expect(await rows('set_target_level')).toBe(1);
    await expect(
      setTargetLevel(h.svc, lead, { applicationId: 'no-such-application', version: 1, level: 'silver' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('the same commentary saved twice writes one row; a real edit writes another', async () => {
    const version = (await h.store.applications.get(appId))!.version;
    const items = [{ criterionId: '1.1', text: 'Our policy covers every placement.', references: [] }];
    await saveSectionCommentary(h.svc, lead, { applicationId: appId, version, section: 1, items });
    await saveSectionCommentary(h.svc, lead, { applicationId: appId, version, section: 1, items });
    expect(await rows('save_commentary')).toBe(1);
    await saveSectionCommentary(h.svc, lead, {
      applicationId: appId,
      version,
      section: 1,
      items: [{ ...items[0]!, text: 'Our policy covers every placement, and is reviewed yearly.' }],
    });
    expect(await rows('save_commentary')).toBe(2);
    // What the card read for editing is checked instead of reading the application again; it
    // must be the application being edited.
    const read = await loadForEditing(h.svc, lead, appId);
    await saveSectionCommentary(h.svc, lead, { applicationId: appId, version, section: 1, items }, read);
    expect(await rows('save_commentary')).toBe(3);
    await expect(
      saveSectionCommentary(
        h.svc,
        lead,
        { applicationId: appId, version, section: 1, items },
        {
          ...read,
          application: { ...read.application, id: 'another-application' },
        },
      ),
    ).rejects.toThrow('the application read for editing is not the one being edited');
    await expect(
      saveSectionCommentary(h.svc, lead, { applicationId: appId, version: version - 1, section: 1, items }, read),
    ).rejects.toMatchObject({ code: 'STALE', details: { currentVersion: version } });
    expect(await rows('save_commentary')).toBe(3);
  });

  it('the same assessment and recommendation twice write one row each', async () => {
    const items = [{ criterionId: '1.1', outcome: 'met' as const, note: 'Clear.' }];
    await h.store.transaction((tx) => tx.reviews.saveAssessments(appId, 'rev-1', items, T0));
    await h.store.transaction((tx) => tx.reviews.saveAssessments(appId, 'rev-1', items, T0));
    expect(await rows('assess')).toBe(1);
    await h.store.transaction((tx) =>
      tx.reviews.saveAssessments(appId, 'rev-1', [{ ...items[0]!, outcome: 'partly_met' }], T0),
    );
    expect(await rows('assess')).toBe(2);
    const rec = {
      applicationId: appId,
      reviewerId: 'rev-1',
      level: 'bronze' as const,
      strengths: 'S',
      improvements: 'I',
    };
    await h.store.reviews.recommend(rec, T0);
    await h.store.reviews.recommend(rec, new Date(T0.getTime() + DAY));
    expect(await rows('record_recommendation')).toBe(1);
    await h.store.reviews.recommend({ ...rec, level: 'silver' }, T0);
    expect(await rows('record_recommendation')).toBe(2);
  });

  it('attendance marked twice, a session "changed" to what it is, an import with no changes: no extra rows', async () => {
    const start = new Date(T0.getTime() + 3 * DAY);
    await h.store.dropIns.createSession({
      id: 'same',
      title: 'Same drop-in',
      startsAt: start,
      endsAt: new Date(start.getTime() + 3_600_000),
      capacity: 5,
      cancelled: false,
      joinUrl: null,
    });
    const booking = await h.store.dropIns.book({
      sessionId: 'same',
      personId: 'lead-b',
      organisationId: 'org-b',
      actorId: 'lead-b',
      now: T0,
    });
    expect(await h.store.dropIns.markAttended(booking.id, true, 'admin-1', T0)).toBe('changed');
    expect(await h.store.dropIns.markAttended(booking.id, true, 'admin-1', T0)).toBe('unchanged');
    expect(await rows('mark_attended')).toBe(2); // one from the harness's own past drop-in, one here

    const before = await rows();
    const same = await changeSession(h.svc, admin, {
      sessionId: 'same',
      title: 'Same drop-in',
      startsAt: start,
      endsAt: new Date(start.getTime() + 3_600_000),
    });
    expect(same).toMatchObject({ notified: 0, session: { title: 'Same drop-in' } });
    const plan = await planImport(h.store, [
      { organisation_name: 'Alpha NHS Trust', organisation_code: 'A1', contact_role: 'applicant_lead' },
    ] as never);
    expect(plan.changes).toEqual([]);
    await applyImport(h.store, plan, T0);
    expect(await rows()).toBe(before);

    await changeSession(h.svc, admin, { sessionId: 'same', title: 'Renamed drop-in' });
    expect(await rows('change_session')).toBe(1);
  });
});
