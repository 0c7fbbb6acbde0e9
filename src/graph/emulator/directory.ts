/**
 * The emulated tenant's directory as sharing sees it: its users (members and guests), its Entra
 * security groups, and the domains it owns.
 *
 *  - Members: every address at one of the tenant's own domains (`tenantDomains`) resolves to a
 *    member, as everyone in an organisation is in its directory; seeded users resolve too.
 *  - Guests: external people are in the directory only once they have been invited as guests
 *    (seeded here with `userType: 'Guest'`). App-only access cannot invite a new guest: "New guests
 *    can't be invited using app-only access. Existing guests can be invited using app-only
 *    requests." (https://learn.microsoft.com/en-us/graph/api/driveitem-invite); such a recipient
 *    is refused with 403 accessDenied.
 *  - Groups: security groups by object id (driveRecipient.objectId,
 *    https://learn.microsoft.com/en-us/graph/api/resources/driverecipient).
 */
import { createHash } from 'node:crypto';
import type { EmulatedCalendar } from './calendar.js';
import type { Directory, Principal, PrincipalError } from './drive.js';

export interface DirectoryOptions {
  /** Domains the tenant owns (and their sub-domains): any address there is a member. */
  tenantDomains?: Iterable<string>;
  /** Entra security groups that can be granted access by object id. */
  groups?: Array<{ id: string; displayName: string }>;
}

export const NEW_GUEST_REFUSED =
  "New guests can't be invited using app-only access. Existing guests can be invited using app-only requests.";

export class EmulatedDirectory implements Directory {
  private readonly domains: Set<string>;
  private readonly groups = new Map<string, { id: string; displayName: string }>();

  constructor(
    private readonly users: EmulatedCalendar,
    opts: DirectoryOptions = {},
  ) {
    this.domains = new Set([...(opts.tenantDomains ?? [])].map((d) => d.toLowerCase()));
    for (const g of opts.groups ?? []) this.groups.set(g.id.toLowerCase(), g);
  }

  /** Adds a security group (tests). */
  addGroup(g: { id: string; displayName: string }): void {
    this.groups.set(g.id.toLowerCase(), g);
  }

  byEmail(raw: string): Principal | PrincipalError {
    const email = raw.trim().toLowerCase();
    let u = this.users.findUser(email);
    if (!u) {
      const domain = email.split('@')[1] ?? '';
      if (![...this.domains].some((d) => domain === d || domain.endsWith(`.${d}`)))
        return { email, status: 403, error: { code: 'accessDenied', message: NEW_GUEST_REFUSED } };
      const id = deterministicId(email);
      this.users.seedUsers([{ id, mail: email, userPrincipalName: email, displayName: email.split('@')[0]! }]);
      u = this.users.findUser(email)!;
    }
    return { kind: 'user', id: u.id, displayName: u.displayName, email: u.mail.toLowerCase() };
  }

  byObjectId(id: string): Principal | PrincipalError {
    const g = this.groups.get(id.toLowerCase());
    if (g) return { kind: 'group', id: g.id, displayName: g.displayName };
    const u = this.users.findUser(id);
    if (u) return { kind: 'user', id: u.id, displayName: u.displayName, email: u.mail.toLowerCase() };
    return {
      status: 404,
      error: { code: 'itemNotFound', message: `The recipient '${id}' could not be found in the directory.` },
    };
  }
}

/** A GUID-shaped id derived from the address, so a member gets the same id in every run. */
function deterministicId(email: string): string {
  const h = createHash('sha256').update(email).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
