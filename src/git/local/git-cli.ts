/**
 * Run the real `git` CLI (for the local, hook-side commands: verify --staged, hook
 * install). Spawning git keeps these commands light and lets git answer the questions
 * it owns: which index (GIT_INDEX_FILE during a commit), which hooks directory.
 */
import { spawn } from 'node:child_process'
import { PinbotError, UsageError } from '../../errors.js'
import { redact } from '../../redact.js'

export interface GitOutput {
  code: number
  stdout: Buffer
  stderr: string
}

/**
 * The caller's environment without pinbot's own settings and secrets (PINBOT_TOKEN, the
 * signing key and passphrase, a token under another name): git needs none of them, and
 * Node's debug log (NODE_DEBUG=child_process) prints a child's whole environment.
 */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('PINBOT_') && (value === undefined || redact(value) === value)) env[name] = value
  return env
}

/** Run git in `cwd` with the caller's environment (secrets left out); resolves whatever the exit code. */
export function runGit(args: string[], cwd: string): Promise<GitOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: gitEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new UsageError('git-not-found', 'git is not installed or not on PATH', { hint: 'install git', cause: error }) : error),
    )
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString().trim() }))
  })
}

/** Run git in `cwd` and return its stdout; a non-zero exit is an error (code `git-failed`). */
export async function gitOutput(args: string[], cwd: string): Promise<Buffer> {
  const result = await runGit(args, cwd)
  if (result.code !== 0) throw new PinbotError('git-failed', `git ${args[0]} failed: ${result.stderr}`)
  return result.stdout
}

/** The work tree around `cwd`: its root and `cwd`'s path inside it ("" or "sub/"). */
export async function findWorkTree(cwd: string): Promise<{ root: string; prefix: string }> {
  const result = await runGit(['rev-parse', '--is-inside-work-tree', '--show-toplevel', '--show-prefix'], cwd)
  const [inside, root, prefix] = result.stdout.toString().split('\n')
  if (result.code !== 0 || inside !== 'true') {
    throw new UsageError('not-a-repository', `${cwd} is not inside a git work tree${result.stderr ? ` (git: ${result.stderr.replace(/^fatal: /, '')})` : ''}`, {
      hint: 'run it inside a git work tree (not a bare repository, not the .git directory)',
    })
  }
  return { root, prefix }
}
