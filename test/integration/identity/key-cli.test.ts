/** `pinbot key generate` and `pinbot key show`, run as the built CLI, judged by GnuPG. */
import { chmod, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, runCli, runCliMany } from '../../support/cli.js'
import { createGnupgHome, type GnupgHome } from '../../support/gpg.js'
import { tempDir } from '../../support/tmp.js'
import { run } from '../../support/spawn.js'

let tmp: { dir: string; cleanup: () => Promise<void> }
let gnupg: GnupgHome
const at = (name: string) => path.join(tmp.dir, name)
const mode = async (file: string) => (await stat(file)).mode & 0o777

beforeAll(async () => {
  tmp = await tempDir()
  gnupg = await createGnupgHome()
})
afterAll(async () => {
  await gnupg.cleanup()
  await tmp.cleanup()
})

/** GnuPG's view of a public key file: algorithm number and key length of the primary key. */
async function gpgSees(file: string): Promise<{ algorithm: string; bits: string; uid: string }> {
  const result = await gnupg.gpg(['--with-colons', '--import-options', 'show-only', '--import', file])
  expect(result.code, result.stderr).toBe(0)
  const pub = result.stdout.split('\n').find((line) => line.startsWith('pub:'))!.split(':')
  const uid = result.stdout.split('\n').find((line) => line.startsWith('uid:'))!.split(':')[9]
  return { algorithm: pub[3], bits: pub[2], uid }
}

describe('pinbot key generate', () => {
  it('writes an ed25519 key GnuPG accepts: private 0600, public beside it, passphrase from the named env var', async () => {
    const out = at('bot.asc')
    const result = await runCli(
      ['key', 'generate', '--name', 'Pin Bot', '--email', 'pinbot@example.com', '--out', out, '--passphrase-env', 'BOT_PASS'],
      { env: { BOT_PASS: 'pass-for-generate' } },
    )
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^Created ed25519 key [0-9A-F]{40}$/m)
    expect(result.stdout).toContain('passphrase-protected')
    expect(result.stdout).toContain(`Add the contents of ${out}.pub to the bot user's GPG keys`)
    expect(await mode(out)).toBe(0o600)
    expect(await mode(`${out}.rev`)).toBe(0o600)
    expect(await readFile(out, 'utf8')).toContain('BEGIN PGP PRIVATE KEY BLOCK')
    expect(await readFile(`${out}.pub`, 'utf8')).toContain('BEGIN PGP PUBLIC KEY BLOCK')
    // Algorithm 22 is EdDSA, what GnuPG 2.2 and Gitea accept (27 would be refused).
    expect(await gpgSees(`${out}.pub`)).toEqual({ algorithm: '22', bits: '255', uid: 'Pin Bot <pinbot@example.com>' })

    const shown = json(await runCli(['key', 'show', out, '--json']))
    expect(shown).toMatchObject({ algorithm: 'ed25519', private: true, passphraseProtected: true, revoked: false, expired: false })
  })

  it('writes an RSA-4096 key with --type rsa4096 and reports it as JSON', async () => {
    const out = at('rsa.asc')
    const result = await runCli(['key', 'generate', '--name', 'Pin Bot', '--email', 'pinbot@example.com', '--type', 'rsa4096', '--expires', 'never', '--out', out, '--json'])
    expect(result.code, result.stderr).toBe(0)
    const report = json(result)
    expect(report).toMatchObject({
      algorithm: 'rsa4096',
      expires: null,
      passphraseProtected: false,
      files: { privateKey: out, publicKey: `${out}.pub`, revocationCertificate: `${out}.rev` },
    })
    expect(await gpgSees(`${out}.pub`)).toEqual({ algorithm: '1', bits: '4096', uid: 'Pin Bot <pinbot@example.com>' })
  })

  it('refuses to overwrite without --force (exit 2, file untouched); --force replaces it', async () => {
    const out = at('existing.asc')
    await writeFile(out, 'precious')
    const refused = await runCli(['key', 'generate', '--name', 'Bot', '--email', 'bot@example.com', '--out', out])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`Error: ${out} already exists`)
    expect(refused.stderr).toContain('--force')
    expect(await readFile(out, 'utf8')).toBe('precious')

    await chmod(out, 0o644)
    const forced = await runCli(['key', 'generate', '--name', 'Bot', '--email', 'bot@example.com', '--out', out, '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(await readFile(out, 'utf8')).toContain('BEGIN PGP PRIVATE KEY BLOCK')
    expect(await mode(out)).toBe(0o600)
  })

  it('refuses bad input with exit 2 and writes nothing (one process for the table)', async () => {
    const cases: [string[], string][] = [
      [['--email', 'not-an-email'], 'key email "not-an-email" is not an email address'],
      [['--expires', 'soon'], '--expires "soon" is not a duration'],
      [['--passphrase-env', 'UNSET_PINBOT_TEST_VAR'], '--passphrase-env UNSET_PINBOT_TEST_VAR: the environment variable is not set or empty'],
      [['--type', 'dsa'], 'Expected --type=dsa to be one of: ed25519, rsa4096'],
      // OpenPGP-only flags with --format ssh.
      [['--format', 'ssh', '--type', 'rsa4096'], '--type rsa4096 is for OpenPGP keys'],
      [['--format', 'ssh', '--expires', '1y'], '--expires is for OpenPGP keys'],
    ]
    const outs = cases.map((_, i) => at(`bad-${i}.asc`))
    const results = await runCliMany(
      cases.map(([extra], i) => {
        const defaults = { '--name': 'Bot', '--email': 'bot@example.com', '--out': outs[i] }
        const flags = Object.fromEntries(Array.from({ length: extra.length / 2 }, (_, j) => [extra[2 * j], extra[2 * j + 1]]))
        const args = Object.entries(extra.includes('ssh') ? { '--email': 'bot@example.com', '--out': outs[i], ...flags } : { ...defaults, ...flags }).flat()
        return { args: ['key', 'generate', ...args] }
      }),
    )
    for (const [i, [extra, message]] of cases.entries()) {
      expect(results[i].code, extra.join(' ')).toBe(2)
      expect(results[i].stderr, extra.join(' ')).toContain(message)
      await expect(stat(outs[i])).rejects.toMatchObject({ code: 'ENOENT' })
    }
  })
})

