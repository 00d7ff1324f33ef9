#!/usr/bin/env node
// `pinbot verify` runs in every pre-commit, so a plain verify invocation skips oclif's
// start-up (dist/src/contract/verify-cli.js); anything it does not handle falls through to oclif.
const argv = process.argv.slice(2)
const handled = argv[0] === 'verify' && (await (await import('../dist/src/contract/verify-cli.js')).runVerifyFastPath(argv.slice(1)))
if (!handled) {
  const { execute } = await import('@oclif/core/execute')
  await execute({ dir: import.meta.url })
}
