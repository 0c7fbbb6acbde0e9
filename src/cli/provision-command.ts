/**
 * `npm run admin -- provision`: the evidence folders of a cycle, with a progress bar and a
 * report. In local mode the Graph emulator is started in this process on its data directory
 * (the same files `npm start` uses); in tenant mode it talks to Microsoft Graph.
 */
import path from 'node:path';
import type { AppConfig } from '../config.js';
import { startGraphEmulator } from '../graph/emulator/index.js';
import { createGraphPorts, LOCAL_EMULATOR_TOKEN, LOCAL_TENANT_DIRECTORY } from '../graph/graph-setup.js';
import type { ProvisionReport } from '../graph/provisioning/engine.js';
import { attachProgressBar } from '../graph/provisioning/progress-bar.js';
import { createLogger } from '../log.js';
import type { Store } from '../store/store.js';

export async function provisionFromCli(
  config: AppConfig,
  store: Store,
  cycleId: string,
  organisationIds: string[],
): Promise<ProvisionReport> {
  const log = createLogger({ level: 'warn', name: 'wexqs-admin' });
  const emulator =
    config.mode === 'local' && config.local.graphEmulator
      ? await startGraphEmulator({
          port: 0,
          host: '127.0.0.1',
          dataDir: path.join(config.dataDir, 'graph'),
          acceptedToken: LOCAL_EMULATOR_TOKEN,
          directory: LOCAL_TENANT_DIRECTORY,
        })
      : null;
  try {
    const effective: AppConfig = emulator
      ? { ...config, graph: { ...config.graph, baseUrl: `${emulator.url}/v1.0` } }
      : config;
    const { evidence } = createGraphPorts(effective, store, log);
    let stop = () => undefined as void;
    const report = await evidence.provisionWithReport(cycleId, organisationIds, (p) => {
      stop = attachProgressBar(p, { label: 'evidence folders' }).stop;
    });
    stop();
    return report;
  } finally {
    await emulator?.close();
  }
}
