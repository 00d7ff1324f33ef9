#!/usr/bin/env node
// Two fast paths skip oclif's start-up (several times node's own): `pinbot verify`, which
// runs in every pre-commit (dist/src/contract/verify-cli.js), and `pinbot --version`, which
// prints what oclif would. Anything they do not handle falls through to oclif.
import { readFileSync } from 'node:fs'
import { arch, platform } from 'node:os'
import { setFlagsFromString } from 'node:v8'

// undici's HTTP parser (llhttp) is WebAssembly, one large function that V8 recompiles with
// TurboFan on a background thread once it runs a little: 0.2-0.7 s of CPU per run, more than
// all the parsing it would speed up (a 200-repo cascade: 3.3 -> 2.6 s of CPU). Set before any
// WebAssembly is compiled, so that V8's baseline code is all there is.
setFlagsFromString('--liftoff-only')

const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${name}/${version} ${platform()}-${arch() === 'ia32' ? 'x86' : arch()} node-${process.version}\n`)
} else {
  const handled = argv[0] === 'verify' && (await (await import('../dist/src/contract/verify-cli.js')).runVerifyFastPath(argv.slice(1)))
  if (!handled) {
    // oclif's DEBUG output prints argv: a password pasted into a URL argument must not show
    // there (pinbot refuses such a URL anyway, and says so without the password).
    const { redactArg } = await import('../dist/src/redact.js')
    process.argv = process.argv.map((arg) => redactArg(arg))
    // The compiled code runs, whatever NODE_ENV says: oclif would look for TypeScript sources
    // of hooks under NODE_ENV=development or test (and warn on Node 22 when it finds none).
    ;(globalThis.oclif ??= {}).enableAutoTranspile = false
    const { execute } = await import('@oclif/core/execute')
    await execute({ dir: import.meta.url })
  }
}
