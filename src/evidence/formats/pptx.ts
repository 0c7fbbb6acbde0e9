/**
 * PowerPoint (.pptx) reader (PresentationML): one page per slide, in the presentation's order
 * (`p:sldIdLst`). Each text paragraph is a line; tables become rows and heading pairs; pictures
 * mark the slide as having images; text under a black highlight is hidden text.
 */
import type { ExtractedDocument } from '../types.js';
import { attr, findAll, kids, parseXml, tagOf, textOf, type XNode } from '../xml.js';
import { readZipParts, partText } from '../zip-parts.js';
import { readCoreProperties } from './office-metadata.js';
import { PageBuilder } from './page-builder.js';
import { relsTargets } from './xlsx.js';

function isBlackHighlight(rPr: XNode | undefined): boolean {
  if (!rPr) return false;
  const hl = kids(rPr).find((k) => tagOf(k) === 'a:highlight');
  if (!hl) return false;
  const clr = kids(hl).find((k) => tagOf(k) === 'a:srgbClr');
  return /^(000000|1[0-9a-f]1[0-9a-f]1[0-9a-f])$/i.test(clr ? (attr(clr, 'val') ?? '') : '');
}

function paragraphText(p: XNode): { text: string; hidden: string } {
  let text = '';
  let hidden = '';
  for (const k of kids(p)) {
    const t = tagOf(k);
    if (t === 'a:r' || t === 'a:fld') {
      const rPr = kids(k).find((x) => tagOf(x) === 'a:rPr');
      const s = kids(k)
        .filter((x) => tagOf(x) === 'a:t')
        .map((x) => kids(x).map(textOf).join(''))
        .join('');
      text += s;
      if (isBlackHighlight(rPr)) hidden += s;
    } else if (t === 'a:br') text += ' ';
  }
  return { text, hidden };
}

export function readPptx(bytes: Uint8Array): ExtractedDocument {
  const parts = readZipParts(
    bytes,
    (n) =>
      n === 'ppt/presentation.xml' ||
      n === 'ppt/_rels/presentation.xml.rels' ||
      n === 'docProps/core.xml' ||
      /^ppt\/slides\/[^/]+\.xml$/.test(n),
  );
  const pres = partText(parts, 'ppt/presentation.xml');
  if (pres === null) throw new Error('ppt/presentation.xml is missing');
  const rels = relsTargets(partText(parts, 'ppt/_rels/presentation.xml.rels'), 'ppt/presentation.xml');
  const b = new PageBuilder();
  const ids = findAll(parseXml(pres), 'p:sldId');
  ids.forEach((sld, i) => {
    const page = i + 1;
    b.page(page);
    const target = rels.get(attr(sld, 'r:id') ?? '');
    const xml = target ? partText(parts, target) : null;
    if (!xml) return;
    const nodes = parseXml(xml);
    if (findAll(nodes, 'p:pic').length > 0) b.page(page).hasImages = true;
    const walk = (ns: XNode[]): void => {
      for (const n of ns) {
        const t = tagOf(n);
        if (t === 'a:tbl') {
          const rows = kids(n)
            .filter((k) => tagOf(k) === 'a:tr')
            .map((tr) =>
              kids(tr)
                .filter((k) => tagOf(k) === 'a:tc')
                .map((tc) =>
                  findAll(kids(tc), 'a:p')
                    .map((p) => paragraphText(p).text)
                    .join(' '),
                ),
            );
          b.table(page, rows);
        } else if (t === 'a:p') {
          const { text, hidden } = paragraphText(n);
          b.line(page, text);
          b.hidden(page, hidden);
        } else if (t !== '#text') walk(kids(n));
      }
    };
    walk(nodes);
  });
  if (b.pages.length === 0) b.page(1);
  return {
    format: 'pptx',
    pageCount: b.pages.length,
    pages: b.pages,
    metadata: readCoreProperties(partText(parts, 'docProps/core.xml')),
    slots: b.slots,
    pagesEstimated: false,
    truncatedAfter: null,
  };
}
