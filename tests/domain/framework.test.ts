import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  SECTIONS,
  canReplaceFramework,
  criteriaForSection,
  criteriaUpTo,
  findCriterion,
  parseFramework,
  replaceFrameworkVersion,
  sectionTitle,
  type Framework,
} from '../../src/domain/framework.js';
import { DEFAULT_FRAMEWORK, DEFAULT_FRAMEWORK_VERSION } from '../../src/domain/framework-default.js';
import { LEVELS, SECTION_NUMBERS } from '../../src/domain/types.js';

function problemsOf(json: unknown): string[] {
  try {
    parseFramework(json);
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('VALIDATION');
    return (e as DomainError).details.problems as string[];
  }
  throw new Error('expected VALIDATION');
}

const minimal = () => ({
  version: 'v1',
  title: 'Test framework',
  criteria: SECTION_NUMBERS.map((s) => ({
    id: `${s}.1`,
    section: s,
    text: `Criterion ${s}`,
    minimumLevel: 'bronze',
    suggestedEvidence: ['Policy'],
  })),
});

describe('sections', () => {
  it('are the six published sections, in order', () => {
    expect(SECTIONS.map((s) => [s.number, s.title])).toEqual([
      [1, 'Healthcare organisation'],
      [2, 'Pre-placement'],
      [3, 'Placement induction'],
      [4, 'During placement'],
      [5, 'Reflection and review'],
      [6, 'Post placement'],
    ]);
    for (const s of SECTIONS) expect(s.description.length).toBeGreaterThan(10);
    expect(sectionTitle(4)).toBe('During placement');
  });
});

describe('default framework', () => {
  it('is illustrative and says so', () => {
    expect(DEFAULT_FRAMEWORK.illustrative).toBe(true);
    expect(DEFAULT_FRAMEWORK.version).toBe(DEFAULT_FRAMEWORK_VERSION);
    expect(DEFAULT_FRAMEWORK.version).toMatch(/^illustrative-/);
    expect(DEFAULT_FRAMEWORK.notice).toMatch(/illustrative/i);
    expect(DEFAULT_FRAMEWORK.notice).toMatch(/not the official NHS England/);
    expect(DEFAULT_FRAMEWORK.title).toMatch(/illustrative/i);
  });
  it('passes its own import validation (round trip through JSON)', () => {
    expect(parseFramework(JSON.parse(JSON.stringify(DEFAULT_FRAMEWORK)))).toEqual(DEFAULT_FRAMEWORK);
  });
  it('has 3-5 criteria per section spread over levels, each with suggested evidence', () => {
    for (const s of SECTION_NUMBERS) {
      const cs = criteriaForSection(DEFAULT_FRAMEWORK, s);
      expect(cs.length).toBeGreaterThanOrEqual(3);
      expect(cs.length).toBeLessThanOrEqual(5);
      expect(cs.some((c) => c.minimumLevel === 'bronze')).toBe(true);
      for (const c of cs) expect(c.suggestedEvidence.length).toBeGreaterThan(0);
    }
    for (const l of LEVELS) expect(DEFAULT_FRAMEWORK.criteria.some((c) => c.minimumLevel === l)).toBe(true);
  });
});

