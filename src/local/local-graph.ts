/**
 * After the local stack starts: provision the current cycle's evidence folders and the drop-in
 * sessions' Teams meetings in the Graph emulator. Re-running is cheap (the ledger knows what is
 * there), so every start does it.
 */
import type { GraphPorts } from '../graph/graph-setup.js';
import type { Services } from '../workflows/services.js';

export async function provisionLocalGraph(
  svc: Services,
  graph: GraphPorts,
): Promise<{ total: number; succeeded: number; meetings: number }> {
  const now = svc.clock.now();
  const cycle = await svc.store.cycles.current(now);
  let total = 0;
  let succeeded = 0;
  if (cycle) {
    const orgs = await svc.store.organisations.list();
    const summary = await graph.evidence.provision(
      cycle.id,
      orgs.map((o) => o.id),
    );
    total = summary.total;
    succeeded = summary.succeeded;
  }
  let meetings = 0;
  for (const session of await svc.store.dropIns.sessionsWithoutMeeting(now)) {
    await graph.meetings.ensureMeeting(session.id);
    meetings++;
  }
  const withMeeting = (await svc.store.dropIns.listUpcoming(now)).filter((s) => s.joinUrl).length;
  return { total, succeeded, meetings: Math.max(meetings, withMeeting) };
}
