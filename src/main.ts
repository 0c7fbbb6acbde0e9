/**
 * `npm run serve`: the app server alone, as deployed (tenant mode, or local mode without the
 * Playground). Config is validated first; tenant mode refuses local-only shortcuts.
 */
import { startApp } from './app.js';
import { ConfigError, describeConfig, loadConfig, loadEnvFiles } from './config.js';
import { createLogger } from './log.js';

try {
  loadEnvFiles(process.env.APP_ENV ?? 'local');
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel });
  log.info({ config: describeConfig(config) }, 'starting');
  const app = await startApp(config, { log });
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
