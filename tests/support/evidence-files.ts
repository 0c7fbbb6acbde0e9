/**
 * Generated evidence files, each labelled with what inspection must find in it (and what it must
 * not: the traps). Made with maintained writers: pdf-lib (PDF), docx (Word), exceljs (Excel) and
 * pptxgenjs (PowerPoint). Every value is fictional: Ofcom's drama numbers, the NHS's published test
 * number, invented names and addresses. Dates are relative to `now` so the set never ages.
 */
import { strToU8, unzipSync, zipSync, zlibSync } from 'fflate';
import {
  CheckBox,
  Document,
  HighlightColor,
  Packer,
  PageBreak,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
} from 'docx';
import ExcelJS from 'exceljs';
import { PDFDocument, PDFName, PDFString, StandardFonts, rgb } from 'pdf-lib';
import pptxModule from 'pptxgenjs';
import type { PersonalDataKind, ProblemCode } from '../../src/evidence/types.js';

export interface Expected {
  personalData: { kind: PersonalDataKind; page: number | null }[];
  /** problem codes that must be reported (others in `absent` must not) */
  problems: ProblemCode[];
  blankTemplate?: boolean;
  pages?: number;
  textlessPages?: number[];
  documentDate?: string;
  /** the file must be refused with an error */
  error?: RegExp;
  duplicateOf?: string;
}

export interface Sample {
  name: string;
  /** what the file tests, in a few words */
  covers: string;
  expect: Expected;
  build(): Promise<Uint8Array>;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
export function ukDate(d: Date): string {
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}
function daysBefore(now: Date, days: number): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - days));
}

/** Pages of lines → a PDF; `decorate` may draw on a page after its text. */
export async function pdfOf(
  pages: string[][],
  opts: {
    author?: string;
    created?: Date;
    decorate?: (page: import('pdf-lib').PDFPage, index: number, doc: PDFDocument) => Promise<void> | void;
  } = {},
): Promise<PDFDocument> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.setAuthor(opts.author ?? 'Northshire Hospitals NHS Foundation Trust');
  doc.setCreator('Evidence sample generator');
  doc.setProducer('pdf-lib');
  if (opts.created) {
    doc.setCreationDate(opts.created);
    doc.setModificationDate(opts.created);
  }
  for (const [i, lines] of pages.entries()) {
    const page = doc.addPage([595, 842]);
    lines.forEach((l, j) => page.drawText(l, { x: 56, y: 780 - j * 20, size: 11, font }));
    await opts.decorate?.(page, i, doc);
  }
  return doc;
}

async function pdfBytes(pages: string[][], opts: Parameters<typeof pdfOf>[1] = {}): Promise<Uint8Array> {
  return (await pdfOf(pages, opts)).save();
}

const filler = (topic: string, n = 6) =>
  Array.from({ length: n }, (_, i) => `${topic}: point ${i + 1} of the placement programme is described here.`);

/** A tiny grey PNG (one scanned page stands in for a photo). */
function greyPng(): Uint8Array {
  const w = 40;
  const h = 40;
  const raw = new Uint8Array((w + 1) * h);
  for (let y = 0; y < h; y++) raw.fill(128, y * (w + 1) + 1, (y + 1) * (w + 1));
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Uint8Array) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, data.length);
    out.set(strToU8(type), 4);
    out.set(data, 8);
    dv.setUint32(8 + data.length, crc(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, w);
  dv.setUint32(4, h);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlibSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const png = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    png.set(p, o);
    o += p.length;
  }
  return png;
}

/** Word: paragraphs per page (a page break between pages); raw XML markers are replaced after. */
async function docxOf(
  pages: (Paragraph | Table)[][],
  opts: { creator?: string; raw?: Record<string, string> } = {},
): Promise<Uint8Array> {
  const children: (Paragraph | Table)[] = [];
  pages.forEach((p, i) => {
    if (i > 0) children.push(new Paragraph({ children: [new PageBreak()] }));
    children.push(...p);
  });
  const doc = new Document({
    creator: opts.creator ?? 'Northshire Hospitals NHS Foundation Trust',
    lastModifiedBy: opts.creator ?? 'Northshire Hospitals NHS Foundation Trust',
    sections: [{ children }],
  });
  const bytes = new Uint8Array(await Packer.toBuffer(doc));
  if (!opts.raw) return bytes;
  const files = unzipSync(bytes);
  let xml = new TextDecoder().decode(files['word/document.xml']);
  for (const [marker, replacement] of Object.entries(opts.raw)) {
    const re = new RegExp(`<w:p>(?:(?!<w:p>).)*?${marker}.*?</w:p>`, 's');
    xml = xml.replace(re, replacement);
  }
  files['word/document.xml'] = strToU8(xml);
  return zipSync(files);
}

