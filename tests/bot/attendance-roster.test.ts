/**
 * Admins mark drop-in attendance on a session's roster card (people who joined by phone or from a
 * room device); every mark is audited; applicants' eligibility card says where their attendance
 * came from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { markAttendance } from '../../src/workflows/attendance.js';
import { engines } from '../support/databases.js';
import { T0 } from '../support/fixtures.js';
import { cardText, click, executeActions, harness, invoke, say, type Harness } from './helpers.js';

const HOUR = 3_600_000;

describe.each(engines())('drop-in attendance roster ($name)', (engine) => {
  let handle: DatabaseHandle;
  let h: Harness;
  const past = {
    id: 'roster-past',
    title: 'Tuesday drop-in',
    startsAt: new Date(T0.getTime() - 26 * HOUR),
    endsAt: new Date(T0.getTime() - 25 * HOUR),
    capacity: 10,
    cancelled: false,
    joinUrl: null,
  };

  beforeAll(async () => {
    handle = await engine.open();
    h = await harness(handle);
    await h.store.dropIns.createSession(past);
    const bookedAt = new Date(T0.getTime() - 5 * 24 * HOUR);
    for (const [personId, organisationId] of [
      ['lead-a', 'org-a'],
      ['contrib-a', 'org-a'],
    ] as const)
      await h.store.dropIns.book({ sessionId: past.id, personId, organisationId, actorId: personId, now: bookedAt });
  });
  afterAll(async () => handle?.close());

  it('lists recent sessions and opens a roster; marks someone attended and then not, each audited', async () => {
    const list = await say(h, 'admin', 'attendance');
    expect(list.outcome).toBe('attendance');
    expect(cardText(list.card)).toContain('Tuesday drop-in');
    const roster = await click(h, 'admin', list.card, 'dropin_roster');
    const text = cardText(roster.card);
    expect(text).toContain('0 of 2 attended');
    expect(text).toContain('has not been read yet');
    expect(text).toContain('Ada Lead');

    const marked = await click(h, 'admin', roster.card, 'mark_attendance', {}, 'Attended');
    expect(cardText(marked.card)).toContain('Recorded: ');
    expect(cardText(marked.card)).toContain('1 of 2 attended');
    expect(cardText(marked.card)).toContain('✓ Attended (by the WEx QS team)');

    const booking = (await h.store.dropIns.bookingsForSession(past.id)).find((b) => b.attended)!;
    const undone = await click(h, 'admin', marked.card, 'mark_attendance', {}, 'Did not attend');
    expect(cardText(undone.card)).toContain('did not attend');
    expect(cardText(undone.card)).toContain('0 of 2 attended');
    expect(
      (await h.store.audit.forEntity('dropin_booking', booking.id))
        .filter((a) => a.action.endsWith('attended'))
        .map((a) => [a.action, a.actorId, a.details.source]),
    ).toEqual([
      ['mark_attended', 'admin-1', 'admin_roster'],
      ['unmark_attended', 'admin-1', 'admin_roster'],
    ]);
    const again = await click(h, 'admin', undone.card, 'mark_attendance', {}, 'Attended');
    expect(cardText(again.card)).toContain('1 of 2 attended');
  });

  it('marks someone who joined without booking by their email; their eligibility card says the team recorded it', async () => {
    const roster = await invoke(h, 'admin', 'dropin_roster', { sessionId: past.id });
    const byEmail = await click(
      h,
      'admin',
      roster.card,
      'mark_attendance',
      { email: ' BEN@beta.example ' },
      'Mark attended',
    );
    expect(cardText(byEmail.card)).toContain('Recorded: Ben Lead attended.');
    const same = await click(
      h,
      'admin',
      byEmail.card,
      'mark_attendance',
      { email: 'ben@beta.example' },
      'Mark attended',
    );
    expect(cardText(same.card)).toContain('Ben Lead was already recorded as attending.');

    const eligibility = await say(h, 'leadB', 'eligibility');
    expect(cardText(eligibility.card)).toContain('You are eligible to apply');
    expect(cardText(eligibility.card)).toContain('Attendance recorded by the WEx QS team.');
  });

  it('explains what cannot be marked: unknown email, someone not an applicant, a future or cancelled session', async () => {
    const roster = await invoke(h, 'admin', 'dropin_roster', { sessionId: past.id });
    const unknown = await click(
      h,
      'admin',
      roster.card,
      'mark_attendance',
      { email: 'nobody@x.example' },
      'Mark attended',
    );
    expect(cardText(unknown.card)).toContain('Nobody registered in WEx QS has that email address');
    const reviewer = await click(
      h,
      'admin',
      roster.card,
      'mark_attendance',
      { email: 'rita@nhse.example' },
      'Mark attended',
    );
    expect(cardText(reviewer.card)).toContain('is not an applicant of an organisation');

    await h.store.dropIns.createSession({
      ...past,
      id: 'roster-future',
      startsAt: new Date(T0.getTime() + HOUR),
      endsAt: new Date(T0.getTime() + 2 * HOUR),
    });
    const future = await invoke(h, 'admin', 'mark_attendance', {
      sessionId: 'roster-future',
      personId: 'lead-a',
      attended: true,
    });
    expect(cardText(future.card)).toContain('once the session has started');
    await h.store.dropIns.createSession({ ...past, id: 'roster-cancelled', cancelled: true });
    const cancelled = await invoke(h, 'admin', 'mark_attendance', {
      sessionId: 'roster-cancelled',
      personId: 'lead-a',
      attended: true,
    });
    expect(cardText(cancelled.card)).toContain('was cancelled');
    expect(cardText((await invoke(h, 'admin', 'dropin_roster', { sessionId: 'missing' })).card)).toContain(
      'That drop-in session does not exist.',
    );
  });

  it('changes nothing when marking “did not attend” for someone who did not book, or with no one named', async () => {
    const adminActor = { personId: 'admin-1', displayName: 'Adam', roles: ['admin' as const], organisationId: null };
    await h.store.people.upsert({
      id: 'dee',
      displayName: 'Dee Didnotbook',
      email: 'dee@beta.example',
      entraObjectId: null,
      organisationId: 'org-b',
      roles: ['applicant_contributor'],
    });
    expect(
      await markAttendance(h.svc, adminActor, { sessionId: past.id, personId: 'dee', attended: false }),
    ).toMatchObject({ changed: false });
    await expect(markAttendance(h.svc, adminActor, { sessionId: past.id, attended: true })).rejects.toThrow(
      'We could not find that person.',
    );
    await expect(
      markAttendance(h.svc, adminActor, { sessionId: past.id, personId: 'gone', attended: true }),
    ).rejects.toThrow('We could not find that person.');
    await expect(
      markAttendance(h.svc, adminActor, { sessionId: past.id, email: '  ', attended: true }),
    ).rejects.toThrow('Nobody registered in WEx QS has that email address.');
  });

  it('pages a long roster, saying how many there are and how to see the rest; marking keeps the page', async () => {
    const long = { ...past, id: 'roster-long', title: 'Busy drop-in', capacity: 80 };
    await h.store.dropIns.createSession(long);
    const bookedAt = new Date(T0.getTime() - 5 * 24 * HOUR);
    const names: string[] = [];
    for (let i = 0; i < 55; i++) {
      const id = `crowd-${i}`;
      names.push(`Crowd Member ${String(i).padStart(2, '0')} of a rather long-named team`);
      await h.store.people.upsert({
        id,
        displayName: names[i]!,
        email: `${id}@beta.example`,
        entraObjectId: null,
        organisationId: 'org-b',
        roles: ['applicant_contributor'],
      });
      await h.store.dropIns.book({
        sessionId: long.id,
        personId: id,
        organisationId: 'org-b',
        actorId: id,
        now: bookedAt,
      });
    }

    let page = await invoke(h, 'admin', 'dropin_roster', { sessionId: long.id });
    expect(cardText(page.card)).toContain('0 of 55 attended');
    expect(cardText(page.card)).toMatch(/Showing 1–\d+ of 55 \(page 1 of \d+\)\. Press “Next page” for the rest\./);
    expect(executeActions(page.card).map((a) => a.title)).not.toContain('Previous page');
    const seen: string[] = [];
    const onPage = (c: unknown) => names.filter((n) => cardText(c).includes(n));
    for (let n = 0; ; n++) {
      expect(n).toBeLessThan(10);
      seen.push(...onPage(page.card));
      if (!executeActions(page.card).some((a) => a.title === 'Next page')) break;
      page = await click(h, 'admin', page.card, 'dropin_roster', {}, 'Next page');
    }
    // Every booked person is on exactly one page.
    expect(seen.sort()).toEqual([...names].sort());
    expect(cardText(page.card)).toContain('Press “Previous page” for the others.');

    // Marking someone on the last page comes back to the last page, with the count updated.
    const last = onPage(page.card);
    const marked = await click(h, 'admin', page.card, 'mark_attendance', {}, 'Attended');
    expect(cardText(marked.card)).toContain(`Recorded: ${last[0]} attended.`);
    expect(cardText(marked.card)).toContain('1 of 55 attended');
    expect(onPage(marked.card)).toEqual(last);
    const back = await click(h, 'admin', marked.card, 'dropin_roster', {}, 'Previous page');
    expect(onPage(back.card).some((n) => last.includes(n))).toBe(false);
  });

  it('is for admins only', async () => {
    const refused = await say(h, 'lead', 'attendance');
    expect(refused.outcome).toBe('not_for_you');
    expect(cardText(refused.card)).toContain('This action is for admins');
    expect((await invoke(h, 'lead', 'mark_attendance', { sessionId: past.id, attended: true })).outcome).toBe(
      'not_for_you',
    );
    await expect(
      markAttendance(
        h.svc,
        { personId: 'lead-a', displayName: 'Ada', roles: ['applicant_lead'], organisationId: 'org-a' },
        {
          sessionId: past.id,
          personId: 'lead-a',
          attended: true,
        },
      ),
    ).rejects.toBeInstanceOf(DomainError);
  });
});
