/**
 * What the admin command line does, as functions over the Store (the same data the cards use),
 * so they can be tested against a real database: create cycles, import organisations and their
 * contacts from CSV (with a plan that a dry run prints), grant and revoke the admin and reviewer roles.
 */
import { parse } from 'csv-parse/sync';
import { cleanName } from '../domain/text.js';
import { z } from 'zod';
import { validateCycle } from '../domain/cycle.js';
import { DomainError } from '../domain/errors.js';
import { DEFAULT_FRAMEWORK } from '../domain/framework-default.js';
import { londonDate } from '../domain/time.js';
import type { Cycle, Person, Role } from '../domain/types.js';
import type { Store } from '../store/store.js';

export const CLI_ACTOR = 'admin-cli';

/** "2026-09-19 17:00", "2026-09-19T17:00" or "2026-09-19" (00:00), London time. */
export function parseLondonDateTime(value: string, field: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/.exec(value.trim());
  if (!m)
    throw new DomainError(
      'VALIDATION',
      `--${field} must look like 2026-09-19 or 2026-09-19 17:00 (UK time); got "${value}".`,
      { field },
    );
  return londonDate(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0));
}

export const cycleArgsSchema = z.object({
  id: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{1,60}$/, 'use lower-case letters, digits and dashes')
    .optional(),
  name: z.string().trim().min(3).max(120),
  deadline: z.string(),
  'grace-minutes': z.coerce
    .number()
    .int()
    .min(0)
    .max(60 * 24 * 30)
    .default(0),
  'review-start': z.string(),
  'review-end': z.string(),
  'decision-start': z.string(),
  'decision-end': z.string(),
  framework: z.string().trim().min(1).default(DEFAULT_FRAMEWORK.version),
  paused: z.boolean().default(false),
});

export async function createCycle(
  store: Store,
  raw: Record<string, unknown>,
  opts: { dryRun: boolean; now: Date },
): Promise<{ cycle: Cycle; created: boolean }> {
  const args = cycleArgsSchema.parse(raw);
  const slug = args.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  const cycle: Cycle = {
    id: args.id ?? `cycle-${slug}`,
    name: args.name,
    submissionDeadline: parseLondonDateTime(args.deadline, 'deadline'),
    graceMinutes: args['grace-minutes'],
    reviewStart: parseLondonDateTime(args['review-start'], 'review-start'),
    reviewEnd: parseLondonDateTime(args['review-end'], 'review-end'),
    decisionStart: parseLondonDateTime(args['decision-start'], 'decision-start'),
    decisionEnd: parseLondonDateTime(args['decision-end'], 'decision-end'),
    intakePaused: args.paused,
    frameworkVersion: args.framework,
  };
  validateCycle(cycle);
  const existing = (await store.cycles.list()).find(
    (c) => c.id === cycle.id || c.name.toLowerCase() === cycle.name.toLowerCase(),
  );
  if (existing)
    throw new DomainError('VALIDATION', `A cycle called "${existing.name}" (${existing.id}) already exists.`, {
      cycleId: existing.id,
    });
  if (opts.dryRun) return { cycle, created: false };
  await store.transaction(async (tx) => {
    if (!(await tx.frameworks.get(cycle.frameworkVersion))) {
      if (cycle.frameworkVersion !== DEFAULT_FRAMEWORK.version) {
        throw new DomainError(
          'VALIDATION',
          `Framework ${cycle.frameworkVersion} is not loaded; import it first or use ${DEFAULT_FRAMEWORK.version}.`,
          {},
        );
      }
      await tx.frameworks.save(DEFAULT_FRAMEWORK);
    }
    await tx.cycles.create(cycle);
    await tx.audit.append({
      at: opts.now,
      actorId: CLI_ACTOR,
      action: 'create_cycle',
      entityKind: 'cycle',
      entityId: cycle.id,
      fromState: null,
      toState: 'created',
      details: { name: cycle.name },
    });
  });
  return { cycle, created: true };
}

// --- organisations and contacts from CSV

const roleAliases: Record<string, Role> = {
  lead: 'applicant_lead',
  'applicant lead': 'applicant_lead',
  applicant_lead: 'applicant_lead',
  contributor: 'applicant_contributor',
  'applicant contributor': 'applicant_contributor',
  applicant_contributor: 'applicant_contributor',
};

