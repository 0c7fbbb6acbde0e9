/**
 * CLI: `npx tsx src/graph/emulator/main.ts [--port 5180] [--data-dir .data/graph] [--time-scale 1]
 *        [--ru-per-minute 1250] [--latency-ms 0] [--token <accepted-token>] [--seed 1]`
 * Environment equivalents: GRAPH_EMULATOR_PORT, GRAPH_EMULATOR_DATA_DIR, GRAPH_EMULATOR_TIME_SCALE,
 * GRAPH_EMULATOR_RU_PER_MINUTE, GRAPH_EMULATOR_LATENCY_MS, GRAPH_EMULATOR_TOKEN, GRAPH_EMULATOR_SEED.
 */
import { parseArgs } from 'node:util';
import { startGraphEmulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    'time-scale': { type: 'string' },
    'ru-per-minute': { type: 'string' },
    'latency-ms': { type: 'string' },
    token: { type: 'string' },
    seed: { type: 'string' },
  },
});
const env = process.env;
const num = (v: string | undefined, d: number) => (v === undefined || v === '' ? d : Number(v));

const emu = await startGraphEmulator({
  port: num(values.port ?? env.GRAPH_EMULATOR_PORT, 5180),
  dataDir: values['data-dir'] ?? env.GRAPH_EMULATOR_DATA_DIR ?? '.data/graph',
  timeScale: num(values['time-scale'] ?? env.GRAPH_EMULATOR_TIME_SCALE, 1),
  ruPerMinute: num(values['ru-per-minute'] ?? env.GRAPH_EMULATOR_RU_PER_MINUTE, 1250),
  latencyMs: num(values['latency-ms'] ?? env.GRAPH_EMULATOR_LATENCY_MS, 0),
  acceptedToken: values.token ?? env.GRAPH_EMULATOR_TOKEN ?? undefined,
  seed: num(values.seed ?? env.GRAPH_EMULATOR_SEED, 1),
});
// Counts and ids only: never tokens or personal data.
console.log(JSON.stringify({ msg: 'graph emulator listening', url: emu.url, driveId: emu.driveId }));
const stop = async () => {
  await emu.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
