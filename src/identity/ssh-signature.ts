/**
 * SSH signatures as git makes them with `gpg.format=ssh` (ssh-keygen -Y sign, OpenSSH's
 * PROTOCOL.sshsig): an SSHSIG blob for namespace `git` over the SHA-512 of the exact commit
 * payload, armored as `-----BEGIN SSH SIGNATURE-----` in 70-column lines. Made and checked
 * with node:crypto; no ssh-keygen at run time.
 */
import { createHash, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { ecdsaCurve, publicKeyFromBlob, sshFingerprint, sshMpint, SshReader, sshString, blobKeyType } from './ssh-wire.js'

const MAGIC = 'SSHSIG'
export const GIT_NAMESPACE = 'git'
const ARMOR_BEGIN = '-----BEGIN SSH SIGNATURE-----'
const ARMOR_END = '-----END SSH SIGNATURE-----'
/** ssh-keygen wraps the armored base64 at 70 columns. */
const LINE = 70

export function isSshSignature(armored: string): boolean {
  return armored.trimStart().startsWith(ARMOR_BEGIN)
}

/** What is signed: the magic, namespace, reserved, hash name and the message's hash (PROTOCOL.sshsig). */
function signedData(namespace: string, hashAlgorithm: string, message: Buffer): Buffer {
  const digest = createHash(hashAlgorithm).update(message).digest()
  return Buffer.concat([Buffer.from(MAGIC), sshString(namespace), sshString(''), sshString(hashAlgorithm), sshString(digest)])
}

function armor(blob: Buffer): string {
  const base64 = blob.toString('base64')
  const lines: string[] = []
  for (let i = 0; i < base64.length; i += LINE) lines.push(base64.slice(i, i + LINE))
  return `${ARMOR_BEGIN}\n${lines.join('\n')}\n${ARMOR_END}\n`
}

/** A key ready to sign: its public blob and the node:crypto private key. */
export interface SshSigningKey {
  publicBlob: Buffer
  privateKey: KeyObject
}

/** The SSH signature blob (string type, string bytes) for data, as ssh-keygen makes it for this key type. */
function signatureBlob(key: SshSigningKey, data: Buffer): Buffer {
  const type = blobKeyType(key.publicBlob)
  if (type === 'ssh-ed25519') return Buffer.concat([sshString(type), sshString(cryptoSign(null, data, key.privateKey))])
  if (type === 'ssh-rsa') return Buffer.concat([sshString('rsa-sha2-512'), sshString(cryptoSign('sha512', data, key.privateKey))])
  const curve = ecdsaCurve(type)
  if (!curve) throw new Error(`unsupported key type ${type}`)
  const raw = cryptoSign(curve.hash, data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
  const rs = Buffer.concat([sshMpint(raw.subarray(0, curve.size)), sshMpint(raw.subarray(curve.size))])
  return Buffer.concat([sshString(type), sshString(rs)])
}

/** git's SSH signature over payload: SSHSIG, namespace git, sha512, armored. */
export function signSsh(key: SshSigningKey, payload: string | Uint8Array): string {
  const message = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload)
  const blob = Buffer.concat([
    Buffer.from(MAGIC),
    Buffer.from([0, 0, 0, 1]), // version
    sshString(key.publicBlob),
    sshString(GIT_NAMESPACE),
    sshString(''), // reserved
    sshString('sha512'),
    sshString(signatureBlob(key, signedData(GIT_NAMESPACE, 'sha512', message))),
  ])
  return armor(blob)
}

export interface ParsedSshSignature {
  publicBlob: Buffer
  fingerprint: string
  namespace: string
  hashAlgorithm: string
  signatureType: string
  signature: Buffer
}

/** Parse an armored SSHSIG; throws with a short reason when it is not one. */
export function parseSshSignature(armored: string): ParsedSshSignature {
  const text = armored.replace(/\r/g, '').trim()
  if (!text.startsWith(ARMOR_BEGIN) || !text.endsWith(ARMOR_END)) throw new Error('the SSH signature armor is incomplete')
  const body = text.slice(ARMOR_BEGIN.length, -ARMOR_END.length).replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new Error('the SSH signature is not base64')
  const reader = new SshReader(Buffer.from(body, 'base64'))
  if (reader.raw(6).toString('latin1') !== MAGIC) throw new Error('the signature is not an SSHSIG')
  const version = reader.uint32()
  if (version !== 1) throw new Error(`unsupported SSHSIG version ${version}`)
  const publicBlob = reader.string()
  const namespace = reader.text()
  reader.string() // reserved
  const hashAlgorithm = reader.text()
  const inner = new SshReader(reader.string())
  if (!reader.done) throw new Error('trailing bytes after the SSHSIG')
  const signatureType = inner.text()
  const signature = inner.string()
  return { publicBlob, fingerprint: sshFingerprint(publicBlob), namespace, hashAlgorithm, signatureType, signature }
}

/** Why the signature does not check out over message, or undefined when it does (ssh-keygen -Y check-novalidate -n git). */
export function checkSshSignature(parsed: ParsedSshSignature, message: Uint8Array): string | undefined {
  if (parsed.namespace !== GIT_NAMESPACE) return `the signature is for namespace "${parsed.namespace}", not "git"`
  if (parsed.hashAlgorithm !== 'sha512' && parsed.hashAlgorithm !== 'sha256') return `unsupported hash ${parsed.hashAlgorithm}`
  const type = blobKeyType(parsed.publicBlob)
  if (type.startsWith('sk-')) return `signatures by hardware-backed keys (${type}) cannot be checked by pinbot`
  let key: KeyObject
  try {
    key = publicKeyFromBlob(parsed.publicBlob)
  } catch (error) {
    return `the signing key cannot be used: ${(error as Error).message}`
  }
  const data = signedData(parsed.namespace, parsed.hashAlgorithm, Buffer.from(message))
  let good = false
  if (type === 'ssh-ed25519' && parsed.signatureType === type) {
    good = cryptoVerify(null, data, key, parsed.signature)
  } else if (type === 'ssh-rsa' && (parsed.signatureType === 'rsa-sha2-512' || parsed.signatureType === 'rsa-sha2-256')) {
    good = cryptoVerify(parsed.signatureType === 'rsa-sha2-512' ? 'sha512' : 'sha256', data, key, parsed.signature)
  } else {
    const curve = ecdsaCurve(type)
    if (!curve || parsed.signatureType !== type) return `the signature type ${parsed.signatureType} does not match the key type ${type}`
    const rs = new SshReader(parsed.signature)
    const fixed = (mpint: Buffer) => {
      const digits = mpint.length > curve.size ? mpint.subarray(mpint.length - curve.size) : mpint
      return Buffer.concat([Buffer.alloc(curve.size - digits.length), digits])
    }
    try {
      const raw = Buffer.concat([fixed(rs.string()), fixed(rs.string())])
      good = cryptoVerify(curve.hash, data, { key, dsaEncoding: 'ieee-p1363' }, raw)
    } catch {
      good = false
    }
  }
  return good ? undefined : 'the signature does not match the commit'
}
