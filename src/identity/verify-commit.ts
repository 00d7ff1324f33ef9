/**
 * Verifying the OpenPGP or SSH signature of a commit in a local checkout the way git does:
 * over the raw commit object without its `gpgsig` header (src/identity/commit-signature.ts),
 * so the verdict agrees with `git verify-commit`.
 */
import { splitCommitSignature } from './commit-signature.js'
import { openLocalRepo, readCommitObject } from '../git/local/local-repo.js'
import { verifyCommitSignature, type SignatureVerdict, type VerificationKeys } from './signing.js'

export interface CommitVerification extends SignatureVerdict {
  commit: string
}

export async function verifyCommit(options: { dir: string; rev: string; keys: VerificationKeys }): Promise<CommitVerification> {
  const repo = await openLocalRepo(options.dir)
  const { oid, raw } = await readCommitObject(repo, options.rev)
  const { payload, signature } = splitCommitSignature(raw)
  return { commit: oid, ...(await verifyCommitSignature({ payload, signature, keys: options.keys })) }
}
