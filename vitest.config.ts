import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: keep parallel files at two so timing-sensitive e2e tests are not starved.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
