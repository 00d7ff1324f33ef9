/**
 * Who made a pin commit and whether the bot signed it: the signature is checked against
 * the bot's public keys over the commit's exact signed bytes, and the verdict is put in
 * the audit's words (a good signature by a given key is `signed-by-bot`; a key that is
 * not given is `signed-by-other-key`).
 */
import { splitCommitSignature } from '../identity/commit-signature.js'
import type { MemoryRepo } from '../git/memory-repo.js'
import type { SignatureFormat, SignatureVerdict } from '../identity/signing.js'

export type SignatureStatus =
  | 'signed-by-bot'
  | 'unsigned'
  | 'signed-by-other-key'
  | 'bad-signature'
  | 'expired-key'
  | 'revoked-key'
  /** The last change to the pin is further back than --max-depth. */
  | 'beyond-max-depth'

/** Checks one signed payload against the bot's public keys (`verifyCommitSignature`). */
export type VerifySignature = (signed: { payload: Uint8Array; signature: string }) => Promise<SignatureVerdict>

export interface Person {
  name: string
  email: string
  /** ISO 8601, UTC. */
  date: string
}

/** The commit that last changed the pin file. */
export interface PinCommit {
  oid: string
  /** How many commits from the tip (1 = the tip itself). */
  distance: number
  author: Person | null
  committer: Person | null
  /** The signature's format (openpgp, ssh), when signed. */
  format?: SignatureFormat
  /** The key that made the signature, when the signature names it (SSH: `SHA256:...`). */
  fingerprint?: string
  /** The primary user ID of that key, when it is one of the given OpenPGP keys. */
  signer?: { name: string; email: string }
  /** SSH: the allowed_signers principals that trusted the key. */
  principal?: string
  /** Why the signature is not the bot's, in words. */
  reason?: string
}

const VERDICT_STATUS: Record<SignatureVerdict['status'], SignatureStatus> = {
  good: 'signed-by-bot',
  'bad-signature': 'bad-signature',
  unsigned: 'unsigned',
  'unknown-key': 'signed-by-other-key',
  'expired-key': 'expired-key',
  'revoked-key': 'revoked-key',
}

function person(identity: { name: string; email: string; timestamp: number } | undefined): Person | null {
  if (!identity) return null
  return { name: identity.name, email: identity.email, date: new Date(identity.timestamp * 1000).toISOString() }
}

/** Who made the commit `oid`, and whether its signature is the bot's. */
export async function verifyPinCommit(
  repo: MemoryRepo,
  oid: string,
  distance: number,
  verify: VerifySignature,
): Promise<{ signature: SignatureStatus; commit: PinCommit }> {
  const { payload, signature } = splitCommitSignature(await repo.readCommitBytes(oid))
  const parsed = await repo.readCommit(oid)
  const verdict: SignatureVerdict = signature ? await verify({ payload, signature }) : { status: 'unsigned' }
  const commit: PinCommit = {
    oid,
    distance,
    author: person(parsed.author),
    committer: person(parsed.committer),
    ...(verdict.format ? { format: verdict.format } : {}),
    ...(verdict.fingerprint ? { fingerprint: verdict.fingerprint } : {}),
    ...(verdict.signer ? { signer: verdict.signer } : {}),
    ...(verdict.principal ? { principal: verdict.principal } : {}),
    ...(verdict.reason ? { reason: verdict.reason } : {}),
  }
  return { signature: VERDICT_STATUS[verdict.status], commit }
}
