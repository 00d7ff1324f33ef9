/**
 * Secrets stay secret: plant sentinel passphrases and private-key material, run every
 * identity command path (success and failure, human and --json) and scan all output.
 */
import path from 'node:path'
import fs from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import * as isogit from 'isomorphic-git'
import * as openpgp from 'openpgp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKey } from '../../src/identity/keys.js'
import { runCli, type CliResult } from '../support/cli.js'
import { git } from '../support/git.js'
import { BOT, makeTestKey, TEST_PASSPHRASE, type TestKey } from '../support/keys.js'
import { tempDir } from '../support/tmp.js'

const SENTINEL_PASSPHRASE = 'sentinel-passphrase-Q7xK2mZ9'
const SENTINEL_KEY_MATERIAL = 'SENTINELPRIVATEKEYMATERIALdGhpcyBpcyBub3QgYSBrZXk'
const GARBAGE_PRIVATE_KEY = `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${SENTINEL_KEY_MATERIAL}\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n`

let tmp: { dir: string; cleanup: () => Promise<void> }
let sentinelKey: string // protected with SENTINEL_PASSPHRASE
let other: TestKey // protected with TEST_PASSPHRASE
let repo: string
const files: Record<string, string> = {}
const secretLines = new Set<string>()

/** The base64 body lines of an armored private key. */
function bodyLines(armored: string): string[] {
  return armored.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----'))
}

async function file(name: string, content: string): Promise<string> {
  files[name] = path.join(tmp.dir, name)
  await writeFile(files[name], content, { mode: 0o600 })
  return files[name]
}

beforeAll(async () => {
  tmp = await tempDir()
  sentinelKey = (await generateKey({ ...BOT, type: 'ed25519', expiresIn: 0, passphrase: SENTINEL_PASSPHRASE })).privateKeyArmored
  other = await makeTestKey('ed25519')
  for (const armored of [sentinelKey, other.lockedArmored, other.plainArmored]) bodyLines(armored).forEach((line) => secretLines.add(line))
  await file('sentinel.asc', sentinelKey)
  await file('garbage.asc', GARBAGE_PRIVATE_KEY)
  await file('other.pub', other.publicKeyArmored)
  repo = path.join(tmp.dir, 'repo')
  await git(['init', '-q', '-b', 'main', repo])
  await writeFile(path.join(repo, '.runtime-version'), '0.1.0\n')
  await git(['add', '.'], { cwd: repo })
  await git(['commit', '-q', '-m', 'initial'], { cwd: repo })
})
afterAll(() => tmp.cleanup())

function expectClean(result: CliResult): void {
  expect(secretLines.size).toBeGreaterThan(10)
  const output = result.stdout + result.stderr
  expect(output).not.toContain(SENTINEL_PASSPHRASE)
  expect(output).not.toContain(SENTINEL_KEY_MATERIAL)
  expect(output).not.toContain(TEST_PASSPHRASE)
  for (const line of secretLines) expect(output).not.toContain(line)
}

const SENTINEL_ENV = { PINBOT_SIGNING_KEY: '', PINBOT_SIGNING_PASSPHRASE: SENTINEL_PASSPHRASE }
const escaped = (armored: string) => armored.trim().split('\n').join('\\n')

/** `live` proves the planted secret really reached the process (so a clean output means something). */
type Scenario = [name: string, args: () => string[], env: () => Record<string, string>, code: number, live?: () => Promise<void>]

async function generatedKeyOpensWithSentinel(): Promise<void> {
  const generated = await openpgp.readPrivateKey({ armoredKey: await readFile(path.join(tmp.dir, 'gen.asc'), 'utf8') })
  await expect(openpgp.decryptKey({ privateKey: generated, passphrase: SENTINEL_PASSPHRASE })).resolves.toBeTruthy()
}

