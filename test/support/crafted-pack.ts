/**
 * Hand-made git packs and objects for tests of what a hostile or broken server can send:
 * entries with any header, deltas with any instructions, long delta chains, zlib bombs,
 * trees git would never write. Built directly from the pack format (gitformat-pack(5)).
 */
import { createHash } from 'node:crypto'
import zlib from 'node:zlib'

export const OBJ = { commit: 1, tree: 2, blob: 3, tag: 4, ofsDelta: 6, refDelta: 7 } as const

export function objectId(type: string, content: Buffer): string {
  return createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex')
}

function varint(n: number): number[] {
  return n < 128 ? [n] : [(n & 0x7f) | 0x80, ...varint(Math.floor(n / 128))]
}

/** An entry's type-and-size header (size as announced, whatever the data). */
function entryHeader(code: number, size: number): Buffer {
  const header = [(code << 4) | (size & 15)]
  for (let rest = Math.floor(size / 16); rest > 0; rest = Math.floor(rest / 128)) {
    header[header.length - 1] |= 0x80
    header.push(rest & 0x7f)
  }
  return Buffer.from(header)
}

/** git's OFS_DELTA distance encoding. */
function ofsDistance(distance: number): Buffer {
  const bytes = [distance & 0x7f]
  for (let rest = Math.floor(distance / 128); rest > 0; rest = Math.floor(rest / 128)) bytes.unshift(((rest - 1) & 0x7f) | 0x80), (rest -= 1)
  return Buffer.from(bytes)
}

export interface Entry {
  code: number
  /** The entry's zlib data, or the bytes to deflate. */
  data: Buffer
  deflated?: boolean
  /** Announced size (default: data's length). */
  size?: number
  /** REF_DELTA base. */
  baseOid?: string
  /** OFS_DELTA base: the index of an earlier entry. */
  baseIndex?: number
}

/** A version-2 pack of `entries`, with a correct count and checksum. */
export function craftPack(entries: Entry[]): Buffer {
  const header = Buffer.from('PACK\0\0\0\x02\0\0\0\0', 'latin1')
  header.writeUInt32BE(entries.length, 8)
  const parts: Buffer[] = [header]
  const offsets: number[] = []
  let at = header.length
  for (const entry of entries) {
    offsets.push(at)
    const zdata = entry.deflated ? entry.data : zlib.deflateSync(entry.data)
    const extra = entry.baseOid ? Buffer.from(entry.baseOid, 'hex') : entry.baseIndex !== undefined ? ofsDistance(at - offsets[entry.baseIndex]) : Buffer.alloc(0)
    const part = Buffer.concat([entryHeader(entry.code, entry.size ?? entry.data.length), extra, zdata])
    parts.push(part)
    at += part.length
  }
  const body = Buffer.concat(parts)
  return Buffer.concat([body, createHash('sha1').update(body).digest()])
}

/** A delta's bytes: the sizes, then copy ([offset, size]) and insert (Buffer) instructions. */
export function delta(sourceSize: number, targetSize: number, ops: ([number, number] | Buffer)[]): Buffer {
  const out: number[] = [...varint(sourceSize), ...varint(targetSize)]
  for (const op of ops) {
    if (Buffer.isBuffer(op)) {
      out.push(op.length, ...op)
      continue
    }
    const [offset, size] = op
    let code = 0x80
    const args: number[] = []
    for (let i = 0; i < 4; i++) if ((offset >> (8 * i)) & 0xff) (code |= 1 << i), args.push((offset >> (8 * i)) & 0xff)
    // Size 0x10000 is written as no size bytes at all.
    if (size !== 0x10000) for (let i = 0; i < 3; i++) if ((size >> (8 * i)) & 0xff) (code |= 0x10 << i), args.push((size >> (8 * i)) & 0xff)
    out.push(code, ...args)
  }
  return Buffer.from(out)
}

/**
 * A blob and a chain of `length` OFS deltas on it, each dropping the first two bytes of
 * its base and appending its own number: every object 100 bytes, each one distinct.
 */
export function deltaChain(length: number): Buffer {
  const entries: Entry[] = [{ code: OBJ.blob, data: Buffer.alloc(100, 'a') }]
  for (let i = 1; i <= length; i++) {
    entries.push({ code: OBJ.ofsDelta, data: delta(100, 100, [[2, 98], Buffer.from([i & 0xff, i >> 8])]), baseIndex: i - 1 })
  }
  return craftPack(entries)
}

