/**
 * The bot's OpenPGP keys (openpgp.js): generate keys GnuPG 2.2 and Gitea accept, describe a
 * key without exposing private material, load and decrypt the signing key once per process,
 * and read public keys for verification. Every problem with a key is a UsageError (exit 2),
 * raised before any repository is touched.
 */
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import * as openpgp from 'openpgp'
import type { BotIdentity } from './commit-message.js'
import { UsageError } from '../errors.js'
import { PASSPHRASE_ENV, SIGNING_KEY_ENV } from './key-env.js'
import { registerSecret } from '../redact.js'

export type KeyType = 'ed25519' | 'rsa4096'
export const KEY_TYPES: KeyType[] = ['ed25519', 'rsa4096']

export interface SigningKey {
  /** Decrypted; never print it. */
  privateKey: openpgp.PrivateKey
  publicKeyArmored: string
  fingerprint: string
  userIds: BotIdentity[]
  primaryUser: BotIdentity
  /** Things the operator should fix but that do not stop signing (a world-readable key file). */
  warnings: string[]
}

export interface KeyDescription {
  fingerprint: string
  keyId: string
  algorithm: string
  userIds: BotIdentity[]
  primaryUser?: BotIdentity
  created: string
  /** ISO date, or null when the key never expires. */
  expires: string | null
  expired: boolean
  revoked: boolean
  private: boolean
  /** Only meaningful for private keys. */
  passphraseProtected?: boolean
}

/** Where a key came from, for messages: `--signing-key FILE` or the env var name. */
interface KeySource {
  label: string
  text: string
  warnings: string[]
}

/** `2y`, `18m`, `90d`, `4w`, or `never` -> seconds (0 = never expires). */
export function parseExpiry(text: string): number {
  if (text === 'never') return 0
  const match = /^([1-9]\d{0,3})([dwmy])$/.exec(text)
  if (!match) {
    throw new UsageError('invalid-expiry', `--expires ${JSON.stringify(text)} is not a duration`, {
      hint: 'Use a number with d, w, m or y (e.g. 2y, 18m, 90d), or "never".',
    })
  }
  const days = { d: 1, w: 7, m: 30, y: 365 }[match[2] as 'd' | 'w' | 'm' | 'y']
  return Number(match[1]) * days * 86_400
}

export async function generateKey(options: {
  name: string
  email: string
  type: KeyType
  /** Seconds until expiry; 0 = never. */
  expiresIn: number
  passphrase?: string
}): Promise<{ privateKeyArmored: string; publicKeyArmored: string; revocationCertificate: string; description: KeyDescription }> {
  // ed25519Legacy (EdDSA, algorithm 22): GnuPG 2.2 rejects openpgp's 'curve25519' (algorithm 27).
  const algorithm = options.type === 'ed25519' ? { type: 'ecc' as const, curve: 'ed25519Legacy' as const } : { type: 'rsa' as const, rsaBits: 4096 }
  const generated = await openpgp.generateKey({
    ...algorithm,
    userIDs: [{ name: options.name, email: options.email }],
    keyExpirationTime: options.expiresIn,
    passphrase: options.passphrase || undefined,
    format: 'armored',
  })
  const description = await describeKey(await openpgp.readKey({ armoredKey: generated.privateKey }))
  return {
    privateKeyArmored: generated.privateKey,
    publicKeyArmored: generated.publicKey,
    revocationCertificate: generated.revocationCertificate,
    description,
  }
}

/** CI secrets sometimes arrive with their newlines escaped as the two characters `\n`. */
export function normalizeArmor(text: string): string {
  const trimmed = text.trim()
  const escaped = !trimmed.includes('\n') && trimmed.includes('\\n')
  return (escaped ? trimmed.replace(/\\r\\n|\\n/g, '\n') : trimmed).replace(/\r\n/g, '\n') + '\n'
}

function identityOf(user: openpgp.User): BotIdentity | undefined {
  return user.userID ? { name: user.userID.name, email: user.userID.email } : undefined
}

