/**
 * Whether a key the app signs with (LINK_SIGNING_SECRET) is random enough. Length alone is not:
 * `aaaa…`, `changemechangeme…` or `abcdefghijklmnop…` are long and guessable. A key is refused when
 *
 * - it is shorter than MIN_KEY_LENGTH characters;
 * - it uses fewer than MIN_DISTINCT_CHARACTERS different characters;
 * - the Shannon entropy of its characters is under MIN_BITS_PER_CHARACTER, or length × that entropy
 *   (an estimate of the key's strength) is under MIN_ESTIMATED_BITS;
 * - the steps between neighbouring characters are as predictable (a run such as `abcdef…` or
 *   `13579…` has one step over and over);
 * - it is a shorter piece repeated (`Xy7#Kq9!Xy7#Kq9!…`);
 * - it contains a placeholder word (`changeme`, `password`, `example`…).
 *
 * A key from `openssl rand -base64 48` (64 characters, ~5.5 bits each by this measure) or
 * `openssl rand -hex 16` (32 hex digits) passes: the bars are well below what random keys reach
 * (the worst of a million random 32-digit hex keys: 8 distinct characters, 2.7 bits per
 * character, 86 bits estimated, 3.2 bits per step).
 */

export const MIN_KEY_LENGTH = 32;
export const MIN_DISTINCT_CHARACTERS = 6;
export const MIN_BITS_PER_CHARACTER = 2.2;
export const MIN_ESTIMATED_BITS = 72;

/** Words that mark a value someone was meant to replace. */
const PLACEHOLDERS = [
  'changeme',
  'change-me',
  'change_me',
  'password',
  'passw0rd',
  'example',
  'placeholder',
  'replaceme',
  'replace-me',
  'default',
  'letmein',
  'qwerty',
];

/** Shannon entropy, in bits per symbol, of the symbols' frequencies. */
export function shannonBits(symbols: readonly (string | number)[]): number {
  if (symbols.length === 0) return 0;
  const counts = new Map<string | number, number>();
  for (const s of symbols) counts.set(s, (counts.get(s) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / symbols.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** The shortest period of `s` when `s` is a shorter piece repeated at least twice, else null. */
export function repeatedPeriod(s: string): number | null {
  for (let p = 1; p <= s.length / 2; p++) {
    let periodic = true;
    for (let i = p; i < s.length && periodic; i++) periodic = s[i] === s[i - p];
    if (periodic) return p;
  }
  return null;
}

export interface KeyStrength {
  length: number;
  distinct: number;
  bitsPerCharacter: number;
  estimatedBits: number;
  /** Entropy of the differences between neighbouring character codes. */
  stepBits: number;
}

export function measureKey(key: string): KeyStrength {
  const chars = [...key];
  const codes = chars.map((c) => c.codePointAt(0)!);
  const steps = codes.slice(1).map((c, i) => c - codes[i]!);
  const bitsPerCharacter = shannonBits(chars);
  return {
    length: chars.length,
    distinct: new Set(chars).size,
    bitsPerCharacter,
    estimatedBits: bitsPerCharacter * chars.length,
    stepBits: shannonBits(steps),
  };
}

/** Why `key` is too weak to sign with, in words for a configuration message; null when it is fine. Never contains the key. */
export function keyWeakness(key: string): string | null {
  const m = measureKey(key);
  const advice = 'use a random key, e.g. from `openssl rand -base64 48`';
  if (m.length < MIN_KEY_LENGTH) return `must be at least ${MIN_KEY_LENGTH} characters (${advice})`;
  const lower = key.toLowerCase();
  const word = PLACEHOLDERS.find((w) => lower.includes(w));
  if (word) return `contains the placeholder word "${word}": ${advice}`;
  if (repeatedPeriod(key) !== null) return `is a shorter piece repeated, not random: ${advice}`;
  if (m.distinct < MIN_DISTINCT_CHARACTERS)
    return `uses only ${m.distinct} different characters (at least ${MIN_DISTINCT_CHARACTERS} needed): ${advice}`;
  if (m.bitsPerCharacter < MIN_BITS_PER_CHARACTER || m.estimatedBits < MIN_ESTIMATED_BITS)
    return `is too predictable (about ${Math.floor(m.estimatedBits)} bits by character frequency, at least ${MIN_ESTIMATED_BITS} needed): ${advice}`;
  if (m.stepBits < MIN_BITS_PER_CHARACTER) return `follows a sequence, not random: ${advice}`;
  return null;
}
