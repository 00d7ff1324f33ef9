/**
 * One exchange with a git smart-HTTP server, with every failure typed: a request that
 * fails or stalls, a status other than 200 (401, 403, 404: remote-errors.ts), an answer of
 * the wrong content type, the server's own refusal (`ERR`), bytes that do not parse, or an
 * answer over its size limit (limits.ts: bodies are read with a cap while they stream).
 */
import { PinbotError } from '../errors.js'
import type { GitHttpRequest, GitHttpResponse, HttpClient } from './http.js'
import { LimitExceededError, MAX_ERROR_BODY, type LimitName } from './limits.js'
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
import { MalformedAnswerError, NotSmartHttpError, ServerRefusalError, UnsupportedObjectFormatError } from './upload-pack.js'

/**
 * Send a request and check its answer's status and content type: the body of a 200
 * answer of `contentType`, not read yet. Any other status is a typed error quoting the
 * first line of at most MAX_ERROR_BODY bytes of its body (the rest is never read).
 */
export async function smartHttpStream(http: HttpClient, request: GitHttpRequest, contentType: string, context: ErrorContext): Promise<AsyncIterableIterator<Uint8Array>> {
  let res: GitHttpResponse
  try {
    res = await http.request(request)
  } catch (error) {
    throw classifyRemoteError(error)
  }
  if (res.statusCode !== 200) {
    const detail = await readUpTo(res.body, MAX_ERROR_BODY).catch(() => undefined)
    throw httpStatusError(res.statusCode, res.statusMessage, detail?.bytes, { ...context, tokenWithheld: res.tokenWithheld })
  }
  const type = res.headers['content-type'] ?? ''
  if (!type.startsWith(contentType)) {
    await res.body.return?.()
    throw notSmartHttpError(new NotSmartHttpError(`content type ${serverText(type, 80)}`))
  }
  return res.body
}

/** At most `max` bytes of a body, and whether there was more (the rest is left unread and the stream closed). */
export async function readUpTo(body: AsyncIterable<Uint8Array>, max: number): Promise<{ bytes: Buffer; more: boolean }> {
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of body) {
    if (length + chunk.byteLength > max) {
      chunks.push(chunk.subarray(0, max - length))
      return { bytes: Buffer.concat(chunks), more: true }
    }
    chunks.push(chunk)
    length += chunk.byteLength
  }
  return { bytes: Buffer.concat(chunks), more: false }
}

/** The whole body of a 200 answer of `contentType`: at most `max` bytes, else the `limit` fails the repo. */
export async function smartHttpExchange(
  http: HttpClient,
  request: GitHttpRequest,
  contentType: string,
  context: ErrorContext,
  limit: { name: LimitName; max: number },
): Promise<Buffer> {
  const body = await smartHttpStream(http, request, contentType, context)
  return readAnswer(async () => {
    const { bytes, more } = await readUpTo(body, limit.max)
    if (more) throw new LimitExceededError(limit.name, limit.max)
    return bytes
  })
}

/** Read (and parse) an answer: network failures, limits, refusals and malformed bytes each as their typed error. */
export async function readAnswer<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (error) {
    throw error instanceof PinbotError ? classifyRemoteError(error) : answerError(error)
  }
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
