/** Local Microsoft Graph emulator (the subset the WExQS app uses). See server.ts for options. */
export { startGraphEmulator } from "./server.js";
export type { GraphEmulator, GraphEmulatorOptions, FaultConfig, EmulatorStats } from "./server.js";
export { RU_COST } from "./resource-units.js";
