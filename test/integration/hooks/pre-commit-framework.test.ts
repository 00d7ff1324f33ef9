/**
 * The shipped .pre-commit-hooks.yaml, run by the real pre-commit framework (Debian
 * package `pre-commit`, installed by .ci/run) from a local clone of a hook repository.
 */
import { spawnSync } from 'node:child_process'
import { copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, ROOT } from '../../support/cli.js'
import { git, gitRun } from '../../support/git.js'
import { tempDir } from '../../support/tmp.js'

let root: string
let repo: string
let env: Record<string, string>
let cleanup: () => Promise<void>

beforeAll(async () => {
  ;({ dir: root, cleanup } = await tempDir())
  const hookRepo = path.join(root, 'pinbot-hooks')
  const bin = path.join(root, 'bin')
  repo = path.join(root, 'template')
  await mkdir(bin)
  await symlink(BIN, path.join(bin, 'pinbot'))
  await writeFile(path.join(root, 'gitconfig'), '')
  env = {
    PATH: [bin, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    GIT_CONFIG_GLOBAL: path.join(root, 'gitconfig'),
    PRE_COMMIT_HOME: path.join(root, 'pre-commit-cache'),
  }
  // A hook repository holding exactly the shipped .pre-commit-hooks.yaml.
  await git(['init', '-q', '-b', 'main', hookRepo], { env })
  await copyFile(path.join(ROOT, '.pre-commit-hooks.yaml'), path.join(hookRepo, '.pre-commit-hooks.yaml'))
  await git(['add', '.'], { cwd: hookRepo, env })
  await git(['commit', '-q', '-m', 'hooks'], { cwd: hookRepo, env })
  const rev = await git(['rev-parse', 'HEAD'], { cwd: hookRepo, env })

  await git(['init', '-q', '-b', 'main', repo], { env })
  await writeFile(path.join(repo, '.pre-commit-config.yaml'), `repos:\n  - repo: ${hookRepo}\n    rev: ${rev}\n    hooks:\n      - id: runtime-version\n`)
  await git(['add', '.'], { cwd: repo, env })
  await git(['commit', '-q', '-m', 'pre-commit config'], { cwd: repo, env })
  const install = runIn(['pre-commit', 'install'])
  expect(install.stdout).toContain('pre-commit installed at .git/hooks/pre-commit')
})
afterAll(() => cleanup())

/** Run a command (not only git) in the template repo with the test environment. */
function runIn(argv: string[]) {
  const result = spawnSync(argv[0], argv.slice(1), { cwd: repo, env: { ...process.env, ...env }, encoding: 'utf8' })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

async function commitPin(text: string, extraEnv: Record<string, string> = {}) {
  await writeFile(path.join(repo, '.runtime-version'), text)
  await git(['add', '.runtime-version'], { cwd: repo, env })
  return gitRun(['commit', '-m', 'pin'], { cwd: repo, env: { ...env, ...extraEnv } })
}

describe('.pre-commit-hooks.yaml with the pre-commit framework', () => {
  it('refuses a bad .runtime-version with pinbot\'s message, and commits a good one', async () => {
    const bad = await commitPin('v0.2.0\n')
    expect(bad.code).not.toBe(0)
    const output = bad.stdout + bad.stderr
    expect(output).toMatch(/\.runtime-version is a strict SemVer pin \(pinbot verify\)\.+Failed/)
    expect(output).toContain('.runtime-version:1:1: leading "v" is not allowed (found "v0.2.0"); write "0.2.0"')

    const good = await commitPin('0.2.0\n')
    expect(good.stdout + good.stderr).toMatch(/\.runtime-version is a strict SemVer pin \(pinbot verify\)\.+Passed/)
    expect(good.code).toBe(0)
    expect(await git(['show', 'HEAD:.runtime-version'], { cwd: repo, env })).toBe('0.2.0')
  })

  it('skips commits that do not touch .runtime-version', async () => {
    await writeFile(path.join(repo, 'README'), 'hello\n')
    await git(['add', 'README'], { cwd: repo, env })
    const result = await gitRun(['commit', '-m', 'readme'], { cwd: repo, env })
    expect(result.code).toBe(0)
    expect(result.stdout + result.stderr).toMatch(/\(pinbot verify\)\.+\(no files to check\)Skipped/)
  })

  it('finds pinbot in node_modules/.bin when it is not on PATH, and says so when it is in neither', async () => {
    const noPinbot = { PATH: [path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':') }
    const missing = await commitPin('0.3.0\n', noPinbot)
    expect(missing.code).not.toBe(0)
    expect(missing.stdout + missing.stderr).toContain('pinbot is neither in node_modules/.bin nor on PATH')
    await mkdir(path.join(repo, 'node_modules/.bin'), { recursive: true })
    await symlink(BIN, path.join(repo, 'node_modules/.bin/pinbot'))
    await writeFile(path.join(repo, '.git/info/exclude'), 'node_modules/\n')
    const found = await commitPin('0.3.0 \n', noPinbot)
    expect(found.code).not.toBe(0)
    expect(found.stdout + found.stderr).toContain('.runtime-version:1:6: trailing whitespace')
    await rm(path.join(repo, 'node_modules'), { recursive: true })
  })
})
