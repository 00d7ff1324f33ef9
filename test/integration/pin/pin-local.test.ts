/** `pinbot pin VERSION` in a local checkout, run as the built CLI, judged by real git and GnuPG. */
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, runCli, runCliMany } from '../../support/cli.js'
import { git, gitRun } from '../../support/git.js'
import { createGnupgHome, type GnupgHome } from '../../support/gpg.js'
import { BOT, makeTestKey, signingEnv, type TestKey } from '../../support/keys.js'
import { tempDir } from '../../support/tmp.js'

let tmp: { dir: string; cleanup: () => Promise<void> }
let gnupg: GnupgHome
let key: TestKey
let keyFile: string
let counter = 0

beforeAll(async () => {
  tmp = await tempDir()
  gnupg = await createGnupgHome()
  key = await makeTestKey('ed25519')
  await gnupg.importKey(key.publicKeyArmored)
  keyFile = path.join(tmp.dir, 'bot.asc')
  await writeFile(keyFile, key.plainArmored, { mode: 0o600 })
})
afterAll(async () => {
  await gnupg.cleanup()
  await tmp.cleanup()
})

/** A repo at one commit with the given files. */
async function repo(files: Record<string, string> = { '.runtime-version': '0.1.0\n', 'app.txt': 'one\n', 'gone.txt': 'bye\n' }): Promise<string> {
  const dir = path.join(tmp.dir, `repo-${++counter}`)
  await git(['init', '-q', '-b', 'main', dir])
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content)
  await git(['add', '.'], { cwd: dir })
  await git(['commit', '-q', '-m', 'initial'], { cwd: dir })
  return dir
}

/** Everything a user could lose: HEAD, staged and unstaged diffs, untracked files, the pin. */
async function snapshot(dir: string) {
  return {
    head: (await gitRun(['rev-parse', '-q', '--verify', 'HEAD'], { cwd: dir })).stdout.trim(),
    status: await git(['status', '--porcelain=v1', '-uall'], { cwd: dir }),
    staged: await git(['diff', '--cached'], { cwd: dir }),
    unstaged: await git(['diff'], { cwd: dir }),
    pin: await readFile(path.join(dir, '.runtime-version'), 'utf8').catch(() => undefined),
  }
}

const pin = (dir: string, args: string[], env: Record<string, string> = {}) => runCli(['pin', ...args, '--dir', dir], { env })