async function headSignedBySentinelKey(): Promise<void> {
  const { commit } = await isogit.readCommit({ fs, dir: repo, oid: await git(['rev-parse', 'HEAD'], { cwd: repo }) })
  expect(commit.gpgsig).toContain('BEGIN PGP SIGNATURE')
  expect(commit.committer.email).toBe(BOT.email)
}
const scenarios: Scenario[] = [
  ['key generate, passphrase from env', () => ['key', 'generate', '--name', 'Bot', '--email', 'bot@example.com', '--out', path.join(tmp.dir, 'gen.asc'), '--passphrase-env', 'SECRET_PASS'], () => ({ SECRET_PASS: SENTINEL_PASSPHRASE }), 0, generatedKeyOpensWithSentinel],
  ['key generate --json, file exists', () => ['key', 'generate', '--name', 'Bot', '--email', 'bot@example.com', '--out', files['sentinel.asc'], '--passphrase-env', 'SECRET_PASS', '--json'], () => ({ SECRET_PASS: SENTINEL_PASSPHRASE }), 2],
  ['key show of a protected private key', () => ['key', 'show', files['sentinel.asc']], () => SENTINEL_ENV, 0],
  ['key show --json from the env, escaped', () => ['key', 'show', '--json'], () => ({ PINBOT_SIGNING_KEY: escaped(sentinelKey) }), 0],
  ['key show of garbage private material', () => ['key', 'show'], () => ({ PINBOT_SIGNING_KEY: GARBAGE_PRIVATE_KEY }), 2],
  ['key show --json of garbage private material', () => ['key', 'show', files['garbage.asc'], '--json'], () => ({}), 2],
  ['pin --commit with the sentinel passphrase', () => ['pin', '0.2.0', '--dir', repo, '--commit', '--signing-key', files['sentinel.asc']], () => SENTINEL_ENV, 0, headSignedBySentinelKey],
  ['pin --commit --json from env, escaped', () => ['pin', '0.3.0', '--dir', repo, '--commit', '--json'], () => ({ PINBOT_SIGNING_KEY: escaped(sentinelKey), PINBOT_SIGNING_PASSPHRASE: SENTINEL_PASSPHRASE }), 0],
  ['pin --commit, wrong passphrase', () => ['pin', '0.4.0', '--dir', repo, '--commit'], () => ({ PINBOT_SIGNING_KEY: other.lockedArmored, PINBOT_SIGNING_PASSPHRASE: SENTINEL_PASSPHRASE }), 2],
  ['pin --commit --json, wrong passphrase', () => ['pin', '0.4.0', '--dir', repo, '--commit', '--json'], () => ({ PINBOT_SIGNING_KEY: other.lockedArmored, PINBOT_SIGNING_PASSPHRASE: SENTINEL_PASSPHRASE }), 2],
  ['pin --commit, garbage key', () => ['pin', '0.4.0', '--dir', repo, '--commit'], () => ({ PINBOT_SIGNING_KEY: GARBAGE_PRIVATE_KEY, PINBOT_SIGNING_PASSPHRASE: SENTINEL_PASSPHRASE }), 2],
  ['pin --commit --json, garbage key file', () => ['pin', '0.4.0', '--dir', repo, '--commit', '--signing-key', files['garbage.asc'], '--json'], () => SENTINEL_ENV, 2],
  ['pin --commit, passphrase missing', () => ['pin', '0.4.0', '--dir', repo, '--commit', '--signing-key', files['sentinel.asc']], () => ({}), 2],
  ['pin --commit, a public key', () => ['pin', '0.4.0', '--dir', repo, '--commit', '--signing-key', files['other.pub']], () => SENTINEL_ENV, 2],
  ['pin --commit, bad version', () => ['pin', 'v1', '--dir', repo, '--commit'], () => ({ PINBOT_SIGNING_KEY: sentinelKey, PINBOT_SIGNING_PASSPHRASE: SENTINEL_PASSPHRASE }), 2],
  ['pin --commit, downgrade', () => ['pin', '0.0.1', '--dir', repo, '--commit', '--json'], () => ({ PINBOT_SIGNING_KEY: sentinelKey, PINBOT_SIGNING_PASSPHRASE: SENTINEL_PASSPHRASE }), 1],
  ['pin, working tree only', () => ['pin', '0.9.0', '--dir', repo, '--allow-downgrade'], () => ({ PINBOT_SIGNING_KEY: sentinelKey, PINBOT_SIGNING_PASSPHRASE: SENTINEL_PASSPHRASE }), 0],
  ['verify-commit given a private key file', () => ['verify-commit', '--dir', repo, '--key', files['sentinel.asc']], () => SENTINEL_ENV, 0],
  ['verify-commit --json given garbage private material', () => ['verify-commit', '--dir', repo, '--key', files['garbage.asc'], '--json'], () => SENTINEL_ENV, 2],
  ['verify-commit --json, unknown key', () => ['verify-commit', 'HEAD', '--dir', repo, '--key', files['other.pub'], '--json'], () => SENTINEL_ENV, 1],
]

describe('no secret reaches any output', () => {
  it.each(scenarios)('%s', async (_name, args, env, code, live) => {
    const result = await runCli(args(), { env: env() })
    expect(result.code, result.stderr).toBe(code)
    expectClean(result)
    await live?.()
  })

})
