import { afterEach, describe, expect, it } from 'vitest';
import { listEvidence, refreshEvidence } from '../../src/graph/evidence-listing.js';
import { DropInMeetings, toGraphDateTime } from '../../src/graph/meetings.js';
import { bookingIcs } from '../../src/graph/ics.js';
import { graphCall } from '../../src/graph/client.js';
import { Provisioner, InMemoryLedger } from '../../src/graph/provisioning/index.js';
import { harness, smallCycle, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('evidence listing', () => {
  it('lists every file with its section, paging, and refreshes cheaply through delta', async () => {
    h = await harness({ timeScale: 60 });
    const ledger = new InMemoryLedger();
    await new Provisioner({ client: h.client, ledger, pacer: { ruPerMinute: 1250, timeScale: 60 } }).run(smallCycle(2));
    const st = (await ledger.loadCycle('c1')).orgs.o0!;
    const other = (await ledger.loadCycle('c1')).orgs.o1!;
    const d = h.emu.driveId;
    const put = (folderId: string, name: string, text: string) =>
      graphCall(
        h!.client,
        'PUT',
        `/drives/${d}/items/${folderId}:/${encodeURIComponent(name)}:/content`,
        Buffer.from(text),
        { 'Content-Type': 'text/plain' },
      );
    const s1 = st.sections['1 Healthcare organisation']!.id;
    for (let i = 0; i < 5; i++) await put(s1, `policy ${i}.txt`, 'x'.repeat(i + 1));
    await put(st.sections['4 During placement']!.id, 'log.txt', 'day 1');
    await put(other.sections['2 Pre-placement']!.id, 'not-mine.txt', 'other org');
    const opts = { client: h.client, baseUrl: h.emu.url, driveId: d, orgFolderId: st.folder!.id, pageSize: 2 };
    const first = await listEvidence(opts);
    expect(first.files).toHaveLength(6);
    expect(first.files.find((f) => f.name === 'log.txt')).toMatchObject({
      section: '4 During placement',
      size: 5,
      webUrl: expect.stringContaining('log.txt'),
      lastModified: expect.any(String),
    });
    expect(first.files.filter((f) => f.section === '1 Healthcare organisation')).toHaveLength(5);
    expect(first.requests).toBeGreaterThan(8); // paged at 2 per page
    const unchanged = await refreshEvidence(opts, first.cursor);
    expect(unchanged.requests).toBe(1);
    expect(unchanged.changed).toBe(false);
    await put(st.sections['6 Post placement']!.id, 'reflection.txt', 'done');
    await put(other.sections['2 Pre-placement']!.id, 'still-not-mine.txt', 'x');
    const changed = await refreshEvidence(opts, unchanged.cursor);
    expect(changed.changed).toBe(true);
    expect(changed.files.map((f) => f.name)).toContain('reflection.txt');
    expect(changed.files).toHaveLength(7);
    const gone = first.files[0]!;
    await graphCall(h.client, 'DELETE', `/drives/${d}/items/${gone.id}`);
    const afterDelete = await refreshEvidence(opts, changed.cursor);
    expect(afterDelete.files.map((f) => f.id)).not.toContain(gone.id);
  }, 20_000);
});

describe('drop-in meetings', () => {
  it('creates a Teams meeting, books and unbooks attendees serially without losing any, cancels', async () => {
    h = await harness({ users: [{ mail: 'organiser@t.example.org' }], latencyMs: 20, mailboxConcurrency: 4 });
    const m = new DropInMeetings(h.client, 'organiser@t.example.org');
    const ref = await m.create({
      subject: 'Drop-in',
      startUtc: '2025-10-26T09:30:00Z',
      endUtc: '2025-10-26T10:30:00Z',
    });
    expect(ref.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    // 10 concurrent bookings on one event: per-event queue keeps every one
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => m.addAttendee(ref.eventId, { email: `p${i}@t.example.org` })),
    );
    expect((await m.attendees(ref.eventId)).map((a) => a.email).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `p${i}@t.example.org`).sort(),
    );
    await Promise.all([
      m.removeAttendee(ref.eventId, 'p3@t.example.org'),
      m.addAttendee(ref.eventId, { email: 'p0@t.example.org' }),
    ]);
    expect(await m.attendees(ref.eventId)).toHaveLength(9);
    // many events at once stay within the mailbox limit (the emulator answers 429 beyond 4)
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        m.create({ subject: `S${i}`, startUtc: '2025-11-01T10:00:00Z', endUtc: '2025-11-01T11:00:00Z' }),
      ),
    );
    expect(h.emu.stats().mailboxThrottled).toBe(0);
    const upd = await m.update(ref.eventId, {
      subject: 'Drop-in (moved)',
      startUtc: '2025-10-26T11:00:00Z',
      endUtc: '2025-10-26T12:00:00Z',
    });
    expect(upd.joinUrl).toBe(ref.joinUrl);
    await m.cancel(ref.eventId);
    await m.cancel(ref.eventId); // idempotent
  }, 20_000);

  it('converts UTC instants to Europe/London wall time across the clock change', () => {
    expect(toGraphDateTime('2025-10-26T00:30:00Z')).toEqual({
      dateTime: '2025-10-26T01:30:00',
      timeZone: 'Europe/London',
    }); // BST
    expect(toGraphDateTime('2025-10-26T01:30:00Z')).toEqual({
      dateTime: '2025-10-26T01:30:00',
      timeZone: 'Europe/London',
    }); // GMT
  });

  it('produces an .ics with UTC instants, the join link and a stable UID', () => {
    const ics = bookingIcs({
      uid: 'session-1@wexqs',
      title: 'Drop-in',
      startUtc: '2025-03-30T09:00:00Z',
      endUtc: '2025-03-30T10:00:00Z',
      joinUrl: 'https://teams.microsoft.com/l/meetup-join/x',
      organiser: { name: 'Org', email: 'organiser@t.example.org' },
      attendee: { name: 'A', email: 'a@t.example.org' },
    });
    expect(ics).toContain('BEGIN:VCALENDAR');
    expect(ics).toContain('DTSTART:20250330T090000Z');
    expect(ics).toContain('DTEND:20250330T100000Z');
    expect(ics).toContain('UID:session-1@wexqs');
    expect(ics).toContain('METHOD:REQUEST');
    expect(ics.replace(/\r\n[ \t]/g, '')).toContain('https://teams.microsoft.com/l/meetup-join/x');
    expect(() =>
      bookingIcs({
        uid: 'x',
        title: 't',
        startUtc: '2025-03-30T10:00:00Z',
        endUtc: '2025-03-30T09:00:00Z',
        organiser: { name: 'o', email: 'o@x.org' },
      }),
    ).toThrow();
  });
});