const P = (text: string) => new Paragraph({ children: [new TextRun(text)] });
const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
/** A block content control still showing its placeholder prompt. */
const placeholderControl = (label: string) =>
  `<w:p><w:r><w:t xml:space="preserve">${label} </w:t></w:r><w:sdt><w:sdtPr><w:showingPlcHdr/><w:text/></w:sdtPr><w:sdtContent><w:r><w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr><w:t>Click or tap here to enter text.</w:t></w:r></w:sdtContent></w:sdt></w:p>`;
const filledControl = (label: string, value: string) =>
  `<w:p><w:r><w:t xml:space="preserve">${label} </w:t></w:r><w:sdt><w:sdtPr><w:text/></w:sdtPr><w:sdtContent><w:r><w:t>${value}</w:t></w:r></w:sdtContent></w:sdt></w:p>`;
void W;

async function xlsxOf(
  sheets: { name: string; rows: (string | number | Date)[][] }[],
  creator = 'Northshire Hospitals NHS Foundation Trust',
): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  wb.creator = creator;
  wb.lastModifiedBy = creator;
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name);
    for (const r of s.rows) ws.addRow(r);
    ws.eachRow((row) =>
      row.eachCell((c) => {
        if (c.value instanceof Date) c.numFmt = 'dd/mm/yyyy';
      }),
    );
  }
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

type Presentation = import('pptxgenjs').default;
type Slide = ReturnType<Presentation['addSlide']>;
// pptxgenjs ships an ES module whose default export is the class; its types describe the CommonJS shape.
const Pptx = ((pptxModule as unknown as { default?: unknown }).default ?? pptxModule) as new () => Presentation;

async function pptxOf(
  slides: ((s: Slide) => void)[],
  author = 'Northshire Hospitals NHS Foundation Trust',
): Promise<Uint8Array> {
  const pres = new Pptx();
  pres.author = author;
  pres.company = 'Northshire Hospitals NHS Foundation Trust';
  for (const f of slides) f(pres.addSlide());
  const out = (await pres.write({ outputType: 'uint8array' })) as Uint8Array;
  return out;
}

