// Runs many pinbot invocations in one Node process, one after another, each through oclif's
// execute() as bin/run.js does (without its `verify` and `--version` fast paths), with its own
// argv, environment and working directory, and its output and exit code captured. For bulk
// bad-input tables: one Node start for the table instead of one per case (a CLI start costs
// ~0.4 s of CPU; a table of 15 cases on a busy 2-core machine cost 10-16 s).
// stdin: JSON [{ args, env, cwd }]; stdout: JSON [{ code, stdout, stderr }].
import { execute } from '@oclif/core'
import { Exit } from '@oclif/core/handle'

// As bin/run.js: the compiled code, whatever NODE_ENV says.
(globalThis.oclif ??= {}).enableAutoTranspile = false

const BIN = new URL('../../bin/run.js', import.meta.url)
const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const cases = JSON.parse(Buffer.concat(chunks).toString())

const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) }
/** A stream write that appends to `sink.text` and calls back as a real write does. */
const capture = (sink) => (chunk, encoding, callback) => {
  sink.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()
  const done = typeof encoding === 'function' ? encoding : callback
  if (done) queueMicrotask(done)
  return true
}

let exitCode
// oclif's error handler ends the process through Exit.exit: here it ends the case.
Exit.exit = (code = 0) => void (exitCode = code)

const results = []
for (const { args, env, cwd } of cases) {
  const out = { text: '' }
  const err = { text: '' }
  for (const name of Object.keys(process.env)) delete process.env[name]
  Object.assign(process.env, env)
  process.chdir(cwd)
  process.argv = [process.execPath, BIN.pathname, ...args]
  process.exitCode = undefined
  exitCode = undefined
  process.stdout.write = capture(out)
  process.stderr.write = capture(err)
  try {
    await execute({ dir: BIN.href, args })
  } finally {
    process.stdout.write = write.out
    process.stderr.write = write.err
  }
  results.push({ code: exitCode ?? Number(process.exitCode ?? 0), stdout: out.text, stderr: err.text })
}
process.exitCode = 0
write.out(JSON.stringify(results), () => process.exit(0))
