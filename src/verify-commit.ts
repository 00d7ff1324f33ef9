/**
 * Verifying a commit's OpenPGP signature the way git does: the signature is the `gpgsig`
 * header, the signed payload is the raw commit object with that header removed, byte for
 * byte (git's parse_buffer_signed_by_header), so the verdict agrees with `git verify-commit`.
 */
import type * as openpgp from 'openpgp'
import { openLocalRepo, readCommitObject } from './local-repo.js'
import { verifyCommitSignature, type SignatureVerdict } from './signing.js'

export interface CommitVerification extends SignatureVerdict {
  commit: string
}

const SIGNATURE_HEADERS = ['gpgsig ', 'gpgsig-sha256 ']

/** Split a raw commit object into the signed payload and the armored `gpgsig` signature. */
export function splitCommitSignature(raw: Uint8Array): { payload: Uint8Array; signature?: string } {
  const text = Buffer.from(raw).toString('latin1') // one char per byte: offsets stay byte offsets
  const kept: string[] = []
  let signature: string | undefined
  let inSignature: 'gpgsig' | 'other' | undefined
  let offset = 0
  while (offset < text.length) {
    const end = text.indexOf('\n', offset)
    const next = end === -1 ? text.length : end + 1
    const line = text.slice(offset, next)
    if (line === '\n') {
      kept.push(text.slice(offset)) // the blank line and the whole message
      break
    }
    const header = SIGNATURE_HEADERS.find((name) => line.startsWith(name))
    if (inSignature && line.startsWith(' ')) {
      if (inSignature === 'gpgsig') signature += line.slice(1)
    } else if (header) {
      inSignature = header === 'gpgsig ' ? 'gpgsig' : 'other'
      if (inSignature === 'gpgsig') signature = line.slice(header.length)
    } else {
      inSignature = undefined
      kept.push(line)
    }
    offset = next
  }
  return {
    payload: new Uint8Array(Buffer.from(kept.join(''), 'latin1')),
    ...(signature === undefined ? {} : { signature: Buffer.from(signature, 'latin1').toString('utf8') }),
  }
}

export async function verifyCommit(options: { dir: string; rev: string; publicKeys: openpgp.PublicKey[] }): Promise<CommitVerification> {
  const repo = await openLocalRepo(options.dir)
  const { oid, raw } = await readCommitObject(repo, options.rev)
  const { payload, signature } = splitCommitSignature(raw)
  return { commit: oid, ...(await verifyCommitSignature({ payload, signature, publicKeys: options.publicKeys })) }
}
