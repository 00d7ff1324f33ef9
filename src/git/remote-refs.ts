/**
 * A remote's refs, as few as pinbot needs: HEAD and the branch it names, or one branch.
 * Where the server speaks protocol v2, `ls-refs` lists just those (ls-refs.ts), whatever
 * else the repo holds; elsewhere the v1 advertisement lists every ref.
 *
 * Round trips: `GET info/refs` with `Git-Protocol: version=2` (a v2 server answers its
 * capabilities, which the fetch needs: `filter`, `shallow`; a v1 server its whole
 * advertisement, which is then the answer) and the `ls-refs` POST go out together, so a
 * pin stays at three sequential round trips (refs, fetch, push). A v1 server's answer to
 * the POST is dropped unread (git http-backend answers it with an empty body).
 *
 * Requests: what a client learns of a server's capabilities serves its later repos on the
 * same origin (a forge serves its repos alike), which then send `ls-refs` alone: three
 * requests a pin, as with v1. So do the repos that start while the first capability
 * request to their origin is on its way (a cascade's first 32): they send `ls-refs` at
 * once and take that request's answer, unless it is much slower than their own. A hint that
 * proves wrong for one repo costs a round trip, never a wrong answer: an answer that is not
 * v2 falls back to the capability request, and a fetch refused for `filter` is made again
 * without it (memory-repo.ts).
 */
import { isPinbotError } from '../errors.js'
import type { HttpClient } from './http.js'
import { LimitExceededError } from './limits.js'
import { lsRefsRequest, parseInfoRefs, parseLsRefs, type RefList } from './ls-refs.js'
import type { ErrorContext } from './remote-errors.js'
import { parseAnswer, readAnswer, readUpTo, smartHttpExchange, smartHttpStream } from './smart-http.js'
import type { RefAdvertisement } from './upload-pack.js'

const RESULT = 'application/x-git-upload-pack-result'

/** A v2 server's capabilities: its fetch's (as upload-pack.ts names them) and its ls-refs features. */
interface V2Server {
  capabilities: Set<string>
  lsRefs: Set<string>
}

/** The refs asked for, and the capabilities of the server's fetch; `hinted` when they are another repo's of the same origin. */
export interface RefListing extends RefAdvertisement {
  hinted?: boolean
}

/** Per client (the shared one, under its per-repo views), per origin: the v2 server it met there, or the capability request on its way there (undefined: not v2, or it failed). */
const learnt = new WeakMap<HttpClient, Map<string, V2Server | Promise<V2Server | undefined>>>()

/** Failures that a capability request would only repeat: they are the repo's answer. */
const FINAL = new Set(['auth', 'forbidden', 'not-found', 'network', 'timeout', 'advertisement-too-large'])

/**
 * HEAD, its symref and its tip (no `branch`), or `refs/heads/<branch>` (other refs may
 * come too), and the capabilities of the server's fetch. At most `maxBytes` per answer.
 */