describe('pinbot pin (working tree only)', () => {
  it('writes the canonical bytes, then is idempotent without rewriting the file', async () => {
    const dir = await repo({ 'app.txt': 'one\n' })
    const first = await pin(dir, ['0.2.0', '--json'])
    expect(first.code, first.stderr).toBe(0)
    expect(json(first)).toEqual({ repo: dir, branch: null, outcome: 'updated', reason: null, before: null, after: '0.2.0', commit: null, attempts: 1 })
    expect(await readFile(path.join(dir, '.runtime-version'), 'utf8')).toBe('0.2.0\n')

    await writeFile(path.join(dir, '.runtime-version'), '0.2.0') // valid without the newline: left alone
    const again = await pin(dir, ['0.2.0'])
    expect(again.code).toBe(0)
    expect(again.stdout.trim()).toBe(`unchanged: ${path.join(dir, '.runtime-version')} is already 0.2.0`)
    expect(await readFile(path.join(dir, '.runtime-version'), 'utf8')).toBe('0.2.0')
  })

  it('refuses a directory outside any git checkout (exit 2, a hint, nothing written)', async () => {
    const { dir, cleanup } = await tempDir()
    const result = await pin(dir, ['0.2.0'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`Error: ${dir} is not inside a git checkout; nothing was written`)
    expect(result.stderr).toContain('Hint: ')
    await expect(stat(path.join(dir, '.runtime-version'))).rejects.toMatchObject({ code: 'ENOENT' })
    await cleanup()
  })

  it('refuses a downgrade (exit 1, untouched) unless --allow-downgrade; replaces an invalid pin', async () => {
    const dir = await repo({ '.runtime-version': '0.3.0\n' })
    const refused = await pin(dir, ['0.2.0'])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toContain('skipped: ')
    expect(refused.stdout).toContain('is at 0.3.0, higher than 0.2.0 (pass --allow-downgrade to lower it)')
    expect(await readFile(path.join(dir, '.runtime-version'), 'utf8')).toBe('0.3.0\n')

    const allowed = await pin(path.join(dir), ['0.2.0', '--allow-downgrade', '--json'])
    expect(allowed.code).toBe(0)
    expect(json(allowed)).toMatchObject({ outcome: 'updated', before: '0.3.0', after: '0.2.0' })

    await writeFile(path.join(dir, '.runtime-version'), 'v9.0.0\r\n')
    const repaired = await pin(dir, ['0.2.1'])
    expect(repaired.stdout).toMatch(/^updated: .*: an invalid pin \(\.runtime-version:1:\d+: .*\) -> 0\.2\.1 \(not committed\)$/m)
    expect(json(await pin(dir, ['0.2.2', '--json']))).toMatchObject({ outcome: 'updated', before: '0.2.1', after: '0.2.2' })
    await writeFile(path.join(dir, '.runtime-version'), 'v9.0.0\r\n')
    expect(json(await pin(dir, ['0.2.3', '--json']))).toMatchObject({ outcome: 'updated', reason: 'repaired', before: null, after: '0.2.3' })
    expect(await readFile(path.join(dir, '.runtime-version'), 'utf8')).toBe('0.2.3\n')
  })

  it('writes at the repository root when DIR is a subdirectory, and refuses a symlinked pin', async () => {
    const dir = await repo()
    await mkdir(path.join(dir, 'sub'))
    expect((await pin(path.join(dir, 'sub'), ['0.4.0'])).code).toBe(0)
    expect(await readFile(path.join(dir, '.runtime-version'), 'utf8')).toBe('0.4.0\n')
    await expect(stat(path.join(dir, 'sub', '.runtime-version'))).rejects.toMatchObject({ code: 'ENOENT' })

    const linked = await repo({ 'real-version': '0.1.0\n' })
    await symlink('real-version', path.join(linked, '.runtime-version'))
    const result = await pin(linked, ['0.5.0', '--json'])
    expect(result.code).toBe(1)
    expect(json(result)).toMatchObject({ error: { code: 'pin-file-not-regular' } })
    expect(await readFile(path.join(linked, 'real-version'), 'utf8')).toBe('0.1.0\n')
  })
})

describe('pinbot pin --commit', () => {
  it('commits only the pin, signed, with trailers; other staged and unstaged changes stay as they were', async () => {
    const dir = await repo()
    await writeFile(path.join(dir, 'app.txt'), 'two\n')
    await git(['add', 'app.txt'], { cwd: dir })
    await writeFile(path.join(dir, 'app.txt'), 'three\n') // staged two, unstaged three
    await writeFile(path.join(dir, 'new.txt'), 'staged new file\n')
    await git(['add', 'new.txt'], { cwd: dir })
    await git(['rm', '-q', 'gone.txt'], { cwd: dir })
    await writeFile(path.join(dir, 'untracked.txt'), 'untracked\n')
    const before = await snapshot(dir)

    const result = await pin(dir, ['0.2.0', '--commit', '--signing-key', keyFile, '--co-author', 'Ada Lovelace <ada@example.com>', '--co-author', 'Release Bot <rb@example.com>'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toBe('')
    // Plumbing trusts the index's stat data without refreshing it: the pin must look clean.
    expect((await gitRun(['diff-index', '--quiet', 'HEAD', '--', '.runtime-version'], { cwd: dir })).code).toBe(0)
    const head = await git(['rev-parse', 'HEAD'], { cwd: dir })
    expect(result.stdout.trim()).toBe(`updated: ${path.join(dir, '.runtime-version')}: 0.1.0 -> 0.2.0; committed ${head} on main (signed by key ${key.fingerprint})`)

    expect(await git(['diff-tree', '--no-commit-id', '--name-only', '-r', 'HEAD'], { cwd: dir })).toBe('.runtime-version')
    expect(await git(['rev-parse', 'HEAD^'], { cwd: dir })).toBe(before.head)
    expect(await git(['show', 'HEAD:.runtime-version'], { cwd: dir })).toBe('0.2.0')
    const after = await snapshot(dir)
    expect(after.status).toBe(before.status.split('\n').filter((line) => !line.endsWith('.runtime-version')).join('\n'))
    expect(after.staged).toBe(before.staged)
    expect(after.unstaged).toBe(before.unstaged)
    expect(after.pin).toBe('0.2.0\n')
    expect(await git(['diff', 'HEAD', '--', '.runtime-version'], { cwd: dir })).toBe('')

    const verified = await gitRun(['verify-commit', 'HEAD'], { cwd: dir, env: gnupg.env })
    expect(verified.code, verified.stderr).toBe(0)
    expect(await git(['log', '-1', '--format=%an <%ae>|%cn <%ce>|%s'], { cwd: dir })).toBe(`${BOT.name} <${BOT.email}>|${BOT.name} <${BOT.email}>|chore: pin runtime to 0.2.0`)
    const trailers = await git(['interpret-trailers', '--parse'], { cwd: dir, input: await git(['log', '-1', '--format=%B'], { cwd: dir }) })
    expect(trailers).toBe('Co-Authored-By: Ada Lovelace <ada@example.com>\nCo-Authored-By: Release Bot <rb@example.com>')
    expect(await git(['reflog', '-1', '--format=%H %gs'], { cwd: dir })).toBe(`${head} commit: chore: pin runtime to 0.2.0`)
    const fsck = await gitRun(['fsck', '--strict', '--no-dangling'], { cwd: dir })
    expect(fsck.code, fsck.stderr).toBe(0)
  })

  it('commits from HEAD, not from a pin the user staged, with a passphrase-protected key from the env', async () => {
    const dir = await repo()
    await writeFile(path.join(dir, '.runtime-version'), '0.1.5\n')
    await git(['add', '.runtime-version'], { cwd: dir })
    const result = await pin(dir, ['0.2.0', '--commit', '--message', 'build(runtime): {version}', '--json'], signingEnv(key, true))
    expect(result.code, result.stderr).toBe(0)
    expect(json(result)).toEqual({ repo: dir, branch: 'main', outcome: 'updated', reason: null, before: '0.1.0', after: '0.2.0', commit: await git(['rev-parse', 'HEAD'], { cwd: dir }), attempts: 1 })
    expect((await gitRun(['verify-commit', 'HEAD'], { cwd: dir, env: gnupg.env })).code).toBe(0)
    expect(await git(['log', '-1', '--format=%s'], { cwd: dir })).toBe('build(runtime): 0.2.0')
    expect(await git(['status', '--porcelain'], { cwd: dir })).toBe('')
  })

  it('is idempotent on HEAD and refuses a downgrade without committing anything', async () => {
    const dir = await repo({ '.runtime-version': '0.3.0\n' })
    const before = await snapshot(dir)
    const same = await pin(dir, ['0.3.0', '--commit', '--signing-key', keyFile, '--json'])
    expect(same.code).toBe(0)
    expect(json(same)).toMatchObject({ outcome: 'unchanged', before: '0.3.0' })
    const lower = await pin(dir, ['0.2.9', '--commit', '--signing-key', keyFile, '--json'])
    expect(lower.code).toBe(1)
    // `after` is what the pin holds after the run, as with --remote: the current, higher version.
    expect(json(lower)).toMatchObject({ outcome: 'skipped', reason: 'downgrade', before: '0.3.0', after: '0.3.0', commit: null })
    expect(lower.code).toBe(1)
    // No commit to make, so no identity needed: --no-sign alone reports the pin as it is.
    const unsignedSame = await pin(dir, ['0.3.0', '--commit', '--no-sign'])
    expect([unsignedSame.code, unsignedSame.stdout.trim()]).toEqual([0, `unchanged: ${path.join(dir, '.runtime-version')} is already 0.3.0`])
    expect(await snapshot(dir)).toEqual(before)
  })

  it('makes an unsigned commit only with --no-sign, and then needs an explicit identity', async () => {
    const dir = await repo()
    const before = await snapshot(dir)
    const noKey = await pin(dir, ['0.2.0', '--commit'])
    expect(noKey.code).toBe(2)
    expect(noKey.stderr).toContain('Error: no signing key: pass --signing-key FILE or set PINBOT_SIGNING_KEY')
    const noIdentity = await pin(dir, ['0.2.0', '--commit', '--no-sign'])
    expect(noIdentity.code).toBe(2)
    expect(noIdentity.stderr).toContain('--author-name and --author-email')
    expect(await snapshot(dir)).toEqual(before)

    const unsigned = await pin(dir, ['0.2.0', '--commit', '--no-sign', '--author-name', 'CI Bot', '--author-email', 'ci@example.com', '--json'])
    expect(unsigned.code, unsigned.stderr).toBe(0)
    expect(json(unsigned)).toMatchObject({ outcome: 'updated', after: '0.2.0' })
    expect(await git(['log', '-1', '--format=%G?|%an <%ae>'], { cwd: dir, env: gnupg.env })).toBe('N|CI Bot <ci@example.com>')
  })

  it('warns when the committer email is not a user-ID email of the key, and still commits', async () => {
    const dir = await repo()
    const result = await pin(dir, ['0.2.0', '--commit', '--signing-key', keyFile, '--author-email', 'elsewhere@example.com'])
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(
      "Warning: committer email elsewhere@example.com is not among the signing key's user-ID emails (pinbot@example.com); a forge will not show these commits as Verified",
    )
    expect(await git(['log', '-1', '--format=%ce'], { cwd: dir })).toBe('elsewhere@example.com')
  })

  it('refuses bad input with exit 2 before touching anything', async () => {
    const dir = await repo()
    await writeFile(path.join(dir, 'app.txt'), 'dirty\n')
    const before = await snapshot(dir)
    const cases: [string[], Record<string, string>, string][] = [
      [['1.2'], {}, 'invalid version "1.2"'],
      [['0.2.0', '--commit', '--signing-key', keyFile, '--co-author', 'Ada'], {}, 'co-author "Ada" is not of the form "Name <email>"'],
      [['0.2.0', '--commit', '--signing-key', keyFile, '--message', 'pin {ver} {version}'], {}, 'unknown placeholder {ver}'],
      [['0.2.0', '--commit', '--signing-key', keyFile, '--message', 'chore: pin the runtime'], {}, 'the commit message template has no {version} placeholder'],
      [['0.2.0', '--commit', '--signing-key', keyFile, '--no-sign'], {}, 'cannot also be provided when using --signing-key'],
      [['0.2.0', '--commit'], { ...signingEnv(key, true), PINBOT_SIGNING_PASSPHRASE: 'not-the-passphrase' }, 'wrong passphrase for signing key'],
      [['0.2.0', '--commit', '--signing-key', `${keyFile}.missing`], {}, 'does not exist'],
    ]
    // The table in one process (cli-batch.mjs); the missing directory as its own process.
    const results = await runCliMany(cases.map(([args, env]) => ({ args: ['pin', ...args, '--dir', dir], env })))
    for (const [i, [args, , message]] of cases.entries()) {
      expect(results[i].code, args.join(' ')).toBe(2)
      expect(results[i].stderr).toContain(message)
    }
    const missing = await runCli(['pin', '0.2.0', '--dir', path.join(dir, 'missing')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(`Error: ${path.join(dir, 'missing')} is not a directory`)
    expect(await snapshot(dir)).toEqual(before)
  })

  it('makes a root commit holding only the pin on an unborn branch, leaving staged files staged', async () => {
    const dir = path.join(tmp.dir, 'unborn')
    await git(['init', '-q', '-b', 'trunk', dir])
    await writeFile(path.join(dir, 'staged.txt'), 'x\n')
    await git(['add', 'staged.txt'], { cwd: dir })
    const result = await pin(dir, ['1.0.0', '--commit', '--signing-key', keyFile])
    expect(result.code, result.stderr).toBe(0)
    expect(await git(['ls-tree', '--name-only', 'trunk'], { cwd: dir })).toBe('.runtime-version')
    expect(await git(['status', '--porcelain'], { cwd: dir })).toBe('A  staged.txt')
    expect(await git(['reflog', '-1', '--format=%gs'], { cwd: dir })).toBe('commit (initial): chore: pin runtime to 1.0.0')
  })

  it('commits in a linked worktree (its branch moves, the main checkout does not) and on a detached HEAD', async () => {
    const dir = await repo()
    const linked = path.join(tmp.dir, 'linked-wt')
    await git(['worktree', 'add', '-q', '-b', 'feature', linked], { cwd: dir })
    const result = await pin(linked, ['0.2.0', '--commit', '--signing-key', keyFile])
    expect(result.code, result.stderr).toBe(0)
    expect(await git(['show', 'feature:.runtime-version'], { cwd: dir })).toBe('0.2.0')
    expect(await git(['show', 'main:.runtime-version'], { cwd: dir })).toBe('0.1.0')
    expect(await git(['status', '--porcelain'], { cwd: linked })).toBe('')
    expect(await git(['status', '--porcelain'], { cwd: dir })).toBe('')

    await git(['checkout', '-q', '--detach'], { cwd: dir })
    const detached = await pin(dir, ['0.3.0', '--commit', '--signing-key', keyFile])
    expect(detached.code, detached.stderr).toBe(0)
    expect(detached.stdout).toContain('on detached HEAD')
    expect(await git(['show', 'HEAD:.runtime-version'], { cwd: dir })).toBe('0.3.0')
    expect(await git(['show', 'main:.runtime-version'], { cwd: dir })).toBe('0.1.0')
  })
})
