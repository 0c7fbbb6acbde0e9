/** Local Microsoft Graph emulator (the subset the WExQS app uses). See server.ts for options. */
export { startGraphEmulator } from './server.js';
export type { GraphEmulator, GraphEmulatorOptions, FaultConfig, EmulatorStats } from './server.js';
export { RU_COST } from './resource-units.js';
export { NO_LICENCE_MESSAGE } from './teams-apps.js';
export type { TeamsAppsOptions, CatalogAppRec, InstallationRec } from './teams-apps.js';
export type { SharingOptions } from './server.js';
export type { DirectoryOptions } from './directory.js';
export { NEW_GUEST_REFUSED } from './directory.js';
export { graphMetadata, validateRequest, ContractViolation } from './metadata.js';
