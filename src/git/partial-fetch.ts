/**
 * Partial fetch: cost independent of the template's size where the server supports git's
 * partial clone (`filter` in its capabilities: GitHub, GitLab, Gitea, `git http-backend`
 * with `uploadpack.allowFilter`).
 *
 * The tip is fetched with `filter blob:limit=1k`: every tree, and only the blobs small
 * enough to be a pin file (256 bytes at most when valid), so a happy pin stays at three
 * sequential requests (advertisement, fetch, push) and a 150 MB file never comes. A blob
 * pinbot reads that was left out (a workflow file whose content matters, an oversized pin)
 * is fetched alone afterwards with protocol v2, whose `fetch` accepts wants of any object
 * (gitprotocol-v2), where v1 would need `uploadpack.allowAnySHA1InWant`.
 */
import { FLUSH, pktLine } from './pkt-line.js'
import { MalformedAnswerError, ServerRefusalError, answerLines, sideBandData } from './upload-pack.js'

/** The filter of a partial tip fetch: blobs up to this size come with the trees. */
export const PARTIAL_FILTER = 'blob:limit=1024'

const DELIM = Buffer.from('0001')

/** Whether the server can leave blobs out of a fetch. */
export function supportsFilter(capabilities: ReadonlySet<string>): boolean {
  return capabilities.has('filter')
}

/** A protocol-v2 `fetch` of exactly these objects (sent with `Git-Protocol: version=2`). */
export function objectsRequest(oids: readonly string[]): Buffer {
  return Buffer.concat([pktLine('command=fetch\n'), pktLine('agent=pinbot\n'), DELIM, pktLine('no-progress\n'), ...oids.map((oid) => pktLine(`want ${oid}\n`)), pktLine('done\n'), FLUSH])
}

/** A v2 `fetch` answer: its `packfile` section's side-band frames, whose pack bytes go to `readPack` as they arrive; at most `maxBytes` read. */
export async function readV2Pack<T>(body: AsyncIterable<Uint8Array>, maxBytes: number, readPack: (pack: AsyncIterable<Buffer>) => Promise<T>): Promise<T> {
  const lines = answerLines(body, maxBytes)
  try {
    const text = (await lines.next())?.toString()
    if (text?.startsWith('ERR ')) throw new ServerRefusalError(text.slice(4))
    if (text !== 'packfile\n') throw new MalformedAnswerError('no packfile section in the v2 fetch answer')
    return await readPack(sideBandData(lines.next))
  } finally {
    await lines.close()
  }
}
