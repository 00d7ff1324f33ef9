/**
 * SSH's wire encoding (RFC 4251 section 5): uint32 and length-prefixed strings, what public
 * key blobs, SSHSIG signatures and OpenSSH key files are made of; and a public key blob
 * turned into a node:crypto key. No SSH library is loaded here: verifying needs only this.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto'

export class SshReader {
  private offset = 0
  constructor(private readonly bytes: Buffer) {}

  uint32(): number {
    if (this.offset + 4 > this.bytes.length) throw new Error('truncated')
    const value = this.bytes.readUInt32BE(this.offset)
    this.offset += 4
    return value
  }

  /** A length-prefixed byte string. */
  string(): Buffer {
    const length = this.uint32()
    if (this.offset + length > this.bytes.length) throw new Error('truncated')
    const value = this.bytes.subarray(this.offset, this.offset + length)
    this.offset += length
    return value
  }

  text(): string {
    return this.string().toString('latin1')
  }

  raw(length: number): Buffer {
    if (this.offset + length > this.bytes.length) throw new Error('truncated')
    const value = this.bytes.subarray(this.offset, this.offset + length)
    this.offset += length
    return value
  }

  get done(): boolean {
    return this.offset === this.bytes.length
  }
}

export function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : value
  const length = Buffer.alloc(4)
  length.writeUInt32BE(bytes.length)
  return Buffer.concat([length, bytes])
}

/** An unsigned big-endian integer as an SSH mpint: no leading zeros, one added if the top bit is set. */
export function sshMpint(unsigned: Buffer): Buffer {
  let start = 0
  while (start < unsigned.length && unsigned[start] === 0) start++
  const digits = unsigned.subarray(start)
  return sshString(digits.length > 0 && digits[0] & 0x80 ? Buffer.concat([Buffer.from([0]), digits]) : digits)
}

/** `SHA256:` and the unpadded base64 of the blob's SHA-256, as ssh-keygen -l prints it. */
export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

/** The key type named at the start of a public key blob (`ssh-ed25519`, `sk-ssh-ed25519@openssh.com`...). */
export function blobKeyType(blob: Buffer): string {
  return new SshReader(blob).text()
}

const EC_CURVES: Record<string, { jwk: string; hash: string; size: number }> = {
  nistp256: { jwk: 'P-256', hash: 'sha256', size: 32 },
  nistp384: { jwk: 'P-384', hash: 'sha384', size: 48 },
  nistp521: { jwk: 'P-521', hash: 'sha512', size: 66 },
}

/** The ECDSA curve named by a key type, with its hash and field size; undefined for other types. */
export function ecdsaCurve(keyType: string): { jwk: string; hash: string; size: number } | undefined {
  const match = /^ecdsa-sha2-(nistp\d+)$/.exec(keyType)
  return match ? EC_CURVES[match[1]] : undefined
}

const base64url = (bytes: Buffer) => bytes.toString('base64url')
const unsignedOf = (mpint: Buffer) => (mpint.length > 1 && mpint[0] === 0 ? mpint.subarray(1) : mpint)

/** The keys pinbot signs and verifies with; anything else (DSA, hardware sk- keys, certificates) is refused by the callers. */
export const SUPPORTED_KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa']

/** A public key blob as a node:crypto key. Throws on a blob that does not parse or a type not supported. */
export function publicKeyFromBlob(blob: Buffer): KeyObject {
  const reader = new SshReader(blob)
  const type = reader.text()
  if (type === 'ssh-ed25519') {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(reader.string()) }, format: 'jwk' })
  }
  const curve = ecdsaCurve(type)
  if (curve) {
    reader.string() // the curve name again
    const point = reader.string()
    if (point[0] !== 4 || point.length !== 1 + 2 * curve.size) throw new Error('unsupported EC point encoding')
    const x = point.subarray(1, 1 + curve.size)
    const y = point.subarray(1 + curve.size)
    return createPublicKey({ key: { kty: 'EC', crv: curve.jwk, x: base64url(x), y: base64url(y) }, format: 'jwk' })
  }
  if (type === 'ssh-rsa') {
    const e = unsignedOf(reader.string())
    const n = unsignedOf(reader.string())
    return createPublicKey({ key: { kty: 'RSA', n: base64url(n), e: base64url(e) }, format: 'jwk' })
  }
  throw new Error(`unsupported key type ${type}`)
}
