/**
 * Commit signatures in either format git writes into `gpgsig`: OpenPGP (openpgp-signature.ts,
 * openpgp.js loaded only when such a signature is checked) or SSH (ssh-signature.ts, git's
 * `gpg.format=ssh`). A verdict is reported in the same words for both, the way
 * `git verify-commit` judges each: an SSH key is trusted as the allowed_signers entries say
 * at the commit's committer time.
 */
import { judgeTrust, type SshTrustEntry } from './allowed-signers.js'
import type { SignatureVerdict, VerificationKeys } from './signature-verdict.js'
import { checkSshSignature, GIT_NAMESPACE, isSshSignature, parseSshSignature } from './ssh-signature.js'

export type { Signer, SignatureFormat, SignatureVerdict, VerificationKeys } from './signature-verdict.js'

/** The committer time of a commit payload (unix seconds), which git checks SSH key validity against. */
export function committerTime(payload: Uint8Array): number | undefined {
  const text = Buffer.from(payload).toString('latin1')
  const headers = text.slice(0, text.indexOf('\n\n') === -1 ? text.length : text.indexOf('\n\n'))
  const match = /^committer [^\n]*> (\d+) [+-]\d{4}$/m.exec(headers)
  return match ? Number(match[1]) : undefined
}

function verifySsh(payload: Uint8Array, signature: string, trusted: readonly SshTrustEntry[]): SignatureVerdict {
  let parsed
  try {
    parsed = parseSshSignature(signature)
  } catch (error) {
    return { status: 'bad-signature', format: 'ssh', reason: (error as Error).message }
  }
  const identity = { format: 'ssh' as const, fingerprint: parsed.fingerprint }
  const problem = checkSshSignature(parsed, payload)
  if (problem) return { status: 'bad-signature', ...identity, reason: problem }
  const time = committerTime(payload) ?? Math.floor(Date.now() / 1000)
  const trust = judgeTrust(trusted, parsed.publicBlob, GIT_NAMESPACE, time)
  if (trust.status === 'unknown-key') return { status: 'unknown-key', ...identity, reason: trust.reason }
  const principal = trust.entry.principals ? { principal: trust.entry.principals } : {}
  if (trust.status === 'expired-key') return { status: 'expired-key', ...identity, ...principal, reason: trust.reason }
  return { status: 'good', ...identity, ...principal }
}

export async function verifyCommitSignature(options: {
  payload: string | Uint8Array
  signature?: string
  keys: VerificationKeys
}): Promise<SignatureVerdict> {
  const { signature } = options
  if (!signature?.trim()) return { status: 'unsigned' }
  const payload = typeof options.payload === 'string' ? Buffer.from(options.payload, 'utf8') : options.payload
  if (isSshSignature(signature)) return verifySsh(payload, signature, options.keys.ssh)
  if (signature.includes('-----BEGIN PGP SIGNATURE-----')) {
    const { verifyOpenPgpSignature } = await import('./openpgp-signature.js')
    return verifyOpenPgpSignature({ payload, signature, publicKeys: options.keys.openpgp })
  }
  return { status: 'bad-signature', reason: 'the signature is neither OpenPGP nor SSH (X.509 signatures are not supported)' }
}
