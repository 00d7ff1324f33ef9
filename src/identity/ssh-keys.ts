/**
 * The bot's SSH keys in the OpenSSH format ssh-keygen writes (`openssh-key-v1`, PROTOCOL.key),
 * through sshpk: generate an Ed25519 pair as ssh-keygen does (a passphrase protects it with
 * bcrypt-pbkdf and aes256-ctr), describe a key as `ssh-keygen -l` does, and unlock a private
 * key for signing. Ed25519, ECDSA and RSA of 2048 bits or more sign; DSA, hardware-backed
 * `sk-` keys and short RSA keys are refused before anything is touched (exit 2).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto'
import sshpk from 'sshpk'
import { UsageError } from '../errors.js'
import { normalizeArmor, type KeySource } from './key-source.js'
import { PASSPHRASE_ENV } from './key-env.js'
import { blobKeyType, sshFingerprint, SshReader, SUPPORTED_KEY_TYPES } from './ssh-wire.js'
import type { SshSigningKey } from './ssh-signature.js'

const MIN_RSA_BITS = 2048
const OPENSSH_BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----'
const OPENSSH_END = '-----END OPENSSH PRIVATE KEY-----'

export interface SshKeyDescription {
  format: 'ssh'
  /** `SHA256:...`, as ssh-keygen -l prints it. */
  fingerprint: string
  /** ssh-keygen's name for it: ED25519, ECDSA, RSA. */
  algorithm: string
  bits: number
  /** The key's comment (ssh-keygen -C); for a protected private key it is only known once unlocked. */
  comment?: string
  private: boolean
  passphraseProtected?: boolean
  /** The public key line, as in the .pub file. */
  publicKey: string
}

/** What the cleartext part of an OpenSSH private key file says (its public key and how it is protected). */
interface OpenSshHeader {
  publicBlob: Buffer
  keyType: string
  encrypted: boolean
}

function readOpenSshHeader(source: KeySource): OpenSshHeader {
  const text = normalizeArmor(source.text)
  const begin = text.indexOf(OPENSSH_BEGIN)
  const end = text.indexOf(OPENSSH_END)
  const invalid = () =>
    new UsageError('key-invalid', `${source.label} holds a damaged OpenSSH private key`, { hint: 'Copy the whole file, from -----BEGIN to -----END, with its line breaks.' })
  if (begin === -1 || end === -1) throw invalid()
  let nkeys: number
  let header: OpenSshHeader
  try {
    const reader = new SshReader(Buffer.from(text.slice(begin + OPENSSH_BEGIN.length, end).replace(/\s+/g, ''), 'base64'))
    if (reader.raw(15).toString('latin1') !== 'openssh-key-v1\0') throw invalid()
    const cipher = reader.text()
    reader.string() // kdf name
    reader.string() // kdf options
    nkeys = reader.uint32()
    const publicBlob = reader.string()
    header = { publicBlob, keyType: blobKeyType(publicBlob), encrypted: cipher !== 'none' }
  } catch {
    throw invalid()
  }
  if (nkeys !== 1) {
    throw new UsageError('key-multiple', `${source.label} holds ${nkeys} SSH keys; pinbot will not guess which one to sign with`, {
      hint: 'Keep exactly one key in the file.',
    })
  }
  return header
}

function refuseUnsupported(keyType: string, label: string): void {
  if (keyType.startsWith('sk-')) {
    throw new UsageError('signing-key-unsupported', `${label} is a hardware-backed key (${keyType}); it signs only with its security key attached and touched`, {
      hint: 'A bot signs unattended: use an Ed25519 key (`pinbot key generate --format ssh`, or `ssh-keygen -t ed25519`).',
    })
  }
  if (!SUPPORTED_KEY_TYPES.includes(keyType)) {
    throw new UsageError('signing-key-unsupported', `${label} is a ${keyType} key, which pinbot does not sign with`, {
      hint: 'Use an Ed25519 key (`pinbot key generate --format ssh`), or ECDSA, or RSA of 2048 bits or more.',
    })
  }
}

function algorithmOf(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519'
  if (keyType.startsWith('ecdsa-')) return 'ECDSA'
  if (keyType === 'ssh-rsa') return 'RSA'
  return keyType.toUpperCase()
}

function publicLine(publicBlob: Buffer, comment?: string): string {
  return `${blobKeyType(publicBlob)} ${publicBlob.toString('base64')}${comment ? ` ${comment}` : ''}`
}

/**
 * Describe an OpenSSH private key (from its cleartext header: no passphrase needed) or a
 * public key line. A protected key's comment is encrypted with it: like ssh-keygen -l, take
 * it from the matching .pub text when given.
 */
