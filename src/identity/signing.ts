/**
 * Commit signatures: a detached OpenPGP signature over the exact commit payload, made and
 * checked as binary (a text-mode signature canonicalises line endings; Gitea hashes the raw
 * payload). Verification reports why a signature is not good, the way GnuPG does: a key
 * that is revoked or expired *now* makes a cryptographically good signature not good.
 */
import * as openpgp from 'openpgp'
import type { BotIdentity } from './commit-message.js'
import type { SigningKey } from './keys.js'

export type Signer = (payload: string) => Promise<string>

export interface SignatureVerdict {
  status: 'good' | 'bad-signature' | 'unsigned' | 'unknown-key' | 'expired-key' | 'revoked-key'
  /** The signing key's primary fingerprint (the issuer fingerprint when the key is unknown and the signature names it). */
  fingerprint?: string
  /** The issuer key ID, when only that is known. */
  keyId?: string
  /** The signing key's primary user ID. */
  signer?: BotIdentity
  /** Why the status is not good, in words. */
  reason?: string
}

const encoder = new TextEncoder()

function bytesOf(payload: string | Uint8Array): Uint8Array {
  return typeof payload === 'string' ? encoder.encode(payload) : payload
}

export function createSigner(key: SigningKey): Signer {
  return async (payload) =>
    openpgp.sign({
      message: await openpgp.createMessage({ binary: bytesOf(payload) }),
      signingKeys: key.privateKey,
      detached: true,
      format: 'armored',
    })
}

/** The key without its revocation signatures: openpgp refuses to check any signature of a revoked key. */
function withoutRevocations(key: openpgp.PublicKey): openpgp.PublicKey {
  const revocations = new Set([openpgp.enums.signature.keyRevocation, openpgp.enums.signature.subkeyRevocation])
  const packets = key.toPacketList().filter((packet) => !(packet instanceof openpgp.SignaturePacket && revocations.has(packet.signatureType!)))
  return new openpgp.PublicKey(packets as unknown as openpgp.PacketList<openpgp.AnyPacket>)
}

async function primaryIdentity(key: openpgp.PublicKey): Promise<BotIdentity | undefined> {
  const user = await key.getPrimaryUser().then((found) => found.user, () => key.users[0])
  return user?.userID ? { name: user.userID.name, email: user.userID.email } : undefined
}

async function isExpired(key: openpgp.PublicKey, signingKey: openpgp.PublicKey | openpgp.Subkey): Promise<boolean> {
  const now = Date.now()
  for (const expires of [await key.getExpirationTime(), signingKey === key ? null : await signingKey.getExpirationTime()]) {
    if (expires instanceof Date && expires.getTime() <= now) return true
  }
  return false
}

async function isRevoked(key: openpgp.PublicKey, signingKey: openpgp.PublicKey | openpgp.Subkey): Promise<boolean> {
  if (await key.isRevoked()) return true
  if (signingKey === key) return false
  const subkey = signingKey as openpgp.Subkey
  const binding = subkey.bindingSignatures[subkey.bindingSignatures.length - 1]
  return binding ? subkey.isRevoked(binding, key.keyPacket) : false
}

export async function verifyCommitSignature(options: {
  payload: string | Uint8Array
  signature?: string
  publicKeys: openpgp.PublicKey[]
}): Promise<SignatureVerdict> {
  if (!options.signature?.trim()) return { status: 'unsigned' }
  if (!options.signature.includes('-----BEGIN PGP SIGNATURE-----')) {
    return { status: 'bad-signature', reason: 'the signature is not an OpenPGP signature (SSH and X.509 signatures are not supported)' }
  }
  let signature: openpgp.Signature
  try {
    signature = await openpgp.readSignature({ armoredSignature: options.signature })
  } catch {
    return { status: 'bad-signature', reason: 'the signature block is malformed' }
  }
  const packet = signature.packets[0]
  const issuerKeyId = packet?.issuerKeyID
  if (!packet || !issuerKeyId) return { status: 'bad-signature', reason: 'the signature names no issuer key' }
  const issuerFingerprint = packet.issuerFingerprint ? Buffer.from(packet.issuerFingerprint).toString('hex').toUpperCase() : undefined

  const key = options.publicKeys.find((candidate) => candidate.getKeys(issuerKeyId).length > 0)
  if (!key) {
    return {
      status: 'unknown-key',
      ...(issuerFingerprint ? { fingerprint: issuerFingerprint } : {}),
      keyId: issuerKeyId.toHex().toUpperCase(),
      reason: 'the commit was signed by a key that is not among the given public keys',
    }
  }
  const signingKey = key.getKeys(issuerKeyId)[0]
  const signer = await primaryIdentity(key)
  const identity = {
    fingerprint: key.getFingerprint().toUpperCase(),
    keyId: issuerKeyId.toHex().toUpperCase(),
    ...(signer ? { signer } : {}),
  }
  const result = await openpgp.verify({
    message: await openpgp.createMessage({ binary: bytesOf(options.payload) }),
    signature,
    verificationKeys: withoutRevocations(key),
    format: 'binary',
    // Expiry and revocation are judged below against *now*, the way GnuPG reports them.
    date: null as unknown as Date,
  })
  try {
    await result.signatures[0].verified
  } catch (error) {
    return { status: 'bad-signature', ...identity, reason: (error as Error).message }
  }
  if (await isRevoked(key, signingKey)) return { status: 'revoked-key', ...identity, reason: 'the signing key is revoked' }
  if (await isExpired(key, signingKey)) return { status: 'expired-key', ...identity, reason: 'the signing key has expired' }
  return { status: 'good', ...identity }
}
