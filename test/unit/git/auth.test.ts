import { afterEach, describe, expect, it } from 'vitest'
import { resolveAuth } from '../../../src/git/auth.js'
import { clearSecrets, redact } from '../../../src/redact.js'

afterEach(() => clearSecrets())

describe('resolveAuth', () => {
  it('reads PINBOT_TOKEN by default and registers it for redaction at once', () => {
    const auth = resolveAuth({ env: { PINBOT_TOKEN: 'tok-abcdef123' } })
    expect(auth).toEqual({ token: 'tok-abcdef123', tokenUser: 'pinbot', tokenEnv: 'PINBOT_TOKEN' })
    expect(redact('x tok-abcdef123 y')).toBe('x *** y')
  })

  it('reads the variable named by --token-env, and redacts the Basic header of a custom user', () => {
    const auth = resolveAuth({ env: { DISPATCH_TOKEN: ' tok-from-ci\n' }, tokenEnv: 'DISPATCH_TOKEN', tokenUser: 'ci-bot' })
    expect(auth).toMatchObject({ token: 'tok-from-ci', tokenUser: 'ci-bot', tokenEnv: 'DISPATCH_TOKEN' })
    const header = Buffer.from('ci-bot:tok-from-ci').toString('base64')
    expect(redact(`Authorization: Basic ${header}`)).toBe('Authorization: Basic ***')
  })

  it('is anonymous when PINBOT_TOKEN is unset or empty', () => {
    expect(resolveAuth({ env: {} })).toEqual({ tokenUser: 'pinbot', tokenEnv: 'PINBOT_TOKEN' })
    expect(resolveAuth({ env: { PINBOT_TOKEN: '' } }).token).toBeUndefined()
  })

  it('refuses with exit 2 when the named variable is missing, or names are malformed', () => {
    expect(() => resolveAuth({ env: {}, tokenEnv: 'DISPATCH_TOKEN' })).toThrow(expect.objectContaining({ code: 'missing-token', exit: 2 }))
    expect(() => resolveAuth({ env: {}, tokenEnv: 'tok-abc-123' })).toThrow(expect.objectContaining({ code: 'invalid-token-env', exit: 2 }))
    expect(() => resolveAuth({ env: {}, tokenUser: 'a:b' })).toThrow(expect.objectContaining({ code: 'invalid-token-user', exit: 2 }))
  })

  it('refuses a token with inner whitespace without echoing it', () => {
    let error: Error | undefined
    try {
      resolveAuth({ env: { PINBOT_TOKEN: 'tok-part1 tok-part2' } })
    } catch (e) {
      error = e as Error
    }
    expect(error).toMatchObject({ code: 'invalid-token', exit: 2 })
    expect(error!.message).not.toContain('tok-part1')
    expect(redact('tok-part1 tok-part2')).toBe('***')
  })
})
