/**
 * Run the local Bot Connector on its own:
 *   npx tsx src/connector-emulator/main.ts [--port 3979] [--time-scale 1] [--block userId,...]
 * Point a conversation reference's serviceUrl at it. Stats: GET /_emulator/stats.
 */
import { parseArgs } from 'node:util';
import { startConnectorEmulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'time-scale': { type: 'string' },
    block: { type: 'string' },
  },
});
const emulator = await startConnectorEmulator({
  port: Number(values.port ?? 3979),
  host: values.host ?? '127.0.0.1',
  timeScale: Number(values['time-scale'] ?? 1),
  blockedUsers: (values.block ?? '').split(',').filter(Boolean),
});
console.log(
  `Bot Connector emulator listening on ${emulator.url} (time scale ×${emulator.timeScale}); stats at ${emulator.url}/_emulator/stats`,
);
const stop = () => void emulator.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
