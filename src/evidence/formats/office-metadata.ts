/** docProps/core.xml (Open Packaging Conventions core properties): author, last editor and dates. */
import type { ExtractedMetadata } from '../types.js';
import { find, innerText, parseXml } from '../xml.js';

function value(nodes: ReturnType<typeof parseXml>, tag: string): string | null {
  const n = find(nodes, tag);
  if (!n) return null;
  const v = innerText([n]).trim();
  return v === '' ? null : v;
}

function date(v: string | null): Date | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function readCoreProperties(xml: string | null): ExtractedMetadata {
  if (!xml) return { author: null, lastModifiedBy: null, created: null, modified: null };
  const nodes = parseXml(xml);
  return {
    author: value(nodes, 'dc:creator'),
    lastModifiedBy: value(nodes, 'cp:lastModifiedBy'),
    created: date(value(nodes, 'dcterms:created')),
    modified: date(value(nodes, 'dcterms:modified')),
  };
}

/** docProps/app.xml <Pages>: the page count Word saved with the file. */
export function readAppPages(xml: string | null): number | null {
  if (!xml) return null;
  const m = /<Pages>(\d+)<\/Pages>/.exec(xml);
  return m ? Number(m[1]) : null;
}
