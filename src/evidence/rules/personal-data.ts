/**
 * Personal data on a page: NHS numbers (valid check digit only), National Insurance numbers, UK
 * phone numbers, personal e-mail addresses, postcodes, dates of birth, names next to labels such as
 * "Student name", "Learner" or "Parent/carer", and an author left in the file's metadata.
 *
 * What is deliberately not personal data (the traps): a trust switchboard, reception or other
 * organisation number (labelled so, or a non-geographic 03/08 number); a team mailbox
 * (workexperience@…, england.wexqs@nhs.net); ten digits that fail the NHS check digit; a
 * postcode in an organisation's address; a label followed by a placeholder or an anonymised
 * value ("Student A", "[REDACTED]", initials).
 *
 * Only kind, page and a masked hint leave this module.
 */
import * as chrono from 'chrono-node';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { maskDigits, maskEmail, maskNiNumber, maskPostcode, maskWords } from '../mask.js';
import { SLOT_MARK } from '../formats/page-builder.js';
import type { ExtractedMetadata, PersonalDataFinding } from '../types.js';
import { findNhsNumbers } from './nhs-number.js';

/** Words around a number that say it belongs to an organisation, not a person. */
const ORGANISATION_PHONE =
  /\b(switchboard|reception|main\s+(line|number)|enquir(y|ies)|help\s?line|helpdesk|office|department|dept|ward|team|trust|hospital|clinic|centre|surgery|general|fax|bleep|ext(ension)?|hr|recruitment|education|academy|service|desk|hub|line)\b/i;
const PERSONAL_PHONE =
  /\b(home|mobile|mob|parent|carer|guardian|mum|mother|dad|father|emergency\s+contact|next\s+of\s+kin|student|learner|pupil|personal|contact\s+number|tel(ephone)?\s+of)\b/i;

const UK_PHONE = /(?<![\w+/])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d[\d\s()-]{7,14}\d(?![\d/])/g;

/** Free e-mail providers: an address there is always someone's own. */
const PERSONAL_DOMAINS =
  /@(gmail|googlemail|hotmail|outlook|live|msn|yahoo|ymail|icloud|me|mac|aol|btinternet|btopenworld|sky|virginmedia|talktalk|ntlworld|protonmail|proton|gmx|mail|zoho)\.[a-z.]+$/i;
/** Local parts that name a team or a function rather than a person. */
const TEAM_MAILBOX =
  /(^|[._-])(team|teams|info|enquir(y|ies)|admin|office|contact|recruitment|hr|careers|education|learning|training|workexperience|work\.?experience|wex|wexqs|placements?|widening|participation|hello|support|mailbox|service|services|dept|department|reception|noreply|no-reply|communications|comms|volunteer(ing|s)?|academy|apprentice(ships?)?|england|general|bookings?|hub|school|schools|outreach|talent|resourcing|ward)([._-]|\d|$)/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** UK postcodes (the outward and inward code, e.g. "LS1 4AP", "SW1A 2AA"). */
const POSTCODE = /\b(GIR ?0AA|[A-PR-UWYZ](?:[A-HK-Y]?\d[A-Z\d]?|\d[A-HJKPSTUW])) ?(\d[ABD-HJLNP-UW-Z]{2})\b/g;
const ORGANISATION_ADDRESS =
  /\b(nhs|trust|hospital|infirmary|foundation|clinic|centre|center|surgery|practice|school|college|academy|university|council|ltd|limited|plc|house|headquarters|hq|offices?|building|campus|site|park|estate|unit|suite|reception)\b/i;

/** National Insurance numbers (HMRC's format: two prefix letters, six digits, suffix A–D). */
const NI_NUMBER = /\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])\s?(\d{2})\s?(\d{2})\s?(\d{2})\s?([A-D])\b/g;
const NI_NOT_ALLOCATED = /^(BG|GB|NK|KN|TN|NT|ZZ)$/;

const DOB_LABEL = /\b(d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s?date|born(\s+on)?)\b\s*[:.\-–]?\s*/gi;

