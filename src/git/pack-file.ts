/**
 * git pack files (version 2) in memory: every object of a pack a fetch receives, and the
 * pack of whole objects a push sends. Replaces isomorphic-git's indexPack on the hot path
 * (a cascade reads ~200 small packs): one pass over the bytes, one native inflate per
 * object, each delta applied once, and no index written.
 */
import { createHash } from 'node:crypto'
import zlib from 'node:zlib'
import { DEFAULT_LIMITS, LimitExceededError, MAX_DELTA_DEPTH, deltaTooDeepError, formatSize } from './limits.js'

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag'

/** A git object: its type and its content (without git's "<type> <size>\0" header). */
export interface GitObject {
  type: ObjectType
  content: Buffer
}

// A pack entry's type code; 5 is reserved.
const TYPES: readonly (ObjectType | undefined)[] = [undefined, 'commit', 'tree', 'blob', 'tag']
const CODES: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 }
const OFS_DELTA = 6
const REF_DELTA = 7

/** The object id git gives these bytes: SHA-1 of "<type> <size>\0" + content, lowercase hex. */
export function objectId(type: ObjectType, content: Uint8Array): string {
  return createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex')
}

/** Bytes that are not a well-formed pack; the message says what and at which byte offset. */
export class CorruptPackError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CorruptPackError'
  }
}

/** A delta entry waiting for its base: the base's offset (OFS_DELTA) or object id (REF_DELTA). */
interface Delta {
  offset: number
  data: Buffer
}

/** An object of the pack as stored: where it was, its oid, and its delta chain depth. */
interface Stored {
  offset: number
  oid: string
  object: GitObject
  depth: number
}

/** What readPack may hold: `object` bytes per object, `total` bytes of objects in all. */
export interface PackLimits {
  object: number
  total: number
}

/** Objects larger than this inflate on the thread pool, as a stream, not on the event loop. */
const ASYNC_INFLATE = 1 << 20
/** The longest stretch of parsing before other repos' requests get their turn. */
export const SLICE_MS = 10
/** The most bytes an entry's header takes: type and size (10), then an OFS_DELTA distance (10) or a REF_DELTA base (20). */
const MAX_ENTRY_HEADER = 30
/** Bytes handed to zlib at a time when an object streams: fewer trips to the thread pool than git's 8 KB side-band frames. */
const STREAM_PIECE = 1 << 20
/** The trailing SHA-1 of every pack. */
const CHECKSUM = 20

/**
 * A pack's bytes as they arrive, read once: a window over the chunks at hand (a megabyte
 * or so at most), everything before it hashed and let go. So a pack never sits whole in
 * memory next to the objects it inflates to.
 */
class PackCursor {
  window: Buffer = Buffer.alloc(0)
  /** Where reading is, in the window. */
  at = 0
  /** The pack offset of the window's first byte; the hash covers every byte before it. */
  private start = 0
  private ended = false
  private readonly hash = createHash('sha1')

  constructor(private readonly chunks: AsyncIterator<Uint8Array> | Iterator<Uint8Array>) {}

  /** The pack offset of the next byte. */
  get offset(): number {
    return this.start + this.at
  }

  /** Bytes in the window from where reading is. */
  get left(): number {
    return this.window.length - this.at
  }

  /** The window from where reading is. */
  get rest(): Buffer {
    return this.window.subarray(this.at)
  }

