/**
 * Bot keys for tests, each generated once per test file (RSA-4096 keygen takes seconds):
 * the same key both passphrase-protected and unprotected.
 */
import * as openpgp from 'openpgp'
import { generateKey } from '../../src/identity/keys.js'
import type { KeyType } from '../../src/identity/key-env.js'

export const BOT = { name: 'Pin Bot', email: 'pinbot@example.com' }
export const TEST_PASSPHRASE = 'test passphrase 1234'

export interface TestKey {
  type: KeyType
  fingerprint: string
  publicKeyArmored: string
  /** Protected with TEST_PASSPHRASE. */
  lockedArmored: string
  plainArmored: string
  revocationCertificate: string
}

export async function makeTestKey(type: KeyType, user = BOT): Promise<TestKey> {
  const generated = await generateKey({ ...user, type, expiresIn: 0, passphrase: TEST_PASSPHRASE })
  const locked = await openpgp.readPrivateKey({ armoredKey: generated.privateKeyArmored })
  const plain = await openpgp.decryptKey({ privateKey: locked, passphrase: TEST_PASSPHRASE })
  return {
    type,
    fingerprint: generated.description.fingerprint,
    publicKeyArmored: generated.publicKeyArmored,
    lockedArmored: generated.privateKeyArmored,
    plainArmored: plain.armor(),
    revocationCertificate: generated.revocationCertificate,
  }
}

/** The env a signing run needs for this key, with or without its passphrase. */
export function signingEnv(key: TestKey, withPassphrase: boolean): Record<string, string> {
  return withPassphrase
    ? { PINBOT_SIGNING_KEY: key.lockedArmored, PINBOT_SIGNING_PASSPHRASE: TEST_PASSPHRASE }
    : { PINBOT_SIGNING_KEY: key.plainArmored }
}
