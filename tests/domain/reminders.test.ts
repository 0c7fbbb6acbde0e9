import { describe, expect, it } from 'vitest';
import {
  adminDecisionReminders,
  applicantDeadlineReminders,
  awardExpiryReminders,
  beforeAnchor,
  cancellationFor,
  DEFAULT_REMINDER_SETTINGS,
  dropInReminders,
  isQuietTime,
  parseQuietHours,
  resolveReminderSettings,
  reviewerReminders,
  sendTimeFor,
  type ReminderSettings,
} from '../../src/domain/reminders.js';
import { formatLondon, londonDate } from '../../src/domain/time.js';
import { APPLICATION_STATES, type Application } from '../../src/domain/types.js';

const S: ReminderSettings = DEFAULT_REMINDER_SETTINGS;
const iso = (d: Date) => d.toISOString();
const london = (d: Date) => formatLondon(d);

// Deadline Friday 19 June 2026, 17:00 London (BST).
const deadline = londonDate(2026, 6, 19, 17, 0);
const cycle = { id: 'c1', submissionDeadline: deadline, intakePaused: false };
const app = (state: Application['state']) => ({ id: 'app-1', state, cycleId: 'c1' });
const longBefore = londonDate(2026, 4, 1, 9, 0);

describe('applicant deadline reminders', () => {
  it('plans 28/14/7/2/1 days before at the deadline wall-clock time, for every team member', () => {
    const r = applicantDeadlineReminders({
      cycle,
      application: app('open'),
      recipients: ['p1', 'p2'],
      settings: S,
      now: longBefore,
    });
    expect(r).toHaveLength(10);
    const forP1 = r.filter((x) => x.recipientId === 'p1');
    expect(forP1.map((x) => london(x.dueAt))).toEqual([
      'Fri 22 May 2026, 17:00',
      'Fri 5 Jun 2026, 17:00',
      'Fri 12 Jun 2026, 17:00',
      'Wed 17 Jun 2026, 17:00',
      'Thu 18 Jun 2026, 17:00',
    ]);
    expect(forP1.map((x) => x.offsetLabel)).toEqual(['28 days', '14 days', '7 days', '2 days', '1 day']);
    for (const x of r) {
      expect(x.kind).toBe('submission_deadline');
      expect(x.applicationId).toBe('app-1');
      expect(x.expiresAt).toEqual(deadline);
      expect(x.sendAfter).toEqual(x.dueAt); // 17:00 is not in quiet hours
    }
  });

  it('only while the application is open, and not while intake is paused', () => {
    for (const state of APPLICATION_STATES) {
      const r = applicantDeadlineReminders({
        cycle,
        application: app(state),
        recipients: ['p1'],
        settings: S,
        now: longBefore,
      });
      expect(r.length > 0, state).toBe(state === 'open');
    }
    expect(
      applicantDeadlineReminders({
        cycle: { ...cycle, intakePaused: true },
        application: app('open'),
        recipients: ['p1'],
        settings: S,
        now: longBefore,
      }),
    ).toEqual([]);
  });

  it('drops reminders already passed (beyond the catch-up window) and uses per-cycle offsets', () => {
    const now = londonDate(2026, 6, 10, 12, 0); // after the 14-day one
    const r = applicantDeadlineReminders({ cycle, application: app('open'), recipients: ['p1'], settings: S, now });
    expect(r.map((x) => x.offsetLabel)).toEqual(['7 days', '2 days', '1 day']);
    const custom = resolveReminderSettings({ deadlineDaysBefore: [3, 3, 10, 0, -1] });
    expect(custom.deadlineDaysBefore).toEqual([10, 3]);
    const r2 = applicantDeadlineReminders({
      cycle,
      application: app('open'),
      recipients: ['p1'],
      settings: custom,
      now: longBefore,
    });
    expect(r2.map((x) => x.offsetLabel)).toEqual(['10 days', '3 days']);
  });

  it('keeps a reminder that fell due a little while ago (planner downtime) but not a stale one', () => {
    const oneDayBefore = londonDate(2026, 6, 18, 17, 0);
    const justAfter = new Date(oneDayBefore.getTime() + 60 * 60_000);
    expect(
      applicantDeadlineReminders({
        cycle,
        application: app('open'),
        recipients: ['p1'],
        settings: S,
        now: justAfter,
      }).map((x) => x.offsetLabel),
    ).toEqual(['1 day']);
    const muchLater = new Date(oneDayBefore.getTime() + 13 * 60 * 60_000);
    expect(
      applicantDeadlineReminders({ cycle, application: app('open'), recipients: ['p1'], settings: S, now: muchLater }),
    ).toEqual([]);
  });
});