  /**
   * At least `n` more bytes onto the window, or all that is left, joined once (what was read
   * before `at` is hashed and let go); false when nothing more came: the pack's end.
   */
  async extend(n: number): Promise<boolean> {
    const chunks = [this.rest]
    let length = chunks[0].length
    while (length < chunks[0].length + n && !this.ended) {
      const next = await this.chunks.next()
      if (next.done) this.ended = true
      else if (next.value.byteLength > 0) {
        chunks.push(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength))
        length += next.value.byteLength
      }
    }
    if (chunks.length === 1) return false
    this.hash.update(this.window.subarray(0, this.at))
    this.start += this.at
    this.window = chunks.length === 2 && chunks[0].length === 0 ? chunks[1] : Buffer.concat(chunks, length)
    this.at = 0
    return true
  }

  /** Up to `n` bytes ready past `at` that are not the trailing checksum: how many (fewer, even negative, only at the pack's end). */
  async ready(n: number): Promise<number> {
    const missing = n + CHECKSUM - this.left
    if (missing > 0) await this.extend(missing)
    return Math.min(n, this.left - CHECKSUM)
  }

  /** Read to the end: the bytes between `at` and the trailing checksum, and whether the checksum matches. */
  async finish(): Promise<{ extra: number; end: number; matches: boolean }> {
    const from = this.offset
    // Skip all but the last 20 bytes seen, so that what is held stays a chunk long.
    do {
      this.at = Math.max(this.at, this.window.length - CHECKSUM)
    } while (await this.extend(1))
    const end = this.start + this.window.length - CHECKSUM
    if (end < from) throw new CorruptPackError(`truncated pack at byte ${this.start + this.window.length}`)
    const matches = this.hash.update(this.window.subarray(0, this.window.length - CHECKSUM)).digest().equals(this.window.subarray(-CHECKSUM))
    return { extra: end - from, end, matches }
  }
}

/**
 * Every object of a version-2 pack (as git's upload-pack sends it), keyed by oid, with
 * OFS_DELTA and REF_DELTA resolved. A REF_DELTA base that is not in the pack (a thin pack)
 * is looked up with `base(oid)`. Verifies the trailing SHA-1 of the pack.
 *
 * The pack is read as it streams in (`pack` may be its chunks): each object is inflated
 * into a buffer of the size its header announces, and the compressed bytes are let go, so
 * what is held is the objects, not the pack beside them.
 *
 * Bounded and fair: each delta is applied once, when its base is ready (linear in the
 * pack), no chain deeper than git writes, no object or total over `limits`, and the
 * event loop is yielded to every few milliseconds (and large objects inflate off it).
 */
