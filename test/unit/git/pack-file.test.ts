import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { deflateRawSync, deflateSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CorruptPackError, objectId, readPack, writePack, type GitObject, type ObjectType } from '../../../src/git/pack-file.js'
import { OBJ, craftPack, delta, deltaBomb, deltaChain, deltaFan, zlibBomb } from '../../support/crafted-pack.js'
import { git, GIT_ENV } from '../../support/git.js'
import { tempDir, type TempDir } from '../../support/tmp.js'

/** git's binary stdout (packs, raw objects); the support helpers return text. */
function gitBytes(args: string[], cwd: string, input?: string | Buffer): Buffer {
  const env = { ...process.env, ...GIT_ENV, HOME: process.env.PINBOT_TEST_HOME ?? process.env.HOME }
  const result = spawnSync('git', args, { cwd, input, env, maxBuffer: 1 << 28 })
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`)
  return result.stdout
}

/** Every object of a repository, as `git cat-file --batch` gives it. */
function catAll(dir: string): Map<string, GitObject> {
  const out = gitBytes(['cat-file', '--batch-all-objects', '--batch'], dir)
  const objects = new Map<string, GitObject>()
  for (let at = 0; at < out.length; ) {
    const eol = out.indexOf(10, at)
    const [oid, type, size] = out.toString('latin1', at, eol).split(' ')
    objects.set(oid, { type: type as ObjectType, content: out.subarray(eol + 1, eol + 1 + Number(size)) })
    at = eol + 1 + Number(size) + 1
  }
  return objects
}

interface PackRow {
  oid: string
  offset: number
  /** Bytes of the entry in the pack. */
  length: number
  deltaDepth: number
}

/** What `git verify-pack -v` says of each object of a pack (indexed first by git index-pack). */
async function verifyPack(dir: string, name: string, pack: Buffer): Promise<PackRow[]> {
  await writeFile(path.join(dir, `${name}.pack`), pack)
  await git(['index-pack', path.join(dir, `${name}.pack`)], { cwd: dir })
  const lines = (await git(['verify-pack', '-v', path.join(dir, `${name}.idx`)], { cwd: dir })).split('\n')
  return lines
    .map((line) => line.split(/ +/))
    .filter((fields) => /^[0-9a-f]{40}$/.test(fields[0]))
    .map((fields) => ({ oid: fields[0], length: Number(fields[3]), offset: Number(fields[4]), deltaDepth: Number(fields[5] ?? 0) }))
}

/** The raw type code of the entry at `offset`. */
const entryType = (pack: Buffer, offset: number): number => (pack[offset] >> 4) & 7

/** A pack around raw entries, with a correct checksum (and the header's count unless given). */
function rawPack(entries: Buffer[], count = entries.length): Buffer {
  const header = Buffer.from('PACK\0\0\0\x02\0\0\0\0', 'latin1')
  header.writeUInt32BE(count, 8)
  const body = Buffer.concat([header, ...entries])
  return Buffer.concat([body, createHash('sha1').update(body).digest()])
}

/** A pack entry: git's type/size header, an optional REF_DELTA base id, then the zlib data. */
function rawEntry(code: number, data: Buffer, baseOid = '', size = data.length): Buffer {
  const header = [(code << 4) | (size & 15)]
  for (let rest = size >> 4; rest > 0; rest >>= 7) {
    header[header.length - 1] |= 0x80
    header.push(rest & 0x7f)
  }
  return Buffer.concat([Buffer.from(header), Buffer.from(baseOid, 'hex'), deflateSync(data)])
}

/** zlib's trailer: the Adler-32 of the inflated bytes, big-endian. */
function adler32(data: Buffer): Buffer {
  let a = 1
  let b = 0
  for (const byte of data) {
    a = (a + byte) % 65521
    b = (b + a) % 65521
  }
  const sum = Buffer.alloc(4)
  sum.writeUInt32BE(((b << 16) | a) >>> 0)
  return sum
}

/** A pack as a server's answer brings it: in chunks of `size` bytes, each a copy. */
async function* chunked(pack: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < pack.length; at += size) yield Buffer.from(pack.subarray(at, at + size))
}

function expectSameObjects(actual: Map<string, GitObject>, expected: Map<string, GitObject>, oids: Iterable<string>): void {
  expect([...actual.keys()].sort()).toEqual([...oids].sort())
  for (const [oid, object] of actual) {
    expect(object.type, oid).toBe(expected.get(oid)?.type)
    expect(object.content.equals(expected.get(oid)!.content), oid).toBe(true)
  }
}

describe('pack files', () => {
  let tmp: TempDir
  let repo: string
  let all: Map<string, GitObject>

  // Two commits of 30 similar files (the second appends a line to each), and an annotated tag.
  beforeAll(async () => {
    tmp = await tempDir()
    repo = path.join(tmp.dir, 'repo')
    await git(['init', '--quiet', repo])
    for (const round of [1, 2]) {
      for (let i = 0; i < 30; i++) {
        const lines = Array.from({ length: 10 + i }, (_, j) => `line ${j} of the file\n`).join('')
        await writeFile(path.join(repo, `file-${i}.txt`), `${lines}round ${round}\n`)
      }
      await git(['add', '.'], { cwd: repo })
      await git(['commit', '--quiet', '-m', `round ${round}`], { cwd: repo })
    }
    await git(['tag', '-a', '-m', 'a tag', 'v1'], { cwd: repo })
    all = catAll(repo)
  })
  afterAll(() => tmp.cleanup())

  it('reads every object of a pack git made with OFS_DELTA chains', async () => {
    const pack = gitBytes(['pack-objects', '--stdout', '--revs', '--all', '--delta-base-offset'], repo, '')
    const rows = await verifyPack(tmp.dir, 'ofs', pack)
    const deltas = rows.filter((row) => row.deltaDepth > 0)
    expect(deltas.length).toBeGreaterThan(10)
    expect(Math.max(...deltas.map((row) => row.deltaDepth))).toBeGreaterThan(1)
    for (const row of deltas) expect(entryType(pack, row.offset)).toBe(6)

    expectSameObjects(await readPack(pack), all, rows.map((row) => row.oid))
    expect(rows.length).toBe(all.size)
  })

  it('reads REF_DELTA entries whose base comes before them or later in the pack', async () => {
    const pack = gitBytes(['pack-objects', '--stdout', '--revs', '--all'], repo, '')
    const rows = (await verifyPack(tmp.dir, 'ref', pack)).sort((a, b) => a.offset - b.offset)
    expect(rows.some((row) => row.deltaDepth > 1 && entryType(pack, row.offset) === 7)).toBe(true)
    expectSameObjects(await readPack(pack), all, rows.map((row) => row.oid))

    // The same entries in reverse order: every delta now comes before its base. git accepts it.
    const reversed = rawPack(rows.map((row) => pack.subarray(row.offset, row.offset + row.length)).reverse())
    const reversedRows = await verifyPack(tmp.dir, 'reversed', reversed)
    expect(reversedRows.map((row) => row.oid).sort()).toEqual(rows.map((row) => row.oid).sort())
    expectSameObjects(await readPack(reversed), all, rows.map((row) => row.oid))
  })

  it('resolves a thin pack through base, and says which base is missing without it', async () => {
    const thin = gitBytes(['pack-objects', '--thin', '--stdout', '--revs'], repo, 'HEAD\n^HEAD~1\n')
    const expected = (await git(['rev-list', '--objects', 'HEAD~1..HEAD'], { cwd: repo })).split('\n').map((line) => line.slice(0, 40))
    const asked: string[] = []
    const objects = await readPack(thin, (oid) => (asked.push(oid), all.get(oid)))
    expectSameObjects(objects, all, expected)
    expect(asked.length).toBeGreaterThan(0)
    for (const oid of asked) expect(expected).not.toContain(oid)

    await expect(readPack(thin)).rejects.toThrow(CorruptPackError)
    await expect(readPack(thin)).rejects.toThrow(/^missing delta base [0-9a-f]{40} for the object at byte \d+$/)
    await expect(readPack(thin, () => undefined)).rejects.toThrow(new RegExp(`missing delta base (${asked.join('|')})`))
  })

  it('applies a hand-made delta with a 64 KB copy (size 0) as git does, and rejects bad ones', async () => {
    const base = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7) % 251))
    const baseOid = objectId('blob', base)
    const varint = (n: number): number[] => (n < 128 ? [n] : [(n & 0x7f) | 0x80, ...varint(Math.floor(n / 128))])
    // Copy 0x10000 bytes from 0, insert "end", copy 100 bytes from 0x10000.
    const delta = (sourceSize: number, copy = [0x94, 0x01, 100], targetSize = 65536 + 3 + 100) =>
      Buffer.from([...varint(sourceSize), ...varint(targetSize), 0x80, 3, ...Buffer.from('end'), ...copy])
    const target = Buffer.concat([base.subarray(0, 65536), Buffer.from('end'), base.subarray(65536, 65636)])

    // The delta first, its base after it, as git index-pack also accepts.
    const pack = rawPack([rawEntry(7, delta(70000), baseOid), rawEntry(3, base)])
    const objects = await readPack(pack)
    expect((await verifyPack(tmp.dir, 'hand', pack)).map((row) => row.oid).sort()).toEqual([...objects.keys()].sort())
    expect(objects.get(objectId('blob', target))?.content.equals(target)).toBe(true)

    const bad = (data: Buffer) => readPack(rawPack([rawEntry(3, base), rawEntry(7, data, baseOid)]))
    await expect(bad(delta(69999))).rejects.toThrow(/^bad delta in the object at byte \d+: base is 70000 bytes, not 69999$/)
    await expect(bad(delta(70000, [0x94, 0x01, 200]))).rejects.toThrow(/copy of 200 bytes from 65536 overflows/)
    await expect(bad(delta(70000, [0x94, 0x01]))).rejects.toThrow(CorruptPackError)
    await expect(bad(delta(70000, undefined, 65640))).rejects.toThrow(/made 65639 bytes, not 65640$/)
  })

  it('computes the object ids git hash-object computes', async () => {
    const samples = new Map<ObjectType, [string, GitObject]>()
    for (const [oid, object] of all) samples.set(object.type, [oid, object])
    expect([...samples.keys()].sort()).toEqual(['blob', 'commit', 'tag', 'tree'])
    samples.set('blob', ['', { type: 'blob', content: Buffer.from([0, 0xff, 0xfe, 10, 0x80]) }])
    for (const [oid, { type, content }] of samples.values()) {
      const file = path.join(tmp.dir, 'object')
      await writeFile(file, content)
      const gitOid = await git(['hash-object', '-t', type, file], { cwd: repo })
      expect(objectId(type, content)).toBe(gitOid)
      if (oid) expect(gitOid).toBe(oid)
    }
    expect(objectId('blob', new Uint8Array())).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391')
  })

  it('writes a pack of whole objects that git indexes and reads back', async () => {
    const big = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 256))
    const objects = new Map(all)
    for (const content of [big, Buffer.alloc(0)]) objects.set(objectId('blob', content), { type: 'blob', content })
    const pack = writePack(objects.values())

    const bare = path.join(tmp.dir, 'bare.git')
    await git(['init', '--quiet', '--bare', bare])
    gitBytes(['index-pack', '--stdin', '--fix-thin'], bare, pack)
    const idx = (await readdir(path.join(bare, 'objects/pack'))).find((name) => name.endsWith('.idx'))!
    const rows = (await git(['verify-pack', '-v', path.join(bare, 'objects/pack', idx)])).split('\n')
    expect(rows.filter((row) => /^[0-9a-f]{40} /.test(row)).map((row) => row.slice(0, 40)).sort()).toEqual([...objects.keys()].sort())
    expectSameObjects(catAll(bare), objects, objects.keys())
    expect(await git(['cat-file', '-p', [...all.keys()][0]], { cwd: bare })).toBe(await git(['cat-file', '-p', [...all.keys()][0]], { cwd: repo }))

    expectSameObjects(await readPack(pack), objects, objects.keys())
    expect((await readPack(writePack([]))).size).toBe(0)
  })

  it('reads a pack streamed in chunks of any size as it reads it whole, large objects included', async () => {
    const pack = gitBytes(['pack-objects', '--stdout', '--revs', '--all', '--delta-base-offset'], repo, '')
    const expected = await readPack(pack)
    for (const size of [1, 7, 20, 31, 64, 1000, 4096]) expectSameObjects(await readPack(chunked(pack, size)), expected, expected.keys())

    // Over 1 MiB: inflated as a stream, off the event loop; some compressible, one not, one that compresses to nothing.
    const large = [randomBytes(3 << 20), Buffer.alloc(2 << 20, 'text line\n'), Buffer.concat([randomBytes(1 << 20), Buffer.alloc(1 << 20)])]
    const objects = new Map([...large, Buffer.from('0.1.0\n')].map((content) => [objectId('blob', content), { type: 'blob' as const, content }]))
    const packed = writePack(objects.values())
    for (const size of [8192, 100_000, packed.length]) expectSameObjects(await readPack(chunked(packed, size)), objects, objects.keys())

    // A small object whose zlib stream is padded with empty blocks far past what its size explains: streamed too.
    const pin = Buffer.from('0.1.0\n')
    const padded = Buffer.concat([Buffer.from([0x78, 0x01]), Buffer.alloc(5 * 1000, Buffer.from([0, 0, 0, 0xff, 0xff])), deflateRawSync(pin), adler32(pin)])
    const header = Buffer.from([(3 << 4) | pin.length])
    const oid = objectId('blob', pin)
    for (const size of [1000, 8192]) expectSameObjects(await readPack(chunked(rawPack([Buffer.concat([header, padded])]), size)), new Map([[oid, { type: 'blob', content: pin }]]), [oid])
  })

  it('says what is wrong with a streamed pack as with a whole one', async () => {
    const big = randomBytes(2 << 20)
    const pack = writePack([{ type: 'blob', content: big }])
    const end = pack.length - 20
    await expect(readPack(chunked(pack.subarray(0, pack.length - 25), 65515))).rejects.toThrow(/^bad zlib data in the object at byte 12: unexpected end of file$/)
    await expect(readPack(chunked(Buffer.from(pack).fill(pack[end - 3] ^ 1, end - 3, end - 2), 65515))).rejects.toThrow(/^bad zlib data in the object at byte 12: /)
    await expect(readPack(chunked(rawPack([rawEntry(3, big, '', big.length + 1)]), 65515))).rejects.toThrow(`object at byte 12 inflates to ${big.length} bytes, not ${big.length + 1}`)
    await expect(readPack(chunked(rawPack([rawEntry(3, big, '', big.length - 1)]), 65515))).rejects.toThrow(/^object at byte 12 inflates to \d+ bytes, not \d+$/)
    await expect(readPack(chunked(Buffer.concat([pack, Buffer.from('more')]), 65515))).rejects.toThrow(`4 unexpected bytes after the last object, at byte ${end}`)
    await expect(readPack(chunked(Buffer.from(pack).fill(pack[end + 5] ^ 1, end + 5, end + 6), 65515))).rejects.toThrow(`pack checksum mismatch at byte ${end}`)
    // The source's own failure (a reset connection, a limit) stays itself, not "bad zlib data".
    const reset = async function* () {
      yield pack.subarray(0, 100_000)
      throw new RangeError('connection reset')
    }
    await expect(readPack(reset())).rejects.toThrow(new RangeError('connection reset'))
  })

  it('rejects bytes that are not a well-formed pack, saying what and where', async () => {
    const pack = writePack([...all.values()].slice(0, 5))
    const changed = (at: number, value: number) => Buffer.from(pack).fill(value, at, at + 1)
    const end = pack.length - 20

    await expect(readPack(changed(0, 0x51))).rejects.toThrow(CorruptPackError)
    await expect(readPack(changed(0, 0x51))).rejects.toThrow('bad pack signature at byte 0')
    await expect(readPack(changed(7, 4))).rejects.toThrow('unsupported pack version 4 at byte 4')
    await expect(readPack(pack.subarray(0, 30))).rejects.toThrow('truncated pack: 30 bytes')
    await expect(readPack(pack.subarray(0, pack.length - 25))).rejects.toThrow(/^bad zlib data in the object at byte \d+: unexpected end of file$/)
    await expect(readPack(changed(end + 3, pack[end + 3] ^ 1))).rejects.toThrow(`pack checksum mismatch at byte ${end}`)
    await expect(readPack(changed(12, (pack[12] & 0x8f) | 0x50))).rejects.toThrow('unknown object type 5 at byte 12')
    const blob = Buffer.from('twelve bytes')
    await expect(readPack(rawPack([rawEntry(3, blob, '', 13)]))).rejects.toThrow('object at byte 12 inflates to 12 bytes, not 13')
    await expect(readPack(changed(end - 3, pack[end - 3] ^ 1))).rejects.toThrow(CorruptPackError)
    // A count of one object more than the pack holds, with a checksum that matches.
    await expect(readPack(rawPack([pack.subarray(12, end)], 6))).rejects.toThrow(`the pack ends at byte ${end}, after 5 of the 6 objects its header announces`)
    // A header that announces fewer bytes than its stream holds.
    await expect(readPack(rawPack([rawEntry(3, blob, '', 5)]))).rejects.toThrow('object at byte 12 inflates to')
    // And one fewer: the last object is left over.
    await expect(readPack(rawPack([pack.subarray(12, end)], 4))).rejects.toThrow(/^\d+ unexpected bytes after the last object, at byte \d+$/)
  })
})

describe('pack files: bounded work', () => {
  const limits = { object: 1 << 20, total: 8 << 20 }

  it('resolves a 4,000-long delta chain, in pack order and with every delta before its base', async () => {
    const objects = await readPack(deltaChain(4000))
    expect(objects.size).toBe(4001)
    // The same chain as REF_DELTAs in reverse order: each waits for a base that comes later.
    const chain = [...objects.values()]
    const entries = chain.slice(1).map((object, i) => ({
      code: OBJ.refDelta,
      data: delta(100, 100, [[2, 98], object.content.subarray(98)]),
      baseOid: objectId('blob', chain[i].content),
    }))
    const reversed = craftPack([...entries.reverse(), { code: OBJ.blob, data: chain[0].content }])
    expect([...(await readPack(reversed)).keys()].sort()).toEqual([...objects.keys()].sort())
  })

  it('refuses a chain deeper than git ever writes (4095), saying where', async () => {
    await expect(readPack(deltaChain(5000))).rejects.toMatchObject({ code: 'delta-chain-too-deep', message: expect.stringMatching(/deeper than 4095/) })
  })

  it('refuses an object whose announced size is over the limit before inflating it (a zlib bomb)', async () => {
    await expect(readPack(zlibBomb(64), undefined, limits)).rejects.toMatchObject({ code: 'object-too-large', message: expect.stringContaining('64 MiB') })
  })

  it('refuses a delta whose result is over the object limit, and deltas that add up over the pack limit', async () => {
    await expect(readPack(deltaFan(1, 20), undefined, limits)).rejects.toMatchObject({ code: 'object-too-large' })
    await expect(readPack(deltaFan(200, 15), undefined, limits)).rejects.toMatchObject({ code: 'pack-too-large' })
    expect((await readPack(deltaFan(3, 15), undefined, limits)).size).toBe(4)
    // A few hundred bytes that would make 1.2 GiB: refused at the delta's header, nothing allocated.
    await expect(readPack(deltaBomb())).rejects.toMatchObject({ code: 'object-too-large', message: expect.stringContaining('1.2 GiB') })
  })
})
