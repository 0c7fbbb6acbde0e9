/**
 * `npm run serve`: the app server alone, as deployed (tenant mode, or local mode without the
 * Playground). Config is validated first; tenant mode refuses local-only shortcuts.
 */
import { existsSync } from 'node:fs';
import { startApp } from './app.js';
import { describeConfig, loadConfig, loadEnvFiles } from './config.js';
import { createLogger } from './log.js';
import { startTelemetry } from './telemetry.js';
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
  // SIGTERM (a platform stopping or replacing this instance) and Ctrl-C: stop taking work, finish
  // or release what was claimed, close the pool, within SHUTDOWN_TIMEOUT_MS; a second signal or
  // a shutdown that overruns its bound exits at once.
  const timeoutMs = config.shutdownTimeoutMs;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal, timeoutMs }, 'stopping');
    setTimeout(() => process.exit(1), timeoutMs + 2_000).unref();
    app
      .close({ timeoutMs })
      .then(() => telemetry.shutdown().catch(() => undefined))
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (err) {
  // One line naming what to fix, and an exit code by kind (src/startup-errors.ts); no stack trace.
  const { message, exitCode } = describeStartupError(err);
  console.error(message);
  process.exit(exitCode);
}
