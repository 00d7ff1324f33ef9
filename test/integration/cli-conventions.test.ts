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
  it('is bad input (exit 2) with the nearest command suggested, in a CI log as on a terminal', async () => {
    // NODE_ENV=development would make oclif look for TypeScript sources (and warn on Node 22).
    const piped = await runCli(['casade', '--manifest', 'x.json'], { env: { NODE_ENV: 'development' } })
    expect(piped.code).toBe(2)
    expect(piped.stderr).toBe('Error: "casade" is not a pinbot command. Did you mean "cascade"?\nHint: run pinbot help for the list of commands, or pinbot cascade --help\n')
    // script(1) gives the CLI a pseudo-terminal: the same answer, and no prompt waiting for one.
    const tty = await run('script', ['-qec', `${process.execPath} ${BIN} key generat`, '/dev/null'], { input: '' })
    expect(tty.stdout).toContain('Did you mean "key generate"?')
    // Nothing near enough: no guess; what was typed is shown as text, escape sequences too.
    const far = await runCli(['\x1b[2Jzzzzzzzz'])
    expect(far.code).toBe(2)
    expect(far.stderr).toBe('Error: "\\x1b[2Jzzzzzzzz" is not a pinbot command.\nHint: run pinbot help for the list of commands\n')
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
