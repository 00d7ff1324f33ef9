import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Before any test: every system tool the tests start is present, or named with its apt-get line.
    globalSetup: ['test/support/required-tools.ts'],
    // Wide: a test that starts the CLI a dozen times must pass on a machine whose cores are
    // busy with other work (stress-ng --cpu 2 beside the suite). Hangs are caught by the
    // tests' own injected faults and the CLI's deadlines, not by this.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    // Three workers on two cores: integration tests often wait on purpose (injected latency,
    // hangs, pacing), and a third file runs meanwhile (quiet 2-core machine: 187 -> 159 s).
    // As many workers at the start as at most: tinypool's ending of idle workers rejects with
    // "Terminating worker thread" in vitest 3.2 (vitest#8564). A worker runs file after file
    // (no fresh process per file: the tests keep no global state), which saves each file's
    // worker start and module loading (unit tests: 26 -> 14 s of CPU).
    poolOptions: { forks: { maxForks: 3, minForks: 3, isolate: false } },
  },
})
