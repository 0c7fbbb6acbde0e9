/**
 * The process tests/support/compiled-tenant-instance.ts forks: the compiled app (dist/, what
 * `node dist/src/main.js` runs) in tenant mode, as src/main.ts starts it: settings validated by
 * loadConfig from this process's environment, bot authentication on, every background job the
 * settings leave on, and SIGTERM/Ctrl-C handled by the same src/stop-on-signals.ts. Only the
 * outside world is swapped, through startApp's options, from these variables:
 * - STANDIN_OPENID_METADATA_URL, STANDIN_BOT_TOKEN: the Bot Framework token service (the local
 *   OpenID issuer whose keys botbuilder fetches, and the bot's token for the Bot Connector);
 * - STANDIN_GRAPH_URL, STANDIN_GRAPH_TOKEN: Microsoft Graph (the Graph emulator and its token).
 *
 * Run by plain `node` (type stripping, no TypeScript tooling at run time) with an IPC channel.
 * It sends `{ cmd: 'ready', url }` once listening; `{ cmd: 'stop' }` stops it as SIGTERM does.
 * It exits when its parent goes away (the IPC channel closes), so no instance outlives its test.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as AppModule from '../../src/app.js';
import type * as ConfigModule from '../../src/config.js';
import type * as LogModule from '../../src/log.js';
import type * as StopModule from '../../src/stop-on-signals.js';

const dist = path.resolve(import.meta.dirname, '../../dist/src');
const load = <T>(file: string) => import(pathToFileURL(path.join(dist, file)).href) as Promise<T>;
const { startApp } = await load<typeof AppModule>('app.js');
const { loadConfig } = await load<typeof ConfigModule>('config.js');
const { createLogger } = await load<typeof LogModule>('log.js');
const { stopOnSignals } = await load<typeof StopModule>('stop-on-signals.js');

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const botToken = need('STANDIN_BOT_TOKEN');
const graphToken = need('STANDIN_GRAPH_TOKEN');

process.on('disconnect', () => process.exit(1));
const config = loadConfig();
const log = createLogger({ level: config.logLevel });
const app = await startApp(config, {
  log,
  botTokenService: { openIdMetadataUrl: need('STANDIN_OPENID_METADATA_URL'), botToken: async () => botToken },
  graphEndpoint: { baseUrl: need('STANDIN_GRAPH_URL'), tokens: { getAccessToken: async () => graphToken } },
});
const stop = stopOnSignals({
  log,
  timeoutMs: config.shutdownTimeoutMs,
  close: (timeoutMs) => app.close({ timeoutMs }),
});
process.on('message', (msg: { cmd?: string }) => {
  if (msg.cmd === 'stop') stop('stop message');
});
process.send!({ cmd: 'ready', url: app.url });