export async function readPack(
  pack: Uint8Array | AsyncIterable<Uint8Array>,
  base?: (oid: string) => GitObject | undefined,
  limits: PackLimits = { object: DEFAULT_LIMITS.object, total: DEFAULT_LIMITS.pack },
): Promise<Map<string, GitObject>> {
  const cursor = new PackCursor(pack instanceof Uint8Array ? [pack][Symbol.iterator]() : pack[Symbol.asyncIterator]())
  if ((await cursor.ready(12)) < 12) throw new CorruptPackError(`truncated pack: ${cursor.window.length} bytes is less than a header and a checksum`)
  const head = cursor.window
  if (head.readUInt32BE(0) !== 0x5041434b) throw new CorruptPackError('bad pack signature at byte 0 (not "PACK")')
  const version = head.readUInt32BE(4)
  if (version !== 2 && version !== 3) throw new CorruptPackError(`unsupported pack version ${version} at byte 4`)
  const count = head.readUInt32BE(8)
  cursor.at = 12

  const objects = new Map<string, GitObject>()
  const byOffset = new Map<number, { object: GitObject; depth: number }>() // for OFS_DELTA bases
  const depths = new Map<string, number>() // each object's delta chain depth, by oid
  const waiting = new Map<number | string, Delta[]>() // deltas by the base they wait for
  let total = 0
  // The yields are checked for, not awaited, per object: an await per object costs more than the parse of a small one.
  let slice = performance.now()
  const overdue = (): boolean => performance.now() - slice >= SLICE_MS
  const nextTurn = async (): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve))
    slice = performance.now()
  }
  const checkSize = (size: number, offset: number): void => {
    if (size > limits.object) throw new LimitExceededError('object', limits.object, ` (${formatSize(size)}, at byte ${offset} of the pack)`)
    if ((total += size) > limits.total) throw new LimitExceededError('pack', limits.total, ` (its objects inflated)`)
  }
  const wait = (key: number | string, delta: Delta): void => {
    const list = waiting.get(key)
    if (list) list.push(delta)
    else waiting.set(key, [delta])
  }
  /** An object of the pack, kept by its offset and its oid. */
  const record = (offset: number, object: GitObject, depth: number): Stored => {
    const oid = objectId(object.type, object.content)
    byOffset.set(offset, { object, depth })
    objects.set(oid, object)
    depths.set(oid, depth)
    return { offset, oid, object, depth }
  }
  /** The object a delta makes of its base, one deeper in the chain. */
  const applied = (base: { object: GitObject; depth: number }, delta: Delta): Stored => {
    if (base.depth + 1 > MAX_DELTA_DEPTH) throw deltaTooDeepError(delta.offset)
    const content = applyDelta(base.object.content, delta.data, delta.offset, (size) => checkSize(size, delta.offset))
    return record(delta.offset, { type: base.object.type, content }, base.depth + 1)
  }
  /** Resolve every delta that waited for `base` (by offset or oid), and theirs: a worklist, no recursion, each delta once. */
  const resolveWaiting = async (base: Omit<Stored, 'offset'> & { offset?: number }): Promise<void> => {
    const work = [base]
    for (let next = work.pop(); next; next = work.pop()) {
      const children = [...(next.offset !== undefined ? (waiting.get(next.offset) ?? []) : []), ...(waiting.get(next.oid) ?? [])]
      if (next.offset !== undefined) waiting.delete(next.offset)
      waiting.delete(next.oid)
      for (const child of children) {
        work.push(applied(next, child))
        if (overdue()) await nextTurn()
      }
    }
  }

  for (let i = 0; i < count; i++) {
    const offset = cursor.offset
    const ready = cursor.left >= MAX_ENTRY_HEADER + CHECKSUM ? MAX_ENTRY_HEADER : await cursor.ready(MAX_ENTRY_HEADER)
    const buf = cursor.window
    let at = cursor.at
    const end = at + ready
    const truncated = (): never => {
      // Fewer bytes than the longest header only at the pack's end: anything else is a header longer than git writes.
      if (ready < MAX_ENTRY_HEADER) throw new CorruptPackError(`the pack ends at byte ${cursor.offset + (at - cursor.at)}, after ${i} of the ${count} objects its header announces (cut short, or the count is wrong)`)
      throw new CorruptPackError(`overlong object header at byte ${offset}`)
    }
    if (at >= end) truncated()
    let byte = buf[at++]
    const code = (byte >> 4) & 7
    let size = byte & 15
    for (let shift = 4; byte & 0x80; shift += 7) {
      if (at >= end) truncated()
      byte = buf[at++]
      size += (byte & 0x7f) * 2 ** shift
    }
    let deltaBase: number | string | undefined
    if (code === OFS_DELTA) {
      // git's offset encoding: big-endian 7-bit groups, each continuation adding one.
      if (at >= end) truncated()
      byte = buf[at++]
      let distance = byte & 0x7f
      while (byte & 0x80) {
        if (at >= end) truncated()
        byte = buf[at++]
        distance = (distance + 1) * 128 + (byte & 0x7f)
      }
      deltaBase = offset - distance
      if (distance === 0) throw new CorruptPackError(`OFS_DELTA at byte ${offset} is its own base`)
      if (deltaBase < 12) throw new CorruptPackError(`OFS_DELTA at byte ${offset} points outside the pack, to byte ${deltaBase}`)
    } else if (code === REF_DELTA) {
      if (at + 20 > end) truncated()
      deltaBase = buf.toString('hex', at, at + 20)
      at += 20
    } else if (!TYPES[code]) {
      throw new CorruptPackError(`unknown object type ${code} at byte ${offset}`)
    }
    cursor.at = at
    // The announced size is checked before anything is inflated: a zlib bomb stops here.
    checkSize(size, offset)
    const data = (size <= ASYNC_INFLATE ? inflateInWindow(cursor, size, offset) : undefined) ?? (await inflateEntry(cursor, size, offset))

    let stored: Stored | undefined
    if (deltaBase === undefined) stored = record(offset, { type: TYPES[code]!, content: data }, 0)
    else {
      const base = typeof deltaBase === 'number' ? byOffset.get(deltaBase) : objects.has(deltaBase) ? { object: objects.get(deltaBase)!, depth: depths.get(deltaBase)! } : undefined
      // A base already here: resolve now; otherwise storing the base will.
      if (base) stored = applied(base, { offset, data })
      else wait(deltaBase, { offset, data })
    }
    if (stored && waiting.size > 0 && (waiting.has(offset) || waiting.has(stored.oid))) await resolveWaiting(stored)
    if (overdue()) await nextTurn()
  }
  const { extra, end, matches } = await cursor.finish()
  if (extra) throw new CorruptPackError(`${extra} unexpected bytes after the last object, at byte ${end - extra}`)
  if (!matches) throw new CorruptPackError(`pack checksum mismatch at byte ${end}`)

  // Deltas on bases outside the pack (a thin pack), each base asked for once.
  for (const key of [...waiting.keys()]) {
    if (typeof key !== 'string' || !waiting.has(key)) continue
    const outside = base?.(key)
    if (outside) await resolveWaiting({ oid: key, object: outside, depth: 0 })
  }
  const [stuck] = waiting.entries()
  if (stuck) {
    const [key, [delta]] = stuck
    const what = typeof key === 'string' ? key : `at byte ${key}`
    throw new CorruptPackError(`missing delta base ${what} for the object at byte ${delta.offset}`)
  }
  return objects
}

