import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: at most two files at once, so the end-to-end files (each several processes and
    // a browser) are not starved.
    maxWorkers: 2,
    // A worker runs its files one after another in one process, importing the app's modules once
    // rather than once per file (which cost more CPU than the tests themselves). Tests share no
    // state through modules: each builds its own app, database and servers.
    isolate: false,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'bot/**/*.ts'],
      exclude: [
        // Process entry points: they run as child processes in the end-to-end tests
        // (tests/tenant/serve.test.ts, tests/e2e/*), where in-process coverage cannot see them.
        'src/main.ts',
        'src/stop-on-signals.ts',
        'src/local/start.ts',
        'src/cli/admin.ts',
        'src/cli/inspect.ts',
        'tests/**',
      ],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      // Enforced by `npm test` (vitest run --coverage). The domain holds the bar of 95% lines
      // and branches. Elsewhere these are floors a little under what the suite reaches today
      // (2026-12-01: workflows 94.4% lines / 81.1% branches, src/cli 73.8/67.0, src/local 68.1–69.5/64.8–67.6,
      // everything 92.5/80.8): coverage may rise, never fall. The aim is 95/95 for workflows.
      thresholds: {
        lines: 90,
        branches: 78,
        'src/domain/**': { lines: 95, branches: 95 },
        'src/workflows/**': { lines: 92, branches: 78 },
        'src/cli/**': { lines: 70, branches: 62 },
        // The local stack's start-up paths vary a little from run to run (which client answers first).
        'src/local/**': { lines: 64, branches: 60 },
      },
    },
  },
});