/** Labels after which a person's name is expected. */
const NAME_LABEL =
  /\b(student(?:'s)?\s+name|learner(?:'s)?\s+name|pupil(?:'s)?\s+name|name\s+of\s+(?:the\s+)?(?:student|learner|pupil|young\s+person|participant|parent|carer)|young\s+person(?:'s)?(?:\s+name)?|participant(?:'s)?\s+name|parent\s*\/\s*carer(?:'s)?(?:\s+name)?|parent\s+or\s+carer(?:'s)?(?:\s+name)?|parent(?:'s)?\s+name|carer(?:'s)?\s+name|guardian(?:'s)?(?:\s+name)?|emergency\s+contact(?:\s+name)?|next\s+of\s+kin|learner|student|pupil)\s*[:|\-–]\s*/gi;
const NAME_VALUE = /^((?:[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)*)(?:\s+[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)*){1,3})\b/;
const NOT_A_NAME =
  /^(student|learner|pupil|participant|person|young|candidate|parent|carer|guardian|redacted|anonymised|anonymized|withheld|removed|hidden|unknown|not|none|name|insert|click|enter|type|see|the|a|an|n|yes|no|male|female|year|work|placement|department|ward|nhs|trust|hospital|date|signed|signature)$/i;

const ORGANISATION_AUTHOR =
  /\b(nhs|trust|hospital|foundation|team|office|department|admin|administrator|user|microsoft|windows|owner|author|unknown|ltd|limited|council|school|college|university|centre|service|services|england|word|excel|powerpoint|acrobat|adobe|pdf|scanner|canon|xerox|ricoh|hp)\b/i;

interface PageText {
  number: number;
  text: string;
}

function around(text: string, start: number, end: number, before = 40, after = 12): string {
  return text.slice(Math.max(0, start - before), Math.min(text.length, end + after));
}

function lineAround(text: string, start: number, end: number): { before: string; line: string } {
  const ls = text.lastIndexOf('\n', start - 1) + 1;
  const le = text.indexOf('\n', end);
  const prevStart = text.lastIndexOf('\n', Math.max(0, ls - 2)) + 1;
  return { before: text.slice(prevStart, ls), line: text.slice(ls, le === -1 ? text.length : le) };
}

function phones(p: PageText, out: PersonalDataFinding[]): void {
  for (const m of p.text.matchAll(UK_PHONE)) {
    const raw = m[0];
    let digits = raw.replace(/\D/g, '');
    if (digits.startsWith('44')) digits = '0' + digits.slice(2).replace(/^0/, '');
    if (!/^0\d{9,10}$/.test(digits)) continue;
    const parsed = parsePhoneNumberFromString(digits, 'GB');
    if (!parsed?.isPossible()) continue;
    const prefix = digits.slice(0, 2);
    if (!['01', '02', '07'].includes(prefix) || digits.startsWith('076')) continue; // 03/05/08/09: organisation numbers
    const ctx = around(p.text, m.index, m.index + raw.length, 40, 0);
    const { line } = lineAround(p.text, m.index, m.index + raw.length);
    if (ORGANISATION_PHONE.test(ctx) && !PERSONAL_PHONE.test(ctx)) continue;
    if (prefix !== '07' && !PERSONAL_PHONE.test(`${ctx} ${line}`)) continue; // a landline is someone's only when labelled so
    out.push({ kind: 'phone', page: p.number, hint: maskDigits(raw.trim(), prefix === '07' ? 5 : 4) });
  }
}

function emails(p: PageText, out: PersonalDataFinding[]): void {
  for (const m of p.text.matchAll(EMAIL)) {
    const email = m[0].replace(/\.$/, '');
    const local = email.split('@')[0] ?? '';
    if (!PERSONAL_DOMAINS.test(email) && TEAM_MAILBOX.test(local)) continue;
    out.push({ kind: 'email', page: p.number, hint: maskEmail(email) });
  }
}

