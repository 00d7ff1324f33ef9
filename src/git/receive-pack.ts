/**
 * One branch update sent to git's receive-pack over smart HTTP, and its report.
 *
 * No ref discovery first: the fetch we just made told us the branch's tip, and the update
 * names it as the old value, so the server applies it only if the branch is still there
 * (a compare-and-swap; a branch that moved is refused and the pin retries). The HTTP
 * protocol is stateless (receive-pack --stateless-rpc), so the POST needs nothing from a
 * discovery GET, and skipping it saves one request per pin for the forge and for us.
 * The capabilities asked for are the ones every smart-HTTP server has had since git 1.7.
 */
import { FLUSH, pktLine, readPktLines } from './pkt-line.js'
import { serverText } from './server-text.js'

export const RECEIVE_PACK_CAPABILITIES = 'report-status side-band-64k quiet agent=pinbot'

export interface RefUpdate {
  ref: string
  old: string
  new: string
}

export function receivePackRequest(update: RefUpdate, pack: Uint8Array): Buffer {
  return Buffer.concat([pktLine(`${update.old} ${update.new} ${update.ref}\0${RECEIVE_PACK_CAPABILITIES}\n`), FLUSH, pack])
}

export interface PushReport {
  /** "ok", or why the server could not unpack what we sent. */
  unpack: string
  /** Per ref: undefined when updated, else the server's reason ("failed to update ref", "pre-receive hook declined"). */
  refs: Map<string, string | undefined>
  /** What the server said on the side band (hook output, lock errors), line by line. */
  messages: string[]
  /** The server's fatal error (side band 3), when it gave up on the push. */
  fatal?: string
}

export class MalformedReportError extends Error {}

/** Parse receive-pack's answer: side-band-64k frames around the report-status pkt-lines. */
export function parsePushReport(body: Uint8Array): PushReport {
  const report: Buffer[] = []
  const messages: string[] = []
  let fatal: string | undefined
  for (const frame of pktLines(body)) {
    if (!frame.length) continue
    const data = frame.subarray(1)
    if (frame[0] === 1) report.push(data)
    else if (frame[0] === 2) messages.push(...lines(data))
    else if (frame[0] === 3) fatal = serverText(data.toString().trim())
    else throw new MalformedReportError('not a side-band frame')
  }
  const result: PushReport = { unpack: '', refs: new Map(), messages, ...(fatal !== undefined && { fatal }) }
  for (const line of pktLines(Buffer.concat(report))) {
    const text = line.toString().replace(/\n$/, '')
    if (text.startsWith('unpack ')) result.unpack = serverText(text.slice('unpack '.length))
    else if (text.startsWith('ok ')) result.refs.set(text.slice('ok '.length), undefined)
    else if (text.startsWith('ng ')) {
      const [ref, ...reason] = text.slice('ng '.length).split(' ')
      result.refs.set(ref, serverText(reason.join(' ')) || 'refused')
    }
  }
  if (!result.unpack && fatal === undefined) throw new MalformedReportError('no report-status in the answer')
  return result
}

/** Why the server did not update `ref`, or undefined when it did. */
export function refusalOf(report: PushReport, ref: string): string | undefined {
  if (report.fatal !== undefined) return report.fatal
  if (report.unpack !== 'ok') return `unpack failed: ${report.unpack}`
  return report.refs.has(ref) ? report.refs.get(ref) : 'no report for the branch'
}

function pktLines(data: Uint8Array): Buffer[] {
  try {
    return [...readPktLines(data)].filter((line): line is Buffer => line !== null)
  } catch (error) {
    throw new MalformedReportError((error as Error).message)
  }
}

/** Side-band text, line by line, each sanitised (at most 50 lines: a hook's chatter is not a log to keep whole). */
function lines(data: Buffer): string[] {
  return data
    .toString()
    .split(/[\r\n]+/)
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(0, 50)
    .map((line) => serverText(line))
}
