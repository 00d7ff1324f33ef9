/**
 * A git commit's `gpgsig` header, without any OpenPGP code (callers that only split or
 * attach a signature must not pay for loading openpgp): splitting a raw commit object
 * into the signed payload and the signature, byte for byte as git does
 * (parse_buffer_signed_by_header), so a verdict agrees with `git verify-commit`; and the
 * options through which isomorphic-git's `commit()` adds one.
 */
import type { Signer } from './signing.js'

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

/** The options isomorphic-git's `commit()` needs to sign with a Signer (its `signingKey` only has to be set). */
export function commitSigningOptions(signer: Signer): {
  signingKey: string
  onSign: (args: { payload: string }) => Promise<{ signature: string }>
} {
  return { signingKey: 'pinbot', onSign: async ({ payload }) => ({ signature: await signer(payload) }) }
}
