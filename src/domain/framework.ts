/**
 * The quality-standard framework as versioned data: six sections, and criteria each with the
 * minimum level it counts for (bronze < silver < gold) and the kinds of evidence that usually show it.
 * An admin imports a framework from JSON (parseFramework); a version is immutable once a cycle uses it.
 */
import { z } from 'zod';
import { DomainError } from './errors.js';
import { levelRank } from './levels.js';
import { LEVELS, SECTION_NUMBERS, type Level, type SectionNumber } from './types.js';

export interface Section {
  number: SectionNumber;
  title: string;
  description: string;
}

export const SECTIONS: readonly Section[] = Object.freeze([
  {
    number: 1,
    title: 'Healthcare organisation',
    description: 'How the organisation governs, resources and advertises its work experience offer.',
  },
  {
    number: 2,
    title: 'Pre-placement',
    description: 'Application, selection, checks, risk assessment and preparing the learner and the host department.',
  },
  {
    number: 3,
    title: 'Placement induction',
    description: 'Welcoming the learner and covering safety, confidentiality and expectations on the first day.',
  },
  {
    number: 4,
    title: 'During placement',
    description: 'Supervision, meaningful activities and support while the learner is on placement.',
  },
  {
    number: 5,
    title: 'Reflection and review',
    description: 'Learner and supervisor reflection and evaluation, and how the organisation uses it.',
  },
  {
    number: 6,
    title: 'Post placement',
    description: 'Follow-up after the placement: certificates, references, routes into careers and staying in touch.',
  },
]);

export function sectionTitle(n: SectionNumber): string {
  return SECTIONS.find((s) => s.number === n)?.title ?? `Section ${n}`;
}

export interface Criterion {
  id: string;
  section: SectionNumber;
  text: string;
  minimumLevel: Level;
  suggestedEvidence: string[];
}

export interface Framework {
  version: string;
  title: string;
  illustrative: boolean;
  notice: string;
  criteria: Criterion[];
}

const nonBlank = (what: string) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? `${what} is required` : `${what} must be text`) })
    .trim()
    .min(1, { error: `${what} must not be blank` });

export const criterionSchema = z.object({
  id: nonBlank('id'),
  section: z
    .number({ error: 'section must be a number from 1 to 6' })
    .refine((n) => (SECTION_NUMBERS as readonly number[]).includes(n), {
      error: 'section must be a number from 1 to 6',
    })
    .transform((n) => n as SectionNumber),
  text: nonBlank('text'),
  minimumLevel: z.enum(LEVELS, { error: 'minimumLevel must be bronze, silver or gold' }),
  suggestedEvidence: z.array(nonBlank('suggested evidence item')).default([]),
});

export const frameworkHeaderSchema = z.object({
  version: nonBlank('version'),
  title: nonBlank('title'),
  illustrative: z.boolean({ error: 'illustrative must be true or false' }).default(false),
  notice: z.string({ error: 'notice must be text' }).default(''),
  criteria: z.array(z.unknown(), { error: 'criteria must be a list' }).min(1, { error: 'criteria must not be empty' }),
});

function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
}

/**
 * Parses and checks a framework from JSON data. Collects every problem (shape of each criterion,
 * duplicate ids, unknown sections, a section without a bronze criterion) and throws one VALIDATION
 * error listing them all in `details.problems`.
 */
export function parseFramework(json: unknown): Framework {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    const problems = ['the framework must be a JSON object with version, title and criteria'];
    throw new DomainError('VALIDATION', `The framework cannot be imported: ${problems[0]}.`, { problems });
  }
  const problems: string[] = [];
  const header = frameworkHeaderSchema.safeParse(json);
  if (!header.success) {
    for (const i of header.error.issues) {
      const p = pathText(i.path);
      problems.push(p ? `${p}: ${i.message}` : i.message);
    }
  }
  const rawCriteria =
    json !== null && typeof json === 'object' && Array.isArray((json as { criteria?: unknown }).criteria)
      ? (json as { criteria: unknown[] }).criteria
      : [];
  const criteria: Criterion[] = [];
  rawCriteria.forEach((raw, index) => {
    const r = criterionSchema.safeParse(raw);
    const label =
      raw !== null && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string'
        ? `criteria[${index}] (${(raw as { id: string }).id})`
        : `criteria[${index}]`;
    if (!r.success) {
      for (const i of r.error.issues) {
        const p = pathText(i.path);
        problems.push(`${label}${p ? `.${p}` : ''}: ${i.message}`);
      }
    } else {
      criteria.push(r.data);
    }
  });
  const seen = new Map<string, number>();
  for (const c of criteria) seen.set(c.id, (seen.get(c.id) ?? 0) + 1);
  for (const [id, n] of seen) if (n > 1) problems.push(`criterion id "${id}" is used ${n} times; ids must be unique`);
  if (rawCriteria.length > 0) {
    for (const s of SECTIONS) {
      if (!criteria.some((c) => c.section === s.number && c.minimumLevel === 'bronze')) {
        problems.push(`section ${s.number} (${s.title}) has no bronze criterion; every section needs at least one`);
      }
    }
  }
  if (problems.length > 0 || !header.success) {
    throw new DomainError('VALIDATION', `The framework cannot be imported: ${problems.join('; ')}.`, { problems });
  }
  return {
    version: header.data.version,
    title: header.data.title,
    illustrative: header.data.illustrative,
    notice: header.data.notice,
    criteria,
  };
}

/** Criteria that count at `level`: those whose minimumLevel ≤ level (gold includes silver and bronze). */
export function criteriaUpTo(framework: Framework, level: Level): Criterion[] {
  const max = levelRank(level);
  return framework.criteria.filter((c) => levelRank(c.minimumLevel) <= max);
}

/** Criteria of one section, optionally only those that count at `level`. */
export function criteriaForSection(framework: Framework, section: SectionNumber, level?: Level): Criterion[] {
  const pool = level === undefined ? framework.criteria : criteriaUpTo(framework, level);
  return pool.filter((c) => c.section === section);
}

export function findCriterion(framework: Framework, id: string): Criterion | undefined {
  return framework.criteria.find((c) => c.id === id);
}

/** A version may be replaced only while no cycle uses it; after that it is immutable. */
export function canReplaceFramework(version: string, usedByCycle: boolean): boolean {
  return version.trim() !== '' && !usedByCycle;
}

/**
 * Decides how an incoming framework is stored:
 * - a new version → 'add';
 * - an existing version not used by any cycle → 'replace';
 * - an existing version that a cycle uses → throws VALIDATION (import it under a new version).
 */
export function replaceFrameworkVersion(
  existingVersions: readonly string[],
  incoming: Framework,
  versionsUsedByCycles: readonly string[] = [],
): { mode: 'add' | 'replace'; version: string } {
  const version = incoming.version;
  if (!existingVersions.includes(version)) return { mode: 'add', version };
  if (!canReplaceFramework(version, versionsUsedByCycles.includes(version))) {
    throw new DomainError(
      'VALIDATION',
      `Framework version "${version}" is already used by a cycle and cannot be changed. Import it under a new version name.`,
      { version, problems: [`version "${version}" is in use by a cycle`] },
    );
  }
  return { mode: 'replace', version };
}