/**
 * A zlib bomb: a blob announcing `announced` bytes (truthfully: the data inflates to that
 * many zeros), made of repeated full-flushed blocks of 1 MiB of zeros, so the pack is
 * about 1 KB per MiB announced.
 */
export function zlibBomb(announcedMiB: number): Buffer {
  const block = zlib.deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: zlib.constants.Z_FULL_FLUSH })
  const blocks = Buffer.concat(Array.from({ length: announcedMiB }, () => block))
  const data = Buffer.concat([Buffer.from([0x78, 0x9c]), blocks, zlib.deflateRawSync(Buffer.alloc(0)), Buffer.alloc(4)])
  return craftPack([{ code: OBJ.blob, data, deflated: true, size: announcedMiB * 2 ** 20 }])
}

/**
 * A delta fan: a 64 KiB blob and `count` deltas on it, each a few hundred bytes that
 * copy the blob `copies` times (one instruction byte per 64 KiB copy).
 */
export function deltaFan(count: number, copies: number): Buffer {
  const base = Buffer.alloc(0x10000, 'b')
  const entries: Entry[] = [{ code: OBJ.blob, data: base }]
  for (let i = 0; i < count; i++) {
    const ops: ([number, number] | Buffer)[] = [Buffer.from([i % 251, (i >> 8) % 251])]
    for (let c = 0; c < copies; c++) ops.push([0, 0x10000])
    entries.push({ code: OBJ.ofsDelta, data: delta(0x10000, 2 + copies * 0x10000, ops), baseIndex: 0 })
  }
  return craftPack(entries)
}

/**
 * A delta bomb of a few hundred bytes: a 64 KiB blob, a delta making 19 MiB of it (300
 * one-byte copies of 64 KiB), and a delta on that one making about 1.2 GiB (copies of
 * 16 MiB, five bytes each).
 */
export function deltaBomb(): Buffer {
  const base = Buffer.alloc(0x10000, 'b')
  const first = Array.from({ length: 300 }, (): [number, number] => [0, 0x10000])
  const block = 0xffff00
  const second = Array.from({ length: 80 }, (): [number, number] => [0, block])
  return craftPack([
    { code: OBJ.blob, data: base },
    { code: OBJ.ofsDelta, data: delta(0x10000, 300 * 0x10000, first), baseIndex: 0 },
    { code: OBJ.ofsDelta, data: delta(300 * 0x10000, 80 * block, second), baseIndex: 1 },
  ])
}

/** A tree's raw bytes from [mode, name, oid] rows, in the order given. */
export function treeBytes(rows: [string, string | Buffer, string][]): Buffer {
  return Buffer.concat(rows.map(([mode, name, oid]) => Buffer.concat([Buffer.from(`${mode} `), Buffer.from(name), Buffer.from([0]), Buffer.from(oid, 'hex')])))
}

/** A root commit of `tree`, as git writes one. */
export function commitBytes(tree: string, message = 'crafted\n'): Buffer {
  const who = 'Crafter <crafter@example.com> 1700000000 +0000'
  return Buffer.from(`tree ${tree}\nauthor ${who}\ncommitter ${who}\n\n${message}`)
}

/** A one-commit repo as a pack: a commit of a root tree holding `files` (plus any raw tree rows), and the commit's id. */
export function repoPack(files: Record<string, string>, extraRows: [string, string | Buffer, string][] = []): { pack: Buffer; tip: string } {
  const blobs = Object.entries(files).map(([name, text]) => ({ name, data: Buffer.from(text) }))
  const rows = [...blobs.map(({ name, data }): [string, string, string] => ['100644', name, objectId('blob', data)]), ...extraRows]
  const tree = treeBytes(rows.sort((a, b) => Buffer.compare(Buffer.from(a[1]), Buffer.from(b[1]))))
  const commit = commitBytes(objectId('tree', tree))
  const pack = craftPack([{ code: OBJ.commit, data: commit }, { code: OBJ.tree, data: tree }, ...blobs.map(({ data }) => ({ code: OBJ.blob, data }))])
  return { pack, tip: objectId('commit', commit) }
}
