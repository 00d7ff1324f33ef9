/**
 * `pinbot hook install|uninstall` with real git in temp repos: the hook blocks a commit
 * with a bad staged .runtime-version, reads only the index, chains a foreign hook, goes
 * where git runs hooks (core.hooksPath, linked worktrees), and works with real husky.
 */
import { spawnSync } from 'node:child_process'
import { chmod, lstat, mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { BIN, ROOT, runCli, runCliMany } from '../../support/cli.js'
import { git, gitRun } from '../../support/git.js'
import { tempDir } from '../../support/tmp.js'

interface Repo {
  root: string
  dir: string
  env: Record<string, string>
  hooks: string
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** A fresh repo, and a PATH on which `pinbot` is the built CLI (unless `pinbotOnPath` is false). */
async function newRepo({ pinbotOnPath = true } = {}): Promise<Repo> {
  const { dir: root, cleanup } = await tempDir()
  cleanups.push(cleanup)
  const dir = path.join(root, 'repo')
  const bin = path.join(root, 'bin')
  await mkdir(dir)
  await mkdir(bin)
  if (pinbotOnPath) await symlink(BIN, path.join(bin, 'pinbot'))
  // No user or system git config: a global core.hooksPath must not leak into the tests.
  await writeFile(path.join(root, 'gitconfig'), '')
  const env = { PATH: [bin, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'), GIT_CONFIG_GLOBAL: path.join(root, 'gitconfig') }
  await git(['init', '-q', '-b', 'main', dir], { env })
  return { root, dir, env, hooks: path.join(dir, '.git/hooks') }
}

const pinbot = (repo: Repo, args: string[], cwd = repo.dir) => runCli(args, { cwd, env: repo.env })
const run = (repo: Repo, args: string[], env: Record<string, string> = {}, cwd = repo.dir) => gitRun(args, { cwd, env: { ...repo.env, ...env } })
const pin = (repo: Repo, text: string, dir = repo.dir) => writeFile(path.join(dir, '.runtime-version'), text)
const stagePin = async (repo: Repo, text: string, dir = repo.dir) => {
  await pin(repo, text, dir)
  await run(repo, ['add', '.runtime-version'], {}, dir)
}
const commit = (repo: Repo, env: Record<string, string> = {}, cwd = repo.dir, extra: string[] = []) => run(repo, ['commit', '-m', 'change', ...extra], env, cwd)
const headCount = async (repo: Repo, cwd = repo.dir) => Number((await run(repo, ['rev-list', '--count', '--all'], {}, cwd)).stdout.trim() || 0)

async function install(repo: Repo, cwd = repo.dir) {
  const result = await pinbot(repo, ['hook', 'install'], cwd)
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  return result.stdout
}

/** Every file of the repo (working tree and .git) with its bytes and mode. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name)
    const info = await lstat(file)
    if (info.isFile()) out[path.relative(dir, file)] = `${info.mode.toString(8)} ${(await readFile(file)).toString('base64')}`
  }
  return out
}

const REFUSED = 'pinbot: commit refused: the staged .runtime-version is invalid (see above).'

describe('the installed pre-commit hook', () => {
  it('is an LF-only, executable sh script with a marker, and install says where it went', async () => {
    const repo = await newRepo()
    expect(await install(repo)).toBe(`Installed the pinbot pre-commit hook: ${path.join(repo.hooks, 'pre-commit')}\n`)
    const text = await readFile(path.join(repo.hooks, 'pre-commit'), 'utf8')
    expect(text.startsWith('#!/bin/sh\n# pinbot-managed-hook:')).toBe(true)
    expect(text).not.toContain('\r')
    expect((await stat(path.join(repo.hooks, 'pre-commit'))).mode & 0o777).toBe(0o755)
    expect((await gitRun(['config', '--get', 'core.hooksPath'], { cwd: repo.dir, env: repo.env })).code).toBe(1)
  })

  it('refuses a commit whose staged .runtime-version is bad, with the problem and the fix', async () => {
    const repo = await newRepo()
    await install(repo)
    await stagePin(repo, 'v1.2.3\n')
    const result = await commit(repo)
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('.runtime-version:1:1: leading "v" is not allowed (found "v1.2.3"); write "1.2.3"')
    expect(result.stderr).toContain(REFUSED)
    expect(await headCount(repo)).toBe(0)
  })

  it('commits a good staged version while the working tree copy is bad, and keeps both as they were', async () => {
    const repo = await newRepo()
    await install(repo)
    await stagePin(repo, '1.2.3\n')
    await pin(repo, '1.2.4 # not staged\n')
    // The hook alone (git hook run): working tree and index byte-identical before and after.
    const before = await snapshot(repo.dir)
    expect((await run(repo, ['hook', 'run', 'pre-commit'])).code).toBe(0)
    expect(await snapshot(repo.dir)).toEqual(before)
    const result = await commit(repo)
    expect(result.code).toBe(0)
    // git sends a hook's stdout to stderr.
    expect(result.stderr).toBe('.runtime-version (staged): valid, 1.2.3\n')
    expect((await run(repo, ['show', 'HEAD:.runtime-version'])).stdout).toBe('1.2.3\n')
    expect(await readFile(path.join(repo.dir, '.runtime-version'), 'utf8')).toBe('1.2.4 # not staged\n')
  })

  it('leaves the working tree and index untouched when it refuses', async () => {
    const repo = await newRepo()
    await install(repo)
    await stagePin(repo, '1.2.3\r\n')
    await pin(repo, '1.2.3\n')
    const before = await snapshot(repo.dir)
    const hook = await run(repo, ['hook', 'run', 'pre-commit'])
    expect(hook.code).toBe(1)
    expect(hook.stderr).toContain('.runtime-version:1:6: Windows line ending CRLF')
    expect(await snapshot(repo.dir)).toEqual(before)
  })

  it('checks what `git commit FILE` commits (the working tree copy, through a temporary index)', async () => {
    const repo = await newRepo()
    await install(repo)
    await stagePin(repo, '1.2.3\n')
    expect((await commit(repo)).code).toBe(0)
    await pin(repo, '1.2.4 \n')
    const result = await commit(repo, {}, repo.dir, ['.runtime-version'])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('.runtime-version:1:6: trailing whitespace')
    expect(await headCount(repo)).toBe(1)
  })

  it('does not run pinbot when .runtime-version is not part of the commit', async () => {
    const repo = await newRepo({ pinbotOnPath: false })
    await install(repo)
    await pin(repo, 'not a version\n') // bad, but not staged
    await writeFile(path.join(repo.dir, 'README'), 'hello\n')
    await run(repo, ['add', 'README'])
    const result = await commit(repo)
    expect(result.code).toBe(0)
    expect(result.stderr).not.toContain('pinbot')
  })

  it('refuses a commit that deletes .runtime-version', async () => {
    const repo = await newRepo()
    await install(repo)
    await stagePin(repo, '1.2.3\n')
    expect((await commit(repo)).code).toBe(0)
    await run(repo, ['rm', '-q', '.runtime-version'])
    const result = await commit(repo)
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('.runtime-version:1:1: is not in the git index')
  })

  it('is skipped with PINBOT_SKIP_HOOK=1, and says so', async () => {
    const repo = await newRepo()
    await install(repo)
    await stagePin(repo, 'latest\n')
    const result = await commit(repo, { PINBOT_SKIP_HOOK: '1' })
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('pinbot: PINBOT_SKIP_HOOK=1: not checking .runtime-version')
  })

  it('finds pinbot in node_modules/.bin before PATH, and says so clearly when it is in neither', async () => {
    const repo = await newRepo({ pinbotOnPath: false })
    await install(repo)
    await stagePin(repo, '1.2.3\n')
    const missing = await commit(repo)
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('pinbot: cannot check the staged .runtime-version: pinbot is neither in node_modules/.bin nor on PATH.')
    // A decoy on PATH that would fail, and the real pinbot in node_modules/.bin.
    const decoy = path.join(repo.root, 'bin/pinbot')
    await writeFile(decoy, '#!/bin/sh\necho "decoy pinbot ran" >&2\nexit 1\n')
    await chmod(decoy, 0o755)
    await mkdir(path.join(repo.dir, 'node_modules/.bin'), { recursive: true })
    await symlink(BIN, path.join(repo.dir, 'node_modules/.bin/pinbot'))
    await writeFile(path.join(repo.dir, '.git/info/exclude'), 'node_modules/\n')
    const found = await commit(repo)
    expect(found.stderr).not.toContain('decoy')
    expect(found.code).toBe(0)
  })
})

describe('pinbot hook install / uninstall', () => {
  const FOREIGN = '#!/bin/sh\necho "foreign hook ran" >&2\nexit "${FOREIGN_EXIT:-0}"\n'

  async function withForeignHook() {
    const repo = await newRepo()
    await writeFile(path.join(repo.hooks, 'pre-commit'), FOREIGN, { mode: 0o750 })
    return repo
  }

  it('chains an existing hook: it still runs first, and its failure still blocks the commit', async () => {
    const repo = await withForeignHook()
    const out = await install(repo)
    expect(out).toContain(`Kept the existing hook as ${path.join(repo.hooks, 'pre-commit.pinbot-chained')}: it still runs first`)
    expect(await readFile(path.join(repo.hooks, 'pre-commit.pinbot-chained'), 'utf8')).toBe(FOREIGN)
    await stagePin(repo, '1.2.3\n')
    const blocked = await commit(repo, { FOREIGN_EXIT: '3' })
    expect(blocked.code).not.toBe(0)
    expect(blocked.stderr).toContain('foreign hook ran')
    expect(blocked.stderr).not.toContain('valid, 1.2.3')
    await stagePin(repo, '=1.2.3\n')
    const bad = await commit(repo)
    expect(bad.stderr).toContain('foreign hook ran')
    expect(bad.stderr).toContain('leading "=" is not allowed')
    expect(bad.code).not.toBe(0)
    await stagePin(repo, '1.2.3\n')
    const good = await commit(repo)
    expect([good.code, good.stderr]).toEqual([0, 'foreign hook ran\n.runtime-version (staged): valid, 1.2.3\n'])
  })

  it('is idempotent: installing again changes nothing and never chains itself', async () => {
    const repo = await withForeignHook()
    await install(repo)
    const before = await snapshot(repo.hooks)
    expect(await install(repo)).toBe(`The pinbot check is already installed in ${path.join(repo.hooks, 'pre-commit')} (nothing changed)\n`)
    expect(await snapshot(repo.hooks)).toEqual(before)
    // An outdated copy of pinbot's hook is replaced in place, still without chaining itself.
    await writeFile(path.join(repo.hooks, 'pre-commit'), '#!/bin/sh\n# pinbot-managed-hook: an older version\nexit 0\n')
    expect(await install(repo)).toBe(`Updated the pinbot check in ${path.join(repo.hooks, 'pre-commit')}\n`)
    expect(await snapshot(repo.hooks)).toEqual(before)
  })

  it('uninstall removes only what pinbot wrote and restores the chained hook exactly', async () => {
    const repo = await withForeignHook()
    await writeFile(path.join(repo.hooks, 'post-commit'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
    const before = await snapshot(repo.hooks)
    await install(repo)
    const result = await pinbot(repo, ['hook', 'uninstall'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toBe(`Removed the pinbot check from ${path.join(repo.hooks, 'pre-commit')}\nPut back the hook it had chained: ${path.join(repo.hooks, 'pre-commit')}\n`)
    expect(await snapshot(repo.hooks)).toEqual(before)
    const again = await pinbot(repo, ['hook', 'uninstall', '--json'])
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toEqual({ action: 'not-installed', hook: path.join(repo.hooks, 'pre-commit'), chained: null, husky: false, manager: 'git', displaced: null, changes: [] })
    expect(await snapshot(repo.hooks)).toEqual(before)
  })

  it('uninstall leaves a foreign hook alone when pinbot is not installed', async () => {
    const repo = await withForeignHook()
    const before = await snapshot(repo.hooks)
    expect((await pinbot(repo, ['hook', 'uninstall'])).stdout).toBe(`No pinbot check to remove in ${path.join(repo.hooks, 'pre-commit')} (nothing changed)\n`)
    expect(await snapshot(repo.hooks)).toEqual(before)
  })

  it('refuses to chain when pre-commit.pinbot-chained already holds another hook (nothing changed)', async () => {
    const repo = await withForeignHook()
    await writeFile(path.join(repo.hooks, 'pre-commit.pinbot-chained'), '#!/bin/sh\nexit 0\n')
    const before = await snapshot(repo.hooks)
    const result = await pinbot(repo, ['hook', 'install'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`Error: cannot keep the existing ${path.join(repo.hooks, 'pre-commit')}: ${path.join(repo.hooks, 'pre-commit.pinbot-chained')} already exists`)
    expect(await snapshot(repo.hooks)).toEqual(before)
  })

  it('installs into the common hooks directory from a linked worktree, and the hook runs there', async () => {
    const repo = await newRepo()
    await stagePin(repo, '1.2.3\n')
    expect((await commit(repo)).code).toBe(0)
    const linked = path.join(repo.root, 'linked')
    await run(repo, ['worktree', 'add', '-q', '-b', 'feature', linked])
    const out = await install(repo, linked)
    expect(out).toBe(`Installed the pinbot pre-commit hook: ${path.join(repo.hooks, 'pre-commit')}\n`)
    await stagePin(repo, '1.2.3-\n', linked)
    const result = await commit(repo, {}, linked)
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('.runtime-version:1:1: not a valid SemVer 2.0 version (found "1.2.3-")')
  })

  it('installs where core.hooksPath points (relative to the work tree root, from a subdirectory)', async () => {
    const repo = await newRepo()
    await run(repo, ['config', 'core.hooksPath', 'tools/hooks'])
    await mkdir(path.join(repo.dir, 'sub'))
    const result = await pinbot(repo, ['hook', 'install', '--dir', 'sub', '--json'])
    expect(result.code).toBe(0)
    const hook = path.join(repo.dir, 'tools/hooks/pre-commit')
    expect(JSON.parse(result.stdout)).toEqual({ action: 'installed', hook, chained: null, husky: false, manager: 'hooks-folder', displaced: null, changes: [{ file: hook, change: 'created', tracked: false }] })
    await expect(stat(path.join(repo.hooks, 'pre-commit'))).rejects.toMatchObject({ code: 'ENOENT' })
    await stagePin(repo, '1.2\n')
    const refused = await commit(repo)
    expect(refused.stderr).toContain('partial version')
    expect(refused.code).not.toBe(0)
  })

  it('refuses to write a hook git would not run (core.hooksPath=/dev/null)', async () => {
    const repo = await newRepo()
    await run(repo, ['config', 'core.hooksPath', '/dev/null'])
    const before = await snapshot(repo.dir)
    const result = await pinbot(repo, ['hook', 'install'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("Error: git's hooks directory /dev/null is not a directory, so git runs no hooks here")
    expect(await snapshot(repo.dir)).toEqual(before)
  })

  it('refuses --dir naming no work tree (missing, outside any repository, bare): exit 2, nothing touched', async () => {
    const repo = await newRepo()
    await git(['init', '-q', '--bare', path.join(repo.root, 'bare.git')], { env: repo.env })
    const before = await snapshot(repo.root)
    const cases: [string, string][] = [
      [path.join(repo.root, 'nope'), 'is not a directory'],
      [repo.root, 'is not inside a git work tree'],
      [path.join(repo.root, 'bare.git'), 'is not inside a git work tree'],
    ]
    const runs = cases.flatMap(([dir, message]) => ['install', 'uninstall'].map((command) => ({ args: ['hook', command, '--dir', dir], message })))
    // The table in one process (cli-batch.mjs), with the repo's environment.
    const results = await runCliMany(runs.map(({ args }) => ({ args, cwd: repo.dir, env: repo.env })))
    for (const [i, { args, message }] of runs.entries()) {
      expect(results[i].code, args.join(' ')).toBe(2)
      expect(results[i].stderr).toContain(`Error: ${args[3]} ${message}`)
      expect(results[i].stderr).toContain('Hint: ')
    }
    expect(await snapshot(repo.root)).toEqual(before)
  })

  it('refuses bad flags with exit 2', async () => {
    const repo = await newRepo()
    const result = await pinbot(repo, ['hook', 'install', '--force'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Nonexistent flag: --force')
    await expect(stat(path.join(repo.hooks, 'pre-commit'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('with husky 9 (real husky)', () => {
  const HUSKY_BIN = path.join(ROOT, 'node_modules/husky/bin.js')

  async function huskyRepo(userHook?: string) {
    const repo = await newRepo()
    const result = spawnSync(process.execPath, [HUSKY_BIN], { cwd: repo.dir, env: { ...process.env, ...repo.env }, encoding: 'utf8' })
    expect(result.status).toBe(0)
    if (userHook !== undefined) await writeFile(path.join(repo.dir, '.husky/pre-commit'), userHook)
    return repo
  }

  it('adds the check to .husky/pre-commit, which then blocks bad commits, and uninstall restores it', async () => {
    const userHook = 'echo "husky user hook ran" >&2\n'
    const repo = await huskyRepo(userHook)
    expect((await run(repo, ['config', 'core.hooksPath'])).stdout.trim()).toBe('.husky/_')
    const stub = await readFile(path.join(repo.dir, '.husky/_/pre-commit'), 'utf8')
    const out = await install(repo)
    expect(out).toContain(`Added the pinbot check to husky's hook file ${path.join(repo.dir, '.husky/pre-commit')}`)
    expect(await readFile(path.join(repo.dir, '.husky/_/pre-commit'), 'utf8')).toBe(stub)
    expect(await readFile(path.join(repo.dir, '.husky/pre-commit'), 'utf8')).toMatch(/^echo "husky user hook ran" >&2\n# >>> pinbot-managed-hook/)
    expect(await install(repo)).toContain('(nothing changed)')

    await stagePin(repo, 'v1.2.3\n')
    const refused = await commit(repo)
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('husky user hook ran')
    expect(refused.stderr).toContain('.runtime-version:1:1: leading "v" is not allowed')
    expect(refused.stderr).toContain(REFUSED)
    await stagePin(repo, '1.2.3\n')
    expect((await commit(repo)).code).toBe(0)

    expect((await pinbot(repo, ['hook', 'uninstall'])).stdout).toContain(`Removed the pinbot check from husky's hook file ${path.join(repo.dir, '.husky/pre-commit')}\n`)
    expect(await readFile(path.join(repo.dir, '.husky/pre-commit'), 'utf8')).toBe(userHook)
  })

  it('creates .husky/pre-commit when husky has none, and uninstall removes it again', async () => {
    const repo = await huskyRepo()
    await install(repo)
    await stagePin(repo, '1.2.3 # pinned\n')
    const refused = await commit(repo)
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('comments are not allowed')
    await pinbot(repo, ['hook', 'uninstall'])
    await expect(stat(path.join(repo.dir, '.husky/pre-commit'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('beside other hook managers and hooks folders', () => {
  const LEFTHOOK_BIN = path.join(ROOT, 'node_modules/.bin/lefthook')
  const HUSKY_BIN = path.join(ROOT, 'node_modules/husky/bin.js')
  const lefthook = (repo: Repo, args: string[]) => spawnSync(LEFTHOOK_BIN, args, { cwd: repo.dir, env: { ...process.env, ...repo.env }, encoding: 'utf8' })
  const LEFTHOOK_YML = 'pre-commit:\n  commands:\n    team-check:\n      run: echo "team check ran" >&2\n'

  it('lefthook install displaces pinbot (a bad pin commits); hook install repairs it into lefthook.yml, which survives lefthook (re)installs; uninstall finds it', async () => {
    const repo = await newRepo()
    await install(repo)
    await writeFile(path.join(repo.dir, 'lefthook.yml'), LEFTHOOK_YML)
    expect(lefthook(repo, ['install']).status).toBe(0)
    expect(isPinbotFile(await readFile(path.join(repo.hooks, 'pre-commit.old'), 'utf8'))).toBe(true)
    await stagePin(repo, 'v1.0.0\n')
    const unguarded = await commit(repo)
    expect(unguarded.code, 'the displaced hook did not run').toBe(0)

    const repaired = await pinbot(repo, ['hook', 'install'])
    expect(repaired.code, repaired.stderr).toBe(0)
    expect(repaired.stdout).toContain(`Found pinbot's hook displaced to ${path.join(repo.hooks, 'pre-commit.old')} (lefthook never runs it): removed it`)
    expect(repaired.stdout).toContain(`lefthook's configuration ${path.join(repo.dir, 'lefthook.yml')}`)
    await expect(stat(path.join(repo.hooks, 'pre-commit.old'))).rejects.toMatchObject({ code: 'ENOENT' })
    expect(lefthook(repo, ['validate']).status).toBe(0)
    for (const reinstall of [false, true]) {
      if (reinstall) expect(lefthook(repo, ['install', '--force']).status).toBe(0)
      await stagePin(repo, 'v1.0.1\n')
      const refused = await commit(repo)
      expect(refused.code, `after ${reinstall ? 'lefthook install again' : 'the repair'}`).not.toBe(0)
      expect(refused.stderr).toContain('team check ran')
      expect(refused.stderr).toContain('leading "v" is not allowed')
    }

    const removed = await pinbot(repo, ['hook', 'uninstall'])
    expect(removed.stdout).toContain('Removed the pinbot check from lefthook')
    expect(await readFile(path.join(repo.dir, 'lefthook.yml'), 'utf8')).toBe(LEFTHOOK_YML)
    expect((await commit(repo)).code).toBe(0)
  })

  it('husky: the check added to .husky/pre-commit still refuses a bad pin after husky installs again', async () => {
    const repo = await newRepo()
    const husky = () => expect(spawnSync(process.execPath, [HUSKY_BIN], { cwd: repo.dir, env: { ...process.env, ...repo.env } }).status).toBe(0)
    husky()
    await install(repo)
    husky()
    await stagePin(repo, '01.2.3\n')
    const refused = await commit(repo)
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain(REFUSED)
  })

  it('a tracked hooks folder (core.hooksPath=.githooks): only its tracked pre-commit changes, and the output says so', async () => {
    const repo = await newRepo()
    const team = '#!/bin/sh\necho "team hook ran" >&2\n'
    await mkdir(path.join(repo.dir, '.githooks'))
    await writeFile(path.join(repo.dir, '.githooks/pre-commit'), team, { mode: 0o755 })
    await run(repo, ['add', '.githooks'])
    await commit(repo)
    await run(repo, ['config', 'core.hooksPath', '.githooks'])
    const hook = path.join(repo.dir, '.githooks/pre-commit')
    const out = await install(repo)
    expect(out).toContain(`Added the pinbot check to ${hook}`)
    expect(out).toContain(`changed ${hook} (tracked: commit the change so everyone using this repository runs the check)`)
    expect((await run(repo, ['status', '--porcelain'])).stdout).toBe(' M .githooks/pre-commit\n')
    await stagePin(repo, '1.2.3 \n')
    const refused = await commit(repo)
    expect(refused.stderr).toContain('team hook ran')
    expect(refused.stderr).toContain(REFUSED)
    await run(repo, ['reset', '-q'])
    expect((await pinbot(repo, ['hook', 'uninstall'])).code).toBe(0)
    expect(await readFile(hook, 'utf8')).toBe(team)
    expect((await run(repo, ['status', '--porcelain'])).stdout).toBe('?? .runtime-version\n')
  })

  it('reports a non-executable existing hook as git treats it: kept, but not run', async () => {
    const repo = await newRepo()
    await writeFile(path.join(repo.hooks, 'pre-commit'), '#!/bin/sh\necho "plain file ran" >&2\n', { mode: 0o644 })
    const out = await install(repo)
    expect(out).toContain(`Kept the existing hook as ${path.join(repo.hooks, 'pre-commit.pinbot-chained')}; it is not executable, so git did not run it and pinbot's hook does not either`)
    await stagePin(repo, '1.2.3\n')
    const result = await commit(repo)
    expect([result.code, result.stderr]).toEqual([0, '.runtime-version (staged): valid, 1.2.3\n'])
  })
})

function isPinbotFile(text: string): boolean {
  return text.startsWith('#!/bin/sh\n# pinbot-managed-hook:')
}
