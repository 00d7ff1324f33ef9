/**
 * The bot's OpenPGP keys (openpgp.js): generate keys GnuPG 2.2 and Gitea accept, describe a
 * key without exposing private material, decrypt and check a signing key, and read public
 * keys for verification. Every problem with a key is a UsageError (exit 2),
 * raised before any repository is touched.
 */
import * as openpgp from 'openpgp'
import type { BotIdentity } from './commit-message.js'
import { UsageError } from '../errors.js'
import { PASSPHRASE_ENV, type KeyType } from './key-env.js'
import { normalizeArmor, registerKeyText, type KeySource } from './key-source.js'

export interface OpenPgpSigningKey {
  /** Decrypted; never print it. */
  privateKey: openpgp.PrivateKey
  publicKeyArmored: string
  fingerprint: string
  userIds: BotIdentity[]
  primaryUser: BotIdentity
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

/**
 * Parse an armored key (public or private); garbage is a UsageError naming the source, and so
 * is a block holding several keys: signing with the first of them would be a silent guess.
 */
export async function parseKey(source: KeySource): Promise<openpgp.Key> {
  // Whatever is not plainly a public key may be private material, even when it does not parse.
  registerKeyText(source)
  let keys: openpgp.Key[]
  try {
    keys = await openpgp.readKeys({ armoredKeys: normalizeArmor(source.text) })
  } catch {
    throw new UsageError('key-invalid', `${source.label} does not hold an armored OpenPGP key`, {
      hint: 'Expected a "-----BEGIN PGP PRIVATE KEY BLOCK-----" (or PUBLIC KEY) block, e.g. from `pinbot key generate`.',
    })
  }
  if (keys.length !== 1) {
    throw new UsageError('key-multiple', `${source.label} holds ${keys.length} OpenPGP keys (${keys.map((key) => key.getFingerprint().toUpperCase()).join(', ')}); pinbot will not guess which one to use`, {
      hint: 'Export exactly one key, e.g. `gpg --export-secret-keys --armor FINGERPRINT`.',
    })
  }
  return keys[0]
}

/** The OpenPGP signing key, decrypted and checked: not revoked, not expired, able to sign, with a user ID. */
export async function unlockOpenPgpKey(source: KeySource, passphrase: string | undefined): Promise<OpenPgpSigningKey> {
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

/** The OpenPGP public keys in one file's bytes (armored or binary, one or more; private keys are reduced to public). */
export async function readOpenPgpPublicKeys(bytes: Buffer, file: string): Promise<openpgp.PublicKey[]> {
  const text = bytes.toString('utf8')
  try {
    const found = text.includes('-----BEGIN PGP')
      ? await openpgp.readKeys({ armoredKeys: normalizeArmor(text) })
      : await openpgp.readKeys({ binaryKeys: new Uint8Array(bytes) })
    return found.map((key) => key.toPublic())
  } catch {
    throw new UsageError('key-invalid', `${file} does not hold an OpenPGP public key`, {
      hint: 'Pass the .pub file written by `pinbot key generate`, or the output of `gpg --export --armor KEYID`.',
    })
  }
}
