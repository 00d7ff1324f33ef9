/**
 * Protocol v2's ref listing (gitprotocol-v2): the capabilities a v2 server answers
 * `GET info/refs` with when the request says `Git-Protocol: version=2`, and the `ls-refs`
 * command, which lists only the refs whose names start with a prefix the client gives
 * (`ref-prefix`), where v1 advertises every ref: 20,000 tags on each pin.
 */
import { FLUSH, pktLine, readPktLines } from './pkt-line.js'
import { serverText } from './server-text.js'
import { MalformedAnswerError, ServerRefusalError, UnsupportedObjectFormatError, parseRefAdvertisement, pktLinesOf, type RefAdvertisement } from './upload-pack.js'

/** What `GET info/refs` answered: a v1 advertisement (every ref), or a v2 server's capabilities (no refs). */
export type InfoRefs = { version: 1; advertised: RefAdvertisement } | { version: 2; capabilities: Set<string>; lsRefs: Set<string> }

/** The refs and symrefs of an `ls-refs` answer. */
export type RefList = Pick<RefAdvertisement, 'refs' | 'symrefs'>

const DELIM = Buffer.from('0001')
const OID = /^[0-9a-f]{40}$/

/**
 * What the fetch of a v2 server may ask for. pinbot fetches the tip with a protocol-v0
 * request (upload-pack.ts), which every v2 server also serves: side band, ofs-delta,
 * thin-pack and no-progress are in every git upload-pack since 1.7; `shallow` and `filter`
 * are the ones a server can turn off, and its v2 `fetch` capability names them.
 */
function fetchCapabilities(fetch: string | undefined): Set<string> {
  const features = (fetch ?? '').split(' ').filter((feature) => feature === 'shallow' || feature === 'filter')
  return new Set(['side-band-64k', 'ofs-delta', 'thin-pack', 'no-progress', ...features])
}

/** Parse the answer to `GET info/refs?service=git-upload-pack` sent with `Git-Protocol: version=2`. */
export function parseInfoRefs(body: Uint8Array): InfoRefs {
  let lines: (Buffer | null)[]
  try {
    lines = [...readPktLines(body)]
  } catch {
    return { version: 1, advertised: parseRefAdvertisement(body) } // which says what is wrong with it
  }
  // git http-backend answers v2 without the "# service" header of v1 answers; others keep it.
  const start = lines[0]?.toString() === '# service=git-upload-pack\n' && lines[1] === null ? 2 : 0
  if (lines[start]?.toString().replace(/\n$/, '') !== 'version 2') return { version: 1, advertised: parseRefAdvertisement(body) }
  const capabilities = new Map<string, string>()
  for (const line of lines.slice(start + 1)) {
    if (line === null) break
    const text = line.toString().replace(/\n$/, '')
    if (text.startsWith('ERR ')) throw new ServerRefusalError(text.slice('ERR '.length))
    const [key, ...value] = text.split('=')
    capabilities.set(key, value.join('='))
  }
  const format = capabilities.get('object-format')
  if (format && format !== 'sha1') throw new UnsupportedObjectFormatError(serverText(format, 40))
  if (!capabilities.has('ls-refs')) throw new MalformedAnswerError('the protocol v2 server does not offer ls-refs')
  return { version: 2, capabilities: fetchCapabilities(capabilities.get('fetch')), lsRefs: new Set(capabilities.get('ls-refs')!.split(' ').filter(Boolean)) }
}

/**
 * An `ls-refs` request (sent with `Git-Protocol: version=2`) for the refs starting with
 * `prefixes`, symrefs shown (HEAD's branch); `unborn` also shows a HEAD that names no
 * commit (only when the server offers it).
 */
export function lsRefsRequest(prefixes: readonly string[], options: { unborn?: boolean } = {}): Buffer {
  const args = ['symrefs', ...(options.unborn ? ['unborn'] : []), ...prefixes.map((prefix) => `ref-prefix ${prefix}`)]
  return Buffer.concat([pktLine('command=ls-refs\n'), DELIM, ...args.map((arg) => pktLine(`${arg}\n`)), FLUSH])
}

/** Parse an `ls-refs` answer: `<oid> <name>[ symref-target:<ref>][ peeled:<oid>]` lines, then a flush. */
export function parseLsRefs(body: Uint8Array): RefList {
  const list: RefList = { refs: new Map(), symrefs: new Map() }
  for (const line of pktLinesOf(body)) {
    if (line === null) return list
    const text = line.toString().replace(/\n$/, '')
    if (text.startsWith('ERR ')) throw new ServerRefusalError(text.slice('ERR '.length))
    const [oid, name, ...attributes] = text.split(' ')
    // A ref name holds no NUL or control character (git check-ref-format): such a line is not git's.
    if (!name || !(OID.test(oid) || oid === 'unborn') || /[\x00-\x1f\x7f]/.test(name)) throw new MalformedAnswerError(`not an ls-refs line: ${serverText(text, 80)}`)
    const targets = attributes.filter((attribute) => attribute.startsWith('symref-target:'))
    if (targets.length > 1) throw new MalformedAnswerError(`two symref targets in one ls-refs line: ${serverText(text, 80)}`)
    const target = targets[0]
    if (target) list.symrefs.set(name, target.slice('symref-target:'.length))
    if (oid !== 'unborn') list.refs.set(name, oid)
  }
  throw new MalformedAnswerError('the ls-refs answer ended before its flush')
}
