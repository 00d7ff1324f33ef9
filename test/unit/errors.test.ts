import { describe, expect, it } from 'vitest'
import { PinbotError, UsageError, toPinbotError } from '../../src/errors.js'

describe('errors', () => {
  it('carries a stable code, an exit code and a hint', () => {
    const error = new PinbotError('not-found', 'no such repo', { hint: 'check the name' })
    expect(error).toBeInstanceOf(Error)
    expect(error.exit).toBe(1)
    expect(error.toJSON()).toEqual({ code: 'not-found', message: 'no such repo', hint: 'check the name' })
  })

  it('maps bad input to exit 2', () => {
    expect(new UsageError('bad-version', 'nope').exit).toBe(2)
  })

  it('wraps foreign errors as internal, keeping typed ones', () => {
    const typed = new UsageError('x', 'y')
    expect(toPinbotError(typed)).toBe(typed)
    const wrapped = toPinbotError(new TypeError('boom'))
    expect(wrapped.code).toBe('internal')
    expect(wrapped.message).toBe('boom')
    expect(wrapped.toJSON()).not.toHaveProperty('hint')
  })
})
