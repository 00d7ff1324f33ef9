/**
 * Verifying the OpenPGP signature of a commit in a local checkout the way git does: over
 * the raw commit object without its `gpgsig` header (src/identity/commit-signature.ts), so the
 * verdict agrees with `git verify-commit`.
 */
import type * as openpgp from 'openpgp'
import { splitCommitSignature } from './commit-signature.js'
import { openLocalRepo, readCommitObject } from '../git/local/local-repo.js'
import { verifyCommitSignature, type SignatureVerdict } from './signing.js'

export interface CommitVerification extends SignatureVerdict {
  commit: string
}

export async function verifyCommit(options: { dir: string; rev: string; publicKeys: openpgp.PublicKey[] }): Promise<CommitVerification> {
  const repo = await openLocalRepo(options.dir)
  const { oid, raw } = await readCommitObject(repo, options.rev)
  const { payload, signature } = splitCommitSignature(raw)
  return { commit: oid, ...(await verifyCommitSignature({ payload, signature, publicKeys: options.publicKeys })) }
}