/**
 * The entry's zlib stream at the cursor, inflated in one native call into a buffer of the
 * `size` bytes its header announced (the cursor moves past it); undefined when the window
 * ends before the stream does. Most objects of a pack: small, and whole in the chunk at hand.
 */
function inflateInWindow(cursor: PackCursor, size: number, offset: number): Buffer | undefined {
  let inflated: { buffer: Buffer; engine: { bytesWritten: number } }
  try {
    // An output buffer one byte over the announced size: no 16 KB default buffer per object,
    // and a header that lies about the size cannot make zlib inflate much more.
    const chunkSize = Math.max(64, size + 1)
    inflated = zlib.inflateSync(cursor.rest, { info: true, chunkSize, maxOutputLength: chunkSize }) as unknown as typeof inflated
  } catch (error) {
    if ((error as { code?: string }).code === 'Z_BUF_ERROR') return undefined
    // Past maxOutputLength: the stream is longer than its header said, not broken zlib.
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new CorruptPackError(`object at byte ${offset} inflates to more than the ${size} bytes its header announces`)
    throw badZlib(error, offset)
  }
  if (inflated.buffer.length !== size) throw inflatesTo(inflated.buffer.length, size, offset)
  cursor.at += inflated.engine.bytesWritten
  return inflated.buffer
}

/**
 * The entry's zlib stream at the cursor when inflateInWindow cannot: a small object the
 * window cuts, once more with the next chunks joined; a large one (or a stream longer than
 * its size explains) inflated off the event loop a piece at a time, into a buffer of its
 * size, each compressed piece let go once read.
 */
async function inflateEntry(cursor: PackCursor, size: number, offset: number): Promise<Buffer> {
  if (size <= ASYNC_INFLATE) {
    // As many bytes as an honest zlib stream of `size` bytes can take.
    const missing = size + (size >> 10) + 64 - cursor.left
    const inflated = missing > 0 && (await cursor.extend(missing)) ? inflateInWindow(cursor, size, offset) : undefined
    if (inflated) return inflated
  }
  return inflateStream(cursor, size, offset)
}

function badZlib(error: unknown, offset: number): CorruptPackError {
  return new CorruptPackError(`bad zlib data in the object at byte ${offset}: ${(error as Error).message}`)
}

function inflatesTo(length: number, size: number, offset: number): CorruptPackError {
  return new CorruptPackError(`object at byte ${offset} inflates to ${length} bytes, not ${size}`)
}

