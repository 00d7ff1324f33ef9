// Run a pinbot command through oclif only: bin/run.js would take the `verify` fast path,
// and the tests compare the two.
import { execute } from '@oclif/core'

// As bin/run.js: the compiled code, whatever NODE_ENV says.
(globalThis.oclif ??= {}).enableAutoTranspile = false

await execute({ dir: new URL('../../bin/run.js', import.meta.url).href, args: process.argv.slice(2) })
