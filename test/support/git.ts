/** Run the real git CLI in tests (never a mock of it). */
import { run, type RunResult } from './spawn.js'

export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Fixture Author',
  GIT_AUTHOR_EMAIL: 'fixture@example.com',
  GIT_COMMITTER_NAME: 'Fixture Author',
  GIT_COMMITTER_EMAIL: 'fixture@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
}

/** Run git; resolves with the result whatever the exit code. */
export function gitRun(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string | Buffer } = {}): Promise<RunResult> {
  return run('git', args, {
    cwd: options.cwd,
    env: { ...process.env, ...GIT_ENV, HOME: process.env.PINBOT_TEST_HOME ?? process.env.HOME, ...options.env },
    input: options.input,
  })
}

/** Run git and return trimmed stdout; throws with stderr when git fails. */
export async function git(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string | Buffer } = {}): Promise<string> {
  const result = await gitRun(args, options)
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed (${result.code}): ${result.stderr}`)
  return result.stdout.trim()
}

