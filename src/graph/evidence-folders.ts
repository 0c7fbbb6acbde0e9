/**
 * Evidence folder naming and desired state: `<root>/<cycle>/<organisation>/<section>`.
 *
 * SharePoint name rules (https://support.microsoft.com/en-us/office/restrictions-and-limitations-in-onedrive-and-sharepoint-64883a5d-228e-48f5-b3d2-eb39e07630fa):
 *  - invalid characters: `" * : < > ? / \ |` (and control characters);
 *  - no leading or trailing spaces; a name may not end with a period (we also drop leading periods,
 *    which would hide the folder in some clients);
 *  - reserved names: .lock, CON, PRN, AUX, NUL, COM0-COM9, LPT0-LPT9, desktop.ini, _vti_ anywhere,
 *    names starting with `~$`; `forms` is reserved at the root of a library;
 *  - the whole decoded path (library + folders + file name) is limited to 400 characters, so each
 *    of our segments is capped (default 80) to leave room for the section and for file names.
 * Sanitising is deterministic, so re-runs address the same folder.
 */
import { createHash } from 'node:crypto';

export const DEFAULT_SECTIONS = [
  '1 Healthcare organisation',
  '2 Pre-placement',
  '3 Placement induction',
  '4 During placement',
  '5 Reflection and review',
  '6 Post placement',
] as const;

const RESERVED = /^(\.lock|con|prn|aux|nul|com[0-9]|lpt[0-9]|desktop\.ini|forms)$/i;

export interface SanitiseOptions {
  maxLength?: number;
  /** used when nothing usable remains */
  fallback?: string;
}

export function sanitiseFolderName(input: string, opts: SanitiseOptions = {}): string {
  const max = opts.maxLength ?? 80;
  let s = input
    .normalize('NFC')
    .replace(/[\t\r\n]/g, ' ')
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/["*:<>?/\\|]/g, '-')
    .replace(/_vti_/gi, 'vti')
    .replace(/^~\$/, '')
    .replace(/\s+/g, ' ')
    .trim();
  s = s.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (s.length > max) s = s.slice(0, max).replace(/[.\s]+$/, '');
  if (RESERVED.test(s)) s = `${s}-`;
  if (!s) s = opts.fallback ?? 'Unnamed';
  return s;
}

export interface Person {
  email: string;
}

export interface OrgInput {
  id: string;
  name: string;
  applicants: Person[];
  reviewers: Person[];
}

export interface CycleInput {
  cycle: { id: string; name: string };
  orgs: OrgInput[];
  sections: string[];
  /**
   * The assessment team: an Entra security group granted on every folder. Making a folder private
   * removes the site's Owners too, so the team needs a grant of its own.
   */
  assessmentGroup?: { objectId: string };
}

export type GrantRole = 'read' | 'write';

/** The role the assessment team has on every evidence folder. */
export const ASSESSMENT_GROUP_ROLE: GrantRole = 'write';

/** A person (by email) or a group (by Entra object id) and the one role they should have. */
export interface DesiredGrant {
  /** lower-case email; '' for a group */
  email: string;
  objectId?: string;
  role: GrantRole;
}

export interface DesiredOrgFolder {
  orgId: string;
  folderName: string;
  sections: string[];
  grants: DesiredGrant[];
  /** hash of the desired state: a completed org whose fingerprint matches needs no request */
  fingerprint: string;
}

/**
 * One grant per person with their highest role: applicants get write, reviewers read; someone in
 * both gets write. Emails are compared lower-case.
 */
export function desiredGrants(org: OrgInput): DesiredGrant[] {
  const m = new Map<string, GrantRole>();
  for (const r of org.reviewers) m.set(r.email.trim().toLowerCase(), 'read');
  for (const a of org.applicants) m.set(a.email.trim().toLowerCase(), 'write');
  return [...m.entries()].map(([email, role]) => ({ email, role })).sort((a, b) => a.email.localeCompare(b.email));
}

/**
 * Folder names for a cycle's organisations; names that collide case-insensitively after sanitising
 * get the organisation id appended. `existing` (from the ledger) wins so a name never moves.
 */
export function planOrgFolders(
  input: CycleInput,
  existing: Map<string, string> = new Map(),
  opts: SanitiseOptions = {},
): DesiredOrgFolder[] {
  const sections = input.sections.map((s) => sanitiseFolderName(s, opts));
  const base = input.orgs.map((o) => existing.get(o.id) ?? sanitiseFolderName(o.name, opts));
  const counts = new Map<string, number>();
  for (const n of base) counts.set(n.toLowerCase(), (counts.get(n.toLowerCase()) ?? 0) + 1);
  return input.orgs.map((org, i) => {
    let folderName = base[i]!;
    if (!existing.has(org.id) && (counts.get(folderName.toLowerCase()) ?? 0) > 1) {
      folderName = sanitiseFolderName(
        `${folderName.slice(0, (opts.maxLength ?? 80) - org.id.length - 3)} (${org.id})`,
        opts,
      );
    }
    const grants = desiredGrants(org);
    if (input.assessmentGroup)
      grants.push({ email: '', objectId: input.assessmentGroup.objectId.toLowerCase(), role: ASSESSMENT_GROUP_ROLE });
    const fingerprint = createHash('sha256')
      .update(JSON.stringify({ folderName, sections, grants }))
      .digest('hex')
      .slice(0, 32);
    return { orgId: org.id, folderName, sections, grants, fingerprint };
  });
}
