/**
 * One exchange with a git smart-HTTP server, with every failure typed: a request that
 * fails or stalls, a status other than 200 (401, 403, 404: remote-errors.ts), an answer of
 * the wrong content type, the server's own refusal (`ERR`), or bytes that do not parse.
 */
import { collectBytes, type GitHttpRequest, type HttpClient } from './http.js'
import { classifyRemoteError, fetchRefusedError, httpStatusError, notSmartHttpError, type ErrorContext } from './remote-errors.js'
import { MalformedAnswerError, ServerRefusalError, parseRefAdvertisement, type RefAdvertisement } from './upload-pack.js'

/** The body of a 200 answer of `contentType`. */
export async function smartHttpExchange(http: HttpClient, request: GitHttpRequest, contentType: string, context: ErrorContext): Promise<Buffer> {
  let answer: { status: number; statusMessage: string; contentType: string; body: Buffer }
  try {
    const res = await http.request(request)
    answer = { status: res.statusCode, statusMessage: res.statusMessage, contentType: res.headers['content-type'] ?? '', body: await collectBytes(res.body) }
  } catch (error) {
    throw classifyRemoteError(error)
  }
  if (answer.status !== 200) throw httpStatusError(answer.status, answer.statusMessage, answer.body.toString(), context)
  if (!answer.contentType.startsWith(contentType)) throw notSmartHttpError(new MalformedAnswerError(`content type ${answer.contentType}`))
  return answer.body
}

/** Parse an upload-pack answer (or its pack): a refusal keeps the server's words, anything malformed is "not smart HTTP". */
export function parseAnswer<T>(parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    if (error instanceof ServerRefusalError) throw fetchRefusedError(error.message)
    throw notSmartHttpError(error)
  }
}

/** The refs, HEAD symref and capabilities a repo's upload-pack advertises (one GET). */
export async function advertisedRefs(http: HttpClient, url: string, context: ErrorContext): Promise<RefAdvertisement> {
  const body = await smartHttpExchange(http, { url: `${url}/info/refs?service=git-upload-pack` }, 'application/x-git-upload-pack-advertisement', context)
  return parseAnswer(() => parseRefAdvertisement(body))
}
