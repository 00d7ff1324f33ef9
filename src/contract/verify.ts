/**
 * `pinbot verify`: check the pin file (working tree or staged) and render the outcome.
 * Shared by the oclif command and the start-up fast path (src/contract/verify-cli.ts), so both
 * print the same bytes and exit with the same code.
 */
import { readStagedPin, readWorkingPin } from './pin-file.js'
import { annotationTitle, errorAnnotation, setOutputs, type Outputs } from '../report/actions.js'
import { redact, redactDeep } from '../redact.js'
import { PIN_FILE, type VersionCheck, formatProblem } from './runtime-version.js'

export interface VerifyOptions {
  file?: string
  staged?: boolean
  allowMissing?: boolean
  cwd?: string
}

export interface VerifyRenderOptions {
  json?: boolean
  print?: boolean
  /** In GitHub or Gitea Actions: one `::error file=,line=,col=` annotation per problem, on stderr. */
  annotations?: boolean
}

export type VerifyResult = VersionCheck & { file: string; staged: boolean; missingAllowed: boolean }

export interface VerifyOutput {
  stdout: string
  stderr: string
  exitCode: 0 | 1
  /** Step outputs for Actions ($GITHUB_OUTPUT). */
  outputs: Outputs
}

export async function verifyPin(options: VerifyOptions = {}): Promise<VerifyResult> {
  const file = options.file ?? PIN_FILE
  const staged = options.staged ?? false
  const check = staged ? await readStagedPin(file, options.cwd) : await readWorkingPin(file, options.cwd)
  const missingAllowed = Boolean(options.allowMissing) && check.problems.length === 1 && check.problems[0].code === 'missing'
  if (missingAllowed) return { file, staged, missingAllowed, valid: true, problems: [] }
  return { ...check, file, staged, missingAllowed }
}

/** Human: problems as `file:line:col: message; hint` on stderr. JSON: the documented shape. */
export function renderVerify(result: VerifyResult, options: VerifyRenderOptions = {}): VerifyOutput {
  const exitCode = result.valid ? 0 : 1
  const outputs = { valid: result.valid, version: result.version ?? '', 'exit-code': exitCode }
  const annotations = options.annotations
    ? result.problems.map((p) => `${errorAnnotation({ title: annotationTitle('verify', result.file), message: `${p.message}; ${p.hint}`, file: result.file, line: p.line, col: p.column })}\n`).join('')
    : ''
  if (options.json) {
    const json = { file: result.file, valid: result.valid, version: result.version ?? null, problems: result.problems }
    return { stdout: `${JSON.stringify(redactDeep(json), null, 2)}\n`, stderr: annotations, exitCode, outputs }
  }
  const stderr = result.problems.map((p) => `${redact(formatProblem(result.file, p))}\n`).join('') + annotations
  if (options.print) return { stdout: result.version ? `${result.version}\n` : '', stderr, exitCode, outputs }
  const where = result.staged ? `${result.file} (staged)` : result.file
  if (result.missingAllowed) return { stdout: `${where}: not present, allowed by --allow-missing\n`, stderr, exitCode, outputs }
  return { stdout: result.valid ? `${redact(where)}: valid, ${result.version}\n` : '', stderr, exitCode, outputs }
}

/** Write the rendered outcome, the step outputs (in Actions), and set the exit code (the process then ends by itself). */
export function emitVerify(output: VerifyOutput): void {
  process.stdout.write(output.stdout)
  process.stderr.write(output.stderr)
  setOutputs(output.outputs)
  process.exitCode = output.exitCode
}
