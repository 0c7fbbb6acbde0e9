/**
 * The store: repositories over one Kysely handle, and a unit of work that binds them all to one
 * transaction. Workflows call `store.transaction(tx => ...)` whenever several writes (a state
 * change and its audit row, a booking and its capacity check) must commit together.
 */
import type { Kysely } from 'kysely';
import type { DB } from './schema.js';
import { AuditRepository } from './audit-repository.js';
import { ApplicationRepository } from './application-repository.js';
import { ApplicationRecordRepository } from './application-record-repository.js';
import { ConversationRepository } from './conversation-repository.js';
import { CycleRepository } from './cycle-repository.js';
import { DropInRepository } from './dropin-repository.js';
import { FrameworkRepository } from './framework-repository.js';
import { OrganisationRepository } from './organisation-repository.js';
import { PeopleRepository } from './people-repository.js';
import type { PersonCache } from './person-cache.js';
import { ProvisioningRunRepository } from './provisioning-run-repository.js';
import { ReminderRepository } from './reminder-repository.js';
import { DecisionRepository } from './decision-repository.js';
import { EvidenceRepository } from './evidence-repository.js';
import { EvidenceInspectionRepository } from './evidence-inspection-repository.js';
import { JobStatusRepository } from './job-status-repository.js';
import { ReviewRepository } from './review-repository.js';
import { AwardRepository } from './award-repository.js';
import { ConflictRepository } from './conflict-repository.js';
import { ReportRepository } from './report-repository.js';

export class Store {
  readonly audit: AuditRepository;
  readonly applications: ApplicationRepository;
  /** One application with everything stored about it, in one statement (cards read this). */
  readonly applicationRecords: ApplicationRecordRepository;
  readonly conversations: ConversationRepository;
  readonly cycles: CycleRepository;
  readonly dropIns: DropInRepository;
  readonly frameworks: FrameworkRepository;
  readonly organisations: OrganisationRepository;
  readonly people: PeopleRepository;
  readonly provisioningRuns: ProvisioningRunRepository;
  readonly reminders: ReminderRepository;
  readonly evidence: EvidenceRepository;
  readonly inspections: EvidenceInspectionRepository;
  readonly reviews: ReviewRepository;
  readonly decisions: DecisionRepository;
  readonly awards: AwardRepository;
  readonly conflicts: ConflictRepository;
  readonly reports: ReportRepository;
  readonly jobRuns: JobStatusRepository;

  /**
   * `personCache`: the instance's recently identified people (src/store/person-cache.ts), used by
   * `people.findByEntraObjectId` outside transactions only.
   */
  constructor(
    readonly db: Kysely<DB>,
    private readonly inTransaction = false,
    personCache?: PersonCache,
  ) {
    this.audit = new AuditRepository(db);
    this.applications = new ApplicationRepository(db, this.audit);
    this.applicationRecords = new ApplicationRecordRepository(db);
    this.conversations = new ConversationRepository(db);
    this.cycles = new CycleRepository(db);
    this.dropIns = new DropInRepository(db, this.audit);
    this.frameworks = new FrameworkRepository(db);
    this.organisations = new OrganisationRepository(db);
    this.people = new PeopleRepository(db, inTransaction ? undefined : personCache);
    this.provisioningRuns = new ProvisioningRunRepository(db);
    this.reminders = new ReminderRepository(db);
    this.evidence = new EvidenceRepository(db, this.audit);
    this.inspections = new EvidenceInspectionRepository(db, this.audit);
    this.reviews = new ReviewRepository(db, this.audit);
    this.decisions = new DecisionRepository(db);
    this.awards = new AwardRepository(db, this.audit);
    this.conflicts = new ConflictRepository(db, this.audit);
    this.reports = new ReportRepository(db);
    this.jobRuns = new JobStatusRepository(db);
  }

  /** Run `fn` in one transaction (joins the current one when already inside). */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new Store(trx, true)));
  }
}