function algorithmName(info: openpgp.AlgorithmInfo): string {
  if (info.algorithm === 'eddsaLegacy' && info.curve === 'ed25519Legacy') return 'ed25519'
  if (info.algorithm.startsWith('rsa')) return `rsa${info.bits ?? ''}`
  return [info.algorithm, info.curve, info.bits].filter(Boolean).join(' ')
}

async function expiryOf(key: openpgp.Key): Promise<Date | null> {
  const expires = await key.getExpirationTime()
  return expires instanceof Date ? expires : null
}

export async function describeKey(key: openpgp.Key): Promise<KeyDescription> {
  const expires = await expiryOf(key)
  const primary = await key.getPrimaryUser().then(
    (found) => identityOf(found.user),
    () => undefined,
  )
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    keyId: key.getKeyID().toHex().toUpperCase(),
    algorithm: algorithmName(key.getAlgorithmInfo()),
    userIds: key.users.map(identityOf).filter((u): u is BotIdentity => u !== undefined),
    ...(primary ? { primaryUser: primary } : {}),
    created: key.getCreationTime().toISOString(),
    expires: expires ? expires.toISOString() : null,
    expired: expires !== null && expires.getTime() <= Date.now(),
    revoked: await key.isRevoked(),
    private: key.isPrivate(),
    ...(key.isPrivate() ? { passphraseProtected: !(key as openpgp.PrivateKey).isDecrypted() } : {}),
  }
}

async function readKeyFile(file: string, what: string): Promise<KeySource> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read'
    throw new UsageError('key-file-unreadable', `${what} file ${file} ${reason}`, { hint: 'Check the path and its permissions.' })
  }
  const warnings: string[] = []
  const { mode } = await stat(file)
  if (text.includes('PRIVATE KEY BLOCK') && (mode & 0o044) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0')
    warnings.push(`key file ${file} is readable by group or others (mode ${octal}); run: chmod 600 ${file}`)
  }
  return { label: file, text, warnings }
}

/** The key text from --signing-key FILE, else the env var; undefined when neither is set. */
export async function readKeySource(options: { file?: string; env?: NodeJS.ProcessEnv; what?: string }): Promise<KeySource | undefined> {
  const env = options.env ?? process.env
  if (options.file) return readKeyFile(options.file, options.what ?? 'key')
  const fromEnv = env[SIGNING_KEY_ENV]
  if (fromEnv?.trim()) return { label: SIGNING_KEY_ENV, text: fromEnv, warnings: [] }
  return undefined
}

/** Parse an armored key (public or private); garbage is a UsageError naming the source. */
export async function parseKey(source: KeySource): Promise<openpgp.Key> {
  const armored = normalizeArmor(source.text)
  // Whatever is not plainly a public key may be private material, even when it does not parse.
  if (!armored.includes('PUBLIC KEY BLOCK')) {
    registerSecret(source.text.trim())
    registerSecret(armored.trim())
  }
  try {
    return await openpgp.readKey({ armoredKey: armored })
  } catch {
    throw new UsageError('key-invalid', `${source.label} does not hold an armored OpenPGP key`, {
      hint: 'Expected a "-----BEGIN PGP PRIVATE KEY BLOCK-----" (or PUBLIC KEY) block, e.g. from `pinbot key generate`.',
    })
  }
}

const loaded = new Map<string, Promise<SigningKey>>()

/**
 * The signing key, decrypted and checked (not revoked, not expired, able to sign). Loaded
 * and decrypted once per process: decryption is deliberately slow.
 */
export async function loadSigningKey(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): Promise<SigningKey> {
  const env = options.env ?? process.env
  const passphrase = env[PASSPHRASE_ENV] || undefined
  registerSecret(passphrase)
  const source = await readKeySource({ ...options, what: 'signing key' })
  if (!source) {
    throw new UsageError('signing-key-missing', 'no signing key: pass --signing-key FILE or set PINBOT_SIGNING_KEY', {
      hint: 'Create one with `pinbot key generate`, or pass --no-sign to commit unsigned on purpose.',
    })
  }
  const cacheKey = createHash('sha256').update(source.text).update('\0').update(passphrase ?? '').digest('hex')
  let pending = loaded.get(cacheKey)
  if (!pending) {
    pending = unlockSigningKey(source, passphrase)
    loaded.set(cacheKey, pending)
    pending.catch(() => loaded.delete(cacheKey))
  }
  const key = await pending
  return { ...key, warnings: [...source.warnings] }
}

