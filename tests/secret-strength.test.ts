import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, LOCAL_LINK_SIGNING_SECRET } from '../src/config.js';
import { keyWeakness, measureKey, repeatedPeriod, shannonBits } from '../src/secret-strength.js';

describe('signing keys need real entropy, not only length', () => {
  it.each([
    ['a'.repeat(48), /repeated/],
    ['changeme'.repeat(5), /placeholder word "changeme"/],
    ['changeme-please-now-1234567890-xyz', /placeholder word "changeme"/],
    ['my-password-is-long-enough-for-this-check', /placeholder word "password"/],
    ['Xy7#Kq9!Lm2$Pz5&Xy7#Kq9!Lm2$Pz5&', /repeated/],
    ['abcdefghijklmnopqrstuvwxyz0123456789', /sequence/],
    ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbb', /different characters/],
    ['abababababababababababababababababababax', /different characters/],
    ['short', /at least 32 characters/],
  ])('refuses %j', (key, why) => {
    const reason = keyWeakness(key);
    expect(reason).toMatch(why);
    expect(reason).not.toContain(key);
  });

  it('accepts random keys from openssl-style generators, every time', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        fc.constantFrom('hex', 'base64', 'base64url'),
        (bytes, enc) => {
          const key = Buffer.from(bytes).toString(enc as BufferEncoding);
          fc.pre(key.length >= 32);
          expect(keyWeakness(key)).toBeNull();
        },
      ),
      { numRuns: 2000 },
    );
    expect(keyWeakness(randomBytes(48).toString('base64'))).toBeNull();
    expect(keyWeakness(LOCAL_LINK_SIGNING_SECRET)).toBeNull();
  });

  it('refuses any short piece repeated, however random the piece', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 16 }), fc.integer({ min: 2, max: 40 }), (piece, n) => {
        const key = piece.repeat(Math.max(n, Math.ceil(33 / piece.length)));
        expect(keyWeakness(key)).not.toBeNull();
      }),
    );
  });

  it('measures what it says', () => {
    expect(shannonBits([])).toBe(0);
    expect(shannonBits(['a', 'b', 'a', 'b'])).toBe(1);
    expect(repeatedPeriod('abcabcab')).toBe(3);
    expect(repeatedPeriod('abcd')).toBeNull();
    expect(measureKey('aab')).toMatchObject({ length: 3, distinct: 2 });
  });

  it('makes the configuration refuse a weak LINK_SIGNING_SECRET, naming it and not its value, in either mode', () => {
    for (const mode of ['local', 'tenant']) {
      const env = { APP_MODE: mode, LINK_SIGNING_SECRET: 'changeme'.repeat(6) };
      let err: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      const problem = (err as ConfigError).problems.find((p) => p.variable === 'LINK_SIGNING_SECRET');
      expect(problem?.reason).toMatch(/placeholder/);
      expect((err as ConfigError).message).not.toContain('changemechangeme');
    }
    expect(loadConfig({ APP_MODE: 'local', LINK_SIGNING_SECRET: randomBytes(32).toString('base64url') }).mode).toBe(
      'local',
    );
  });
});
