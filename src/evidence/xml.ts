/** A thin, ordered view of Office XML parts (fast-xml-parser with preserveOrder). */
import { XMLParser } from 'fast-xml-parser';

export type XNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
});

export function parseXml(text: string): XNode[] {
  return parser.parse(text) as XNode[];
}

/** The element name of a node, or '#text'. */
export function tagOf(n: XNode): string {
  for (const k of Object.keys(n)) if (k !== ':@') return k;
  return '';
}

export function kids(n: XNode): XNode[] {
  const t = tagOf(n);
  const v = n[t];
  return Array.isArray(v) ? (v as XNode[]) : [];
}

export function attr(n: XNode, name: string): string | undefined {
  const a = n[':@'] as Record<string, string> | undefined;
  return a?.[name];
}

export function textOf(n: XNode): string {
  const v = n['#text'];
  return v === undefined ? '' : String(v);
}

/** First descendant (depth-first) with the given tag. */
export function find(nodes: XNode[], tag: string): XNode | undefined {
  for (const n of nodes) {
    if (tagOf(n) === tag) return n;
    const f = find(kids(n), tag);
    if (f) return f;
  }
  return undefined;
}

/** All descendants with the given tag (not descending into matches). */
export function findAll(nodes: XNode[], tag: string, out: XNode[] = []): XNode[] {
  for (const n of nodes) {
    if (tagOf(n) === tag) out.push(n);
    else findAll(kids(n), tag, out);
  }
  return out;
}

/** All text below the nodes, concatenated. */
export function allText(nodes: XNode[], textTags: ReadonlySet<string>): string {
  let s = '';
  for (const n of nodes) {
    const t = tagOf(n);
    if (textTags.has(t)) s += kids(n).map(textOf).join('');
    else if (t !== '#text') s += allText(kids(n), textTags);
  }
  return s;
}

/** Every text node below the nodes, concatenated. */
export function innerText(nodes: XNode[]): string {
  let s = '';
  for (const n of nodes) s += tagOf(n) === '#text' ? textOf(n) : innerText(kids(n));
  return s;
}
