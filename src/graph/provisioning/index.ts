export { Provisioner, provisionCycle } from './engine.js';
export type { ProvisionOptions, ProvisionReport, ProgressEvent, OrgReport, OrgOutcome } from './engine.js';
export { InMemoryLedger, JsonFileLedger, applyMutation, emptyOrg, grantKey } from './ledger.js';
export type {
  ProvisioningLedger,
  CycleLedgerState,
  OrgLedgerState,
  FolderRef,
  GrantRecord,
  StepOutcome,
  StepStatus,
  LedgerMutation,
} from './ledger.js';
export { RuPacer, retryAfterMs } from './pacer.js';
export type { PacerOptions } from './pacer.js';
export { sendBatch, batchBody, entryRetryDelayMs, isRetryableStatus, MAX_BATCH } from './graph-batch.js';
export { attachProgressBar } from './progress-bar.js';
