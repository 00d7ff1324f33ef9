import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Before any test: every system tool the tests start is present, or named with its apt-get line.
    globalSetup: ['test/support/required-tools.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn git and node processes; two cores, so two workers.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
})
