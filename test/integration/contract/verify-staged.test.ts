/**
 * `pinbot verify --staged` reads the blob in the git index of the enclosing repository
 * (real git, temp repos) and changes nothing: not the working tree, not the index.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../../support/cli.js'
import { git } from '../../support/git.js'
import { tempDir } from '../../support/tmp.js'

let repo: string
let cleanup: () => Promise<void>
beforeEach(async () => {
  ;({ dir: repo, cleanup } = await tempDir())
  await git(['init', '-q', '-b', 'main'], { cwd: repo })
})
afterEach(() => cleanup())

const pin = (text: string) => writeFile(path.join(repo, '.runtime-version'), text)
const snapshot = async () => ({ index: await readFile(path.join(repo, '.git/index')), file: await readFile(path.join(repo, '.runtime-version')) })

describe('pinbot verify --staged', () => {
  it('checks the staged blob, not the working tree, and touches neither', async () => {
    await pin('1.2.3\n')
    await git(['add', '.runtime-version'], { cwd: repo })
    await pin('v9.9.9 # working tree, not staged\n')
    const before = await snapshot()
    expect(await runCli(['verify', '--staged'], { cwd: repo })).toEqual({ code: 0, stdout: '.runtime-version (staged): valid, 1.2.3\n', stderr: '' })
    expect(await runCli(['verify', '--staged', '--print'], { cwd: repo })).toEqual({ code: 0, stdout: '1.2.3\n', stderr: '' })
    expect(await snapshot()).toEqual(before)
    // And the other way round: a bad staged copy under a good working tree copy.
    await pin('1.2.3 \n')
    await git(['add', '.runtime-version'], { cwd: repo })
    await pin('1.2.3\n')
    const result = await runCli(['verify', '--staged', '--json'], { cwd: repo })
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout)).toMatchObject({ file: '.runtime-version', valid: false, version: null, problems: [{ code: 'trailing-whitespace', line: 1, column: 6 }] })
  })

  it('finds the repository from a subdirectory; FILE is relative to the current directory', async () => {
    await pin('1.2.3\n')
    await mkdir(path.join(repo, 'sub'))
    await writeFile(path.join(repo, 'sub/.runtime-version'), '2.0.0\n')
    await git(['add', '.'], { cwd: repo })
    const sub = path.join(repo, 'sub')
    expect((await runCli(['verify', '--staged', '--print'], { cwd: sub })).stdout).toBe('2.0.0\n')
    expect((await runCli(['verify', '--staged', '--print', '../.runtime-version'], { cwd: sub })).stdout).toBe('1.2.3\n')
    expect((await runCli(['verify', '--staged', '--print', path.join(repo, '.runtime-version')], { cwd: sub })).stdout).toBe('1.2.3\n')
  })

  it('says so when the file is not in the index (exit 1), unless --allow-missing', async () => {
    await pin('1.2.3\n') // present in the working tree, but never added
    expect(await runCli(['verify', '--staged'], { cwd: repo })).toEqual({
      code: 1,
      stdout: '',
      stderr: '.runtime-version:1:1: is not in the git index (nothing staged at this path); stage it with "git add .runtime-version"\n',
    })
    expect(await runCli(['verify', '--staged', '--allow-missing'], { cwd: repo })).toMatchObject({ code: 0, stdout: '.runtime-version (staged): not present, allowed by --allow-missing\n' })
  })

  it('refuses a staged symlink (mode 120000) and a staged directory without following them', async () => {
    await writeFile(path.join(repo, 'real'), '1.2.3\n')
    await symlink('real', path.join(repo, '.runtime-version'))
    await mkdir(path.join(repo, 'dir/.runtime-version'), { recursive: true })
    await writeFile(path.join(repo, 'dir/.runtime-version/x'), '1.2.3\n')
    await git(['add', '.'], { cwd: repo })
    expect((await git(['ls-files', '-s', '.runtime-version'], { cwd: repo })).split(' ')[0]).toBe('120000')
    const link = await runCli(['verify', '--staged'], { cwd: repo })
    expect([link.code, link.stderr]).toEqual([1, '.runtime-version:1:1: is staged as a symbolic link (to "real"); pinbot never follows links; make it a regular file that contains only the version, e.g. "1.2.3"\n'])
    const dir = await runCli(['verify', '--staged', 'dir/.runtime-version', '--json'], { cwd: repo })
    expect(JSON.parse(dir.stdout).problems).toMatchObject([{ code: 'directory' }])
  })

  it('reports an unresolved merge conflict', async () => {
    await pin('1.0.0\n')
    await git(['add', '.'], { cwd: repo })
    await git(['commit', '-q', '-m', 'base'], { cwd: repo })
    await git(['checkout', '-q', '-b', 'other'], { cwd: repo })
    await pin('1.1.0\n')
    await git(['commit', '-q', '-am', 'other'], { cwd: repo })
    await git(['checkout', '-q', 'main'], { cwd: repo })
    await pin('2.0.0\n')
    await git(['commit', '-q', '-am', 'main'], { cwd: repo })
    await git(['merge', 'other'], { cwd: repo }).catch(() => undefined)
    const result = await runCli(['verify', '--staged', '--json'], { cwd: repo })
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout).problems).toMatchObject([{ code: 'unmerged' }])
  })

  it('takes a file name literally, not as a pathspec pattern', async () => {
    await writeFile(path.join(repo, 'v1'), '1.0.0\n')
    await git(['add', '.'], { cwd: repo })
    const result = await runCli(['verify', '--staged', 'v*', '--json'], { cwd: repo })
    expect(JSON.parse(result.stdout).problems).toMatchObject([{ code: 'missing' }])
  })

  it.each([
    ['outside any repository', [] as string[], 'not inside a git work tree'],
    ['in the .git directory', ['.git'], 'not inside a git work tree'],
  ])('is a usage error (exit 2) %s', async (_what, sub, message) => {
    const outside = await tempDir()
    const cwd = sub.length ? path.join(repo, ...sub) : outside.dir
    const result = await runCli(['verify', '--staged'], { cwd })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`Error: ${cwd} is ${message}`)
    expect(result.stderr).toContain('Hint: run it inside a git work tree')
    await outside.cleanup()
  })

  it('is a usage error (exit 2) for a file outside the repository', async () => {
    const result = await runCli(['verify', '--staged', '../elsewhere'], { cwd: repo })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Error: ../elsewhere is outside the repository')
  })
})
