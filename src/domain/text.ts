/**
 * What text the app keeps. People paste from Word, PDFs and web pages, and files come back from
 * SharePoint with whatever names they were given: invisible control characters (NUL, backspace,
 * escape, the C1 range) and broken UTF-16 (a lone surrogate) arrive with them. PostgreSQL refuses
 * NUL in text and both in JSON, so such a character must never reach the store; and nobody can
 * see or type them, so removing them loses nothing a person meant.
 *
 * - `cleanText` removes them: line breaks and tabs stay in multi-line text (commentary, notes),
 *   become spaces in one-line text (names, titles).
 * - `cleanDeep` does that to every string (and key) of a parsed JSON value, for payloads whose
 *   fields are not known at the edge (card data).
 */

/** Control characters (Unicode category Cc): C0, DEL and C1. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f]/gu;
/** Controls other than tab, line feed and carriage return. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/gu;
/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATE_SOURCE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const LONE_SURROGATE = new RegExp(LONE_SURROGATE_SOURCE);
const LONE_SURROGATES = new RegExp(LONE_SURROGATE_SOURCE, 'g');
/**
 * Any character `cleanText` might change: a control character or any surrogate (whether it is
 * lone is decided only then). Most text has none, and one test is much cheaper than the replaces.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const MAYBE_CHANGED = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/;

/** True when `s` holds a control character or a lone surrogate (text `cleanText` would change). */
export function hasUnstorableCharacters(s: string): boolean {
  return CONTROL.test(s) || LONE_SURROGATE.test(s);
}

/** True when `s` holds a control character (tab and line breaks included). */
export function hasControlCharacters(s: string): boolean {
  return CONTROL.test(s);
}

/**
 * `s` without control characters, with lone surrogates replaced by U+FFFD. Multi-line text keeps
 * tabs and line breaks (CR LF and CR become LF); one-line text turns each run of them into a space.
 */
export function cleanText(s: string, opts: { multiline?: boolean } = {}): string {
  if (!MAYBE_CHANGED.test(s)) return s;
  const wellFormed = s.replace(LONE_SURROGATES, '\uFFFD');
  if (opts.multiline) return wellFormed.replace(/\r\n?/g, '\n').replace(CONTROL_BUT_LINES, '');
  return wellFormed.replace(/[\t\n\r]+/g, ' ').replace(CONTROL_ALL, '');
}

/** A file or folder name as shown and stored: one line, no control characters, trimmed. */
export function cleanName(s: string): string {
  return cleanText(s).trim();
}

export class TooDeepError extends Error {
  constructor(readonly maxDepth: number) {
    super(`nested more than ${maxDepth} levels deep`);
    this.name = 'TooDeepError';
  }
}

/**
 * A copy of a parsed JSON value with every string and object key cleaned as multi-line text.
 * Throws TooDeepError beyond `maxDepth` levels of nesting (no JSON the app sends is deeper than a
 * handful). Values other than strings, arrays and plain objects (numbers, dates…) are kept as they are.
 */
export function cleanDeep(value: unknown, maxDepth = 32): unknown {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return cleanText(v, { multiline: true });
    if (v === null || typeof v !== 'object') return v;
    // Dates, buffers and class instances are not parsed JSON: kept as they are, at any depth.
    const proto: unknown = Object.getPrototypeOf(v);
    const isArray = Array.isArray(v);
    if (!isArray && proto !== Object.prototype && proto !== null) return v;
    if (depth >= maxDepth) throw new TooDeepError(maxDepth);
    if (isArray) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const key = cleanText(k, { multiline: true });
      // A key cleaned into one that exists keeps the first value; __proto__ is never a key here.
      if (key === '__proto__' || Object.hasOwn(out, key)) continue;
      out[key] = walk(x, depth + 1);
    }
    return out;
  };
  return walk(value, 0);
}
