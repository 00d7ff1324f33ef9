/**
 * A remote's refs, as few as pinbot needs: HEAD and the branch it names, or one branch.
 * Where the server speaks protocol v2, `ls-refs` lists just those (ls-refs.ts), whatever
 * else the repo holds; elsewhere the v1 advertisement lists every ref.
 *
 * Round trips: `GET info/refs` with `Git-Protocol: version=2` (a v2 server answers its
 * capabilities, which the fetch needs: `filter`, `shallow`; a v1 server its whole
 * advertisement, which is then the answer) and the `ls-refs` POST go out together, so a
 * pin stays at three sequential requests (refs, fetch, push). A v1 server's answer to the
 * POST is dropped unread (git http-backend answers it with an empty body).
 */
import type { HttpClient } from './http.js'
import { LimitExceededError } from './limits.js'
import { lsRefsRequest, parseInfoRefs, parseLsRefs, type RefList } from './ls-refs.js'
import type { ErrorContext } from './remote-errors.js'
import { parseAnswer, readAnswer, readUpTo, smartHttpExchange, smartHttpStream } from './smart-http.js'
import type { RefAdvertisement } from './upload-pack.js'

const RESULT = 'application/x-git-upload-pack-result'

/**
 * HEAD, its symref and its tip (no `branch`), or `refs/heads/<branch>` (other refs may
 * come too), and the capabilities of the server's fetch. At most `maxBytes` per answer.
 */
export async function listRefs(http: HttpClient, url: string, context: ErrorContext, maxBytes: number, branch?: string): Promise<RefAdvertisement> {
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

  const early = lsRefs([wanted])
  early.catch(() => {}) // awaited only if the server speaks v2; its failure is reported then
  const drop = () => void early.then((body) => body.return?.(), () => {})
  let info: ReturnType<typeof parseInfoRefs>
  try {
    const request = { url: `${url}/info/refs?service=git-upload-pack`, headers: { 'git-protocol': 'version=2' } }
    const body = await smartHttpExchange(http, request, 'application/x-git-upload-pack-advertisement', context, { name: 'advertisement', max: maxBytes })
    info = parseAnswer(() => parseInfoRefs(body))
  } catch (error) {
    drop()
    throw error
  }
  if (info.version === 1) {
    drop()
    return info.advertised
  }

  let list: RefList
  try {
    list = await read(early)
  } catch (error) {
    // The POST went out before the GET followed a redirect (http.ts): ask the new address.
    if (!http.movedTo?.(url)) throw error
    list = await read(lsRefs([wanted]))
  }
  const refs = new Map([...list.refs].filter(([name]) => name === wanted))
  const symrefs = new Map([...list.symrefs].filter(([name]) => name === wanted))
  if (!branch && !refs.has('HEAD')) {
    // No HEAD: an empty repo, or HEAD naming a missing branch; which branches exist tells them apart.
    const heads = await read(lsRefs(['HEAD', 'refs/heads/'], info.lsRefs.has('unborn')))
    for (const [name, oid] of heads.refs) if (name === 'HEAD' || name.startsWith('refs/heads/')) refs.set(name, oid)
    const target = heads.symrefs.get('HEAD')
    if (target !== undefined) symrefs.set('HEAD', target)
  }
  return { refs, symrefs, capabilities: info.capabilities }
}
