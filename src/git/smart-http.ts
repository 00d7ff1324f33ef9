/**
 * One exchange with a git smart-HTTP server, with every failure typed: a request that
 * fails or stalls, a status other than 200 (401, 403, 404: remote-errors.ts), an answer of
 * the wrong content type, the server's own refusal (`ERR`), or bytes that do not parse.
 */
import { collectBytes, type GitHttpRequest, type HttpClient } from './http.js'
import { CorruptPackError } from './pack-file.js'
import {
  classifyRemoteError,
  corruptPackError,
  fetchRefusedError,
  httpStatusError,
  malformedAnswerError,
  notSmartHttpError,
  unsupportedObjectFormatError,
  type ErrorContext,
} from './remote-errors.js'
import { serverText } from './server-text.js'
import { MalformedAnswerError, NotSmartHttpError, ServerRefusalError, UnsupportedObjectFormatError, parseRefAdvertisement, type RefAdvertisement } from './upload-pack.js'

/** The body of a 200 answer of `contentType`. */
export async function smartHttpExchange(http: HttpClient, request: GitHttpRequest, contentType: string, context: ErrorContext): Promise<Buffer> {
  let answer: { status: number; statusMessage: string; contentType: string; body: Buffer }
  try {
    const res = await http.request(request)
    answer = { status: res.statusCode, statusMessage: res.statusMessage, contentType: res.headers['content-type'] ?? '', body: await collectBytes(res.body) }
  } catch (error) {
    throw classifyRemoteError(error)
  }
  if (answer.status !== 200) throw httpStatusError(answer.status, answer.statusMessage, answer.body, context)
  if (!answer.contentType.startsWith(contentType)) throw notSmartHttpError(new NotSmartHttpError(`content type ${serverText(answer.contentType, 80)}`))
  return answer.body
}

/** Parse an upload-pack answer (or its pack): a refusal keeps the server's words, anything malformed says what was wrong. */
export function parseAnswer<T>(parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    throw answerError(error)
  }
}

/** What went wrong reading an answer, as a typed error. */
export function answerError(error: unknown): Error {
  if (error instanceof ServerRefusalError) return fetchRefusedError(error.message)
  if (error instanceof UnsupportedObjectFormatError) return unsupportedObjectFormatError(error.format)
  if (error instanceof NotSmartHttpError) return notSmartHttpError(error)
  if (error instanceof MalformedAnswerError) return malformedAnswerError(error.message, error)
  if (error instanceof CorruptPackError) return corruptPackError(error.message, error)
  return error as Error
}

/** The refs, HEAD symref and capabilities a repo's upload-pack advertises (one GET). */
export async function advertisedRefs(http: HttpClient, url: string, context: ErrorContext): Promise<RefAdvertisement> {
  const body = await smartHttpExchange(http, { url: `${url}/info/refs?service=git-upload-pack` }, 'application/x-git-upload-pack-advertisement', context)
  return parseAnswer(() => parseRefAdvertisement(body))
}