describe('daylight saving', () => {
  it('calendar-day offsets keep the London wall-clock time across the spring and autumn changes', () => {
    // Deadline Tue 31 Mar 2026 17:00 BST; 7 days before is Tue 24 Mar 17:00 GMT (clocks went forward 29 Mar).
    const d = londonDate(2026, 3, 31, 17, 0);
    const week = beforeAnchor(d, { days: 7 });
    expect(london(week)).toBe('Tue 24 Mar 2026, 17:00');
    expect(d.getTime() - week.getTime()).toBe(7 * 24 * 3600_000 - 3600_000);
    // Autumn: session Mon 26 Oct 2026 10:00 GMT; 24 hours before = Sun 25 Oct 10:00 GMT (a 25-hour day back).
    const s = londonDate(2026, 10, 26, 10, 0);
    const r = dropInReminders({
      session: { id: 's1', startsAt: s, cancelled: false },
      bookings: [{ id: 'b1', personId: 'p1', status: 'booked' }],
      settings: S,
      now: londonDate(2026, 10, 1, 9),
    });
    expect(r.map((x) => london(x.dueAt))).toEqual(['Sun 25 Oct 2026, 10:00', 'Mon 26 Oct 2026, 09:00']);
    expect(r.map((x) => x.offsetLabel)).toEqual(['24 hours', '1 hour']);
  });

  it('quiet hours end at 08:00 London on the morning clocks change', () => {
    // Due 01:30 GMT on Sun 29 Mar 2026 (clocks go forward at 01:00): sent 08:00 BST = 07:00Z.
    const due = new Date('2026-03-29T00:30:00Z');
    expect(isQuietTime(due, S.quietHours)).toBe(true);
    expect(iso(sendTimeFor(due, S.quietHours))).toBe('2026-03-29T07:00:00.000Z');
    // Sun 25 Oct 2026 (clocks go back at 02:00): 23:00 BST on the 24th → 08:00 GMT on the 25th.
    const late = new Date('2026-10-24T22:00:00Z');
    expect(iso(sendTimeFor(late, S.quietHours))).toBe('2026-10-25T08:00:00.000Z');
  });
});

describe('quiet hours', () => {
  const q = { start: '20:00', end: '08:00' };
  it('knows what is quiet (start inclusive, end exclusive)', () => {
    expect(isQuietTime(londonDate(2026, 5, 4, 19, 59), q)).toBe(false);
    expect(isQuietTime(londonDate(2026, 5, 4, 20, 0), q)).toBe(true);
    expect(isQuietTime(londonDate(2026, 5, 5, 3, 0), q)).toBe(true);
    expect(isQuietTime(londonDate(2026, 5, 5, 7, 59), q)).toBe(true);
    expect(isQuietTime(londonDate(2026, 5, 5, 8, 0), q)).toBe(false);
    expect(isQuietTime(londonDate(2026, 5, 5, 3, 0), null)).toBe(false);
    // A period inside one day.
    expect(isQuietTime(londonDate(2026, 5, 5, 13, 0), { start: '12:00', end: '14:00' })).toBe(true);
    expect(isQuietTime(londonDate(2026, 5, 5, 11, 0), { start: '12:00', end: '14:00' })).toBe(false);
  });

  it('moves an evening or night reminder to the start of the next morning', () => {
    expect(london(sendTimeFor(londonDate(2026, 5, 4, 21, 30), q))).toBe('Tue 5 May 2026, 08:00');
    expect(london(sendTimeFor(londonDate(2026, 5, 5, 6, 15), q))).toBe('Tue 5 May 2026, 08:00');
    expect(london(sendTimeFor(londonDate(2026, 5, 5, 9, 0), q))).toBe('Tue 5 May 2026, 09:00');
    expect(london(sendTimeFor(londonDate(2026, 5, 5, 13, 0), { start: '12:00', end: '14:00' }))).toBe(
      'Tue 5 May 2026, 14:00',
    );
  });

  it('a deadline at 23:30 is reminded at 08:00, and a reminder that could only go after the event is dropped', () => {
    const lateDeadline = londonDate(2026, 6, 19, 23, 30);
    const r = applicantDeadlineReminders({
      cycle: { ...cycle, submissionDeadline: lateDeadline },
      application: app('open'),
      recipients: ['p1'],
      settings: S,
      now: longBefore,
    });
    expect(r.map((x) => london(x.sendAfter)).at(-1)).toBe('Fri 19 Jun 2026, 08:00');
    // A 07:30 session: the 1-hour reminder is due 06:30 (quiet) and would go at 08:00, after it started.
    const early = londonDate(2026, 6, 3, 7, 30);
    const d = dropInReminders({
      session: { id: 's', startsAt: early, cancelled: false },
      bookings: [{ id: 'b', personId: 'p', status: 'booked' }],
      settings: S,
      now: longBefore,
    });
    expect(d.map((x) => x.offsetLabel)).toEqual(['24 hours']);
    expect(london(d[0]!.sendAfter)).toBe('Tue 2 Jun 2026, 08:00');
  });

  it('parses configuration', () => {
    expect(parseQuietHours('21:00-07:30')).toEqual({ start: '21:00', end: '07:30' });
    expect(parseQuietHours('off')).toBeNull();
    expect(() => parseQuietHours('25:00-07:00')).toThrow();
    expect(resolveReminderSettings({ quietHours: null }).quietHours).toBeNull();
    expect(resolveReminderSettings({}).quietHours).toEqual({ start: '20:00', end: '08:00' });
  });
});

