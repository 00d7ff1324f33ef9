/**
 * `pinbot verify` through the built CLI: the whole corpus, the file-type problems, usage
 * errors, and the start-up fast path (bin/run.js) against the oclif command.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkVersionBytes } from '../../../src/contract/runtime-version.js'
import { renderVerify, verifyPin } from '../../../src/contract/verify.js'
import { ROOT, runCli, runCliMany } from '../../support/cli.js'
import { listCorpus } from '../../support/corpus.js'
import { git } from '../../support/git.js'
import { tempDir } from '../../support/tmp.js'

let dir: string
let outside: string
let cleanup: () => Promise<void>
let cleanupOutside: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  ;({ dir: outside, cleanup: cleanupOutside } = await tempDir())
  await writeFile(path.join(dir, 'good'), '1.2.3\n')
  await writeFile(path.join(dir, 'bad'), 'v1.2.3\r\n')
  await symlink('good', path.join(dir, 'link-to-good'))
  await mkdir(path.join(dir, 'a-directory'))
  execFileSync('mkfifo', [path.join(dir, 'fifo')])
  await git(['init', '-q', dir])
  await git(['add', 'good', 'bad'], { cwd: dir })
})
afterAll(async () => {
  await cleanup()
  await cleanupOutside()
})

describe('pinbot verify FILE', () => {
  it('gives every corpus file its verdict, as --json and exit code (in-process, with CLI samples)', async () => {
    const corpus = listCorpus()
    // The CLI prints what verifyPin + renderVerify produce (the start-up tests below hold the
    // fast path and oclif to the same bytes): every file in-process, a few through the CLI.
    const samples = [corpus.find((e) => e.expected === 'valid')!, ...corpus.filter((e) => e.expected !== 'valid').slice(0, 2)]
    const runs = new Map(await Promise.all(samples.map(async (entry) => [entry, await runCli(['verify', entry.file, '--json'])] as const)))
    for (const entry of corpus) {
      const check = checkVersionBytes(await readFile(entry.file), entry.file)
      const output = renderVerify(await verifyPin({ file: entry.file }), { json: true })
      const json = JSON.parse(output.stdout)
      expect(json, entry.file).toEqual({ file: entry.file, valid: check.valid, version: check.version ?? null, problems: check.problems })
      expect(json.problems[0]?.code ?? 'valid', entry.file).toBe(entry.expected)
      expect(output.exitCode, entry.file).toBe(entry.expected === 'valid' ? 0 : 1)
      const cli = runs.get(entry)
      if (cli) expect({ code: cli.code, stdout: cli.stdout, stderr: cli.stderr }, entry.file).toEqual({ code: output.exitCode, stdout: output.stdout, stderr: '' })
    }
  })

  it('prints problems as FILE:LINE:COL: message; hint on stderr and exits 1', async () => {
    const result = await runCli(['verify', 'bad'], { cwd: dir })
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'bad:1:1: leading "v" is not allowed (found "v1.2.3\\r"); write "1.2.3"\n' +
        'bad:1:7: Windows line ending CRLF (found "v1.2.3\\r"); save with LF line endings; write "1.2.3"\n',
    })
  })

  it('checks ./.runtime-version by default; --print prints only the version', async () => {
    const { dir: repo, cleanup: done } = await tempDir()
    await writeFile(path.join(repo, '.runtime-version'), '0.1.7\n')
    expect(await runCli(['verify'], { cwd: repo })).toEqual({ code: 0, stdout: '.runtime-version: valid, 0.1.7\n', stderr: '' })
    expect(await runCli(['verify', '--print'], { cwd: repo })).toEqual({ code: 0, stdout: '0.1.7\n', stderr: '' })
    await done()
  })

  it('--print prints nothing on stdout for an invalid file', async () => {
    const result = await runCli(['verify', 'bad', '--print'], { cwd: dir })
    expect([result.code, result.stdout]).toEqual([1, ''])
    expect(result.stderr).toContain('bad:1:1: leading "v"')
  })

  it.each([
    ['missing', 'missing', 'missing:1:1: file does not exist; create it with the version on one line, e.g. "1.2.3"'],
    ['missing/below/a/file', 'missing', 'missing/below/a/file:1:1: file does not exist'],
    ['good/below/a/file', 'missing', 'good/below/a/file:1:1: file does not exist'],
    ['link-to-good', 'symlink', 'link-to-good:1:1: is a symbolic link (to "good"); pinbot never follows links'],
    ['a-directory', 'directory', 'a-directory:1:1: is a directory'],
    ['fifo', 'not-regular-file', 'fifo:1:1: is not a regular file'],
  ])('reports %s as %s without reading through it', async (file, code, line) => {
    const result = await verifyPin({ file, cwd: dir })
    expect(renderVerify(result).stderr).toContain(line)
    expect(renderVerify(result).exitCode).toBe(1)
    expect(JSON.parse(renderVerify(result, { json: true }).stdout)).toMatchObject({ file, valid: false, version: null, problems: [{ code, line: 1, column: 1 }] })
  })

  it('reports a file-type problem through the CLI as in-process (a sample)', async () => {
    const human = await runCli(['verify', 'link-to-good'], { cwd: dir })
    expect(human).toEqual({ code: 1, stdout: '', ...pick(renderVerify(await verifyPin({ file: 'link-to-good', cwd: dir }))) })
  })

  it('--allow-missing accepts a missing file, and only a missing one', async () => {
    expect(await runCli(['verify', 'missing', '--allow-missing'], { cwd: dir })).toEqual({
      code: 0,
      stdout: 'missing: not present, allowed by --allow-missing\n',
      stderr: '',
    })
    expect(JSON.parse((await runCli(['verify', 'missing', '--allow-missing', '--json'], { cwd: dir })).stdout)).toEqual({
      file: 'missing',
      valid: true,
      version: null,
      problems: [],
    })
    expect((await runCli(['verify', 'link-to-good', '--allow-missing'], { cwd: dir })).code).toBe(1)
  })

  it('refuses bad usage with exit 2 and a clear message, as text and as JSON', async () => {
    const cases: [string[], string][] = [
      [['verify', '--bogus'], 'Nonexistent flag: --bogus'],
      [['verify', 'good', 'bad'], 'Unexpected argument: bad'],
    ]
    const runs = await runCliMany(cases.flatMap(([args]) => [{ args, cwd: dir }, { args: [...args, '--json'], cwd: dir }]))
    for (const [i, [args, message]] of cases.entries()) {
      const [human, json] = runs.slice(2 * i, 2 * i + 2)
      expect(human.code, args.join(' ')).toBe(2)
      expect(human.stderr).toContain(message)
      expect(json.code, args.join(' ')).toBe(2)
      expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'usage', message: expect.stringContaining(message) } })
    }
  })

  it('refuses --print with --json (exit 2, a JSON error)', async () => {
    const result = await runCli(['verify', 'good', '--print', '--json'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(JSON.parse(result.stdout).error.message).toContain('--json=true cannot also be provided when using --print')
  })

  it('--help documents the command through oclif', async () => {
    const help = await runCli(['verify', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/USAGE\n  \$ pinbot verify \[FILE\] \[--staged\] \[--allow-missing\] \[--print \|\s+--json\]/)
    expect(help.stdout).toContain('EXAMPLES')
  })
})

describe('start-up fast path', () => {
  // One case per path through the fast path: each output form, file kind and --staged, and
  // the invocations it must leave to oclif untouched (unknown or repeated flags, --print --json).
  it('prints the same bytes and exits the same as the oclif command, on every path', async () => {
    const cases = [
      ['bad'],
      ['--json', 'bad'],
      ['good', '--print'],
      ['missing', '--allow-missing', '--json'],
      ['link-to-good'],
      ['--staged', 'bad', '--json'],
      ['--staged', '--print', 'good'],
      ['--staged', '--allow-missing'],
      ['--bogus'],
      ['good', '--staged', '--staged'],
      ['good', '--print', '--json'],
    ]
    // The oclif side of every case in one process (cli-batch.mjs, oclif only, as run-oclif.mjs).
    const [fast, oclif] = await Promise.all([
      Promise.all(cases.map((args) => runCli(['verify', ...args], { cwd: dir }))),
      runCliMany(cases.map((args) => ({ args: ['verify', ...args], cwd: dir }))),
    ])
    for (const [i, args] of cases.entries()) expect(fast[i], args.join(' ')).toEqual(oclif[i])
    // One case also through run-oclif.mjs, its own process.
    expect(fast[0]).toEqual(await runCli(['verify', ...cases[0]], { cwd: dir, oclifOnly: true }))
  })

  it('really skips oclif for a plain verify, and only then', async () => {
    const env = { NODE_OPTIONS: `--import=${path.join(ROOT, 'test/support/forbid-oclif.mjs')}` }
    expect(await runCli(['verify', 'good'], { cwd: dir, env })).toEqual({ code: 0, stdout: 'good: valid, 1.2.3\n', stderr: '' })
    expect(await runCli(['verify', '--staged', 'bad', '--json'], { cwd: dir, env })).toMatchObject({ code: 1, stderr: '' })
    const help = await runCli(['verify', '--help'], { cwd: dir, env })
    expect(help.code).not.toBe(0)
    expect(help.stderr).toContain('@oclif/core was loaded')
  })

  it('verify --staged outside a repository: the same usage error (exit 2) both ways, as text and JSON', async () => {
    const cases = [['--staged'], ['--staged', '--json']]
    const [fast, oclif] = await Promise.all([
      Promise.all(cases.map((args) => runCli(['verify', ...args], { cwd: outside }))),
      runCliMany(cases.map((args) => ({ args: ['verify', ...args], cwd: outside }))),
    ])
    for (const [i, args] of cases.entries()) {
      expect(fast[i].code, args.join(' ')).toBe(2)
      expect(fast[i], args.join(' ')).toEqual(oclif[i])
    }
  })
})

function pick(output: { stdout: string; stderr: string }): { stdout: string; stderr: string } {
  return { stdout: output.stdout, stderr: output.stderr }
}
