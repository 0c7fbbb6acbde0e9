/**
 * Awards: a level, valid for two years from the moment the decision is communicated to the
 * organisation (that is when it can display the award). validUntil is the same London calendar
 * date and wall-clock time two years later (29 Feb → 28 Feb); the award is valid from validFrom up
 * to, not including, validUntil. An award can be revoked (with a reason); from then on it is not
 * valid, whatever its dates say.
 *
 * Each award carries a verification code that anyone can check publicly (`/verify/{code}`). A code
 * is 16 Crockford base-32 characters (80 random bits), shown in four groups of four: guessing one
 * among even a million issued awards has odds of about 1 in 10^18 per try.
 */
import { addYearsLondon, daysLeftLondon } from './time.js';
import { DomainError } from './errors.js';
import type { Award, Decision, Level } from './types.js';

export const AWARD_VALIDITY_YEARS = 2;

export function awardFromDecision(d: { organisationId: string; level: Level; decidedAt: Date }): Award {
  return {
    organisationId: d.organisationId,
    level: d.level,
    validFrom: new Date(d.decidedAt.getTime()),
    validUntil: addYearsLondon(d.decidedAt, AWARD_VALIDITY_YEARS),
  };
}

/**
 * The award a decision grants once it is communicated (valid two years from `communicatedAt`), or
 * null when no level was awarded.
 */
export function awardForDecision(
  decision: Pick<Decision, 'level'>,
  organisationId: string,
  communicatedAt: Date,
): Award | null {
  return decision.level
    ? awardFromDecision({ organisationId, level: decision.level, decidedAt: communicatedAt })
    : null;
}

/** The award once communicated: valid two years from the moment the organisation is told. */
export function awardOnCommunication(award: Pick<Award, 'organisationId' | 'level'>, communicatedAt: Date): Award {
  return awardFromDecision({ organisationId: award.organisationId, level: award.level, decidedAt: communicatedAt });
}

/** validFrom ≤ at < validUntil. */
export function isAwardValid(award: Pick<Award, 'validFrom' | 'validUntil'>, at: Date): boolean {
  const t = at.getTime();
  return t >= award.validFrom.getTime() && t < award.validUntil.getTime();
}

/** London calendar days from now to the expiry date: 0 on the day it expires, negative after. */
export function awardExpiresInDays(award: Pick<Award, 'validUntil'>, now: Date): number {
  return daysLeftLondon(now, award.validUntil);
}

export type AwardStatus = 'valid' | 'not_yet_valid' | 'expired' | 'revoked';

/** Revoked wins over the dates; otherwise before validFrom, inside, or at/after validUntil. */
export function awardStatus(
  award: Pick<Award, 'validFrom' | 'validUntil'> & { revokedAt: Date | null },
  at: Date,
): AwardStatus {
  if (award.revokedAt && award.revokedAt.getTime() <= at.getTime()) return 'revoked';
  if (at.getTime() < award.validFrom.getTime()) return 'not_yet_valid';
  return isAwardValid(award, at) ? 'valid' : 'expired';
}

export const AWARD_STATUS_LABELS: Readonly<Record<AwardStatus, string>> = {
  valid: 'Valid today',
  not_yet_valid: 'Not valid yet',
  expired: 'Expired',
  revoked: 'Revoked',
};

/** Reasons for revoking an award: required, kept short (they go into the audit log). */
export const REVOKE_REASON_MAX_CHARS = 500;

export function validateRevokeReason(reason: string): string {
  const r = reason.trim();
  if (r === '') throw new DomainError('VALIDATION', 'Give the reason for revoking the award.', { field: 'reason' });
  if (r.length > REVOKE_REASON_MAX_CHARS)
    throw new DomainError('VALIDATION', `Keep the reason under ${REVOKE_REASON_MAX_CHARS} characters.`, {
      field: 'reason',
    });
  return r;
}

/** Crockford base 32: digits and capitals without I, L, O and U (nothing to misread). */
export const VERIFICATION_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 16 characters × 5 bits = 80 random bits. */
export const VERIFICATION_CODE_LENGTH = 16;
/** Random bytes a code is made from (10 bytes = 80 bits). */
export const VERIFICATION_CODE_BYTES = 10;

/** A code from 10 random bytes (the caller supplies them: the domain does no I/O). */
export function verificationCodeFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== VERIFICATION_CODE_BYTES)
    throw new DomainError('VALIDATION', `A verification code needs ${VERIFICATION_CODE_BYTES} random bytes.`, {
      length: bytes.length,
    });
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += VERIFICATION_CODE_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** "ABCD-EFGH-JKMN-PQRS": how a code is printed and typed. */
export function formatVerificationCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}

/**
 * The canonical code for what someone typed, or null when it cannot be one: case, spaces and
 * hyphens are ignored, and the letters people confuse with digits are read as those digits
 * (O → 0, I and L → 1), as Crockford base 32 specifies.
 */
export function parseVerificationCode(input: string): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (s.length !== VERIFICATION_CODE_LENGTH) return null;
  for (const ch of s) if (!VERIFICATION_CODE_ALPHABET.includes(ch)) return null;
  return s;
}

/** The mark documents carry when the cycle used the illustrative framework, not NHS England's own. */
export const ILLUSTRATIVE_NOTICE =
  'Illustrative: issued under the illustrative framework shipped with this app, not NHS England’s official criteria.';

/** An award as issued and stored: what its certificate, badge and public verification show. */
export interface IssuedAward extends Award {
  id: string;
  applicationId: string | null;
  cycleId: string | null;
  verificationCode: string;
  /** The organisation's name when the award was issued (the certificate never changes). */
  organisationName: string;
  /** Issued under the illustrative framework: every document says so. */
  illustrative: boolean;
  issuedAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokeReason: string | null;
}
