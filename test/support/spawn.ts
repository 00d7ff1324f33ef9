/** Run a process to its end and collect what it printed: the one spawn helper of the tests. */
import { spawn } from 'node:child_process'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export interface TimedRunResult extends RunResult {
  /** How long the process lived after its last output (a lingering timer shows here). */
  lingerMs: number
}

export interface RunOptions {
  cwd?: string
  /** The whole environment of the process. */
  env?: NodeJS.ProcessEnv
  input?: string | Buffer
}

/** Resolves whatever the exit code; rejects only when the process cannot start. */
export async function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const { code, stdout, stderr } = await runTimed(command, args, options)
  return { code, stdout, stderr }
}

/** `run`, also timing how long the process outlived its last output. */
export function runTimed(command: string, args: string[], options: RunOptions = {}): Promise<TimedRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let lastOutput = Date.now()
    child.stdout.on('data', (d: Buffer) => (out.push(d), (lastOutput = Date.now())))
    child.stderr.on('data', (d: Buffer) => (err.push(d), (lastOutput = Date.now())))
    child.on('error', reject)
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), lingerMs: Date.now() - lastOutput }),
    )
    child.stdin.end(options.input)
  })
}
