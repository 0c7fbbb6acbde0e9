import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AWARD_STATUS_LABELS,
  awardStatus,
  formatVerificationCode,
  ILLUSTRATIVE_NOTICE,
  parseVerificationCode,
  REVOKE_REASON_MAX_CHARS,
  validateRevokeReason,
  VERIFICATION_CODE_ALPHABET,
  VERIFICATION_CODE_BYTES,
  VERIFICATION_CODE_LENGTH,
  verificationCodeFromBytes,
} from '../../src/domain/award.js';
import { DomainError } from '../../src/domain/errors.js';
import { londonDate } from '../../src/domain/time.js';

describe('verification codes', () => {
  it('10 random bytes → 16 Crockford base-32 characters (80 bits)', () => {
    expect(VERIFICATION_CODE_ALPHABET).toHaveLength(32);
    expect(VERIFICATION_CODE_ALPHABET).not.toMatch(/[ILOU]/);
    expect(VERIFICATION_CODE_LENGTH * 5).toBe(VERIFICATION_CODE_BYTES * 8);
    expect(verificationCodeFromBytes(new Uint8Array(10))).toBe('0000000000000000');
    expect(verificationCodeFromBytes(new Uint8Array(10).fill(255))).toBe('ZZZZZZZZZZZZZZZZ');
    // 0x08 0x42 … : bits 00001 00001 00001 00001 …
    expect(verificationCodeFromBytes(Uint8Array.from([8, 66, 16, 132, 33, 8, 66, 16, 132, 33]))).toBe(
      '1111111111111111',
    );
    for (let i = 0; i < 200; i++) {
      const code = verificationCodeFromBytes(randomBytes(10));
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
      expect(parseVerificationCode(formatVerificationCode(code))).toBe(code);
    }
  });

  it('needs exactly 10 bytes', () => {
    expect(() => verificationCodeFromBytes(new Uint8Array(9))).toThrow(DomainError);
  });

  it('printed in groups of four; typed in any case, with spaces or hyphens, O/I/L read as 0/1/1', () => {
    expect(formatVerificationCode('ABCDEFGHJKMNPQRS')).toBe('ABCD-EFGH-JKMN-PQRS');
    expect(parseVerificationCode(' abcd efgh-jkmn pqrs ')).toBe('ABCDEFGHJKMNPQRS');
    expect(parseVerificationCode('O0IL-0000-0000-0000')).toBe('0011000000000000');
    expect(parseVerificationCode('ABCD-EFGH-JKMN-PQR')).toBeNull(); // too short
    expect(parseVerificationCode('ABCD-EFGH-JKMN-PQRSU')).toBeNull(); // too long
    expect(parseVerificationCode('ABCD-EFGH-JKMN-PQRU')).toBeNull(); // U is not in the alphabet
    expect(parseVerificationCode('<script>alert(1)</script>')).toBeNull();
    expect(parseVerificationCode('A'.repeat(65))).toBeNull();
    expect(parseVerificationCode(42 as unknown as string)).toBeNull();
  });
});

describe('award status', () => {
  const award = { validFrom: londonDate(2026, 1, 9, 11), validUntil: londonDate(2028, 1, 9, 11), revokedAt: null };

  it('not yet valid, valid, expired at the exact instants', () => {
    expect(awardStatus(award, new Date(award.validFrom.getTime() - 1))).toBe('not_yet_valid');
    expect(awardStatus(award, award.validFrom)).toBe('valid');
    expect(awardStatus(award, new Date(award.validUntil.getTime() - 1))).toBe('valid');
    expect(awardStatus(award, award.validUntil)).toBe('expired');
  });

  it('revoked from the moment of revocation, whatever the dates say', () => {
    const revokedAt = londonDate(2026, 6, 1);
    expect(awardStatus({ ...award, revokedAt }, new Date(revokedAt.getTime() - 1))).toBe('valid');
    expect(awardStatus({ ...award, revokedAt }, revokedAt)).toBe('revoked');
    expect(awardStatus({ ...award, revokedAt }, londonDate(2030, 1, 1))).toBe('revoked');
    expect(AWARD_STATUS_LABELS).toEqual({
      valid: 'Valid today',
      not_yet_valid: 'Not valid yet',
      expired: 'Expired',
      revoked: 'Revoked',
    });
  });

  it('revoking needs a reason of at most 500 characters', () => {
    expect(validateRevokeReason('  Evidence was not the organisation’s own.  ')).toBe(
      'Evidence was not the organisation’s own.',
    );
    expect(() => validateRevokeReason('   ')).toThrow(/Give the reason/);
    expect(validateRevokeReason('x'.repeat(REVOKE_REASON_MAX_CHARS))).toHaveLength(500);
    expect(() => validateRevokeReason('x'.repeat(REVOKE_REASON_MAX_CHARS + 1))).toThrow(/under 500/);
  });

  it('the illustrative notice says so', () => {
    expect(ILLUSTRATIVE_NOTICE).toMatch(/^Illustrative/);
  });
});
