import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cleanDeep,
  cleanName,
  cleanText,
  hasControlCharacters,
  hasUnstorableCharacters,
  TooDeepError,
} from '../../src/domain/text.js';

/** Strings made mostly of the characters that cause trouble. */
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\u0000', '\u0001', '\u0007', '\u001b', '\u007f', '\u0085', '\u009f', '\t', '\n', '\r'),
    fc.constantFrom('\ud800', '\udfff', '\ud83d\ude00', 'é', '’', 'a', ' '),
    fc.string({ minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
});

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('cleaning text before it is stored', () => {
  it('removes control characters and mends lone surrogates, keeping what people can see', () => {
    expect(cleanText('a\u0000b\u0007c\u001bd\u007fe\u0085f')).toBe('abcdef');
    expect(cleanText('one\ntwo\tthree\r\nfour')).toBe('one two three four');
    expect(cleanText('one\r\ntwo\rthree\n\tfour', { multiline: true })).toBe('one\ntwo\nthree\n\tfour');
    expect(cleanText('broken \ud800 pair \ud83d\ude00')).toBe('broken \ufffd pair \ud83d\ude00');
    expect(cleanText('Évidence – “policy” 2025.pdf')).toBe('Évidence – “policy” 2025.pdf');
    expect(cleanName('  \u0000 Policy\u0000.pdf \n')).toBe('Policy.pdf');
  });

  it('says whether text would change', () => {
    expect(hasControlCharacters('tab\there')).toBe(true);
    expect(hasControlCharacters('plain')).toBe(false);
    expect(hasUnstorableCharacters('lone \udc00')).toBe(true);
    expect(hasUnstorableCharacters('nul \u0000')).toBe(true);
    expect(hasUnstorableCharacters('pair \ud83d\ude00')).toBe(false);
  });

  it('never leaves a control character or a lone surrogate, and cleaning twice changes nothing more', () => {
    fc.assert(
      fc.property(nasty, fc.boolean(), (s, multiline) => {
        const once = cleanText(s, { multiline });
        expect(LONE.test(once)).toBe(false);
        const controls = multiline ? once.replace(/[\t\n]/g, '') : once;
        expect(CONTROL.test(controls)).toBe(false);
        expect(once.includes('\r')).toBe(false);
        expect(cleanText(once, { multiline })).toBe(once);
      }),
    );
  });

  it('leaves text without control characters as it is', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((s) => !CONTROL.test(s)),
        (s) => void expect(cleanText(s)).toBe(s),
      ),
    );
  });

  it('cleans every string and key of a JSON value, and refuses absurd nesting', () => {
    expect(cleanDeep({ 'k\u0000ey': ['a\u0000', { n: 1, t: true, z: null, s: 'x\ny\u0007' }], __proto__x: 1 })).toEqual(
      { key: ['a', { n: 1, t: true, z: null, s: 'x\ny' }], __proto__x: 1 },
    );
    // Two keys that clean to the same key keep the first; "__proto__" never becomes a prototype.
    expect(cleanDeep(JSON.parse('{"a":1,"a\\u0000":2,"__proto__":{"polluted":true}}'))).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const when = new Date(0);
    expect(cleanDeep({ when, list: [when] })).toEqual({ when, list: [when] });
    expect((cleanDeep({ when }) as { when: unknown }).when).toBe(when);
    // A buffer and a null-prototype object: the first kept as it is, the second cleaned like JSON.
    const bytes = Buffer.from('a\u0000b');
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { 'k\u0000': 'v\u0007' });
    expect(cleanDeep({ bytes, bare })).toEqual({ bytes, bare: { k: 'v' } });
    // Non-JSON values are leaves: one at the depth limit is kept, not counted as nesting.
    expect(cleanDeep([[when]], 2)).toEqual([[when]]);
    expect(() => cleanDeep([[{}]], 2)).toThrow(TooDeepError);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(() => cleanDeep(deep, 32)).toThrow(TooDeepError);
    expect(cleanDeep(deep, 64)).toEqual(deep);
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const out = JSON.stringify(cleanDeep(v, 1000));
        expect(out).not.toMatch(/\\u000|\\u001|\\ud[89a-f]/i);
      }),
    );
  });
});
