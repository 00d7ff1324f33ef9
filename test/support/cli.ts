/** Run the BUILT pinbot CLI (`npm run build` first) as a user would. */
import path from 'node:path'
import { runTimed, type RunResult, type TimedRunResult } from './spawn.js'

export const ROOT = path.resolve(import.meta.dirname, '../..')
export const BIN = path.join(ROOT, 'bin/run.js')
/** Runs a command through oclif only, bypassing bin/run.js's `verify` fast path. */
export const OCLIF_ONLY = path.join(ROOT, 'test/support/run-oclif.mjs')
/** Runs many commands through oclif in one process (cli-batch.mjs). */
const BATCH = path.join(ROOT, 'test/support/cli-batch.mjs')

export type CliResult = RunResult

export interface CliOptions {
  cwd?: string
  env?: Record<string, string | undefined>
  input?: string
  oclifOnly?: boolean
}

/** Environment for a CLI run: the caller's, minus any pinbot settings leaking in from the shell. */
function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('PINBOT_')) env[name] = value
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }
  return env
}

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const { code, stdout, stderr } = await runCliTimed(args, options)
  return { code, stdout, stderr }
}

/** `runCli`, also timing how long the process outlived its last output. */
export function runCliTimed(args: string[], options: CliOptions = {}): Promise<TimedRunResult> {
  return runTimed(process.execPath, [options.oclifOnly ? OCLIF_ONLY : BIN, ...args], { cwd: options.cwd ?? ROOT, env: cleanEnv(options.env ?? {}), input: options.input })
}

/**
 * Many runs of the CLI in one Node process, in turn (cli-batch.mjs): for tables of bad input,
 * where each case ends before any work. Each run has its own argv, environment and directory.
 */
export async function runCliMany(cases: Array<{ args: string[] } & Omit<CliOptions, 'input' | 'oclifOnly'>>): Promise<CliResult[]> {
  const input = JSON.stringify(cases.map(({ args, cwd, env }) => ({ args, cwd: cwd ?? ROOT, env: cleanEnv(env ?? {}) })))
  const batch = await runTimed(process.execPath, [BATCH], { cwd: ROOT, env: cleanEnv({}), input })
  if (batch.code !== 0) throw new Error(`the batch runner failed (exit ${batch.code}):\n${batch.stderr}`)
  return JSON.parse(batch.stdout) as CliResult[]
}

/** `runCli` under /usr/bin/time: also the process's peak resident memory, in MiB. */
export async function runCliMeasured(args: string[], options: CliOptions = {}): Promise<CliResult & { peakRssMiB: number; lingerMs: number }> {
  const marker = 'PINBOT_TEST_PEAK_RSS_KB='
  const result = await runTimed('/usr/bin/time', ['-f', `${marker}%M`, process.execPath, BIN, ...args], { cwd: options.cwd ?? ROOT, env: cleanEnv(options.env ?? {}), input: options.input })
  const at = result.stderr.lastIndexOf(marker)
  if (at < 0) throw new Error(`no peak RSS measured:\n${result.stderr}`)
  const peakRssMiB = Number(result.stderr.slice(at + marker.length).trim()) / 1024
  return { code: result.code, stdout: result.stdout, stderr: result.stderr.slice(0, at), peakRssMiB, lingerMs: result.lingerMs }
}

/** Parse the JSON a `--json` run printed on stdout. */
export function json<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`)
  }
}
