/**
 * The shapes signing and verifying share across formats (OpenPGP and SSH), apart from both
 * implementations so that neither imports the other.
 */
import type { PublicKey } from 'openpgp'
import type { SshTrustEntry } from './allowed-signers.js'
import type { BotIdentity } from './commit-message.js'

/** Signs a commit payload, returning the armored signature for its `gpgsig` header. */
export type Signer = (payload: string) => Promise<string>

export type SignatureFormat = 'openpgp' | 'ssh'

export interface SignatureVerdict {
  status: 'good' | 'bad-signature' | 'unsigned' | 'unknown-key' | 'expired-key' | 'revoked-key'
  /** The signature's format; absent when unsigned or unrecognisable. */
  format?: SignatureFormat
  /** OpenPGP: the signing key's primary fingerprint (the issuer's when unknown). SSH: `SHA256:...`. */
  fingerprint?: string
  /** The OpenPGP issuer key ID. */
  keyId?: string
  /** OpenPGP: the signing key's primary user ID. */
  signer?: BotIdentity
  /** SSH: the allowed_signers principals that trusted the key. */
  principal?: string
  /** Why the status is not good, in words. */
  reason?: string
}

/** The keys a verification trusts, by format. */
export interface VerificationKeys {
  openpgp: PublicKey[]
  ssh: SshTrustEntry[]
}