export const contactRowSchema = z.object({
  organisation_name: z.string().trim().min(2, 'organisation_name is required').max(200),
  organisation_code: z
    .string()
    .trim()
    .max(20)
    .optional()
    .transform((v) => (v ? v.toUpperCase() : undefined)),
  contact_name: z
    .string()
    .trim()
    .max(120)
    .optional()
    .transform((v) => v || undefined),
  contact_email: z
    .string()
    .trim()
    .max(254)
    .optional()
    .transform((v) => (v ? v.toLowerCase() : undefined))
    .refine((v) => v === undefined || z.email().safeParse(v).success, 'contact_email is not an email address'),
  contact_role: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v.toLowerCase() : 'contributor'))
    .refine((v) => v in roleAliases, 'contact_role must be lead or contributor')
    .transform((v) => roleAliases[v]!),
});
export type ContactRow = z.infer<typeof contactRowSchema>;

export class CsvError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `The CSV file has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** Parses the CSV (header row required); collects every problem with its line number. */
export function parseContactsCsv(text: string): ContactRow[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase().replace(/\s+/g, '_')),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: false,
    });
  } catch (e) {
    throw new CsvError([`cannot read the CSV: ${e instanceof Error ? e.message : String(e)}`]);
  }
  const problems: string[] = [];
  const rows: ContactRow[] = [];
  const lines: number[] = [];
  if (records.length > 0 && !('organisation_name' in records[0]!))
    problems.push(
      'the header row must have organisation_name (and optionally organisation_code, contact_name, contact_email, contact_role)',
    );
  records.forEach((r, i) => {
    // Cells are one-line text: control characters (pasted from elsewhere) are removed first.
    const res = contactRowSchema.safeParse(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cleanName(v)])));
    if (!res.success) for (const issue of res.error.issues) problems.push(`line ${i + 2}: ${issue.message}`);
    else {
      if (res.data.contact_email && !res.data.contact_name)
        problems.push(`line ${i + 2}: contact_name is required with contact_email`);
      rows.push(res.data);
      lines.push(i + 2);
    }
  });
  const seen = new Map<string, number>();
  rows.forEach((r, i) => {
    if (!r.contact_email) return;
    if (seen.has(r.contact_email))
      problems.push(`line ${lines[i]}: ${r.contact_email} is also on line ${seen.get(r.contact_email)}`);
    else seen.set(r.contact_email, lines[i]!);
  });
  if (problems.length > 0) throw new CsvError(problems);
  return rows;
}

export interface ImportChange {
  kind: 'add_organisation' | 'update_organisation' | 'add_contact' | 'update_contact';
  description: string;
}

export interface ImportPlan {
  changes: ImportChange[];
  unchanged: number;
  organisations: { id: string; name: string; code: string | null }[];
  people: Person[];
  /** Organisations a contact moves away from: their folders must stop sharing with that person. */
  leftOrganisationIds: string[];
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 50);
}

/** What importing these rows would change (nothing is written). */
export async function planImport(store: Store, rows: readonly ContactRow[]): Promise<ImportPlan> {
  const orgs = await store.organisations.list();
  const changes: ImportChange[] = [];
  let unchanged = 0;
  const planned = new Map<string, { id: string; name: string; code: string | null }>();
  const people: Person[] = [];
  const left = new Set<string>();
  for (const r of rows) {
    const key = (r.organisation_code ?? r.organisation_name).toLowerCase();
    let org = planned.get(key);
    if (!org) {
      const existing = orgs.find(
        (o) =>
          (r.organisation_code && o.code?.toUpperCase() === r.organisation_code) ||
          o.name.toLowerCase() === r.organisation_name.toLowerCase(),
      );
      org = {
        id: existing?.id ?? `org-${slug(r.organisation_code ?? r.organisation_name)}`,
        name: r.organisation_name,
        code: r.organisation_code ?? existing?.code ?? null,
      };
      planned.set(key, org);
      if (!existing)
        changes.push({
          kind: 'add_organisation',
          description: `+ organisation ${org.name}${org.code ? ` (${org.code})` : ''}`,
        });
      else if (existing.name !== org.name || existing.code !== org.code)
        changes.push({
          kind: 'update_organisation',
          description: `~ organisation ${existing.name} → ${org.name}${org.code ? ` (${org.code})` : ''}`,
        });
      else unchanged++;
    }
    if (!r.contact_email) continue;
    const person = await store.people.findByIdentity({ email: r.contact_email });
    const role = r.contact_role;
    if (!person) {
      const p: Person = {
        id: `person-${slug(r.contact_email)}`,
        displayName: r.contact_name!,
        email: r.contact_email,
        entraObjectId: null,
        organisationId: org.id,
        roles: [role],
      };
      people.push(p);
      changes.push({
        kind: 'add_contact',
        description: `+ contact ${p.displayName} <${p.email}> as ${role.replace('_', ' ')} at ${org.name}`,
      });
    } else {
      const roles = [
        ...new Set([...person.roles.filter((x) => x !== 'applicant_lead' && x !== 'applicant_contributor'), role]),
      ].sort() as Role[];
      const next: Person = {
        ...person,
        displayName: r.contact_name ?? person.displayName,
        organisationId: org.id,
        roles,
      };
      const same =
        next.displayName === person.displayName &&
        next.organisationId === person.organisationId &&
        [...person.roles].sort().join() === roles.join();
      if (same) unchanged++;
      else {
        people.push(next);
        if (person.organisationId && person.organisationId !== next.organisationId) left.add(person.organisationId);
        changes.push({
          kind: 'update_contact',
          description: `~ contact ${person.email}: ${[next.displayName !== person.displayName ? 'name' : '', next.organisationId !== person.organisationId ? `organisation → ${org.name}` : '', [...person.roles].sort().join() !== roles.join() ? `role → ${role.replace('_', ' ')}` : ''].filter(Boolean).join(', ')}`,
        });
      }
    }
  }
  return { changes, unchanged, organisations: [...planned.values()], people, leftOrganisationIds: [...left] };
}

export async function applyImport(store: Store, plan: ImportPlan, now: Date): Promise<void> {
  if (plan.changes.length === 0) return; // nothing to write, nothing to audit
  await store.transaction(async (tx) => {
    for (const o of plan.organisations) await tx.organisations.upsert(o);
    for (const p of plan.people) await tx.people.upsert(p);
    await tx.audit.append({
      at: now,
      actorId: CLI_ACTOR,
      action: 'import_organisations',
      entityKind: 'system',
      entityId: 'organisations',
      fromState: null,
      toState: null,
      details: { changes: plan.changes.length, organisations: plan.organisations.length, contacts: plan.people.length },
    });
  });
}

// --- roles

export const grantArgsSchema = z.object({
  email: z.email('--email must be an email address').transform((v) => v.trim().toLowerCase()),
  role: z.enum(['admin', 'reviewer'], { error: '--role must be admin or reviewer' }),
  name: z.string().trim().min(2).max(120).optional(),
  organisation: z.string().trim().min(1).optional(),
  revoke: z.boolean().default(false),
});

export async function grantRole(
  store: Store,
  raw: Record<string, unknown>,
  opts: { dryRun: boolean; now: Date },
): Promise<{ person: Person; changed: boolean; created: boolean }> {
  const args = grantArgsSchema.parse(raw);
  let person = await store.people.findByIdentity({ email: args.email });
  let created = false;
  if (!person) {
    if (args.revoke) throw new DomainError('NOT_FOUND', `Nobody with the email ${args.email} is known.`, {});
    if (!args.name)
      throw new DomainError(
        'VALIDATION',
        `Nobody with the email ${args.email} is known yet: add --name "Full Name" (and --organisation ORG_ID for a reviewer from a trust) to create them.`,
        {},
      );
    if (args.organisation && !(await store.organisations.get(args.organisation)))
      throw new DomainError('NOT_FOUND', `There is no organisation with id ${args.organisation}.`, {});
    person = {
      id: `person-${slug(args.email)}`,
      displayName: args.name,
      email: args.email,
      entraObjectId: null,
      organisationId: args.organisation ?? null,
      roles: [],
    };
    created = true;
  }
  const roles = args.revoke ? person.roles.filter((r) => r !== args.role) : [...new Set([...person.roles, args.role])];
  const changed = created || roles.length !== person.roles.length;
  const next = { ...person, roles };
  if (changed && !opts.dryRun) {
    await store.transaction(async (tx) => {
      await tx.people.upsert(next);
      await tx.audit.append({
        at: opts.now,
        actorId: CLI_ACTOR,
        action: args.revoke ? 'revoke_role' : 'grant_role',
        entityKind: 'person',
        entityId: next.id,
        fromState: null,
        toState: null,
        details: { role: args.role },
      });
    });
  }
  return { person: next, changed, created };
}
