/**
 * The admin command line: `npm run admin -- <command> [options]`. Opens the same database the app
 * uses (DATABASE_URL, else the embedded one in DATA_DIR) and changes the same data the cards show.
 *
 *   create-cycle --name "2026/27 cycle 1" --deadline "2026-09-18 17:00" [--grace-minutes 2880]
 *                --review-start 2026-10-02 --review-end 2026-11-27 --decision-start 2026-12-01
 *                --decision-end "2026-12-15 17:00" [--id cycle-2026-27-1] [--framework VERSION] [--dry-run]
 *   import-framework --file framework.csv|framework.json [--version V] [--title T] [--dry-run]
 *       CSV columns: section, id, text, minimum_level, suggested_evidence (items separated by ";")
 *   use-framework --cycle CYCLE_ID --framework VERSION [--dry-run] : only while the cycle has no applications
 *   import-orgs --file contacts.csv [--dry-run]
 *       CSV columns: organisation_name, organisation_code, contact_name, contact_email, contact_role (lead|contributor)
 *   grant --email someone@nhs.net --role admin|reviewer [--name "Full Name"] [--organisation ORG_ID] [--revoke] [--dry-run]
 *   list-cycles
 *   provision --cycle CYCLE_ID [--organisation ORG_ID] : create or update the private evidence
 *       folders (progress bar on stderr, report at the end); safe to re-run
 *   export --cycle CYCLE_ID --what pipeline|assessments|audit --format csv|xlsx --out FILE
 *       the cycle's pipeline, assessments or audit log, streamed to FILE (formula-safe cells)
 * Dates are UK time. Exit codes: 0 done, 1 refused (invalid input, nothing changed), 2 usage.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ZodError, z } from 'zod';
import { ConfigError, loadConfig, loadEnvFiles, type AppConfig } from '../config.js';
import { isDomainError } from '../domain/errors.js';
import { formatLondon } from '../domain/time.js';
import { DatabaseUnavailableError, openDatabase } from '../store/database.js';
import { EXIT_DATABASE } from '../startup-errors.js';
import { cleanName } from '../domain/text.js';
import { PostgresProvisioningLedger } from '../store/provisioning-ledger.js';
import { Store } from '../store/store.js';
import { applyImport, createCycle, CsvError, grantRole, parseContactsCsv, planImport } from './admin-tasks.js';
import {
  describeFramework,
  importFramework,
  importProblems,
  readFrameworkFile,
  useFramework,
} from './framework-commands.js';
import { provisionFromCli } from './provision-command.js';
import { sessionCommand } from './session-commands.js';
import { fixedClock } from '../domain/time.js';
import type { Actor } from '../domain/types.js';
import { EXPORT_FORMATS } from '../exports/table-writers.js';
import { silentLogger } from '../log.js';
import { checkExport, EXPORT_KINDS, exportCycle } from '../workflows/exports.js';
import type { Services } from '../workflows/services.js';

/** Who the command line acts as: whoever can run it can reach the database, so an admin. */
const CLI_ACTOR: Actor = Object.freeze({
  personId: 'admin-cli',
  displayName: 'Admin command line',
  roles: Object.freeze(['admin'] as const) as unknown as Actor['roles'],
  organisationId: null,
});

const USAGE = `Usage: npm run admin -- <command> [options]
  create-cycle --name NAME --deadline "YYYY-MM-DD HH:mm" --review-start DATE --review-end DATE
               --decision-start DATE --decision-end DATE [--grace-minutes N] [--id ID] [--framework V] [--dry-run]
  import-framework --file F.csv|F.json [--version V] [--title T] [--dry-run]
               the official framework as a new version (CSV: section, id, text, minimum_level,
               suggested_evidence); every bad row is reported and nothing is stored
  use-framework --cycle CYCLE_ID --framework V [--dry-run]   only while the cycle has no applications
  import-orgs  --file contacts.csv [--dry-run]
  grant        --email EMAIL --role admin|reviewer [--name NAME] [--organisation ORG_ID] [--revoke] [--dry-run]
  list-cycles
  provision    --cycle CYCLE_ID [--organisation ORG_ID]   evidence folders in SharePoint; safe to re-run
  create-session --title TITLE --start "YYYY-MM-DD HH:mm" [--minutes 60] --capacity N
               a drop-in session and its Teams meeting in the organiser's calendar
  change-session --id SESSION_ID [--title T] [--start "YYYY-MM-DD HH:mm"] [--minutes N] | --cancel
               attendees get the update (or the cancellation) in Teams and their calendar
  list-sessions
  export       --cycle CYCLE_ID --what pipeline|assessments|audit --format csv|xlsx --out FILE
               the cycle's pipeline, assessments or audit log as CSV or XLSX
Dates are UK time.`;

