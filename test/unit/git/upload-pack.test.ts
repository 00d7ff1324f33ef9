/** The fetch requests we send and the answers we read, against real git upload-pack. */
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectBytes } from '../../../src/git/http.js'
import { FLUSH, pktLine } from '../../../src/git/pkt-line.js'
import { MalformedAnswerError, ServerRefusalError, parseRefAdvertisement, readUploadPackAnswer, uploadPackRequest } from '../../../src/git/upload-pack.js'
import { git } from '../../support/git.js'
import { tempDir } from '../../support/tmp.js'

let dir: string
let cleanup: () => Promise<void>
const commits: string[] = []

/** What git-http-backend sends for GET info/refs: the service header, then upload-pack's advertisement. */
function advertise(repo: string): Buffer {
  const refs = spawnSync('git', ['upload-pack', '--stateless-rpc', '--advertise-refs', repo]).stdout
  return Buffer.concat([pktLine('# service=git-upload-pack\n'), FLUSH, refs])
}

const uploadPack = (request: Buffer) => spawnSync('git', ['upload-pack', '--stateless-rpc', dir], { input: request }).stdout
const objectCount = (pack: Buffer) => pack.readUInt32BE(8)

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  await git(['init', '--quiet', '--bare', '--initial-branch', 'trunk', dir])
  let parent: string[] = []
  for (const message of ['one', 'two', 'three']) {
    const blob = await git(['hash-object', '-w', '--stdin'], { cwd: dir, input: `${message}\n` })
    const tree = await git(['mktree'], { cwd: dir, input: `100644 blob ${blob}\t.runtime-version\n` })
    const commit = await git(['commit-tree', tree, ...parent, '-m', message], { cwd: dir })
    commits.push(commit)
    parent = ['-p', commit]
  }
  await git(['update-ref', 'refs/heads/trunk', commits[2]], { cwd: dir })
  await git(['update-ref', 'refs/heads/other', commits[0]], { cwd: dir })
})

afterAll(() => cleanup())

describe('parseRefAdvertisement', () => {
  it('reads refs, the HEAD symref and the capabilities of a real advertisement', () => {
    const advertised = parseRefAdvertisement(advertise(dir))
    expect(advertised.refs).toEqual(new Map([['HEAD', commits[2]], ['refs/heads/other', commits[0]], ['refs/heads/trunk', commits[2]]]))
    expect(advertised.symrefs.get('HEAD')).toBe('refs/heads/trunk')
    expect(advertised.capabilities).toContain('shallow')
    expect(advertised.capabilities).toContain('side-band-64k')
  })

  it('finds no refs in an empty repository', async () => {
    const empty = await tempDir()
    try {
      await git(['init', '--quiet', '--bare', empty.dir])
      const advertised = parseRefAdvertisement(advertise(empty.dir))
      expect(advertised.refs.size).toBe(0)
    } finally {
      await empty.cleanup()
    }
  })

  it('refuses what is not an upload-pack advertisement, and keeps the words of an ERR line', () => {
    expect(() => parseRefAdvertisement(Buffer.from('<html>hello</html>'))).toThrow(MalformedAnswerError)
    expect(() => parseRefAdvertisement(Buffer.concat([pktLine('# service=git-upload-pack\n'), FLUSH, pktLine('not a ref\n'), FLUSH]))).toThrow(MalformedAnswerError)
    const refused = Buffer.concat([pktLine('# service=git-upload-pack\n'), FLUSH, pktLine('ERR access denied\n')])
    expect(() => parseRefAdvertisement(refused)).toThrow(new ServerRefusalError('access denied'))
  })
})

describe('uploadPackRequest and readUploadPackAnswer', () => {
  const read = (answer: Buffer) => readUploadPackAnswer([answer], 1 << 30, collectBytes)
  const capabilities = () => parseRefAdvertisement(advertise(dir)).capabilities

  it('gets the tip alone at depth 1: its commit, tree and blob, with the tip as the shallow boundary', async () => {
    const answer = await read(uploadPack(uploadPackRequest(commits[2], 1, capabilities())))
    expect(answer.shallow).toEqual([commits[2]])
    expect(answer.pack.subarray(0, 4).toString()).toBe('PACK')
    expect(objectCount(answer.pack)).toBe(3)
  })

  it('gets more history at a greater depth', async () => {
    const answer = await read(uploadPack(uploadPackRequest(commits[2], 2, capabilities())))
    expect(answer.shallow).toEqual([commits[1]])
    expect(objectCount(answer.pack)).toBe(6)
  })

  it('asks only for advertised capabilities and needs side band and shallow fetches', () => {
    const request = uploadPackRequest(commits[2], 1, new Set(['side-band-64k', 'shallow', 'thin-pack', 'include-tag']))
    expect(request.toString()).toContain(`want ${commits[2]} side-band-64k shallow thin-pack agent=pinbot\n`)
    expect(() => uploadPackRequest(commits[2], 1, new Set(['shallow']))).toThrow(/side-band-64k/)
  })

  it("raises the server's refusal with its words: a want that is no ref's tip", async () => {
    const answer = uploadPack(uploadPackRequest('f'.repeat(40), 1, capabilities()))
    await expect(read(answer)).rejects.toThrow(ServerRefusalError)
    await expect(read(answer)).rejects.toThrow(/not our ref/)
  })

  it('refuses an answer cut short or without NAK', async () => {
    const answer = uploadPack(uploadPackRequest(commits[2], 1, capabilities()))
    await expect(read(answer.subarray(0, answer.length - 100))).rejects.toThrow(MalformedAnswerError)
    await expect(read(Buffer.concat([FLUSH, pktLine('hello\n')]))).rejects.toThrow(MalformedAnswerError)
  })
})

describe('parseRefAdvertisement: symref capabilities', () => {
  it('takes everything after the first colon as the target, as git does', () => {
    const oid = 'a'.repeat(40)
    const body = Buffer.concat([pktLine('# service=git-upload-pack\n'), FLUSH, pktLine(`${oid} HEAD\0symref=HEAD:refs/heads/main:evil agent=x\n`), FLUSH])
    expect(parseRefAdvertisement(body).symrefs.get('HEAD')).toBe('refs/heads/main:evil')
  })
})