function postcodes(p: PageText, out: PersonalDataFinding[]): void {
  for (const m of p.text.matchAll(POSTCODE)) {
    const { before, line } = lineAround(p.text, m.index, m.index + m[0].length);
    if (ORGANISATION_ADDRESS.test(`${before}\n${line}`)) continue;
    out.push({ kind: 'postcode', page: p.number, hint: maskPostcode(m[0]) });
  }
}

function niNumbers(p: PageText, out: PersonalDataFinding[]): void {
  for (const m of p.text.matchAll(NI_NUMBER)) {
    if (NI_NOT_ALLOCATED.test(m[1]!)) continue;
    out.push({ kind: 'ni_number', page: p.number, hint: maskNiNumber(m[0]) });
  }
}

function nhsNumbers(p: PageText, out: PersonalDataFinding[]): void {
  for (const n of findNhsNumbers(p.text)) {
    out.push({ kind: 'nhs_number', page: p.number, hint: `${n.digits.slice(0, 3)} *** ****` });
  }
}

function datesOfBirth(p: PageText, out: PersonalDataFinding[], ref: Date): void {
  for (const m of p.text.matchAll(DOB_LABEL)) {
    const after = p.text.slice(m.index + m[0].length, m.index + m[0].length + 40).split('\n')[0] ?? '';
    const [r] = chrono.en.GB.parse(after, ref);
    if (!r || r.index > 3) continue;
    if (!r.start.isCertain('year') && !r.start.isCertain('month')) continue;
    out.push({ kind: 'date_of_birth', page: p.number, hint: '**/**/****' });
  }
}

function names(p: PageText, out: PersonalDataFinding[]): void {
  for (const m of p.text.matchAll(NAME_LABEL)) {
    const after = (p.text.slice(m.index + m[0].length, m.index + m[0].length + 60).split('\n')[0] ?? '')
      .replace(/^[|\s]+/, '')
      .replace(SLOT_MARK, '');
    const v = NAME_VALUE.exec(after);
    if (!v) continue;
    const words = v[1]!.split(/\s+/);
    if (words.some((w) => NOT_A_NAME.test(w))) continue;
    out.push({ kind: 'person_name', page: p.number, hint: maskWords(v[1]!) });
  }
}

/** Does a metadata author read as a person (not an organisation, a program or a placeholder)? */
export function looksLikePersonName(value: string): boolean {
  const v = value.trim();
  if (/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(v)) return !TEAM_MAILBOX.test(v.split('@')[0] ?? '');
  if (ORGANISATION_AUTHOR.test(v)) return false;
  const words = v.replace(/,/g, ' ').split(/\s+/).filter(Boolean);
  if (words.length < 2 || words.length > 4) return false;
  return words.every((w) => /^[A-Z][a-z'’-]+$|^[A-Z]\.?$/.test(w)) && words.some((w) => w.length > 2);
}

export function metadataFindings(meta: ExtractedMetadata): PersonalDataFinding[] {
  const out: PersonalDataFinding[] = [];
  const seen = new Set<string>();
  for (const v of [meta.author, meta.lastModifiedBy]) {
    if (!v || seen.has(v.toLowerCase())) continue;
    seen.add(v.toLowerCase());
    if (looksLikePersonName(v))
      out.push({ kind: 'metadata_author', page: null, hint: v.includes('@') ? maskEmail(v) : maskWords(v) });
  }
  return out;
}

/** Personal data on one page: its lines, its table pairs and its hidden text. */
export function pagePersonalData(
  page: { number: number; lines: string[]; pairs: string[]; hiddenText: string[] },
  ref: Date,
): PersonalDataFinding[] {
  const text = [...page.lines, ...page.pairs, ...page.hiddenText].join('\n');
  const p: PageText = { number: page.number, text };
  const out: PersonalDataFinding[] = [];
  nhsNumbers(p, out);
  niNumbers(p, out);
  phones(p, out);
  emails(p, out);
  postcodes(p, out);
  datesOfBirth(p, out, ref);
  names(p, out);
  // The same value found twice on a page (a line and its table pair) is one finding.
  const seen = new Set<string>();
  return out.filter((f) => {
    const k = `${f.kind}|${f.hint}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
