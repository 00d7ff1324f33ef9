/** Classification of every remote failure: HTTP statuses, our HTTP client's errors, push refusals. */
import { describe, expect, it } from 'vitest'
import { PinbotError } from '../../../src/errors.js'
import { classifyRemoteError, httpStatusError, isRace, pushRefusedError } from '../../../src/git/remote-errors.js'

const read = { phase: 'read' as const }
const push = { phase: 'push' as const }

describe('classifyRemoteError', () => {
  it('maps HTTP statuses to auth, forbidden, not-found and http, each with its hint', () => {
    const auth = httpStatusError(401, 'Unauthorized', 'Unauthorized\n', { ...read, tokenEnv: 'DISPATCH_TOKEN' })
    expect(auth).toMatchObject({ code: 'auth', hint: 'the token was rejected or is missing; check DISPATCH_TOKEN' })
    expect(auth.message).toContain('401 Unauthorized')
    expect(httpStatusError(403, 'Forbidden', 'User permission denied for writing.', push)).toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('User permission denied for writing.'),
      hint: expect.stringContaining('write access'),
    })
    expect(httpStatusError(404, 'Not Found', '', read)).toMatchObject({
      code: 'not-found',
      hint: 'the repo does not exist or the token cannot see it; owner names are case-sensitive on Gitea',
    })
    const http = httpStatusError(502, 'Bad Gateway', '<html><body>proxy</body></html>', read)
    expect(http).toMatchObject({ code: 'http', message: 'unexpected answer from the forge (HTTP 502 Bad Gateway)' })
  })

  it('keeps the HTTP client\'s network and timeout codes and hints', () => {
    const network = classifyRemoteError(new PinbotError('network', 'GET x failed: ECONNRESET', { hint: 'h' }))
    expect(network).toMatchObject({ code: 'network', message: 'GET x failed: ECONNRESET', hint: 'h' })
    expect(isRace(network)).toBe(false)
    expect(classifyRemoteError(new PinbotError('timeout', 'no response'))).toMatchObject({ code: 'timeout', hint: expect.stringContaining('--timeout') })
  })

  it('says a push answered with 403 needs write access', () => {
    expect(httpStatusError(403, 'Forbidden', 'User permission denied for writing.', push)).toMatchObject({
      message: 'access denied (HTTP 403 Forbidden: User permission denied for writing.)',
    })
    expect(httpStatusError(403, 'Forbidden', '', read).hint).not.toContain('write access')
  })

  it('treats a server-side lock or ref mismatch as a race', () => {
    for (const text of ['failed to update ref', 'failed to lock', 'non-fast-forward', 'fetch first', "cannot lock ref 'refs/heads/main': is at a but expected b"]) {
      expect(isRace(pushRefusedError(text, [])), text).toBe(true)
    }
  })

  it('treats a hook rejection as final, with the server\'s own words', () => {
    const error = pushRefusedError('pre-receive hook declined', ['protected branch: pushes need review\n', ''])
    expect(error).toMatchObject({
      code: 'rejected',
      message: 'the server refused the push: pre-receive hook declined: protected branch: pushes need review',
    })
    expect(isRace(error)).toBe(false)
  })

  it('leaves other typed errors alone and calls anything else internal', () => {
    expect(classifyRemoteError(new Error('boom'))).toMatchObject({ code: 'internal', message: 'boom' })
    const typed = new PinbotError('empty-repo', 'empty')
    expect(classifyRemoteError(typed)).toBe(typed)
  })
})
