/**
 * The token never shows, whatever debug output is switched on: every command that talks to
 * a forge (and one that spawns git), run with NODE_DEBUG (http, net, tls, undici, fetch,
 * child_process) and with DEBUG=*, succeeding and failing, is scanned for the token, its
 * URL-encoded and Basic-auth forms, the signing passphrase, and passwords pasted into a URL
 * (with `/`, `:` and `@`, or quotes and a space, in them).
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, type CliResult } from '../support/cli.js'
import { Forge } from '../support/forge.js'
import { git } from '../support/git.js'
import { tempDir, type TempDir } from '../support/tmp.js'

const TOKEN = 'sentinel/Tok+en=Q7x:K2m'
const URL_PASSWORD = 'url/Pass:wo@rd9Z'
// Quotes, angle brackets and a space: a password pasted into a URL argument, shown by DEBUG=*'s argv line.
const QUOTED_PASSWORD = `qu"o't<e>d sp4ce`
const PASSPHRASE = 'sentinel-passphrase-Zq81'
const FORMS = [
  TOKEN,
  encodeURIComponent(TOKEN),
  Buffer.from(`pinbot:${TOKEN}`).toString('base64'),
  URL_PASSWORD,
  encodeURIComponent(URL_PASSWORD),
  'url/Pass',
  QUOTED_PASSWORD,
  'qu"o',
  PASSPHRASE,
]
/** All at once: every debug channel's output in one run per command (child_process prints a spawned git's environment). */
const DEBUG_SETTINGS: Record<string, string>[] = [{ NODE_DEBUG: 'http,net,tls,undici,fetch,child_process', DEBUG: '*' }]

let forge: Forge
let tmp: TempDir
let manifest: string

beforeAll(async () => {
  ;[forge, tmp] = await Promise.all([Forge.start(), tempDir()])
  forge.tokens.readWrite = TOKEN
  await Promise.all(['acme/a', 'acme/b'].map((name) => forge.createRepo(name)))
  await git(['init', '-q', path.join(tmp.dir, 'work')])
  manifest = path.join(tmp.dir, 'manifest.json')
  await writeFile(manifest, JSON.stringify({ forge: forge.url, repos: ['acme/a', 'acme/b'] }))
})
afterAll(() => Promise.all([forge.stop(), tmp.cleanup()]))

const author = ['--no-sign', '--author-name', 'bot', '--author-email', 'bot@example.com']
const commands: [name: string, args: () => string[], token?: string][] = [
  ['cascade', () => ['cascade', '--manifest', manifest, '--version', '0.3.0', ...author]],
  ['cascade --json, wrong token', () => ['cascade', '--manifest', manifest, '--version', '0.3.1', '--json', ...author], `${TOKEN}-wrong`],
  ['pin --remote', () => ['pin', '0.4.0', '--remote', forge.repoUrl('acme/a'), ...author]],
  ['pin --remote, password in the URL', () => ['pin', '0.4.0', '--remote', forge.repoUrl('acme/a').replace('http://', `http://bot:${URL_PASSWORD}@`), ...author]],
  ['verify-pins', () => ['verify-pins', '--manifest', manifest, '--json']],
  ['default-branch', () => ['default-branch', forge.repoUrl('acme/b'), '--json']],
  ['pin --remote, a password with quotes and a space in the URL', () => ['pin', '0.4.0', '--remote', forge.repoUrl('acme/a').replace('http://', `http://bot:${QUOTED_PASSWORD}@`), ...author]],
  // No forge: these spawn git, with the token and the passphrase in pinbot's environment.
  ['hook install, local', () => ['hook', 'install', '--dir', path.join(tmp.dir, 'work')]],
]

function expectClean(run: CliResult): void {
  const output = run.stdout + run.stderr
  for (const form of FORMS) expect(output).not.toContain(form)
}

describe('no token in any debug output', () => {
  for (const debug of DEBUG_SETTINGS) {
    for (const [name, args, token] of commands) {
      it(`${name} with ${Object.entries(debug).map((e) => e.join('=')).join(' ')}`, async () => {
        forge.clearLog()
        const run = await runCli(args(), { env: { PINBOT_TOKEN: token ?? TOKEN, PINBOT_SIGNING_PASSPHRASE: PASSPHRASE, ...debug } })
        expectClean(run)
        // The debug output was really on, and the token really travelled (or was refused); git really ran.
        if (name.includes('local')) expect(run.stderr).toMatch(/CHILD_PROCESS/)
        else if (debug.NODE_DEBUG && !name.includes('password')) expect(run.stderr).toMatch(/UNDICI|NET|HTTP/)
        if (!name.includes('password') && !name.includes('local')) expect(forge.requests.some((r) => r.auth)).toBe(true)
      })
    }
  }
})
