/**
 * Naive baseline for the provisioning benchmark: one request at a time through the Graph SDK alone
 * (its RetryHandler is the only throttling logic), one invite per person, no batching, no pacer;
 * the same steps as the app (break inheritance, invites, read the permissions back).
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { graphCall } from '../../src/graph/client.js';
import type { CycleInput } from '../../src/graph/evidence-folders.js';
import { sanitiseFolderName } from '../../src/graph/evidence-folders.js';

export interface BaselineResult {
  orgsDone: number;
  requests: number;
  elapsedMs: number;
}

export async function runNaiveBaseline(
  client: Client,
  input: CycleInput,
  opts: { windowMs: number },
): Promise<BaselineResult> {
  const started = Date.now();
  let requests = 0;
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    requests++;
    return graphCall<{ id: string }>(client, method, path, body);
  };
  const drive = (await call('GET', '/sites/root/drive')).body.id;
  const d = `/drives/${encodeURIComponent(drive)}`;
  const root = (await call('POST', `${d}/root/children`, { name: 'WExQS Evidence', folder: {} })).body.id;
  const cycle = (
    await call('POST', `${d}/items/${root}/children`, { name: sanitiseFolderName(input.cycle.name), folder: {} })
  ).body.id;
  let orgsDone = 0;
  for (const org of input.orgs) {
    if (Date.now() - started > opts.windowMs) break;
    const f = await call('POST', `${d}/items/${cycle}/children`, { name: sanitiseFolderName(org.name), folder: {} });
    const id = f.body.id;
    for (const s of input.sections) await call('POST', `${d}/items/${id}/children`, { name: s, folder: {} });
    await call('POST', `${d}/items/${id}/createLink`, {
      type: 'view',
      scope: 'users',
      retainInheritedPermissions: false,
    });
    const invite = (recipient: { email: string } | { objectId: string }, role: string) =>
      call('POST', `${d}/items/${id}/invite`, {
        recipients: [recipient],
        roles: [role],
        requireSignIn: true,
        sendInvitation: false,
      });
    for (const a of org.applicants) await invite({ email: a.email }, 'write');
    for (const r of org.reviewers) await invite({ email: r.email }, 'read');
    if (input.assessmentGroup) await invite({ objectId: input.assessmentGroup.objectId }, 'write');
    await call('GET', `${d}/items/${id}/permissions`);
    orgsDone++;
  }
  return { orgsDone, requests, elapsedMs: Date.now() - started };
}
