/** The globalSetup that names missing system tools before any test runs. */
import { afterEach, describe, expect, it } from 'vitest'
import setup, { missingTools, missingToolsLine, REQUIRED_TOOLS } from '../../support/required-tools.js'

const saved = { PATH: process.env.PATH, CI: process.env.CI }
afterEach(() => Object.assign(process.env, saved))

describe('required tools', () => {
  it('lists every tool once, each with the Debian package that installs it', () => {
    expect(new Set(REQUIRED_TOOLS.map((tool) => tool.command)).size).toBe(REQUIRED_TOOLS.length)
    for (const tool of REQUIRED_TOOLS) expect(tool.aptPackage).toMatch(/^[a-z0-9][a-z0-9.+-]+$/)
  })

  it('finds the tools of this machine on PATH', () => {
    expect(missingTools().map((tool) => tool.command)).toEqual([])
  })

  it('names every missing tool and the apt-get line that installs them, in one line', () => {
    const missing = REQUIRED_TOOLS.filter((tool) => ['pre-commit', 'ssh-keygen'].includes(tool.command))
    const line = missingToolsLine(missing)
    expect(line).not.toContain('\n')
    expect(line).toBe('missing system tools: pre-commit, ssh-keygen; install them with: sudo apt-get install -y pre-commit openssh-client (or run .ci/run)')
  })

  it('fails the run under CI=true when a tool is missing', () => {
    process.env.PATH = '/nonexistent'
    process.env.CI = 'true'
    expect(() => setup()).toThrow(/missing system tools: git, .*apt-get install -y git /)
  })
})
