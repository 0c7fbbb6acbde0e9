/** Kysely table types: the TypeScript view of migrations/*.ts. Keep the two in step. */
import type { ColumnType, Generated } from 'kysely';
import type { AttendanceSource } from '../domain/attendance.js';

type Timestamp = ColumnType<Date, Date, Date>;
type DefaultTimestamp = ColumnType<Date, Date | undefined, Date>;
/** jsonb: read as parsed JSON, written as a JSON string (both drivers agree on that). */
type Json<T> = ColumnType<T, string, string>;

export interface OrganisationsTable {
  id: string;
  name: string;
  code: string | null;
  created_at: DefaultTimestamp;
}

export interface PeopleTable {
  id: string;
  display_name: string;
  email: string;
  entra_object_id: string | null;
  organisation_id: string | null;
  created_at: DefaultTimestamp;
}

export interface PersonRolesTable {
  person_id: string;
  role: string;
}

export interface FrameworksTable {
  version: string;
  title: string;
  illustrative: boolean;
  document: Json<unknown>;
  created_at: DefaultTimestamp;
}

export interface CyclesTable {
  id: string;
  name: string;
  submission_deadline: Timestamp;
  grace_minutes: number;
  review_start: Timestamp;
  review_end: Timestamp;
  decision_start: Timestamp;
  decision_end: Timestamp;
  intake_paused: boolean;
  framework_version: string;
  created_at: DefaultTimestamp;
}