export async function runCli(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(`${s}\n`),
  store?: Store,
  now: Date = new Date(),
): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    out(USAGE);
    return command ? 0 : 2;
  }
  let parsed: { values: Record<string, string | boolean | undefined> };
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        name: { type: 'string' },
        id: { type: 'string' },
        deadline: { type: 'string' },
        'grace-minutes': { type: 'string' },
        'review-start': { type: 'string' },
        'review-end': { type: 'string' },
        'decision-start': { type: 'string' },
        'decision-end': { type: 'string' },
        framework: { type: 'string' },
        paused: { type: 'boolean' },
        file: { type: 'string' },
        email: { type: 'string' },
        role: { type: 'string' },
        organisation: { type: 'string' },
        revoke: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        cycle: { type: 'string' },
        title: { type: 'string' },
        start: { type: 'string' },
        minutes: { type: 'string' },
        capacity: { type: 'string' },
        cancel: { type: 'boolean' },
        what: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        version: { type: 'string' },
      },
      strict: true,
    });
  } catch (e) {
    out(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  const { 'dry-run': dryRun = false, ...values } = parsed.values;
  // Option values are one-line text: control characters are removed before any schema sees them.
  const args = Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === 'string' ? cleanName(v) : v]),
  );
  let handle: Awaited<ReturnType<typeof openDatabase>> | null = null;
  let config: AppConfig | null = null;
  try {
    if (!store) {
      loadEnvFiles(process.env.APP_ENV ?? 'local');
      config = loadConfig();
      handle = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') });
      store = new Store(handle.db);
    }
    const prefix = dryRun ? '[dry run] ' : '';
    switch (command) {
      case 'create-cycle': {
        const { cycle, created } = await createCycle(store, args, { dryRun: Boolean(dryRun), now });
        out(
          `${prefix}${created ? 'Created' : 'Would create'} cycle ${cycle.name} (${cycle.id}): deadline ${formatLondon(cycle.submissionDeadline)}${cycle.graceMinutes ? ` + ${cycle.graceMinutes} min grace` : ''}, review ${formatLondon(cycle.reviewStart, 'date')}–${formatLondon(cycle.reviewEnd, 'date')}, decisions ${formatLondon(cycle.decisionStart, 'date')}–${formatLondon(cycle.decisionEnd, 'date')} (UK time).`,
        );
        return 0;
      }
      case 'import-framework': {
        const file = z.string({ error: '--file is required' }).min(1, '--file is required').parse(args.file);
        const read = readFrameworkFile(readFileSync(file, 'utf8'), file, {
          ...(typeof args.version === 'string' ? { version: args.version } : {}),
          ...(typeof args.title === 'string' ? { title: args.title } : {}),
        });
        if (!read.ok) {
          const problems = importProblems(read);
          out(
            `The framework was not imported (nothing changed): ${problems.length} problem${problems.length === 1 ? '' : 's'}${read.rowErrors.length > 0 ? `, ${read.rowErrors.length} bad row${read.rowErrors.length === 1 ? '' : 's'}` : ''}:`,
          );
          for (const p of problems) out(`  ${p}`);
          return 1;
        }
        const { mode } = await importFramework(store, read.framework, { dryRun: Boolean(dryRun), now });
        const what = `framework ${read.framework.version}: ${describeFramework(read.framework)}`;
        out(
          mode === 'unchanged'
            ? `Framework ${read.framework.version} is already loaded with exactly these criteria; nothing changed.`
            : `${prefix}${dryRun ? (mode === 'add' ? 'Would import' : 'Would replace') : mode === 'add' ? 'Imported' : 'Replaced'} ${what}.`,
        );
        if (!dryRun && mode !== 'unchanged')
          out(`Use it: npm run admin -- create-cycle ... --framework ${read.framework.version}`);
        return 0;
      }
      case 'use-framework': {
        const cycleId = z.string({ error: '--cycle is required' }).min(1, '--cycle is required').parse(args.cycle);
        const version = z
          .string({ error: '--framework is required' })
          .min(1, '--framework is required')
          .parse(args.framework);
        const r = await useFramework(store, { cycleId, version }, { dryRun: Boolean(dryRun), now });
        out(
          r.changed
            ? `${prefix}Cycle ${cycleId} ${dryRun ? 'would use' : 'now uses'} framework ${r.to} (was ${r.from}).`
            : `Cycle ${cycleId} already uses framework ${r.to}; nothing changed.`,
        );
        return 0;
      }
      case 'import-orgs': {
        const file = z.string({ error: '--file is required' }).min(1, '--file is required').parse(args.file);
        const rows = parseContactsCsv(readFileSync(file, 'utf8'));
        const plan = await planImport(store, rows);
        for (const c of plan.changes) out(`${prefix}${c.description}`);
        out(
          `${prefix}${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'}, ${plan.unchanged} unchanged (${rows.length} rows).`,
        );
        if (!dryRun && plan.changes.length > 0) {
          await applyImport(store, plan, now);
          out('Imported.');
          // Folder access follows the contacts: re-share folders already provisioned this cycle, both
          // where contacts joined and where they left (their access there is removed).
          const cycle = await store.cycles.current(now);
          const touched = [
            ...new Set([
              ...plan.people.map((p) => p.organisationId).filter((o): o is string => o !== null),
              ...plan.leftOrganisationIds,
            ]),
          ];
          const ledger = new PostgresProvisioningLedger(store.db);
          const provisioned = cycle
            ? (await Promise.all(touched.map(async (o) => ((await ledger.folderFor(cycle.id, o)) ? o : null)))).filter(
                (o): o is string => o !== null,
              )
            : [];
          if (cycle && provisioned.length > 0) {
            if (!config) {
              out(`Run \`npm run admin -- provision --cycle ${cycle.id}\` so folder access follows the new contacts.`);
            } else {
              const report = await provisionFromCli(config, store, cycle.id, provisioned);
              out(
                `Folder access updated for ${report.orgsTotal - report.failed.length} of ${report.orgsTotal} organisation(s) with folders in ${cycle.name}.`,
              );
              for (const f of report.failed) out(`  failed: ${f.orgId}: ${f.reason}`);
            }
          }
        }
        return 0;
      }
      case 'grant': {
        const { person, changed, created } = await grantRole(store, args, { dryRun: Boolean(dryRun), now });
        const role = String(args.role);
        out(
          changed
            ? `${prefix}${args.revoke ? 'Removed' : 'Granted'} ${role} ${args.revoke ? 'from' : 'to'} ${person.displayName}${created ? ' (new person)' : ''}. Roles now: ${person.roles.join(', ') || 'none'}.`
            : `${person.displayName} already ${args.revoke ? 'lacks' : 'has'} the ${role} role; nothing changed.`,
        );
        return 0;
      }
      case 'list-cycles': {
        for (const c of await store.cycles.list())
          out(
            `${c.id}\t${c.name}\tdeadline ${formatLondon(c.submissionDeadline)}\t${c.intakePaused ? 'intake paused' : 'intake open'}`,
          );
        return 0;
      }
      case 'provision': {
        const cycleId = z.string({ error: '--cycle is required' }).min(1, '--cycle is required').parse(args.cycle);
        if (!(await store.cycles.get(cycleId))) {
          out(`No cycle "${cycleId}". See: npm run admin -- list-cycles`);
          return 1;
        }
        const orgIds = args.organisation
          ? [String(args.organisation)]
          : (await store.organisations.list()).map((o) => o.id);
        if (!config) config = (loadEnvFiles(process.env.APP_ENV ?? 'local'), loadConfig());
        const report = await provisionFromCli(config, store, cycleId, orgIds);
        out(
          `Evidence folders for ${report.orgsTotal} organisation(s): ${report.created} created, ${report.updated} updated, ${report.alreadyThere} already there, ${report.failed.length} failed (${report.requests} Graph requests).`,
        );
        for (const f of report.failed) out(`  failed: ${f.orgId}: ${f.reason}`);
        return report.failed.length > 0 ? 1 : 0;
      }
      case 'export': {
        const o = z
          .object({
            cycle: z.string({ error: 'is required' }).min(1, 'is required'),
            what: z.enum(EXPORT_KINDS, { error: `must be one of ${EXPORT_KINDS.join(', ')}` }),
            format: z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }),
            out: z.string({ error: 'is required' }).min(1, 'is required'),
          })
          .parse(args);
        const svc: Services = { store, clock: fixedClock(now), log: silentLogger };
        await checkExport(svc, CLI_ACTOR, o.cycle);
        const file = createWriteStream(o.out);
        const rows = await exportCycle(svc, CLI_ACTOR, { cycleId: o.cycle, kind: o.what, format: o.format }, file);
        out(`Exported ${rows} row${rows === 1 ? '' : 's'} (${o.what}, ${o.format}) to ${o.out}.`);
        return 0;
      }
      case 'create-session':
      case 'change-session':
      case 'list-sessions': {
        if (!config) config = (loadEnvFiles(process.env.APP_ENV ?? 'local'), loadConfig());
        return await sessionCommand(command, args, { config, store, now, out });
      }
      default:
        out(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof CsvError) out(e.message);
    else if (e instanceof ZodError)
      out(
        `Invalid options:\n${e.issues.map((i) => `  - ${i.path.length ? `--${i.path.join('.')}: ` : ''}${i.message}`).join('\n')}`,
      );
    else if (isDomainError(e)) out(`${e.message}${e.details.problems ? '' : ''}`);
    else if (e instanceof ConfigError) out(e.message);
    else if (e instanceof DatabaseUnavailableError) {
      out(e.message);
      return EXIT_DATABASE;
    } else if ((e as NodeJS.ErrnoException)?.code === 'ENOENT')
      out(`File not found: ${(e as NodeJS.ErrnoException).path ?? ''}`);
    else throw e;
    return 1;
  } finally {
    await handle?.close();
  }
}

if (
  process.argv[1] &&
  path.resolve(process.argv[1]).replace(/\.ts$/, '') ===
    path.resolve(new URL(import.meta.url).pathname).replace(/\.ts$/, '')
) {
  process.exitCode = await runCli(process.argv.slice(2));
}
