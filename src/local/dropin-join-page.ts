/**
 * Local mode only: joining a drop-in's Teams meeting without Teams. The page lists the drop-ins
 * with a meeting and lets someone "join" one as a registered person; the visit is recorded in the
 * Graph emulator's meeting as Teams records a participant, so once the session is over its
 * attendance report is there for the attendance job to read, as in a tenant.
 */
import express, { type Express } from 'express';
import { formatLondon } from '../domain/time.js';
import { isApplicant } from '../domain/people.js';
import type { GraphEmulator } from '../graph/emulator/index.js';
import { dropInJoinForm, dropInJoinParams } from '../server/http-input.js';
import type { Services } from '../workflows/services.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function mountDropInJoinPage(app: Express, svc: Services, emulator: GraphEmulator): void {
  app.get('/local/dropins', async (_req, res) => {
    const now = svc.clock.now();
    const since = new Date(now.getTime() - 7 * 86_400_000);
    const sessions = [
      ...(await svc.store.dropIns.listRecent(now, since)),
      ...(await svc.store.dropIns.listUpcoming(now)),
    ].filter((s) => s.joinUrl);
    const people = (await svc.store.people.listByRole('applicant_lead'))
      .concat(await svc.store.people.listByRole('applicant_contributor'))
      .filter((p) => p.entraObjectId);
    const options = people.map((p) => `<option value="${esc(p.id)}">${esc(p.displayName)}</option>`).join('');
    const rows = sessions.map(
      (s) =>
        `<section><h2>${esc(s.title)}</h2><p>${esc(formatLondon(s.startsAt))}–${esc(formatLondon(s.endsAt, 'time'))} (UK time)</p>` +
        `<form method="post" action="/local/dropins/${encodeURIComponent(s.id)}/join"><label>Join as <select name="personId">${options}</select></label> <button>Join the meeting</button></form></section>`,
    );
    res.type('html')
      .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Drop-in meetings (local)</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}section{border-top:1px solid #ccc;padding:.5rem 0}h2{font-size:1.1rem}</style></head>
<body><h1>Drop-in meetings</h1>
<p>Local stand-in for joining a drop-in's Teams meeting. Joining records you as a participant of the meeting in the Graph emulator; after the session ends, the app reads its attendance report as it does in Teams.</p>
${rows.join('\n') || '<p><em>No drop-in sessions with a meeting this week.</em></p>'}
</body></html>`);
  });

  app.post(
    '/local/dropins/:sessionId/join',
    express.urlencoded({ extended: false, limit: '4kb' }),
    async (req, res) => {
      const params = dropInJoinParams.safeParse(req.params);
      const form = dropInJoinForm.safeParse(req.body);
      if (!params.success || !form.success) return void res.status(400).type('text').send('Choose who is joining.');
      const session = await svc.store.dropIns.getSession(params.data.sessionId);
      const person = await svc.store.people.get(form.data.personId);
      if (!session?.joinUrl || session.cancelled)
        return void res.status(404).type('text').send('That drop-in has no meeting to join.');
      if (!person?.entraObjectId || !isApplicant(person))
        return void res.status(400).type('text').send('Only registered applicants can join here.');
      const now = svc.clock.now();
      const leave = new Date(Math.max(now.getTime() + 60_000, session.endsAt.getTime()));
      emulator.onlineMeetings.recordAttendance(session.joinUrl, {
        userId: person.entraObjectId,
        email: person.email,
        displayName: person.displayName,
        joinDateTime: now,
        leaveDateTime: leave,
      });
      res
        .type('html')
        .send(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Joined</title></head><body><p>${esc(person.displayName)} joined “${esc(session.title)}”. The attendance is recorded once the session has ended.</p><p><a href="/local/dropins">Back</a></p></body></html>`,
        );
    },
  );
}
