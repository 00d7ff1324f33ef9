/**
 * SSH signing keys and signatures, cross-checked with ssh-keygen: keys ssh-keygen made load
 * and sign what `ssh-keygen -Y verify` accepts; signatures ssh-keygen made verify here; bad
 * keys are refused with exit 2 and a message that says why.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clearSecrets, redact } from '../../../src/redact.js'
import { isMaskablePassphrase, registerPassphrase } from '../../../src/identity/key-source.js'
import { loadSigningKey } from '../../../src/identity/signing-key.js'
import { verifyCommitSignature } from '../../../src/identity/signing.js'
import { parseSshTrust } from '../../../src/identity/allowed-signers.js'
import { readVerificationKeys } from '../../../src/identity/verification-keys.js'
import { describeSshKey, generateSshKey } from '../../../src/identity/ssh-keys.js'
import { run } from '../../support/spawn.js'
import { allowedSigner, makeSshKey, sshKeygenVerify, writeAllowedSigners, type SshTestKey } from '../../support/ssh.js'
import { tempDir, type TempDir } from '../../support/tmp.js'

let tmp: TempDir
const keys: Record<string, SshTestKey> = {}
let allowed: string
const PAYLOAD = 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor Pin Bot <pinbot@example.com> 1717243200 +0000\ncommitter Pin Bot <pinbot@example.com> 1717243200 +0000\n\nchore: pin runtime to 1.0.0\n'

beforeAll(async () => {
  tmp = await tempDir()
  const made = await Promise.all([
    makeSshKey(tmp.dir, 'ed25519'),
    makeSshKey(tmp.dir, 'ed25519-locked', { passphrase: 'ssh test passphrase 42' }),
    makeSshKey(tmp.dir, 'ecdsa', { type: 'ecdsa' }),
    makeSshKey(tmp.dir, 'rsa', { type: 'rsa', bits: 2048 }),
    makeSshKey(tmp.dir, 'rsa1024', { type: 'rsa', bits: 1024 }),
  ])
  for (const key of made) keys[path.basename(key.file)] = key
  allowed = await writeAllowedSigners(path.join(tmp.dir, 'allowed_signers'), made.map((key) => allowedSigner(key)))
})
afterAll(() => tmp.cleanup())

const env = (key: SshTestKey, passphrase = key.passphrase): Record<string, string> => ({ PINBOT_SIGNING_PASSPHRASE: passphrase ?? '' })

describe('signing with keys ssh-keygen made', () => {
  it.each(['ed25519', 'ed25519-locked', 'ecdsa', 'rsa'])('%s: ssh-keygen -Y verify accepts the signature, armored as ssh-keygen armors it', async (name) => {
    const key = keys[name]
    const signing = await loadSigningKey({ file: key.file, env: env(key) })
    expect(signing).toMatchObject({ format: 'ssh', fingerprint: key.fingerprint, userIds: [], primaryUser: { email: 'pinbot@example.com' } })
    const signature = await signing.sign(PAYLOAD)
    const lines = signature.trimEnd().split('\n')
    expect(lines[0]).toBe('-----BEGIN SSH SIGNATURE-----')
    expect(lines.at(-1)).toBe('-----END SSH SIGNATURE-----')
    expect(lines.slice(1, -2).every((line) => line.length === 70)).toBe(true)
    const verified = await sshKeygenVerify({ dir: tmp.dir, payload: PAYLOAD, signature, allowedSigners: allowed })
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stdout).toContain(`Good "git" signature for pinbot@example.com with`)
    const trust = parseSshTrust(await readFile(allowed, 'utf8'), allowed)
    expect(await verifyCommitSignature({ payload: PAYLOAD, signature, keys: { openpgp: [], ssh: trust } })).toEqual({
      status: 'good',
      format: 'ssh',
      fingerprint: key.fingerprint,
      principal: 'pinbot@example.com',
    })
  })

  it.each(['ed25519', 'ecdsa', 'rsa'])('%s: a signature ssh-keygen -Y sign made verifies; the tampered payload does not', async (name) => {
    const key = keys[name]
    const message = path.join(tmp.dir, `message-${name}`)
    await writeFile(message, PAYLOAD)
    const signed = await run('ssh-keygen', ['-Y', 'sign', '-f', key.file, '-n', 'git', message])
    expect(signed.code, signed.stderr).toBe(0)
    const signature = await readFile(`${message}.sig`, 'utf8')
    const trust = parseSshTrust(await readFile(allowed, 'utf8'), allowed)
    expect(await verifyCommitSignature({ payload: PAYLOAD, signature, keys: { openpgp: [], ssh: trust } })).toMatchObject({ status: 'good', fingerprint: key.fingerprint })
    expect(await verifyCommitSignature({ payload: PAYLOAD.replace('1.0.0', '1.0.1'), signature, keys: { openpgp: [], ssh: trust } })).toMatchObject({
      status: 'bad-signature',
      format: 'ssh',
      reason: 'the signature does not match the commit',
    })
  })

  it('a signature for another namespace is bad, as ssh-keygen -Y verify -n git says', async () => {
    const message = path.join(tmp.dir, 'message-file-ns')
    await writeFile(message, PAYLOAD)
    await run('ssh-keygen', ['-Y', 'sign', '-f', keys.ed25519.file, '-n', 'file', message])
    const signature = await readFile(`${message}.sig`, 'utf8')
    const trust = parseSshTrust(await readFile(allowed, 'utf8'), allowed)
    expect(await verifyCommitSignature({ payload: PAYLOAD, signature, keys: { openpgp: [], ssh: trust } })).toMatchObject({ status: 'bad-signature', reason: 'the signature is for namespace "file", not "git"' })
  })
})

describe('refusing SSH keys that cannot sign, with exit 2', () => {
  const sk = (): string => {
    // The cleartext header of an OpenSSH key file holding a hardware-backed key: pinbot refuses it from that alone.
    const str = (b: Buffer | string) => {
      const bytes = Buffer.from(b)
      const length = Buffer.alloc(4)
      length.writeUInt32BE(bytes.length)
      return Buffer.concat([length, bytes])
    }
    const type = 'sk-ssh-ed25519@openssh.com'
    const publicBlob = Buffer.concat([str(type), str(Buffer.alloc(32, 7)), str('ssh:')])
    const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), str('none'), str('none'), str(''), Buffer.from([0, 0, 0, 1]), str(publicBlob), str(Buffer.alloc(16))])
    return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.toString('base64').replace(/(.{70})/g, '$1\n')}\n-----END OPENSSH PRIVATE KEY-----\n`
  }
  const cases: Array<[string, () => Promise<Parameters<typeof loadSigningKey>[0]>, string, RegExp]> = [
    ['a wrong passphrase', async () => ({ file: keys['ed25519-locked'].file, env: env(keys['ed25519-locked'], 'not the passphrase') }), 'signing-key-passphrase-wrong', /^wrong passphrase for signing key SHA256:/],
    ['no passphrase for a protected key', async () => ({ file: keys['ed25519-locked'].file, env: {} }), 'signing-key-passphrase-missing', /is passphrase-protected and no passphrase was given/],
    ['a public key', async () => ({ file: `${keys.ed25519.file}.pub`, env: {} }), 'signing-key-public', /holds an SSH public key; signing needs the private key/],
    ['RSA under 2048 bits', async () => ({ file: keys.rsa1024.file, env: {} }), 'signing-key-weak', /is RSA with 1024 bits; pinbot signs only with RSA keys of 2048 bits or more/],
    ['a hardware-backed sk- key', async () => ({ env: { PINBOT_SIGNING_KEY: sk() } }), 'signing-key-unsupported', /is a hardware-backed key \(sk-ssh-ed25519@openssh\.com\)/],
    ['a file that is neither format', async () => ({ env: { PINBOT_SIGNING_KEY: 'hello, not a key' } }), 'key-invalid', /holds neither an OpenPGP key nor an OpenSSH key/],
    ['a PEM private key', async () => ({ env: { PINBOT_SIGNING_KEY: '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n' } }), 'key-invalid', /holds a PEM private key/],
    [
      'two SSH keys in one file',
      async () => ({ env: { PINBOT_SIGNING_KEY: (await readFile(keys.ed25519.file, 'utf8')) + (await readFile(keys.ecdsa.file, 'utf8')) } }),
      'key-multiple',
      /holds more than one key \(0 OpenPGP, 2 SSH\); pinbot will not guess which one to use/,
    ],
  ]
  it.each(cases)('%s', async (_what, options, code, message) => {
    const error = await loadSigningKey(await options()).catch((e: unknown) => e)
    expect(error).toMatchObject({ code, exit: 2 })
    expect((error as Error).message).toMatch(message)
    expect((error as { hint?: string }).hint).toBeTruthy()
  })
})

describe('key generate --format ssh, key show', () => {
  it('writes a key ssh-keygen reads, protected with aes256-ctr and bcrypt when a passphrase is given', async () => {
    const generated = generateSshKey({ comment: 'pinbot@example.com', passphrase: 'gen passphrase 7' })
    const file = path.join(tmp.dir, 'generated')
    await writeFile(file, generated.privateKey, { mode: 0o600 })
    const header = Buffer.from(generated.privateKey.split('\n').slice(1, -2).join(''), 'base64').subarray(0, 60).toString('latin1')
    expect(header).toContain('aes256-ctr')
    expect(header).toContain('bcrypt')
    const derived = await run('ssh-keygen', ['-y', '-P', 'gen passphrase 7', '-f', file])
    expect(derived.code, derived.stderr).toBe(0)
    expect(`${derived.stdout.trim()}\n`).toBe(generated.publicKey)
    const listed = await run('ssh-keygen', ['-l', '-f', file])
    expect(listed.stdout.trim()).toBe(`256 ${generated.description.fingerprint} no comment (ED25519)`)
  })

  it('describes keys as ssh-keygen -l does, without a passphrase', async () => {
    for (const name of ['ed25519', 'ecdsa', 'rsa']) {
      const key = keys[name]
      const listed = (await run('ssh-keygen', ['-l', '-f', key.file])).stdout.trim()
      const described = describeSshKey({ label: key.file, text: await readFile(key.file, 'utf8'), warnings: [] })
      expect(`${described.bits} ${described.fingerprint} ${described.comment} (${described.algorithm})`).toBe(listed)
    }
    const locked = keys['ed25519-locked']
    const text = await readFile(locked.file, 'utf8')
    expect(describeSshKey({ label: locked.file, text, warnings: [] })).toMatchObject({ private: true, passphraseProtected: true, fingerprint: locked.fingerprint })
    expect(describeSshKey({ label: locked.file, text, warnings: [] }).comment).toBeUndefined()
    expect(describeSshKey({ label: locked.file, text, warnings: [] }, locked.publicKey).comment).toBe('pinbot@example.com')
  })
})

describe('the passphrase in messages (issue 16)', () => {
  it('masks a passphrase only where it cannot be one of pinbot\'s own words', () => {
    expect(isMaskablePassphrase('wrong')).toBe(false)
    expect(isMaskablePassphrase('signing key')).toBe(false)
    expect(isMaskablePassphrase('passphrase')).toBe(false)
    expect(isMaskablePassphrase('12345678')).toBe(false)
    expect(isMaskablePassphrase('sentinel-passphrase-Q7xK2mZ9')).toBe(true)
    expect(isMaskablePassphrase('test passphrase 1234')).toBe(true)
  })

  it('with the passphrase "wrong", the message still reads "wrong passphrase for signing key"', async () => {
    clearSecrets()
    const error = (await loadSigningKey({ file: keys['ed25519-locked'].file, env: { PINBOT_SIGNING_PASSPHRASE: 'wrong' } }).catch((e: unknown) => e)) as Error
    expect(redact(error.message)).toMatch(/^wrong passphrase for signing key SHA256:/)
    registerPassphrase('sentinel-Q7xK2mZ9')
    expect(redact('echo sentinel-Q7xK2mZ9')).toBe('echo ***')
    clearSecrets()
  })
})

describe('readVerificationKeys with SSH files', () => {
  it('reads .pub lines, allowed_signers files and (public part of) OpenSSH private keys, protected ones without a passphrase', async () => {
    const locked = keys['ed25519-locked']
    const read = await readVerificationKeys([`${keys.ecdsa.file}.pub`, allowed, locked.file])
    expect(read.openpgp).toEqual([])
    expect(read.ssh.map((entry) => [entry.fingerprint, entry.principals])).toEqual([
      [keys.ecdsa.fingerprint, undefined],
      ...['ed25519', 'ed25519-locked', 'ecdsa', 'rsa', 'rsa1024'].map((name) => [keys[name].fingerprint, 'pinbot@example.com']),
      [locked.fingerprint, undefined],
    ])
  })

  it('refuses an empty file and a malformed allowed_signers line with exit 2, naming file and line', async () => {
    const empty = path.join(tmp.dir, 'empty-signers')
    await writeFile(empty, '# nobody\n')
    await expect(readVerificationKeys([empty])).rejects.toMatchObject({ code: 'key-invalid', exit: 2, message: `${empty} holds neither an OpenPGP key nor SSH public keys or allowed_signers lines` })
    const broken = path.join(tmp.dir, 'broken-signers')
    await writeFile(broken, `${allowedSigner(keys.ed25519)}\nbot valid-before="soon" ${keys.ed25519.publicKey}\n`)
    await expect(readVerificationKeys([broken])).rejects.toMatchObject({ code: 'key-invalid', exit: 2, message: `${broken}:2: "soon" is not a time (YYYYMMDD[HHMM[SS]][Z])` })
  })
})