describe('pinbot key show', () => {
  let privateFile: string
  let privateArmor: string

  beforeAll(async () => {
    privateFile = at('show.asc')
    const result = await runCli(['key', 'generate', '--name', 'Show Bot', '--email', 'show@example.com', '--out', privateFile, '--expires', '30d'])
    expect(result.code, result.stderr).toBe(0)
    privateArmor = await readFile(privateFile, 'utf8')
  })

  /** Every base64 line of the private key block: none may appear in output. */
  const privateLines = () => privateArmor.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----'))

  it('shows fingerprint, algorithm, user IDs, dates and kind, and no private material', async () => {
    const result = await runCli(['key', 'show', privateFile])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^fingerprint: +[0-9A-F]{40}$/m)
    expect(result.stdout).toMatch(/^algorithm: +ed25519$/m)
    expect(result.stdout).toMatch(/^user IDs: +Show Bot <show@example.com>$/m)
    expect(result.stdout).toMatch(/^expires: +\d{4}-\d\d-\d\dT/m)
    expect(result.stdout).toMatch(/^status: +valid$/m)
    expect(result.stdout).toMatch(/^kind: +private key, no passphrase$/m)
    for (const line of privateLines()) expect(result.stdout + result.stderr).not.toContain(line)
  })

  it('reads PINBOT_SIGNING_KEY when FILE is omitted, even with escaped newlines', async () => {
    const escaped = privateArmor.trim().split('\n').join('\\n')
    const result = await runCli(['key', 'show', '--json'], { env: { PINBOT_SIGNING_KEY: escaped } })
    expect(result.code, result.stderr).toBe(0)
    expect(json(result)).toMatchObject({ userIds: [{ name: 'Show Bot', email: 'show@example.com' }], private: true })
    for (const line of privateLines()) expect(result.stdout + result.stderr).not.toContain(line)
  })

  it('warns when a private key file is readable by others', async () => {
    const open = at('open.asc')
    await writeFile(open, privateArmor, { mode: 0o644 })
    await chmod(open, 0o644)
    const result = await runCli(['key', 'show', open])
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(`Warning: key file ${open} is readable by group or others (mode 0644); run: chmod 600 ${open}`)
  })

  it('exits 2 with a clear error for no key, a missing file, and garbage', async () => {
    await writeFile(at('garbage.asc'), 'not a key')
    const [none, missing, garbage] = await runCliMany([{ args: ['key', 'show'] }, { args: ['key', 'show', at('missing.asc')] }, { args: ['key', 'show', at('garbage.asc'), '--json'] }])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('Error: no key to show: pass FILE or set PINBOT_SIGNING_KEY')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('missing.asc does not exist')
    expect(garbage.code).toBe(2)
    expect(json(garbage)).toMatchObject({ error: { code: 'key-invalid' } })
  })
})

describe('pinbot key generate --format ssh, key show', () => {
  it('writes an Ed25519 pair as ssh-keygen does (0600, .pub with the email as comment), which key show and ssh-keygen -l describe alike', async () => {
    const out = at('bot_ed25519')
    const result = await runCli(['key', 'generate', '--format', 'ssh', '--email', 'pinbot@example.com', '--out', out, '--passphrase-env', 'BOT_PASS', '--json'], {
      env: { BOT_PASS: 'ssh-pass-for-generate' },
    })
    expect(result.code, result.stderr).toBe(0)
    const report = json(result)
    expect(report).toMatchObject({ format: 'ssh', algorithm: 'ED25519', bits: 256, comment: 'pinbot@example.com', private: true, passphraseProtected: true, files: { privateKey: out, publicKey: `${out}.pub` } })
    expect(await mode(out)).toBe(0o600)
    expect(await readFile(out, 'utf8')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/)
    const pub = await readFile(`${out}.pub`, 'utf8')
    expect(pub).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/=]+ pinbot@example\.com\n$/)
    const listed = (await run('ssh-keygen', ['-l', '-f', out])).stdout.trim()
    expect(listed).toBe(`256 ${report.fingerprint} pinbot@example.com (ED25519)`)
    const shown = await runCli(['key', 'show', out])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout.split('\n')[0]).toBe(listed)
    expect(shown.stdout).toContain('kind:        SSH private key, passphrase-protected')
  })
})