export async function listRefs(http: HttpClient, url: string, context: ErrorContext, maxBytes: number, branch?: string): Promise<RefListing> {
  const wanted = branch ? `refs/heads/${branch}` : 'HEAD'
  const lsRefs = (prefixes: string[], unborn?: boolean) => {
    const request = {
      url: `${url}/git-upload-pack`,
      method: 'POST',
      headers: { 'content-type': 'application/x-git-upload-pack-request', accept: RESULT, 'git-protocol': 'version=2' },
      body: [lsRefsRequest(prefixes, { unborn })],
    }
    return smartHttpStream(http, request, RESULT, context)
  }
  const read = (answer: Promise<AsyncIterableIterator<Uint8Array>>): Promise<RefList> =>
    answer.then((body) =>
      readAnswer(async () => {
        const { bytes, more } = await readUpTo(body, maxBytes)
        if (more) throw new LimitExceededError('advertisement', maxBytes)
        return parseAnswer(() => parseLsRefs(bytes))
      }),
    )
  /** The exact refs asked for; with HEAD absent, the branches that tell an empty repo from HEAD naming a missing branch. */
  const listing = async (list: RefList, server: V2Server, hinted: boolean): Promise<RefListing> => {
    const refs = new Map([...list.refs].filter(([name]) => name === wanted))
    const symrefs = new Map([...list.symrefs].filter(([name]) => name === wanted))
    if (!branch && !refs.has('HEAD')) {
      const heads = await read(lsRefs(['HEAD', 'refs/heads/'], server.lsRefs.has('unborn')))
      for (const [name, oid] of heads.refs) if (name === 'HEAD' || name.startsWith('refs/heads/')) refs.set(name, oid)
      const target = heads.symrefs.get('HEAD')
      if (target !== undefined) symrefs.set('HEAD', target)
    }
    return { refs, symrefs, capabilities: server.capabilities, ...(hinted && { hinted }) }
  }

  const origin = new URL(url).origin
  const client = http.shared ?? http
  if (!learnt.has(client)) learnt.set(client, new Map())
  const servers = learnt.get(client)!
  const known = servers.get(origin)
  /** This repo's ls-refs answer, on another repo's word that the server speaks v2: its refs, or undefined when it is not a v2 answer. */
  const readHinted = (answer: Promise<AsyncIterableIterator<Uint8Array>>) =>
    read(answer).catch((error: unknown) => {
      if (isPinbotError(error) && FINAL.has(error.code)) throw error
      return undefined // not a v2 answer after all: ask this repo what it speaks
    })
  let early: Promise<AsyncIterableIterator<Uint8Array>> | undefined
  if (known && !(known instanceof Promise)) {
    const list = await readHinted(lsRefs([wanted]))
    if (list) return listing(list, known, true)
  } else if (known) {
    // Another repo's capability request is on its way: its answer serves this one too,
    // if it comes within twice the time this repo's own ls-refs takes (else it asks for
    // itself: a slow repo does not hold the others).
    const sent = performance.now()
    early = lsRefs([wanted])
    early.catch(() => {})
    const answered = early.then(
      () => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), performance.now() - sent).unref()),
      () => undefined,
    )
    const server = await Promise.race([known, answered])
    if (server) {
      const list = await readHinted(early)
      if (list) return listing(list, server, true)
      early = undefined
    }
  }

  let announce: ((server: V2Server | undefined) => void) | undefined
  if (!servers.has(origin)) servers.set(origin, new Promise((resolve) => (announce = resolve)))
  /** This repo's capability request was the origin's first and found no v2 server: the repos waiting on it ask for themselves. */
  const announceNone = () => {
    if (!announce) return
    servers.delete(origin)
    announce(undefined)
  }
  const refsAnswer = early ?? lsRefs([wanted])
  refsAnswer.catch(() => {}) // awaited only if the server speaks v2; its failure is reported then
  const drop = () => void refsAnswer.then((body) => body.return?.(), () => {})
  let info: ReturnType<typeof parseInfoRefs>
  try {
    const request = { url: `${url}/info/refs?service=git-upload-pack`, headers: { 'git-protocol': 'version=2' } }
    const body = await smartHttpExchange(http, request, 'application/x-git-upload-pack-advertisement', context, { name: 'advertisement', max: maxBytes })
    info = parseAnswer(() => parseInfoRefs(body))
  } catch (error) {
    drop()
    announceNone()
    throw error
  }
  if (info.version === 1) {
    drop()
    announceNone()
    return info.advertised
  }
  servers.set(origin, info)
  announce?.(info)
  let list: RefList
  try {
    list = await read(refsAnswer)
  } catch (error) {
    // The POST went out before the GET followed a redirect (http.ts): ask the new address.
    if (!http.movedTo?.(url)) throw error
    list = await read(lsRefs([wanted]))
  }
  return listing(list, info, false)
}
