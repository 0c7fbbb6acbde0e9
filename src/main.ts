/**
 * `npm run serve`: the app server alone, as deployed (tenant mode, or local mode without the
 * Playground). Config is validated first; tenant mode refuses local-only shortcuts.
 */
import { existsSync } from 'node:fs';
import { startApp } from './app.js';
import { ConfigError, describeConfig, loadConfig, loadEnvFiles } from './config.js';
import { createLogger } from './log.js';

try {
  // Settings come from the environment; env/ files are a convenience of a checkout (a deployment
  // built from dist/ has none). APP_ENV names the file set; without it, env/.env.local if present.
  const appEnv = process.env.APP_ENV;
  if (appEnv) loadEnvFiles(appEnv);
  else if (existsSync('env/.env.local')) loadEnvFiles('local');
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
