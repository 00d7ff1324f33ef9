/** oclif's conventions, through the built CLI: help, -h, did-you-mean, shell completion, --version, usage lines. */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, OCLIF_ONLY, runCli } from '../support/cli.js'
import { run } from '../support/spawn.js'
import { tempDir, type TempDir } from '../support/tmp.js'

let cache: TempDir
beforeAll(async () => (cache = await tempDir()))
afterAll(() => cache.cleanup())

describe('help', () => {
  it('pinbot help COMMAND and COMMAND -h show the command help; -h alone lists the commands', async () => {
    const [help, short, top] = await Promise.all([runCli(['help', 'cascade']), runCli(['cascade', '-h']), runCli(['-h'])])
    expect(help.code, help.stderr).toBe(0)
    expect(help.stdout).toContain('USAGE\n  $ pinbot cascade --manifest FILE --version VERSION')
    expect(short).toEqual(help)
    expect(top.code, top.stderr).toBe(0)
    for (const command of ['cascade', 'pin', 'verify-pins', 'autocomplete', 'help']) expect(top.stdout).toMatch(new RegExp(`^  ${command} `, 'm'))
  })

  it("pin's usage shows its two forms; --dir does not read as needing --forge", async () => {
    const help = await runCli(['pin', '--help'])
    const usage = help.stdout.split('\n\n')[1].replace(/\n {4}/g, ' ')
    expect(usage).toContain('$ pinbot pin VERSION [--dir DIR] [--commit] [--allow-downgrade]')
    expect(usage).toContain('$ pinbot pin VERSION --remote URL|OWNER/NAME [--forge URL]')
    expect(usage).not.toMatch(/--forge URL \[--remote/)
  })
})

describe('a mistyped command', () => {
  it('is suggested on a terminal ("did you mean"), and fails with exit 127 elsewhere', async () => {
    // script(1) gives the CLI a pseudo-terminal; "n" declines the suggestion.
    const tty = await run('script', ['-qec', `${process.execPath} ${BIN} casade`, '/dev/null'], { input: 'n\n' })
    expect(tty.stdout).toMatch(/Did you mean .*cascade/)
    const piped = await runCli(['casade'])
    expect(piped.code).toBe(127)
    // oclif colours the warning where it thinks a CI log shows colours (CI=true): compare the text.
    expect(piped.stderr.replace(/\x1b\[[0-9;]*m/g, '')).toContain('casade is not a pinbot command')
  })
})

describe('shell completion', () => {
  it('generates bash and zsh completion that knows the commands and their flags', async () => {
    const env = { XDG_CACHE_HOME: cache.dir }
    const bash = await runCli(['autocomplete', 'bash'], { env })
    expect(bash.code, bash.stderr).toBe(0)
    expect(bash.stdout).toContain('pinbot autocomplete script bash')
    const zsh = await runCli(['autocomplete', 'script', 'zsh'], { env })
    expect(zsh.code, zsh.stderr).toBe(0)
    const functions = path.join(cache.dir, 'pinbot/autocomplete/functions')
    expect(await readFile(path.join(functions, 'zsh/_pinbot'), 'utf8')).toContain('cascade')
    // The bash completion, sourced by bash itself, completes a command and a flag.
    const setup = (await runCli(['autocomplete', 'script', 'bash'], { env })).stdout
    const complete = (words: string) =>
      run('bash', ['-c', `${setup}\nCOMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _pinbot_autocomplete; printf '%s\\n' "\${COMPREPLY[@]}"`], {
        env: { ...process.env, ...env },
      })
    expect((await complete('pinbot cas')).stdout.trim()).toBe('cascade')
    expect((await complete('pinbot cascade --mani')).stdout.trim()).toBe('--manifest')
  })
})

describe('--version', () => {
  it('prints what oclif prints, without starting oclif', async () => {
    const [fast, short, oclif] = await Promise.all([runCli(['--version']), runCli(['-v']), runCli(['--version'], { oclifOnly: true })])
    expect(oclif.stdout).toMatch(/^pinbot\/\d+\.\d+\.\d+ \S+-\S+ node-v\d+/)
    expect(fast).toEqual(oclif)
    expect(short).toEqual(oclif)
    const env = { NODE_OPTIONS: `--import=${path.join(path.dirname(OCLIF_ONLY), 'forbid-oclif.mjs')}` }
    expect(await runCli(['--version'], { env })).toEqual(oclif)
  })
})
