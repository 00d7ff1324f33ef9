/**
 * Node fast paths for isomorphic-git's hashing, compression and pack indexing, the largest
 * CPU costs of a remote pin in our process (measured with --cpu-prof on a 60-file template):
 *
 * - isomorphic-git hashes every object it indexes, reads or writes through WebCrypto
 *   `crypto.subtle.digest('SHA-1')`: ~140 µs of CPU per call on Node 20, against ~4 µs for
 *   node:crypto. SHA-1 digests are answered by node:crypto (the same bytes); every other
 *   algorithm still goes to WebCrypto.
 * - it deflates every object it writes through a CompressionStream piped through Blob and
 *   Response (~1 ms per small object); its own pako fallback costs a few µs. It chooses
 *   once, at its first deflate, from whether the CompressionStream global exists, so that
 *   first deflate runs with the global hidden.
 *
 * - the deflate and inflate of whole objects then go through pako, in JavaScript; they are
 *   answered by node:zlib (native). Object ids hash the uncompressed bytes, so the
 *   compressed form may differ from pako's without changing anything git sees.
 * - indexing a fetched pack finds where each object ends with a streaming `pako.Inflate`
 *   per object, which allocates ~100 KB of window and output buffers each time (garbage for
 *   every one of a template's ~60 objects); `PackObjectInflate` below does it with
 *   node:zlib, which reports how much input the object's stream used.
 * - it writes a fetched pack's index with a fan-out table built by testing every object
 *   against each of the 256 first bytes (~1 ms of CPU per fetch, the largest single cost of
 *   a pin in our process); `packIndexBytes` below writes the same bytes in one pass.
 *
 * The first three took a pin from ~50 to ~33 ms of CPU, the last two ~2 ms more. Installed
 * once, before our first git operation.
 */
import { createHash, type webcrypto } from 'node:crypto'
import { createRequire } from 'node:module'
import zlib from 'node:zlib'
import { isogit } from './isogit.js'
import { createMemoryFs } from './memfs.js'

let installed: Promise<void> | undefined

export function installIsogitSpeedups(): Promise<void> {
  installed ??= install()
  return installed
}

async function install(): Promise<void> {
  const subtle = globalThis.crypto.subtle
  const webDigest = subtle.digest.bind(subtle)
  subtle.digest = (async (algorithm: webcrypto.AlgorithmIdentifier, data: webcrypto.BufferSource) => {
    const name = typeof algorithm === 'string' ? algorithm : algorithm.name
    if (name.toUpperCase() !== 'SHA-1') return webDigest(algorithm, data)
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data)
    const digest = createHash('sha1').update(bytes).digest()
    return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength)
  }) as webcrypto.SubtleCrypto['digest']

  // The pako instance isomorphic-git itself loaded; it reads these functions at each call.
  const pako = createRequire(createRequire(import.meta.url).resolve('isomorphic-git'))('pako') as Record<string, unknown>
  pako.deflate = (data: Uint8Array) => new Uint8Array(zlib.deflateSync(data))
  pako.inflate = (data: Uint8Array) => new Uint8Array(zlib.inflateSync(data))
  pako.Inflate = PackObjectInflate

  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'CompressionStream')
  if (descriptor?.configurable) delete (globalThis as { CompressionStream?: unknown }).CompressionStream
  let packIndex: { toBuffer: unknown } | undefined
  try {
    packIndex = await packIndexPrototype()
  } finally {
    if (descriptor?.configurable) Object.defineProperty(globalThis, 'CompressionStream', descriptor)
  }
  if (packIndex) packIndex.toBuffer = packIndexBytes
}

/**
 * isomorphic-git's pack index class is not exported: reach it through the index it caches
 * after reading an object from a one-object pack. (This also makes the first deflate.)
 */
async function packIndexPrototype(): Promise<{ toBuffer: unknown } | undefined> {
  const fs = await createMemoryFs('speedups')
  const gitdir = '/'
  const oid = await isogit.writeBlob({ fs, gitdir, blob: new Uint8Array() })
  const { filename } = await isogit.packObjects({ fs, gitdir, oids: [oid], write: true })
  await isogit.indexPack({ fs, dir: gitdir, gitdir, filepath: `objects/pack/${filename}` })
  await fs.promises.unlink(`/objects/${oid.slice(0, 2)}/${oid.slice(2)}`)
  const cache: Record<symbol, unknown> = {}
  await isogit.readObject({ fs, gitdir, oid, cache })
  for (const symbol of Object.getOwnPropertySymbols(cache)) {
    const indexes = cache[symbol]
    if (!(indexes instanceof Map)) continue
    for (const index of indexes.values()) {
      const prototype = Object.getPrototypeOf(await index)
      if (typeof prototype?.toBuffer === 'function') return prototype
    }
  }
  return undefined
}

interface PackIndexFields {
  /** Object ids, sorted. */
  hashes: string[]
  crcs: Record<string, number>
  offsets: Map<string, number>
  packfileSha: string
}

/** A pack index, version 2: the bytes isomorphic-git's own toBuffer writes (and git's index-pack). */
function packIndexBytes(this: PackIndexFields): Promise<Buffer> {
  const { hashes, crcs, offsets, packfileSha } = this
  const out = Buffer.alloc(8 + 256 * 4 + hashes.length * (20 + 4 + 4) + 20 + 20)
  let at = out.writeUInt32BE(0xff744f63, 0)
  at = out.writeUInt32BE(2, at)
  const firstBytes = new Uint32Array(256)
  for (const hash of hashes) firstBytes[parseInt(hash.slice(0, 2), 16)]++
  for (let i = 0, upTo = 0; i < 256; i++) at = out.writeUInt32BE((upTo += firstBytes[i]), at)
  for (const hash of hashes) at += out.write(hash, at, 'hex')
  for (const hash of hashes) at = out.writeUInt32BE(crcs[hash], at)
  for (const hash of hashes) at = out.writeUInt32BE(offsets.get(hash)!, at)
  at += out.write(packfileSha, at, 'hex')
  createHash('sha1').update(out.subarray(0, at)).digest().copy(out, at)
  return Promise.resolve(out)
}

/**
 * The part of pako's `Inflate` that isomorphic-git's pack reader uses: `push` the bytes from
 * the object's start on (they run past its end), then read `result`, `err`/`msg`, and
 * `strm.avail_in` (the bytes of the last chunk after the object's end).
 */
class PackObjectInflate {
  result: Uint8Array | undefined
  err = 0
  msg = ''
  readonly strm = { avail_in: 0 }
  private pending: Uint8Array[] = []

  push(chunk: Uint8Array): void {
    this.pending.push(chunk)
    const input = this.pending.length === 1 ? chunk : Buffer.concat(this.pending)
    try {
      const { buffer, engine } = zlib.inflateSync(input, { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } }
      this.result = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
      this.strm.avail_in = input.length - engine.bytesWritten
    } catch (error) {
      // The object's stream goes on in the next chunk: wait for it.
      if ((error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') return
      this.err = -3
      this.msg = (error as Error).message
    }
  }
}
