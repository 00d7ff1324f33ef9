/**
 * The node:crypto OpenPGP signer makes what openpgp.js makes: a v4 binary-document
 * signature over SHA-512 by the key's signing (sub)key, which openpgp.js verifies and
 * which fails on any other payload. GnuPG checks it too: test/integration/identity/signing.test.ts.
 */
import * as openpgp from 'openpgp'
import { describe, expect, it } from 'vitest'
import { nativeOpenPgpSigner } from '../../../src/identity/openpgp-native-signer.js'
import { createOpenPgpSigner, verifyOpenPgpSignature } from '../../../src/identity/openpgp-signature.js'

const USER = { name: 'Pin Bot', email: 'pinbot@example.com' }
const PAYLOAD = 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor Pin Bot <pinbot@example.com> 1700000000 +0000\n\nchore: pin runtime to 0.2.0 ✓\n'

async function keyPair(options: Partial<openpgp.GenerateKeyOptions> = {}) {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [USER], format: 'object', ...options } as openpgp.GenerateKeyOptions & { format: 'object' })
  return { privateKey, publicKey }
}

describe('nativeOpenPgpSigner', () => {
  it('signs with an Ed25519 primary key: openpgp.js verifies it, as openpgp.js would have made it', async () => {
    const { privateKey, publicKey } = await keyPair()
    const sign = await nativeOpenPgpSigner(privateKey)
    expect(sign).toBeDefined()
    const before = Math.floor(Date.now() / 1000)
    const armored = await sign!(PAYLOAD)
    expect(armored).toMatch(/^-----BEGIN PGP SIGNATURE-----\n\n[A-Za-z0-9+/=\n]+\n=[A-Za-z0-9+/]{4}\n-----END PGP SIGNATURE-----\n$/)

    const [packet] = (await openpgp.readSignature({ armoredSignature: armored })).packets
    expect(packet).toMatchObject({ version: 4, signatureType: openpgp.enums.signature.binary, publicKeyAlgorithm: openpgp.enums.publicKey.eddsaLegacy, hashAlgorithm: openpgp.enums.hash.sha512 })
    expect(Buffer.from(packet.issuerFingerprint!).toString('hex')).toBe(publicKey.getFingerprint())
    expect(packet.issuerKeyID.equals(publicKey.getKeyID())).toBe(true)
    expect(packet.created!.getTime() / 1000).toBeGreaterThanOrEqual(before)

    expect(await verifyOpenPgpSignature({ payload: PAYLOAD, signature: armored, publicKeys: [publicKey] })).toMatchObject({ status: 'good' })
    expect(await verifyOpenPgpSignature({ payload: `${PAYLOAD} `, signature: armored, publicKeys: [publicKey] })).toMatchObject({ status: 'bad-signature' })
    const stranger = await keyPair()
    expect(await verifyOpenPgpSignature({ payload: PAYLOAD, signature: armored, publicKeys: [stranger.publicKey] })).toMatchObject({ status: 'unknown-key' })
  })

  it('signs with the signing subkey when the key has one, naming that subkey as the issuer', async () => {
    const { privateKey, publicKey } = await keyPair({ subkeys: [{ sign: true }] } as Partial<openpgp.GenerateKeyOptions>)
    const signingKey = await privateKey.getSigningKey()
    expect(signingKey.getFingerprint()).not.toBe(privateKey.getFingerprint())
    const armored = await (await nativeOpenPgpSigner(privateKey))!(PAYLOAD)
    const [packet] = (await openpgp.readSignature({ armoredSignature: armored })).packets
    expect(Buffer.from(packet.issuerFingerprint!).toString('hex')).toBe(signingKey.getFingerprint())
    expect(await verifyOpenPgpSignature({ payload: PAYLOAD, signature: armored, publicKeys: [publicKey] })).toMatchObject({ status: 'good' })
  })

  it('leaves an RSA key to openpgp.js, whose signature verifies all the same', async () => {
    const { privateKey, publicKey } = await keyPair({ type: 'rsa', rsaBits: 2048, curve: undefined })
    expect(await nativeOpenPgpSigner(privateKey)).toBeUndefined()
    const armored = await (await createOpenPgpSigner(privateKey))(PAYLOAD)
    expect(await verifyOpenPgpSignature({ payload: PAYLOAD, signature: armored, publicKeys: [publicKey] })).toMatchObject({ status: 'good' })
  })
})
