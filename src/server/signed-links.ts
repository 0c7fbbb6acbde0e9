/**
 * Links people open outside Teams (a booking's .ics file) carry an expiry and an HMAC-SHA256
 * signature over the path and expiry, so they need no sign-in yet cannot be forged or edited.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface LinkSigner {
  /** Absolute URL for `path` valid until `expiresAt`. */
  sign(path: string, expiresAt: Date): string;
  /** True when `sig` is the signature of `path` with expiry `exp` and `exp` is after `now`. */
  verify(path: string, exp: string | undefined, sig: string | undefined, now: Date): boolean;
}

export function createLinkSigner(opts: { publicBaseUrl: string; secret: string }): LinkSigner {
  const mac = (path: string, exp: string) =>
    createHmac('sha256', opts.secret).update(`${path}\n${exp}`).digest('base64url');
  return {
    sign(path, expiresAt) {
      const exp = String(Math.floor(expiresAt.getTime() / 1000));
      return `${opts.publicBaseUrl}${path}?exp=${exp}&sig=${mac(path, exp)}`;
    },
    verify(path, exp, sig, now) {
      if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return false;
      if (Number(exp) * 1000 <= now.getTime()) return false;
      const expected = Buffer.from(mac(path, exp));
      const given = Buffer.from(sig);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
