/**
 * `npm run serve`: the app server alone, as deployed (tenant mode, or local mode without the
 * Playground). Config is validated first; tenant mode refuses local-only shortcuts.
 */
import { existsSync } from 'node:fs';
import { startApp } from './app.js';
import { describeConfig, loadConfig, loadEnvFiles } from './config.js';
import { createLogger } from './log.js';
import { startTelemetry } from './telemetry.js';
import { stopOnSignals } from './stop-on-signals.js';
import { describeStartupError } from './startup-errors.js';

try {
  // Settings come from the environment; env/ files are a convenience of a checkout (a deployment
  // built from dist/ has none). APP_ENV names the file set; without it, env/.env.local if present,
  // except when the environment already says APP_MODE=tenant (a deployment never takes the demo's
  // local-only settings from a checkout it happens to run in).
  const appEnv = process.env.APP_ENV;
  if (appEnv) loadEnvFiles(appEnv);
  else if (process.env.APP_MODE !== 'tenant' && existsSync('env/.env.local')) loadEnvFiles('local');
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel });
  log.info({ config: describeConfig(config) }, 'starting');
  // Before the app: spans and metrics go to Application Insights when it is configured.
  const telemetry = await startTelemetry(config.telemetryConnectionString, log);
  const app = await startApp(config, { log });
  // SIGTERM and Ctrl-C stop it within SHUTDOWN_TIMEOUT_MS (src/stop-on-signals.ts).
  stopOnSignals({
    log,
    timeoutMs: config.shutdownTimeoutMs,
    close: (timeoutMs) => app.close({ timeoutMs }).then(() => telemetry.shutdown().catch(() => undefined)),
  });
} catch (err) {
  // One line naming what to fix, and an exit code by kind (src/startup-errors.ts); no stack trace.
  const { message, exitCode } = describeStartupError(err);
  console.error(message);
  process.exit(exitCode);
}
