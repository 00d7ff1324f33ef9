/**
 * OpenPGP commit signatures made with node:crypto, for the key type `pinbot key generate`
 * makes (EdDSA on Ed25519, "ed25519Legacy", algorithm 22): a version-4 signature packet
 * over the binary document (RFC 4880 5.2.3), SHA-512, with the subpackets openpgp.js
 * writes (creation time, issuer key ID, issuer fingerprint). openpgp.sign imports the key
 * into WebCrypto at every call: 1.6 ms a commit, about a tenth of a 200-repo cascade's CPU;
 * this is 0.1 ms. GnuPG (git verify-commit) and openpgp.js check what it makes (tests).
 * Any other key (RSA) signs through openpgp.js.
 */
import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto'
import type * as openpgp from 'openpgp'
import type { Signer } from './signature-verdict.js'

const EDDSA_LEGACY = 22
const SHA512 = 10
const BINARY_DOCUMENT = 0x00
/** Subpacket types; 0x80 marks one critical (openpgp.js marks the creation time so). */
const CREATION_TIME = 0x82
const ISSUER_KEY_ID = 16
const ISSUER_FINGERPRINT = 33

/** The packet's secret and public parts as openpgp.js keeps them once the key is decrypted. */
interface EddsaKeyPacket {
  version: number
  algorithm: number
  isDecrypted(): boolean | null
  getFingerprintBytes(): Uint8Array | null
  getKeyID(): { write(): Uint8Array }
  publicParams: { oid?: { getName(): string }; Q?: Uint8Array }
  privateParams?: { seed?: Uint8Array }
}

const uint16 = (n: number) => Buffer.from([n >> 8, n & 0xff])
const uint32 = (n: number) => {
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32BE(n)
  return bytes
}

function subpacket(type: number, data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([data.length + 1, type]), data])
}

/** A multiprecision integer: its length in bits, then its bytes without leading zeros. */
function mpi(bytes: Uint8Array): Buffer {
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  const value = bytes.subarray(start)
  const bits = value.length === 0 ? 0 : (value.length - 1) * 8 + (32 - Math.clz32(value[0]))
  return Buffer.concat([uint16(bits), value])
}

/** A new-format packet header's length (RFC 4880 4.2.2). */
function packetLength(length: number): Buffer {
  if (length < 192) return Buffer.from([length])
  if (length < 8384) return Buffer.from([((length - 192) >> 8) + 192, (length - 192) & 0xff])
  return Buffer.concat([Buffer.from([0xff]), uint32(length)])
}

/** RFC 4880 6.1's CRC-24 of the armored bytes. */
function crc24(data: Uint8Array): number {
  let crc = 0xb704ce
  for (const byte of data) {
    crc ^= byte << 16
    for (let i = 0; i < 8; i++) {
      crc <<= 1
      if (crc & 0x1000000) crc ^= 0x1864cfb
    }
  }
  return crc & 0xffffff
}

/** ASCII armor as openpgp.js writes it: 60-column base64 and the CRC-24 line. */
function armor(packet: Buffer): string {
  const base64 = packet.toString('base64')
  const lines = base64.match(/.{1,60}/g) ?? []
  const crc = crc24(packet)
  const checksum = Buffer.from([crc >> 16, (crc >> 8) & 0xff, crc & 0xff]).toString('base64')
  return `-----BEGIN PGP SIGNATURE-----\n\n${lines.join('\n')}\n=${checksum}\n-----END PGP SIGNATURE-----\n`
}

/** The Ed25519 key of an EdDSA-legacy packet as a node:crypto key, checked against its public point. */
function ed25519Key(packet: EddsaKeyPacket): KeyObject | undefined {
  const seed = packet.privateParams?.seed
  const point = packet.publicParams.Q
  if (!seed || seed.length !== 32 || !point || point.length !== 33 || point[0] !== 0x40) return undefined
  const x = Buffer.from(point.subarray(1)).toString('base64url')
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(seed).toString('base64url'), x }, format: 'jwk' })
  // The seed must be the public key's: a mismatch would make signatures no one can check.
  return createPublicKey(key).export({ format: 'jwk' }).x === x ? key : undefined
}

/**
 * A signer for `privateKey` (decrypted) on node:crypto, or undefined when its signing key is
 * not a version-4 EdDSA-legacy key (openpgp.js then signs).
 */
export async function nativeOpenPgpSigner(privateKey: openpgp.PrivateKey): Promise<Signer | undefined> {
  const packet = (await privateKey.getSigningKey()).keyPacket as unknown as EddsaKeyPacket
  const fingerprint = packet.getFingerprintBytes()
  if (packet.version !== 4 || packet.algorithm !== EDDSA_LEGACY || !packet.isDecrypted() || fingerprint?.length !== 20) return undefined
  if (packet.publicParams.oid?.getName() !== 'ed25519Legacy') return undefined
  const key = ed25519Key(packet)
  if (!key) return undefined
  const keyId = packet.getKeyID().write()
  return async (payload) => {
    const created = Math.floor(Date.now() / 1000)
    const hashedSubpackets = Buffer.concat([subpacket(CREATION_TIME, uint32(created)), subpacket(ISSUER_KEY_ID, keyId), subpacket(ISSUER_FINGERPRINT, Buffer.concat([Buffer.from([4]), fingerprint]))])
    const hashedPart = Buffer.concat([Buffer.from([4, BINARY_DOCUMENT, EDDSA_LEGACY, SHA512]), uint16(hashedSubpackets.length), hashedSubpackets])
    const trailer = Buffer.concat([Buffer.from([4, 0xff]), uint32(hashedPart.length)])
    const digest = createHash('sha512').update(Buffer.from(payload, 'utf8')).update(hashedPart).update(trailer).digest()
    // Legacy EdDSA signs the digest itself; its signature is R and S as two MPIs.
    const signature = sign(null, digest, key)
    const body = Buffer.concat([hashedPart, uint16(0), digest.subarray(0, 2), mpi(signature.subarray(0, 32)), mpi(signature.subarray(32))])
    return armor(Buffer.concat([Buffer.from([0xc2]), packetLength(body.length), body]))
  }
}
