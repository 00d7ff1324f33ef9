import { chmod, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as openpgp from 'openpgp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKey, parseExpiry } from '../../../src/identity/keys.js'
import { normalizeArmor } from '../../../src/identity/key-source.js'
import { loadSigningKey } from '../../../src/identity/signing-key.js'
import { readVerificationKeys } from '../../../src/identity/verification-keys.js'
import { tempDir } from '../../support/tmp.js'

const BOT = { name: 'Pin Bot', email: 'pinbot@example.com' }
let tmp: { dir: string; cleanup: () => Promise<void> }
let plain: Awaited<ReturnType<typeof generateKey>>
let locked: Awaited<ReturnType<typeof generateKey>>

async function keyFile(name: string, content: string, mode = 0o600): Promise<string> {
  const file = path.join(tmp.dir, name)
  await writeFile(file, content)
  await chmod(file, mode)
  return file
}

beforeAll(async () => {
  tmp = await tempDir()
  plain = await generateKey({ ...BOT, type: 'ed25519', expiresIn: 0 })
  locked = await generateKey({ ...BOT, type: 'ed25519', expiresIn: parseExpiry('1y'), passphrase: 'correct horse' })
})
afterAll(() => tmp.cleanup())

describe('parseExpiry', () => {
  it('reads durations and "never"', () => {
    expect(parseExpiry('never')).toBe(0)
    expect(parseExpiry('90d')).toBe(90 * 86_400)
    expect(parseExpiry('2y')).toBe(2 * 365 * 86_400)
  })

  it.each(['0d', '2', 'y', '-1y', '2 years', ''])('refuses %j with exit 2', (text) => {
    expect(() => parseExpiry(text)).toThrow(expect.objectContaining({ code: 'invalid-expiry', exit: 2 }))
  })
})

describe('generateKey', () => {
  it('makes an EdDSA ed25519 key (not curve25519) with the user ID and expiry asked for', async () => {
    expect(plain.description).toMatchObject({ algorithm: 'ed25519', userIds: [BOT], expires: null, private: true, passphraseProtected: false })
    expect(locked.description.passphraseProtected).toBe(true)
    const expires = Date.parse(locked.description.expires!) - Date.parse(locked.description.created)
    expect(expires).toBe(365 * 86_400_000)
    const key = await openpgp.readKey({ armoredKey: plain.publicKeyArmored })
    expect(key.getAlgorithmInfo()).toMatchObject({ algorithm: 'eddsaLegacy', curve: 'ed25519Legacy' })
    expect(plain.publicKeyArmored).not.toContain('PRIVATE')
  })
})

describe('normalizeArmor', () => {
  it('restores newlines that arrive escaped as \\n', () => {
    const escaped = plain.privateKeyArmored.trim().split('\n').join('\\n')
    expect(normalizeArmor(escaped)).toBe(normalizeArmor(plain.privateKeyArmored))
    expect(normalizeArmor(plain.privateKeyArmored.replace(/\n/g, '\r\n'))).toBe(normalizeArmor(plain.privateKeyArmored))
  })
})

describe('loadSigningKey', () => {
  it('loads an unprotected key from a file, with its identity and fingerprint', async () => {
    const file = await keyFile('plain.asc', plain.privateKeyArmored)
    const key = await loadSigningKey({ file, env: {} })
    expect(key.fingerprint).toBe(plain.description.fingerprint)
    expect(key.fingerprint).toMatch(/^[0-9A-F]{40}$/)
    expect(key.primaryUser).toEqual(BOT)
    expect(key.userIds).toEqual([BOT])
    expect(key.format).toBe('openpgp')
    expect(key.warnings).toEqual([])
  })

  it('loads from PINBOT_SIGNING_KEY, also when its newlines arrive escaped', async () => {
    const escaped = locked.privateKeyArmored.trim().split('\n').join('\\n')
    const key = await loadSigningKey({ env: { PINBOT_SIGNING_KEY: escaped, PINBOT_SIGNING_PASSPHRASE: 'correct horse' } })
    expect(key.fingerprint).toBe(locked.description.fingerprint)
    expect(await key.sign('payload\n')).toContain('BEGIN PGP SIGNATURE')
  })

  it('decrypts once per process: a second load returns the same decrypted key', async () => {
    const env = { PINBOT_SIGNING_KEY: locked.privateKeyArmored, PINBOT_SIGNING_PASSPHRASE: 'correct horse' }
    const first = await loadSigningKey({ env })
    const second = await loadSigningKey({ env })
    expect(second.sign).toBe(first.sign)
  })

  it('prefers --signing-key FILE over the environment', async () => {
    const file = await keyFile('plain2.asc', plain.privateKeyArmored)
    const key = await loadSigningKey({ file, env: { PINBOT_SIGNING_KEY: 'garbage' } })
    expect(key.fingerprint).toBe(plain.description.fingerprint)
  })

  it('warns when the key file is readable by group or others', async () => {
    const file = await keyFile('open.asc', plain.privateKeyArmored, 0o644)
    const key = await loadSigningKey({ file, env: {} })
    expect(key.warnings).toEqual([`key file ${file} is readable by group or others (mode 0644); run: chmod 600 ${file}`])
  })

  const cases: [string, () => Promise<Parameters<typeof loadSigningKey>[0]>, string, RegExp][] = [
    ['no key at all', async () => ({ env: {} }), 'signing-key-missing', /no signing key: pass --signing-key FILE or set PINBOT_SIGNING_KEY/],
    ['a missing file', async () => ({ file: path.join(tmp.dir, 'nope.asc'), env: {} }), 'key-file-unreadable', /nope\.asc does not exist/],
    ['garbage', async () => ({ env: { PINBOT_SIGNING_KEY: 'not a key' } }), 'key-invalid', /PINBOT_SIGNING_KEY holds neither an OpenPGP key nor an OpenSSH key/],
    ['a public key', async () => ({ file: await keyFile('pub.asc', plain.publicKeyArmored), env: {} }), 'signing-key-public', /holds a public key/],
    ['a protected key without passphrase', async () => ({ env: { PINBOT_SIGNING_KEY: locked.privateKeyArmored } }), 'signing-key-passphrase-missing', /passphrase-protected/],
    [
      'a wrong passphrase',
      async () => ({ env: { PINBOT_SIGNING_KEY: locked.privateKeyArmored, PINBOT_SIGNING_PASSPHRASE: 'wrong' } }),
      'signing-key-passphrase-wrong',
      /wrong passphrase for signing key [0-9A-F]{40}/,
    ],
    ['an expired key', async () => ({ env: { PINBOT_SIGNING_KEY: await expiredKey() } }), 'signing-key-expired', /signing key [0-9A-F]{40} expired on/],
    ['a revoked key', async () => ({ env: { PINBOT_SIGNING_KEY: await revokedKey() } }), 'signing-key-revoked', /signing key [0-9A-F]{40} is revoked/],
  ]
  it.each(cases)('refuses %s with exit 2 and a clear message', async (_what, options, code, message) => {
    const error = await loadSigningKey(await options()).catch((e: unknown) => e)
    expect(error).toMatchObject({ code, exit: 2 })
    expect((error as Error).message).toMatch(message)
    expect((error as { hint?: string }).hint).toBeTruthy()
  })
})

describe('readVerificationKeys', () => {
  it('reads armored and binary public keys, and reduces a private key to its public part', async () => {
    const armored = await keyFile('a.pub', plain.publicKeyArmored)
    const binaryFile = path.join(tmp.dir, 'b.gpg')
    await writeFile(binaryFile, (await openpgp.readKey({ armoredKey: locked.publicKeyArmored })).write())
    const privateFile = await keyFile('c.asc', plain.privateKeyArmored)
    const { openpgp: keys } = await readVerificationKeys([armored, binaryFile, privateFile])
    expect(keys.map((k) => k.getFingerprint().toUpperCase())).toEqual([
      plain.description.fingerprint,
      locked.description.fingerprint,
      plain.description.fingerprint,
    ])
    expect(keys.every((k) => !k.isPrivate())).toBe(true)
  })

  it('refuses garbage and missing files with exit 2', async () => {
    const garbage = await keyFile('garbage.pub', 'hello')
    await expect(readVerificationKeys([garbage])).rejects.toMatchObject({ code: 'key-invalid', exit: 2 })
    await expect(readVerificationKeys([path.join(tmp.dir, 'missing.pub')])).rejects.toMatchObject({ code: 'key-file-unreadable', exit: 2 })
    expect(await readFile(garbage, 'utf8')).toBe('hello')
  })
})

async function expiredKey(): Promise<string> {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [BOT],
    date: new Date(Date.now() - 3_600_000),
    keyExpirationTime: 60,
    format: 'armored',
  })
  return privateKey
}

async function revokedKey(): Promise<string> {
  const generated = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [BOT], format: 'object' })
  const revoked = await generated.privateKey.revoke()
  return revoked.armor()
}
