/**
 * isomorphic-git hashes every object of a fetched pack with WebCrypto when
 * `crypto.subtle` exists. On Node each WebCrypto digest is a thread-pool job plus a
 * promise, and for the small objects of a pack that overhead dwarfs the hashing itself:
 * measured at 200 repos, ~40% of verify-pins' own CPU. isomorphic-git decides once per
 * process, on its first hash, and uses its synchronous SHA-1 when WebCrypto's digest
 * fails; this makes that first hash fail, then puts WebCrypto back untouched.
 */
import * as isogit from 'isomorphic-git'

let decided: Promise<void> | undefined

/** Call before the first isomorphic-git operation; later calls are free. */
export function preferSynchronousSha1(): Promise<void> {
  decided ??= (async () => {
    const subtle = globalThis.crypto?.subtle
    if (!subtle) return
    // An own property shadows SubtleCrypto.prototype.digest only for this probe.
    Object.defineProperty(subtle, 'digest', {
      configurable: true,
      value: () => {
        throw new Error('probe: WebCrypto digest withheld from isomorphic-git')
      },
    })
    try {
      await isogit.hashBlob({ object: new Uint8Array() })
    } finally {
      delete (subtle as { digest?: unknown }).digest
    }
  })()
  return decided
}