/** Every labelled sample, dated relative to `now`. */
export function evidenceSamples(now: Date): Sample[] {
  let filledForm: Promise<Uint8Array> | undefined;
  const recent = daysBefore(now, 40);
  const recentText = ukDate(recent);
  const twoYears = daysBefore(now, 730);
  const dated = [`Date: ${recentText}`];
  const trustHeader = ['Northshire Hospitals NHS Foundation Trust', 'Work experience programme'];
  async function filledFormPdf(): Promise<Uint8Array> {
    const doc = await pdfOf([
      [
        'Work experience placement record',
        'Placement area: Radiology outpatients',
        'Supervisor: Band 6 radiographer',
        `Date of placement: ${recentText}`,
        'Objectives agreed: shadow a clinic, present a poster',
        'Outcome: poster presented to the team',
      ],
    ]);
    const form = doc.getForm();
    const page = doc.getPage(0);
    ['host', 'hours', 'feedback'].forEach((n, i) => {
      const f = form.createTextField(n);
      f.setText(['Radiology', '30 hours', 'Very positive'][i]!);
      f.addToPage(page, { x: 56, y: 500 - i * 40, width: 200, height: 20 });
    });
    const cb = form.createCheckBox('consent');
    cb.addToPage(page, { x: 56, y: 360, width: 12, height: 12 });
    cb.check();
    return doc.save();
  }
  return [
    {
      name: 'pdf-nhs-number-page-3.pdf',
      covers: 'NHS number (valid check digit) on page 3',
      expect: {
        personalData: [{ kind: 'nhs_number', page: 3 }],
        problems: ['personal_data'],
        pages: 4,
        documentDate: isoDate(recent),
      },
      build: () =>
        pdfBytes([
          [...trustHeader, ...dated, ...filler('Induction')],
          filler('Supervision'),
          [
            'Feedback form returned by a placement host.',
            'Patient seen on ward: NHS number 943 476 5919',
            ...filler('Feedback', 3),
          ],
          filler('Reflection'),
        ]),
    },
    {
      name: 'pdf-traps.pdf',
      covers:
        'traps: failing NHS check digit, trust switchboard, team mailboxes, organisation postcode, anonymised learner',
      expect: { personalData: [], problems: [], documentDate: isoDate(recent) },
      build: () =>
        pdfBytes([
          [
            ...trustHeader,
            ...dated,
            'Reference 943 476 5918 (internal course code)',
            'Trust switchboard: 0161 496 0000',
            'Main reception 0300 123 4567 or freephone 0800 123 4567',
            'Email the team: workexperience@northshire.nhs.uk or england.wexqs@nhs.net',
            'Northshire General Hospital, Infirmary Road, Leeds LS1 4AP',
            'Student name: Student A',
            'Learner: [REDACTED]',
            'Parent/carer: Withheld',
          ],
        ]),
    },
    {
      name: 'pdf-ni-number.pdf',
      covers: 'National Insurance number on page 2 (a QQ example number is not one)',
      expect: {
        personalData: [{ kind: 'ni_number', page: 2 }],
        problems: ['personal_data'],
        documentDate: isoDate(recent),
      },
      build: () =>
        pdfBytes([
          [...trustHeader, ...dated, 'Format example: QQ 12 34 56 C'],
          ['Volunteer record', 'National Insurance: JK 12 34 56 B', ...filler('Volunteering', 2)],
        ]),
    },
    {
      name: 'pdf-phones.pdf',
      covers: "a parent's mobile and a home landline",
      expect: {
        personalData: [
          { kind: 'phone', page: 1 },
          { kind: 'phone', page: 1 },
        ],
        problems: ['personal_data'],
        documentDate: isoDate(recent),
      },
      build: () =>
        pdfBytes([
          [
            ...trustHeader,
            ...dated,
            'Parent mobile: 07700 900123',
            'Home telephone: 01632 960001',
            'Ward office: 0113 496 0123',
          ],
        ]),
    },
    {
      name: 'pdf-emails.pdf',
      covers: 'personal e-mail addresses (webmail and a named nhs.net address) beside a team mailbox',
      expect: {
        personalData: [
          { kind: 'email', page: 1 },
          { kind: 'email', page: 1 },
        ],
        problems: ['personal_data'],
        documentDate: isoDate(recent),
      },
      build: () =>
        pdfBytes([
          [
            ...trustHeader,
            ...dated,
            'Learner contact: jamie.fletcher2009@gmail.com',
            'Supervisor: priya.shah7@nhs.net',
            'Bookings: wex.bookings@northshire.nhs.uk',
          ],
        ]),
    },
    {
      name: 'pdf-postcode.pdf',
      covers: "a learner's home postcode (the trust's own postcode is not personal data)",
      expect: {
        personalData: [{ kind: 'postcode', page: 1 }],
        problems: ['personal_data'],
        documentDate: isoDate(recent),
      },
      build: () =>
        pdfBytes([
          [
            ...trustHeader,
            ...dated,
            'Home address: 14 Acacia Avenue, Leeds LS6 2AB',
            'Northshire Hospitals NHS Foundation Trust, Trust Headquarters, Leeds LS1 4AP',
          ],
        ]),
    },
    {
      name: 'pdf-date-of-birth.pdf',
      covers: 'a date of birth next to "DOB"',
      expect: {
        personalData: [{ kind: 'date_of_birth', page: 1 }],
        problems: ['personal_data'],
        documentDate: isoDate(recent),
      },
      build: () => pdfBytes([[...trustHeader, ...dated, 'Learner profile', 'DOB: 14/02/2009', 'Year group: 12']]),
    },
    {
      name: 'pdf-names.pdf',
      covers: 'names after "Student name" and "Parent/carer"',
      expect: {
        personalData: [
          { kind: 'person_name', page: 2 },
          { kind: 'person_name', page: 2 },
        ],
        problems: ['personal_data'],
        documentDate: isoDate(recent),
      },
      build: () =>
        pdfBytes([
          [...trustHeader, ...dated, ...filler('Consent process', 3)],
          ['Consent form', 'Student name: Amelia Clarke', 'Parent/carer: David Clarke', 'Consent given: Yes'],
        ]),
    },
    {
      name: 'pdf-metadata-author.pdf',
      covers: "a person's name left as the PDF's author",
      expect: {
        personalData: [{ kind: 'metadata_author', page: null }],
        problems: ['personal_data'],
        documentDate: isoDate(recent),
      },
      build: () => pdfBytes([[...trustHeader, ...dated, ...filler('Policy')]], { author: 'Sarah Jenkins' }),
    },
    {
      name: 'pdf-fake-redaction.pdf',
      covers: 'a black box drawn over a name (text still extractable); a black banner with white text is not redaction',
      expect: {
        personalData: [{ kind: 'person_name', page: 1 }],
        problems: ['personal_data', 'fake_redaction'],
        documentDate: isoDate(recent),
      },
      build: async () => {
        const doc = await PDFDocument.create();
        const font = await doc.embedFont(StandardFonts.Helvetica);
        doc.setAuthor('Northshire Hospitals NHS Foundation Trust');
        const page = doc.addPage([595, 842]);
        page.drawRectangle({ x: 40, y: 795, width: 515, height: 30, color: rgb(0, 0, 0) });
        page.drawText('Placement feedback', { x: 56, y: 805, size: 14, font, color: rgb(1, 1, 1) });
        const lines = [...dated, 'Learner: Oliver Bennett', 'Attended all five days.'];
        lines.forEach((l, j) => page.drawText(l, { x: 56, y: 760 - j * 20, size: 11, font }));
        page.drawRectangle({ x: 100, y: 734, width: 150, height: 16, color: rgb(0, 0, 0) });
        return doc.save();
      },
    },
    {
      name: 'pdf-blank-template.pdf',
      covers: 'blank template: empty form fields, placeholder prompts, underscores, empty date mask',
      expect: { personalData: [], problems: ['blank_template', 'low_confidence'], blankTemplate: true },
      build: async () => {
        const doc = await pdfOf([
          [
            'Work experience placement record',
            'Placement area: [Insert placement area]',
            'Supervisor: ____________________',
            'Date of placement: __/__/____',
            'DOB: __/__/____',
            'Objectives agreed:',
            'Outcome:',
          ],
        ]);
        const form = doc.getForm();
        const page = doc.getPage(0);
        ['host', 'hours', 'feedback'].forEach((n, i) =>
          form.createTextField(n).addToPage(page, { x: 56, y: 500 - i * 40, width: 200, height: 20 }),
        );
        form.createCheckBox('consent').addToPage(page, { x: 56, y: 360, width: 12, height: 12 });
        return doc.save();
      },
    },
    {
      name: 'pdf-filled-form.pdf',
      covers: 'the same form filled in: not a template',
      expect: { personalData: [], problems: [], blankTemplate: false, documentDate: isoDate(recent) },
      build: () => (filledForm ??= filledFormPdf()),
    },
    {
      name: 'pdf-partly-filled.pdf',
      covers: 'a form about half filled in',
      expect: { personalData: [], problems: ['partly_filled'], blankTemplate: false, documentDate: isoDate(recent) },
      build: () =>
        pdfBytes([
          [
            'Placement evaluation',
            `Date: ${recentText}`,
            'Placement area: Pharmacy',
            'What went well: the dispensary tour',
            'What could be better:',
            'Next steps: ____________________',
            'Host comments: [Insert comments]',
          ],
        ]),
    },
    {
      name: 'pdf-two-years-old.pdf',
      covers: 'a document dated two years ago',
      expect: { personalData: [], problems: ['document_too_old'], documentDate: isoDate(twoYears) },
      build: () => pdfBytes([[...trustHeader, `Date: ${ukDate(twoYears)}`, ...filler('Annual report')]]),
    },
    {
      name: 'pdf-scanned-page.pdf',
      covers: 'page 2 is a scan with no text layer',
      expect: { personalData: [], problems: ['image_only_pages'], textlessPages: [2], documentDate: isoDate(recent) },
      build: async () => {
        const doc = await pdfOf([[...trustHeader, ...dated, ...filler('Certificate')], []], {
          decorate: async (page, i, d) => {
            if (i !== 1) return;
            const img = await d.embedPng(greyPng());
            page.drawImage(img, { x: 40, y: 40, width: 515, height: 760 });
          },
        });
        return doc.save();
      },
    },
    {
      name: 'pdf-encrypted.pdf',
      covers: 'a password-protected PDF is refused with a reason',
      expect: { personalData: [], problems: [], error: /password/i },
      build: async () => {
        const doc = await pdfOf([['Confidential']]);
        const ctx = doc.context;
        const enc = ctx.obj({
          Filter: PDFName.of('Standard'),
          V: 1,
          R: 2,
          O: PDFString.of('0123456789abcdef0123456789abcdef'),
          U: PDFString.of('fedcba9876543210fedcba9876543210'),
          P: -4,
        });
        ctx.trailerInfo.Encrypt = ctx.register(enc);
        ctx.trailerInfo.ID = ctx.obj([PDFString.of('0123456789abcdef'), PDFString.of('0123456789abcdef')]);
        return doc.save({ useObjectStreams: false });
      },
    },
    {
      name: 'pdf-damaged.pdf',
      covers: 'a damaged PDF is refused with a reason',
      expect: { personalData: [], problems: [], error: /cannot be read/i },
      build: async () => strToU8('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nthis is not a pdf'),
    },
    {
      name: 'docx-blank-template.docx',
      covers: 'Word form: content controls showing their placeholder, unticked checkboxes, underscores',
      expect: { personalData: [], problems: ['blank_template', 'low_confidence'], blankTemplate: true },
      build: () =>
        docxOf(
          [
            [
              P('Placement risk assessment'),
              P('%%SDT1%%'),
              P('%%SDT2%%'),
              P('%%SDT3%%'),
              new Paragraph({ children: [new TextRun('Hazards reviewed '), new CheckBox({ checked: false })] }),
              new Paragraph({ children: [new TextRun('Induction given '), new CheckBox({ checked: false })] }),
              P('Signed: ____________________'),
            ],
          ],
          {
            raw: {
              '%%SDT1%%': placeholderControl('Department:'),
              '%%SDT2%%': placeholderControl('Assessor:'),
              '%%SDT3%%': placeholderControl('Date:'),
            },
          },
        ),
    },
    {
      name: 'docx-completed-nhs-page-2.docx',
      covers: 'a completed Word form (filled controls, ticked box) with an NHS number on page 2',
      expect: {
        personalData: [{ kind: 'nhs_number', page: 2 }],
        problems: ['personal_data', 'low_confidence'],
        blankTemplate: false,
        pages: 2,
        documentDate: isoDate(recent),
      },
      build: () =>
        docxOf(
          [
            [
              P('Placement risk assessment'),
              P('%%SDT1%%'),
              P('%%SDT2%%'),
              P(`Date: ${recentText}`),
              new Paragraph({ children: [new TextRun('Hazards reviewed '), new CheckBox({ checked: true })] }),
              new Paragraph({ children: [new TextRun('Induction given '), new CheckBox({ checked: true })] }),
            ],
            [P('Incident log'), P('Patient NHS No. 9434765919 was present during the shadowing session.')],
          ],
          {
            raw: {
              '%%SDT1%%': filledControl('Department:', 'Pathology'),
              '%%SDT2%%': filledControl('Assessor:', 'Ward manager'),
            },
          },
        ),
    },
    {
      name: 'docx-black-highlight.docx',
      covers: 'a name under black highlight in Word (fake redaction)',
      expect: {
        personalData: [{ kind: 'person_name', page: 1 }],
        problems: ['personal_data', 'fake_redaction', 'low_confidence'],
        documentDate: isoDate(recent),
      },
      build: () =>
        docxOf([
          [
            P('Placement feedback'),
            P(`Date: ${recentText}`),
            new Paragraph({
              children: [
                new TextRun('Student name: '),
                new TextRun({ text: 'Harriet Okafor', highlight: HighlightColor.BLACK }),
              ],
            }),
            P('Feedback: engaged and curious throughout.'),
          ],
        ]),
    },
    {
      name: 'docx-author-and-table.docx',
      covers: "an author's name in the Word properties; a table of learners with names and dates of birth",
      expect: {
        personalData: [
          { kind: 'person_name', page: 1 },
          { kind: 'date_of_birth', page: 1 },
          { kind: 'metadata_author', page: null },
        ],
        problems: ['personal_data', 'low_confidence'],
        documentDate: isoDate(recent),
      },
      build: () =>
        docxOf(
          [
            [
              P('Attendance register'),
              P(`Date: ${recentText}`),
              new Table({
                rows: [
                  ['Learner name', 'Date of birth', 'Attended'],
                  ['Noah Whitfield', '03/09/2008', 'Yes'],
                ].map((r) => new TableRow({ children: r.map((c) => new TableCell({ children: [P(c)] })) })),
              }),
            ],
          ],
          { creator: 'Martin Hughes' },
        ),
    },
    {
      name: 'xlsx-register.xlsx',
      covers: 'Excel: sheet 2 lists a learner (name, date of birth, postcode); sheet 1 is a summary',
      expect: {
        personalData: [
          { kind: 'person_name', page: 2 },
          { kind: 'date_of_birth', page: 2 },
          { kind: 'postcode', page: 2 },
        ],
        problems: ['personal_data'],
        pages: 2,
        documentDate: isoDate(recent),
      },
      build: () =>
        xlsxOf([
          {
            name: 'Summary',
            rows: [
              ['Placements this year', 42],
              ['Report date', recentText],
              ['Contact', 'workexperience@northshire.nhs.uk'],
            ],
          },
          {
            name: 'Attendees',
            rows: [
              ['Student name', 'Date of birth', 'Postcode', 'Placement'],
              ['Maya Richardson', new Date(Date.UTC(2008, 4, 17)), 'LS6 2AB', 'Physiotherapy'],
            ],
          },
        ]),
    },
    {
      name: 'xlsx-blank-template.xlsx',
      covers: 'Excel template: headings and no rows',
      expect: { personalData: [], problems: ['blank_template', 'low_confidence'], blankTemplate: true, pages: 1 },
      build: () =>
        xlsxOf([
          { name: 'Tracker', rows: [['Learner ID', 'Placement area', 'Start date', 'Hours', 'Feedback received']] },
        ]),
    },
    {
      name: 'pptx-slides.pptx',
      covers:
        'PowerPoint: an emergency contact mobile on slide 3, a team mailbox on slide 2, black highlight on slide 4',
      expect: {
        personalData: [
          { kind: 'phone', page: 3 },
          { kind: 'person_name', page: 4 },
        ],
        problems: ['personal_data', 'fake_redaction'],
        pages: 4,
        documentDate: isoDate(recent),
      },
      build: () =>
        pptxOf([
          (s) => s.addText(`Work experience celebration event - ${recentText}`, { x: 0.5, y: 0.5, w: 9, h: 1 }),
          (s) => s.addText('Questions? Contact the team: wex.team@northshire.nhs.uk', { x: 0.5, y: 0.5, w: 9, h: 1 }),
          (s) => s.addText('Emergency contact: 07700 900456', { x: 0.5, y: 0.5, w: 9, h: 1 }),
          (s) =>
            s.addText(
              [
                { text: 'Learner: ', options: {} },
                { text: 'Zara Ahmed', options: { highlight: '000000' } },
              ],
              { x: 0.5, y: 0.5, w: 9, h: 1 },
            ),
        ]),
    },
    {
      name: 'docx-zip-bomb.docx',
      covers: 'a Word file whose XML inflates 1000:1 is refused before it is opened',
      expect: { personalData: [], problems: [], error: /zip bomb/i },
      build: async () =>
        zipSync({
          '[Content_Types].xml': strToU8('<Types/>'),
          'word/document.xml': new Uint8Array(48 * 1024 * 1024),
        }),
    },
    {
      name: 'notes.txt',
      covers: 'a file that is not a document is refused with a reason',
      expect: { personalData: [], problems: [], error: /not a PDF, Word, Excel, PowerPoint/i },
      build: async () => strToU8('Meeting notes: nothing to see.'),
    },
    {
      name: 'pdf-filled-form-copy.pdf',
      covers: 'the same bytes uploaded twice: a duplicate',
      expect: {
        personalData: [],
        problems: ['duplicate'],
        blankTemplate: false,
        documentDate: isoDate(recent),
        duplicateOf: 'pdf-filled-form.pdf',
      },
      build: () => (filledForm ??= filledFormPdf()),
    },
  ];
}

/** A long PDF (for the page limit): `pages` pages of filler text. */
export async function longPdf(pages: number): Promise<Uint8Array> {
  return pdfBytes(Array.from({ length: pages }, (_, i) => [`Page ${i + 1}`, ...filler('Appendix', 3)]));
}

/** A realistic mixed document of `pages` pages (for benchmarks). */
export async function benchDocument(
  i: number,
  pages: number,
  now: Date,
  salt = '',
): Promise<{ name: string; bytes: Uint8Array }> {
  const date = ukDate(daysBefore(now, 10 + (i % 200)));
  const content = Array.from({ length: pages }, (_, p) => [
    `Evidence ${i} ${salt}`.trim(),
    `Date: ${date}`,
    ...filler(`Section ${p + 1}`, 18),
    p === 2 && i % 7 === 0 ? 'Patient NHS number 943 476 5919' : 'Supervisor sign-off recorded.',
  ]);
  const kind = i % 4;
  if (kind === 1)
    return {
      name: `evidence-${i}.docx`,
      bytes: await docxOf(content.map((lines) => lines.map((l) => P(l)))),
    };
  return { name: `evidence-${i}.pdf`, bytes: await pdfBytes(content) };
}
