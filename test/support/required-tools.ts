/**
 * vitest globalSetup: before any test runs, check that every system tool the tests start
 * is on PATH, and name the missing ones with the one apt-get line that installs them.
 * Under CI=true a missing tool fails the run (never a silent skip); elsewhere the line is
 * printed and the tests that need the tool fail on their own.
 *
 * A test that starts a new program adds it here (and its package to `.ci/run`).
 */
import { accessSync, constants } from 'node:fs'
import path from 'node:path'

export const REQUIRED_TOOLS: ReadonlyArray<{ command: string; aptPackage: string; usedBy: string }> = [
  { command: 'git', aptPackage: 'git', usedBy: 'every integration test (git http-backend, git verify-commit, fsck)' },
  { command: 'gpg', aptPackage: 'gnupg', usedBy: 'GnuPG cross-checks of signed commits' },
  { command: 'pre-commit', aptPackage: 'pre-commit', usedBy: 'the .pre-commit-hooks.yaml test' },
  { command: 'nginx', aptPackage: 'nginx', usedBy: 'tests behind a real web server' },
  { command: 'fcgiwrap', aptPackage: 'fcgiwrap', usedBy: 'git http-backend behind nginx' },
  { command: 'tinyproxy', aptPackage: 'tinyproxy', usedBy: 'proxy tests' },
  { command: 'openssl', aptPackage: 'openssl', usedBy: 'a private CA and certificates for the HTTPS tests' },
  { command: 'ssh-keygen', aptPackage: 'openssh-client', usedBy: 'SSH signature cross-checks' },
  { command: 'tmux', aptPackage: 'tmux', usedBy: 'live terminal view tests' },
  { command: 'script', aptPackage: 'bsdutils', usedBy: 'the did-you-mean test (a pseudo-terminal)' },
]

/** Whether `command` is an executable file in one of PATH's directories (as the shell finds it). */
function onPath(command: string, searchPath: string): boolean {
  return searchPath
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(path.join(dir, command), constants.X_OK)
        return true
      } catch {
        return false
      }
    })
}

/** The tools missing on this machine; also looks in the sbin directories apt installs servers into. */
export function missingTools(searchPath = process.env.PATH ?? ''): typeof REQUIRED_TOOLS {
  const withSbin = [searchPath, '/usr/local/sbin', '/usr/sbin', '/sbin'].join(path.delimiter)
  return REQUIRED_TOOLS.filter((tool) => !onPath(tool.command, withSbin))
}

/** The one line that names what is missing and how to install it. */
export function missingToolsLine(missing: typeof REQUIRED_TOOLS): string {
  const packages = [...new Set(missing.map((tool) => tool.aptPackage))].join(' ')
  return `missing system tools: ${missing.map((tool) => tool.command).join(', ')}; install them with: sudo apt-get install -y ${packages} (or run .ci/run)`
}

export default function setup(): void {
  const missing = missingTools()
  if (missing.length === 0) return
  const line = missingToolsLine(missing)
  if (process.env.CI === 'true') throw new Error(line)
  process.stderr.write(`\n${line}\nThe tests that need them will fail.\n\n`)
}
