/** Run the real git CLI in tests (never a mock of it). */
import { spawn } from 'node:child_process'

export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Fixture Author',
  GIT_AUTHOR_EMAIL: 'fixture@example.com',
  GIT_COMMITTER_NAME: 'Fixture Author',
  GIT_COMMITTER_EMAIL: 'fixture@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
}

export interface GitResult {
  code: number
  stdout: string
  stderr: string
}

/** Run git; resolves with the result whatever the exit code. */
export function gitRun(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string | Buffer } = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: { ...process.env, ...GIT_ENV, HOME: process.env.PINBOT_TEST_HOME ?? process.env.HOME, ...options.env },
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d) => out.push(d))
    child.stderr.on('data', (d) => err.push(d))
    child.on('error', reject)
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    )
    child.stdin.end(options.input)
  })
}

/** Run git and return trimmed stdout; throws with stderr when git fails. */
export async function git(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string | Buffer } = {}): Promise<string> {
  const result = await gitRun(args, options)
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed (${result.code}): ${result.stderr}`)
  return result.stdout.trim()
}