export function describeSshKey(source: KeySource, companionPublicKey?: string): SshKeyDescription {
  const text = normalizeArmor(source.text)
  if (text.includes(OPENSSH_BEGIN)) {
    const header = readOpenSshHeader(source)
    const key = sshpk.parseKey(header.publicBlob, 'rfc4253')
    const companion = companionPublicKey?.trim().split(/\s+/)
    const fromCompanion = companion && companion[1] === header.publicBlob.toString('base64') ? companion.slice(2).join(' ') : undefined
    const comment = (header.encrypted ? fromCompanion : sshpk.parsePrivateKey(text, 'ssh').comment) || undefined
    return {
      format: 'ssh',
      fingerprint: sshFingerprint(header.publicBlob),
      algorithm: algorithmOf(header.keyType),
      bits: key.size,
      ...(comment ? { comment } : {}),
      private: true,
      passphraseProtected: header.encrypted,
      publicKey: publicLine(header.publicBlob, comment),
    }
  }
  const [type, base64, ...rest] = text.trim().split(/\s+/)
  let key: sshpk.Key
  try {
    key = sshpk.parseKey(`${type} ${base64}`, 'ssh')
  } catch {
    throw new UsageError('key-invalid', `${source.label} holds a damaged SSH public key`, { hint: 'Expected one line "ssh-ed25519 AAAA... comment", as in a .pub file.' })
  }
  const publicBlob = Buffer.from(base64, 'base64')
  const comment = rest.join(' ') || undefined
  return {
    format: 'ssh',
    fingerprint: sshFingerprint(publicBlob),
    algorithm: algorithmOf(type),
    bits: key.size,
    ...(comment ? { comment } : {}),
    private: false,
    publicKey: publicLine(publicBlob, comment),
  }
}

/** The private key as node:crypto signs with it (Ed25519 through JWK: sshpk's PKCS#8 has no Ed25519). */
function nodePrivateKey(key: sshpk.PrivateKey): KeyObject {
  if (key.type === 'ed25519') {
    const parts = Object.fromEntries(key.parts.map((part) => [part.name, part.data]))
    return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: parts.k.subarray(0, 32).toString('base64url'), x: parts.A.toString('base64url') }, format: 'jwk' })
  }
  return createPrivateKey(key.toString('pkcs8'))
}

export interface UnlockedSshKey extends SshSigningKey {
  fingerprint: string
  comment?: string
}

/** Unlock an OpenSSH private key for signing; every problem is a UsageError (exit 2). */
export function unlockSshKey(source: KeySource, passphrase: string | undefined): UnlockedSshKey {
  const text = normalizeArmor(source.text)
  if (!text.includes(OPENSSH_BEGIN)) {
    throw new UsageError('signing-key-public', `${source.label} holds an SSH public key; signing needs the private key`, {
      hint: 'Pass the private key file (the one without .pub).',
    })
  }
  const header = readOpenSshHeader(source)
  const fingerprint = sshFingerprint(header.publicBlob)
  refuseUnsupported(header.keyType, `signing key ${fingerprint}`)
  if (header.encrypted && !passphrase) {
    throw new UsageError('signing-key-passphrase-missing', `signing key ${fingerprint} is passphrase-protected and no passphrase was given`, {
      hint: `Set ${PASSPHRASE_ENV}.`,
    })
  }
  let key: sshpk.PrivateKey
  try {
    key = sshpk.parsePrivateKey(text, 'ssh', header.encrypted ? { passphrase } : {})
  } catch (error) {
    const wrong = /incorrect passphrase/i.test((error as Error).message)
    throw new UsageError(
      wrong ? 'signing-key-passphrase-wrong' : 'key-invalid',
      wrong ? `wrong passphrase for signing key ${fingerprint}` : `signing key ${fingerprint} could not be read`,
      { hint: wrong ? `Check ${PASSPHRASE_ENV}.` : 'Check that the whole key was copied; `ssh-keygen -y -f FILE` should print its public key.' },
    )
  }
  if (key.type === 'rsa' && key.size < MIN_RSA_BITS) {
    throw new UsageError('signing-key-weak', `signing key ${fingerprint} is RSA with ${key.size} bits; pinbot signs only with RSA keys of ${MIN_RSA_BITS} bits or more`, {
      hint: 'Generate an Ed25519 key: `pinbot key generate --format ssh`.',
    })
  }
  return { publicBlob: header.publicBlob, privateKey: nodePrivateKey(key), fingerprint, ...(key.comment ? { comment: key.comment } : {}) }
}

/** The public key lines of an OpenSSH private key file (for verifying with the private key file, as with OpenPGP). */
export function publicBlobOfPrivateKey(source: KeySource): Buffer {
  return readOpenSshHeader(source).publicBlob
}

/** A new Ed25519 key pair in ssh-keygen's formats: OpenSSH private key (aes256-ctr + bcrypt-pbkdf with a passphrase) and a .pub line. */
export function generateSshKey(options: { comment: string; passphrase?: string }): { privateKey: string; publicKey: string; description: SshKeyDescription } {
  const key = sshpk.generatePrivateKey('ed25519')
  key.comment = options.comment
  const privateKey = key.toString('ssh-private', options.passphrase ? { passphrase: options.passphrase, cipher: 'aes256-ctr' } : undefined)
  const publicKey = `${key.toPublic().toString('ssh')}\n`
  const description = describeSshKey({ label: 'generated key', text: publicKey, warnings: [] })
  return { privateKey, publicKey, description: { ...description, private: true, passphraseProtected: Boolean(options.passphrase) } }
}