describe('other audiences', () => {
  it('drop-in: only live bookings of sessions that still run', () => {
    const startsAt = londonDate(2026, 5, 12, 14, 0);
    const bookings = [
      { id: 'b1', personId: 'p1', status: 'booked' as const },
      { id: 'b2', personId: 'p2', status: 'cancelled' as const },
      { id: 'b3', personId: 'p3', status: 'waitlisted' as const },
    ];
    const r = dropInReminders({
      session: { id: 's', startsAt, cancelled: false },
      bookings,
      settings: S,
      now: longBefore,
    });
    expect(r.map((x) => [x.recipientId, london(x.dueAt)])).toEqual([
      ['p1', 'Mon 11 May 2026, 14:00'],
      ['p1', 'Tue 12 May 2026, 13:00'],
    ]);
    expect(
      dropInReminders({ session: { id: 's', startsAt, cancelled: true }, bookings, settings: S, now: longBefore }),
    ).toEqual([]);
    expect(
      dropInReminders({ session: { id: 's', startsAt, cancelled: false }, bookings, settings: S, now: startsAt }),
    ).toEqual([]);
  });

  it('reviewers only with outstanding assessments, within the review window', () => {
    const c = { id: 'c1', reviewStart: londonDate(2026, 7, 1, 9), reviewEnd: londonDate(2026, 7, 10, 17) };
    const r = reviewerReminders({
      cycle: c,
      reviewers: [
        { personId: 'r1', outstanding: 2 },
        { personId: 'r2', outstanding: 0 },
      ],
      settings: S,
      now: longBefore,
    });
    // 7 days before the end is 3 July (inside the window), 2 days before is 8 July.
    expect(r.map((x) => [x.recipientId, london(x.dueAt)])).toEqual([
      ['r1', 'Fri 3 Jul 2026, 17:00'],
      ['r1', 'Wed 8 Jul 2026, 17:00'],
    ]);
    const short = { ...c, reviewStart: londonDate(2026, 7, 6, 9) };
    expect(
      reviewerReminders({
        cycle: short,
        reviewers: [{ personId: 'r1', outstanding: 1 }],
        settings: S,
        now: longBefore,
      }).map((x) => x.offsetLabel),
    ).toEqual(['2 days']);
  });

  it('admins before the decision window opens and closes', () => {
    const c = { id: 'c1', decisionStart: londonDate(2026, 8, 3, 9), decisionEnd: londonDate(2026, 8, 14, 17) };
    const r = adminDecisionReminders({ cycle: c, admins: ['a1'], settings: S, now: longBefore });
    expect(r.map((x) => [x.kind, london(x.dueAt)])).toEqual([
      ['decision_opening', 'Sat 1 Aug 2026, 09:00'],
      ['decision_closing', 'Wed 12 Aug 2026, 17:00'],
    ]);
  });

  it('award holders 90 and 30 days before expiry', () => {
    const validUntil = londonDate(2027, 3, 1, 12);
    const r = awardExpiryReminders({
      award: { id: 'aw1', validUntil },
      recipients: ['p1'],
      settings: S,
      now: londonDate(2026, 6, 1, 9),
    });
    expect(r.map((x) => [x.offsetLabel, london(x.dueAt)])).toEqual([
      ['90 days', 'Tue 1 Dec 2026, 12:00'],
      ['30 days', 'Sat 30 Jan 2027, 12:00'],
    ]);
    expect(r.every((x) => x.subject.id === 'aw1' && x.cycleId === '')).toBe(true);
  });
});

describe('cancellation', () => {
  it('maps each event to what it cancels', () => {
    expect(cancellationFor({ type: 'application_submitted', applicationId: 'a' })).toEqual({
      applicationId: 'a',
      kinds: ['submission_deadline'],
      reason: 'application submitted',
    });
    expect(cancellationFor({ type: 'application_withdrawn', applicationId: 'a' }).kinds).toEqual([
      'submission_deadline',
    ]);
    expect(cancellationFor({ type: 'intake_paused', cycleId: 'c' })).toMatchObject({
      cycleId: 'c',
      kinds: ['submission_deadline'],
    });
    expect(cancellationFor({ type: 'booking_cancelled', bookingId: 'b' })).toMatchObject({
      bookingId: 'b',
      kinds: ['dropin_upcoming'],
    });
    expect(cancellationFor({ type: 'session_cancelled', sessionId: 's' })).toMatchObject({
      sessionId: 's',
      kinds: ['dropin_upcoming', 'dropin_changed'],
    });
    expect(cancellationFor({ type: 'session_changed', sessionId: 's' })).toMatchObject({
      sessionId: 's',
      kinds: ['dropin_upcoming'],
    });
    expect(cancellationFor({ type: 'award_renewed', awardId: 'w' })).toMatchObject({
      subjectId: 'w',
      kinds: ['award_expiry'],
    });
  });
});