async function unlockSigningKey(source: KeySource, passphrase: string | undefined): Promise<SigningKey> {
  const key = await parseKey(source)
  if (!key.isPrivate()) {
    throw new UsageError('signing-key-public', `${source.label} holds a public key; signing needs the private key`, {
      hint: 'Pass the private key file written by `pinbot key generate` (not the .pub file).',
    })
  }
  const description = await describeKey(key)
  if (description.revoked) {
    throw new UsageError('signing-key-revoked', `signing key ${description.fingerprint} is revoked`, {
      hint: 'Generate a new bot key with `pinbot key generate` and register it on the forge.',
    })
  }
  if (description.expired) {
    throw new UsageError('signing-key-expired', `signing key ${description.fingerprint} expired on ${description.expires}`, {
      hint: 'Extend its expiry (gpg --quick-set-expire) and re-upload the public key, or generate a new key.',
    })
  }
  try {
    await key.getSigningKey()
  } catch (error) {
    throw new UsageError('signing-key-unusable', `signing key ${description.fingerprint} cannot sign: ${(error as Error).message}`, {
      hint: 'Use a key with a valid signing-capable primary key or subkey.',
    })
  }
  const privateKey = await decrypt(key, passphrase, description.fingerprint)
  const primaryUser = description.primaryUser ?? description.userIds[0]
  if (!primaryUser) {
    throw new UsageError('signing-key-unusable', `signing key ${description.fingerprint} has no user ID`, {
      hint: 'Generate the key with --name and --email.',
    })
  }
  return {
    privateKey,
    publicKeyArmored: key.toPublic().armor(),
    fingerprint: description.fingerprint,
    userIds: description.userIds,
    primaryUser,
    warnings: [],
  }
}

async function decrypt(key: openpgp.PrivateKey, passphrase: string | undefined, fingerprint: string): Promise<openpgp.PrivateKey> {
  if (key.isDecrypted()) return key
  if (!passphrase) {
    throw new UsageError('signing-key-passphrase-missing', `signing key ${fingerprint} is passphrase-protected and no passphrase was given`, {
      hint: `Set ${PASSPHRASE_ENV}.`,
    })
  }
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase })
  } catch (error) {
    const wrong = /incorrect key passphrase/i.test((error as Error).message)
    throw new UsageError(
      wrong ? 'signing-key-passphrase-wrong' : 'signing-key-unusable',
      wrong ? `wrong passphrase for signing key ${fingerprint}` : `signing key ${fingerprint} could not be decrypted`,
      { hint: `Check ${PASSPHRASE_ENV}.` },
    )
  }
}

/** Public keys from files (armored or binary, one or more per file; private keys are reduced to public). */
export async function readPublicKeys(files: string[]): Promise<openpgp.PublicKey[]> {
  const keys: openpgp.PublicKey[] = []
  for (const file of files) {
    let bytes: Buffer
    try {
      bytes = await readFile(file)
    } catch {
      throw new UsageError('key-file-unreadable', `public key file ${file} cannot be read`, { hint: 'Check the path and its permissions.' })
    }
    const text = bytes.toString('utf8')
    try {
      const found = text.includes('-----BEGIN PGP')
        ? await openpgp.readKeys({ armoredKeys: normalizeArmor(text) })
        : await openpgp.readKeys({ binaryKeys: new Uint8Array(bytes) })
      keys.push(...found.map((key) => key.toPublic()))
    } catch {
      throw new UsageError('key-invalid', `${file} does not hold an OpenPGP public key`, {
        hint: 'Pass the .pub file written by `pinbot key generate`, or the output of `gpg --export --armor KEYID`.',
      })
    }
  }
  return keys
}
