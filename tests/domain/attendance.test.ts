import { describe, expect, it } from 'vitest';
import {
  ATTENDANCE_AUDIT_SOURCE,
  ATTENDANCE_SOURCE_LABELS,
  ATTENDANCE_SOURCES,
  attendeeFor,
  GIVE_UP_AFTER_MS,
  KEEP_COLLECTING_FOR_MS,
  nextAttendanceCheck,
  RECHECK_EVERY_MS,
  type AttendanceRecord,
} from '../../src/domain/attendance.js';
import type { Person } from '../../src/domain/types.js';

const END = new Date('2027-01-14T11:00:00Z');
const at = (ms: number) => new Date(END.getTime() + ms);
const HOUR = 3_600_000;

const person = (over: Partial<Person>): Person => ({
  id: 'p',
  displayName: 'P',
  email: 'p@x.example',
  entraObjectId: 'aaaaaaaa-0000-4000-8000-00000000000a',
  organisationId: 'org-a',
  roles: ['applicant_lead'],
  ...over,
});
const record = (over: Partial<AttendanceRecord>): AttendanceRecord => ({
  entraObjectId: 'aaaaaaaa-0000-4000-8000-00000000000a',
  emailAddress: 'p@x.example',
  role: 'Attendee',
  totalAttendanceInSeconds: 600,
  ...over,
});

describe('when a session’s attendance is looked at', () => {
  it('looks again every 30 minutes while no report has come, and gives up a week after the end', () => {
    expect(nextAttendanceCheck({ endsAt: END, now: at(HOUR), reportsSoFar: 0 })).toEqual({
      state: 'pending',
      nextCheckAt: at(HOUR + RECHECK_EVERY_MS),
    });
    expect(nextAttendanceCheck({ endsAt: END, now: at(GIVE_UP_AFTER_MS - 1), reportsSoFar: 0 }).state).toBe('pending');
    expect(nextAttendanceCheck({ endsAt: END, now: at(GIVE_UP_AFTER_MS), reportsSoFar: 0 })).toEqual({
      state: 'no_report',
    });
  });

  it('once a report is in, keeps looking for later occurrences until a day after the end, never past it', () => {
    expect(nextAttendanceCheck({ endsAt: END, now: at(HOUR), reportsSoFar: 1 })).toEqual({
      state: 'pending',
      nextCheckAt: at(HOUR + RECHECK_EVERY_MS),
    });
    expect(
      nextAttendanceCheck({ endsAt: END, now: at(KEEP_COLLECTING_FOR_MS - 10 * 60_000), reportsSoFar: 2 }),
    ).toEqual({
      state: 'pending',
      nextCheckAt: at(KEEP_COLLECTING_FOR_MS),
    });
    expect(nextAttendanceCheck({ endsAt: END, now: at(KEEP_COLLECTING_FOR_MS), reportsSoFar: 1 })).toEqual({
      state: 'collected',
    });
  });
});

describe('who an attendance record is', () => {
  it('is the person with its Entra object id, in any letter case', () => {
    const p = person({});
    expect(attendeeFor(record({ entraObjectId: p.entraObjectId!.toUpperCase(), emailAddress: null }), [p])).toBe(p);
  });

  it('is the person with its email when the record has no object id, or the person is not bound yet', () => {
    const unbound = person({ entraObjectId: null });
    expect(attendeeFor(record({ entraObjectId: null }), [unbound])).toBe(unbound);
    expect(attendeeFor(record({ entraObjectId: 'bbbbbbbb-0000-4000-8000-00000000000b' }), [unbound])).toBe(unbound);
  });

  it('is nobody for an email that belongs to someone bound to another account', () => {
    expect(attendeeFor(record({ entraObjectId: 'bbbbbbbb-0000-4000-8000-00000000000b' }), [person({})])).toBeNull();
  });

  it('counts only applicants of an organisation who actually joined', () => {
    expect(attendeeFor(record({ totalAttendanceInSeconds: 0 }), [person({})])).toBeNull();
    expect(attendeeFor(record({}), [person({ organisationId: null })])).toBeNull();
    expect(attendeeFor(record({}), [person({ roles: ['reviewer'] })])).toBeNull();
    expect(attendeeFor(record({}), [])).toBeNull();
    const contributor = person({ roles: ['applicant_contributor'] });
    expect(attendeeFor(record({}), [contributor])).toBe(contributor);
  });

  it('names every source on cards and in the audit log', () => {
    for (const s of ATTENDANCE_SOURCES) {
      expect(ATTENDANCE_SOURCE_LABELS[s]).toMatch(/^(from|by|in) /);
      expect(ATTENDANCE_AUDIT_SOURCE[s]).toMatch(/^[a-z_]+$/);
    }
  });
});