export interface DropinSessionsTable {
  id: string;
  title: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  capacity: number;
  cancelled: ColumnType<boolean, boolean | undefined, boolean>;
  join_url: string | null;
  graph_event_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** transactionId of the calendar event being created; cleared once Graph confirmed it */
  graph_transaction_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: DefaultTimestamp;
  /** Attendance collection (migration 0006_attendance). */
  attendance_status: ColumnType<'pending' | 'collected' | 'no_report', string | undefined, string>;
  attendance_next_check_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  attendance_checks: ColumnType<number, number | undefined, number>;
  attendance_last_error: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface DropinBookingsTable {
  id: string;
  session_id: string;
  person_id: string;
  organisation_id: string;
  status: 'booked' | 'cancelled' | 'waitlisted';
  attended: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  /** Where the attendance came from (migration 0006_attendance). */
  attended_source: ColumnType<AttendanceSource | null, AttendanceSource | null | undefined, AttendanceSource | null>;
  attended_marked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** Attendance reports already applied (migration 0006_attendance). */
export interface DropinAttendanceReportsTable {
  session_id: string;
  report_id: string;
  collected_at: Timestamp;
  records: number;
  matched: number;
}

export interface ApplicationsTable {
  id: string;
  organisation_id: string;
  cycle_id: string;
  state: string;
  target_level: string | null;
  version: ColumnType<number, number | undefined, number>;
  requested_at: Timestamp;
  submitted_at: Date | null;
  submitted_late: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: Timestamp;
  updated_by: string;
}

export interface CommentaryTable {
  application_id: string;
  criterion_id: string;
  text: string;
  evidence_refs: Json<{ documentName: string; pages: number[] }[]>;
  updated_at: Timestamp;
  updated_by: string;
}

export interface ReviewerAssignmentsTable {
  application_id: string;
  reviewer_id: string;
  assigned_at: Timestamp;
}

export interface DecisionsTable {
  application_id: string;
  level: string | null;
  feedback_strengths: string;
  feedback_improvements: string;
  decided_at: Timestamp;
  decided_by: string;
}

export interface AwardsTable {
  id: string;
  organisation_id: string;
  application_id: string | null;
  level: string;
  valid_from: Timestamp;
  valid_until: Timestamp;
  /** Migration 0010_awards: verification, what the certificate shows, revocation. */
  verification_code: string;
  cycle_id: string | null;
  organisation_name: string | null;
  illustrative: ColumnType<boolean, boolean | undefined, boolean>;
  issued_at: Timestamp;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}

export interface ReviewerConflictsTable {
  reviewer_id: string;
  organisation_id: string;
  reason: string;
  declared_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Timestamp;
  actor_id: string;
  action: string;
  entity_kind: string;
  entity_id: string;
  from_state: string | null;
  to_state: string | null;
  details: Json<Record<string, unknown>>;
}

export interface ConversationRefsTable {
  key: string;
  person_id: string | null;
  aad_object_id: string | null;
  scope: 'personal' | 'groupChat' | 'channel';
  reference: Json<Record<string, unknown>>;
  updated_at: Timestamp;
}

export interface ProvisioningJournalTable {
  seq: Generated<string>;
  cycle_id: string;
  organisation_id: string | null;
  mutation: Json<Record<string, unknown>>;
  recorded_at: DefaultTimestamp;
}

export interface EvidenceFoldersTable {
  cycle_id: string;
  organisation_id: string;
  folder_id: string;
  web_url: string;
  is_private: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: DefaultTimestamp;
}

export interface EvidenceDocumentsTable {
  application_id: string;
  name_key: string;
  name: string;
  section: number | null;
  web_url: string | null;
  last_modified: Timestamp;
  present: ColumnType<boolean, boolean | undefined, boolean>;
  listed_at: Timestamp;
  evidence_date: Date | null;
  completed: ColumnType<boolean, boolean | undefined, boolean>;
  declared_by: string | null;
  declared_at: Date | null;
}

export interface EvidenceInspectionsTable {
  application_id: string;
  item_id: string;
  version_key: string;
  name: string;
  name_key: string;
  inspected_at: Timestamp;
  result: Json<Record<string, unknown>>;
  current: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface EvidenceDismissalsTable {
  application_id: string;
  name_key: string;
  finding_key: string;
  reason: string;
  dismissed_by: string;
  dismissed_at: Timestamp;
}

export interface EvidenceScanStateTable {
  application_id: string;
  cursor: Json<Record<string, unknown>>;
  updated_at: Timestamp;
}

export interface AssessmentsTable {
  application_id: string;
  reviewer_id: string;
  criterion_id: string;
  outcome: 'met' | 'partly_met' | 'not_met';
  note: string;
  updated_at: Timestamp;
}

export interface RecommendationsTable {
  application_id: string;
  reviewer_id: string;
  level: string | null;
  strengths: string;
  improvements: string;
  recommended_at: Timestamp;
}

export interface ClarificationsTable {
  id: string;
  application_id: string;
  asked_by: string;
  question: string;
  asked_at: Timestamp;
  answer: string | null;
  answered_by: string | null;
  answered_at: Date | null;
}

/** Reminders (migration 0004_reminders): the notification outbox and what dispatchers share. */
export interface ReminderOutboxTable {
  id: string;
  cycle_id: ColumnType<string, string | undefined, string>;
  recipient_id: string;
  kind: string;
  due_at: Timestamp;
  subject_kind: string;
  subject_id: string;
  application_id: string | null;
  booking_id: string | null;
  session_id: string | null;
  planned: ColumnType<boolean, boolean | undefined, boolean>;
  send_after: Timestamp;
  expires_at: Date | null;
  payload: Json<Record<string, unknown>>;
  status: ColumnType<string, string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  lease_owner: string | null;
  lease_until: Date | null;
  last_error: string | null;
  activity_id: string | null;
  conversation_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  sent_at: Date | null;
  /** A job this message waits for (migration 0012_jobs); held rows are not claimed. */
  held_for: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ReminderMutesTable {
  kind: string;
  muted_by: string;
  muted_at: Timestamp;
}

export interface ReminderSettingsTable {
  cycle_id: string;
  settings: Json<Record<string, unknown>>;
  updated_at: Timestamp;
  updated_by: string;
}

export interface NotificationPacingTable {
  id: string;
  throttled_until: Timestamp;
  next_slot_at: Timestamp;
  consecutive_throttles: ColumnType<number, number | undefined, number>;
}

export interface ProvisioningRunsTable {
  id: string;
  cycle_id: string;
  started_by: string;
  status: 'starting' | 'running' | 'finished' | 'failed' | 'interrupted';
  total: number;
  done: ColumnType<number, number | undefined, number>;
  failed: ColumnType<number, number | undefined, number>;
  failures: Json<{ organisationId: string; reason: string }[]>;
  owner: string;
  started_at: Timestamp;
  heartbeat_at: Timestamp;
  finished_at: Timestamp | null;
}

/** Background jobs (migration 0012_jobs): the last run of each, whichever instance ran it. */
export interface JobStatusTable {
  name: string;
  last_started_at: Date | null;
  last_finished_at: Date | null;
  last_outcome: 'running' | 'ok' | 'failed' | null;
  last_error: string | null;
  last_summary: Json<Record<string, unknown>> | null;
  last_instance: string | null;
  runs: ColumnType<string | number, number | undefined, number>;
  failures: ColumnType<string | number, number | undefined, number>;
  updated_at: Timestamp;
}

/** Configuration faults that stop notifications (migration 0012_jobs). */
export interface NotificationAlertsTable {
  code: string;
  message: string;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  occurrences: ColumnType<string | number, number | undefined, number>;
  cleared_at: Date | null;
}

export interface DB {
  provisioning_runs: ProvisioningRunsTable;
  provisioning_journal: ProvisioningJournalTable;
  evidence_folders: EvidenceFoldersTable;
  organisations: OrganisationsTable;
  people: PeopleTable;
  person_roles: PersonRolesTable;
  frameworks: FrameworksTable;
  cycles: CyclesTable;
  dropin_sessions: DropinSessionsTable;
  dropin_bookings: DropinBookingsTable;
  dropin_attendance_reports: DropinAttendanceReportsTable;
  applications: ApplicationsTable;
  commentary: CommentaryTable;
  reviewer_assignments: ReviewerAssignmentsTable;
  decisions: DecisionsTable;
  awards: AwardsTable;
  reviewer_conflicts: ReviewerConflictsTable;
  audit_log: AuditLogTable;
  conversation_refs: ConversationRefsTable;
  reminder_outbox: ReminderOutboxTable;
  reminder_mutes: ReminderMutesTable;
  reminder_settings: ReminderSettingsTable;
  notification_pacing: NotificationPacingTable;
  evidence_documents: EvidenceDocumentsTable;
  evidence_inspections: EvidenceInspectionsTable;
  evidence_dismissals: EvidenceDismissalsTable;
  evidence_scan_state: EvidenceScanStateTable;
  assessments: AssessmentsTable;
  recommendations: RecommendationsTable;
  clarifications: ClarificationsTable;
  job_status: JobStatusTable;
  notification_alerts: NotificationAlertsTable;
}