async function inflateStream(cursor: PackCursor, size: number, offset: number): Promise<Buffer> {
  const content = Buffer.allocUnsafe(size)
  let filled = 0
  let finished = false
  const inflater = zlib.createInflate({ chunkSize: Math.max(64, Math.min(size + 1, 1 << 20)) })
  inflater.on('data', (data: Buffer) => {
    if (filled + data.length <= size) data.copy(content, filled)
    filled += data.length
  })
  // zlib's stream stops at the end of the object's data: the bytes it used are where the next entry starts.
  const ended = new Promise<void>((resolve, reject) => {
    inflater.once('end', () => {
      finished = true
      resolve()
    })
    inflater.once('error', reject)
  })
  ended.catch(() => {}) // awaited below, unless reading the pack failed first
  // zlib's failures are the pack's; the pack's source fails with its own errors (network, limits).
  const zlibStep = async (step: Promise<unknown>): Promise<void> => {
    try {
      await step
    } catch (error) {
      throw badZlib(error, offset)
    }
  }
  try {
    for (;;) {
      const piece = cursor.rest
      if (piece.length === 0) {
        if (await cursor.extend(STREAM_PIECE)) continue
        inflater.end() // the pack ended: complete, or "unexpected end of file"
        break
      }
      const used = inflater.bytesWritten
      // A corrupt stream reports on 'error' and never calls the write back.
      await zlibStep(Promise.race([new Promise((resolve) => inflater.write(piece, resolve)), ended]))
      cursor.at += inflater.bytesWritten - used
      if (filled > size) throw inflatesTo(filled, size, offset)
      if (finished || cursor.at < cursor.window.length) break
    }
    await zlibStep(ended)
  } finally {
    inflater.destroy()
  }
  if (filled !== size) throw inflatesTo(filled, size, offset)
  return content
}

/** git's delta: source and target sizes, then copy (from the source) and insert instructions. */
function applyDelta(source: Buffer, delta: Buffer, offset: number, checkSize: (size: number) => void): Buffer {
  const corrupt = (what: string): never => {
    throw new CorruptPackError(`bad delta in the object at byte ${offset}: ${what}`)
  }
  let at = 0
  const varint = (): number => {
    let value = 0
    for (let shift = 0; ; shift += 7) {
      if (at >= delta.length) corrupt('truncated size')
      const byte = delta[at++]
      value += (byte & 0x7f) * 2 ** shift
      if (!(byte & 0x80)) return value
    }
  }
  const sourceSize = varint()
  const targetSize = varint()
  if (sourceSize !== source.length) corrupt(`base is ${source.length} bytes, not ${sourceSize}`)
  // Two instruction bytes copy at most 0xff0000 bytes: refuse a size no delta this long can make.
  if (targetSize > Math.ceil((delta.length - at) / 2) * 0xffffff) corrupt(`target size ${targetSize} is out of reach`)
  checkSize(targetSize)
  const target = Buffer.allocUnsafe(targetSize)
  let out = 0
  while (at < delta.length) {
    const op = delta[at++]
    if (op & 0x80) {
      let from = 0
      let size = 0
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) from += delta[at++] * 2 ** (8 * bit)
      for (let bit = 0; bit < 3; bit++) if (op & (0x10 << bit)) size += delta[at++] << (8 * bit)
      if (size === 0) size = 0x10000
      if (at > delta.length) corrupt('truncated copy')
      if (from + size > source.length || out + size > targetSize) corrupt(`copy of ${size} bytes from ${from} overflows`)
      source.copy(target, out, from, from + size)
      out += size
    } else if (op) {
      if (at + op > delta.length || out + op > targetSize) corrupt(`insert of ${op} bytes overflows`)
      delta.copy(target, out, at, at + op)
      at += op
      out += op
    } else {
      corrupt('reserved instruction 0')
    }
  }
  if (out !== targetSize) corrupt(`made ${out} bytes, not ${targetSize}`)
  return target
}

/** A version-2 pack of whole objects (no deltas), with its trailing SHA-1: what a push sends. */
export function writePack(objects: Iterable<GitObject>): Buffer {
  const header = Buffer.from('PACK\0\0\0\x02\0\0\0\0', 'latin1')
  const parts = [header]
  for (const { type, content } of objects) {
    const code = CODES[type]
    if (!code) throw new TypeError(`not a git object type: ${type}`)
    // Type and size: 4 bits of size in the first byte, then 7 per byte, least significant first.
    const entry = [(code << 4) | (content.length & 15)]
    for (let rest = Math.floor(content.length / 16); rest > 0; rest = Math.floor(rest / 128)) {
      entry[entry.length - 1] |= 0x80
      entry.push(rest & 0x7f)
    }
    parts.push(Buffer.from(entry), zlib.deflateSync(content))
  }
  header.writeUInt32BE((parts.length - 1) / 2, 8)
  const hash = createHash('sha1')
  for (const part of parts) hash.update(part)
  parts.push(hash.digest())
  return Buffer.concat(parts)
}