describe('parseFramework', () => {
  it('parses a valid framework with defaults', () => {
    const f = parseFramework(minimal());
    expect(f.version).toBe('v1');
    expect(f.illustrative).toBe(false);
    expect(f.notice).toBe('');
    expect(f.criteria).toHaveLength(6);
  });

  it('defaults suggestedEvidence to []', () => {
    const j = minimal();
    const c0 = j.criteria[0] as Record<string, unknown>;
    delete c0.suggestedEvidence;
    expect(parseFramework(j).criteria[0]!.suggestedEvidence).toEqual([]);
  });

  it('refuses non-objects', () => {
    expect(problemsOf(null).length).toBeGreaterThan(0);
    expect(problemsOf('x').length).toBeGreaterThan(0);
    expect(problemsOf([]).length).toBeGreaterThan(0);
  });

  it('refuses a missing version, blank title and empty criteria', () => {
    const problems = problemsOf({ title: ' ', criteria: [] });
    expect(problems.some((p) => p.startsWith('version'))).toBe(true);
    expect(problems.some((p) => p.startsWith('title'))).toBe(true);
    expect(problems.some((p) => p.startsWith('criteria'))).toBe(true);
  });

  it('refuses duplicate ids', () => {
    const j = minimal();
    j.criteria.push({ ...j.criteria[0]!, section: 1 });
    expect(problemsOf(j)).toEqual(['criterion id "1.1" is used 2 times; ids must be unique']);
  });

  it('refuses unknown sections and levels, blank text', () => {
    const j = minimal();
    j.criteria.push({ id: '7.1', section: 7 as never, text: 'x', minimumLevel: 'bronze', suggestedEvidence: [] });
    j.criteria.push({ id: '1.9', section: 1, text: ' ', minimumLevel: 'platinum', suggestedEvidence: [] });
    const problems = problemsOf(j);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^criteria\[6\] \(7\.1\)\.section/);
    expect(problems.some((p) => /criteria\[7\] \(1\.9\)\.text/.test(p))).toBe(true);
    expect(problems.some((p) => /criteria\[7\] \(1\.9\)\.minimumLevel/.test(p))).toBe(true);
  });

  it('refuses a section with no bronze criterion', () => {
    const j = minimal();
    j.criteria[2]!.minimumLevel = 'silver';
    expect(problemsOf(j)).toEqual([
      'section 3 (Placement induction) has no bronze criterion; every section needs at least one',
    ]);
  });

  it('lists every problem at once, in the message too', () => {
    const j = minimal();
    j.criteria[0]!.minimumLevel = 'gold';
    j.criteria[5]!.id = '5.1';
    j.criteria.push({ id: 'x', section: 2, text: 'y', minimumLevel: 'bronze', suggestedEvidence: [1 as never] });
    try {
      parseFramework(j);
      expect.fail('should throw');
    } catch (e) {
      const de = e as DomainError;
      const problems = de.details.problems as string[];
      expect(problems).toHaveLength(3);
      for (const p of problems) expect(de.message).toContain(p);
    }
  });
});

describe('criteria by level and section', () => {
  const f: Framework = parseFramework({
    ...minimal(),
    criteria: [
      ...minimal().criteria,
      { id: '1.2', section: 1, text: 's', minimumLevel: 'silver' },
      { id: '1.3', section: 1, text: 'g', minimumLevel: 'gold' },
      { id: '2.2', section: 2, text: 'g', minimumLevel: 'gold' },
    ],
  });
  it('criteriaUpTo includes lower levels', () => {
    expect(criteriaUpTo(f, 'bronze').map((c) => c.id)).toEqual(['1.1', '2.1', '3.1', '4.1', '5.1', '6.1']);
    expect(criteriaUpTo(f, 'silver')).toHaveLength(7);
    expect(criteriaUpTo(f, 'gold')).toHaveLength(9);
  });
  it('criteriaForSection with and without a level', () => {
    expect(criteriaForSection(f, 1).map((c) => c.id)).toEqual(['1.1', '1.2', '1.3']);
    expect(criteriaForSection(f, 1, 'silver').map((c) => c.id)).toEqual(['1.1', '1.2']);
    expect(criteriaForSection(f, 2, 'bronze').map((c) => c.id)).toEqual(['2.1']);
    expect(findCriterion(f, '1.3')?.minimumLevel).toBe('gold');
    expect(findCriterion(f, 'nope')).toBeUndefined();
  });
});

describe('replacing framework versions', () => {
  const incoming = parseFramework(minimal());
  it('a new version is added', () => {
    expect(replaceFrameworkVersion([], incoming)).toEqual({ mode: 'add', version: 'v1' });
    expect(replaceFrameworkVersion(['v0'], incoming, ['v0'])).toEqual({ mode: 'add', version: 'v1' });
  });
  it('an unused existing version is replaced', () => {
    expect(replaceFrameworkVersion(['v1'], incoming)).toEqual({ mode: 'replace', version: 'v1' });
  });
  it('a version used by a cycle is immutable', () => {
    expect(() => replaceFrameworkVersion(['v1'], incoming, ['v1'])).toThrow(DomainError);
    expect(canReplaceFramework('v1', true)).toBe(false);
    expect(canReplaceFramework('v1', false)).toBe(true);
    expect(canReplaceFramework(' ', false)).toBe(false);
  });
});
