/**
 * OpenPGP commit signatures: a detached signature over the exact commit payload, made and
 * checked as binary (a text-mode signature canonicalises line endings; Gitea hashes the raw
 * payload). Verification reports why a signature is not good, the way GnuPG does: a key
 * that is revoked or expired *now* makes a cryptographically good signature not good.
 */
import * as openpgp from 'openpgp'
import type { BotIdentity } from './commit-message.js'
import type { Signer, SignatureVerdict } from './signature-verdict.js'
import { nativeOpenPgpSigner } from './openpgp-native-signer.js'

const encoder = new TextEncoder()

function bytesOf(payload: string | Uint8Array): Uint8Array {
  return typeof payload === 'string' ? encoder.encode(payload) : payload
}

/** Signs on node:crypto where the key allows (openpgp-native-signer.ts: 15x cheaper), else with openpgp.js. */
export async function createOpenPgpSigner(privateKey: openpgp.PrivateKey): Promise<Signer> {
  const native = await nativeOpenPgpSigner(privateKey)
  if (native) return native
  return async (payload) =>
    openpgp.sign({
      message: await openpgp.createMessage({ binary: bytesOf(payload) }),
      signingKeys: privateKey,
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

export async function verifyOpenPgpSignature(options: {
  payload: string | Uint8Array
  signature: string
  publicKeys: openpgp.PublicKey[]
}): Promise<SignatureVerdict> {
  let signature: openpgp.Signature
  try {
    signature = await openpgp.readSignature({ armoredSignature: options.signature })
  } catch {
    return { status: 'bad-signature', format: 'openpgp', reason: 'the signature block is malformed' }
  }
  const packet = signature.packets[0]
  const issuerKeyId = packet?.issuerKeyID
  if (!packet || !issuerKeyId) return { status: 'bad-signature', format: 'openpgp', reason: 'the signature names no issuer key' }
  const issuerFingerprint = packet.issuerFingerprint ? Buffer.from(packet.issuerFingerprint).toString('hex').toUpperCase() : undefined

  const key = options.publicKeys.find((candidate) => candidate.getKeys(issuerKeyId).length > 0)
  if (!key) {
    return {
      status: 'unknown-key',
      format: 'openpgp',
      ...(issuerFingerprint ? { fingerprint: issuerFingerprint } : {}),
      keyId: issuerKeyId.toHex().toUpperCase(),
      reason: 'the commit was signed by a key that is not among the given public keys',
    }
  }
  const signingKey = key.getKeys(issuerKeyId)[0]
  const signer = await primaryIdentity(key)
  const identity = {
    format: 'openpgp' as const,
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
