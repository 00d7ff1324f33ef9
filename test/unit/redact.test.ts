import { afterEach, describe, expect, it } from 'vitest'
import { clearSecrets, redact, redactDeep, registerSecret } from '../../src/redact.js'

afterEach(() => clearSecrets())

describe('redact', () => {
  it('removes registered secrets wherever they appear', () => {
    registerSecret('s3cr3t-token-value')
    expect(redact('token=s3cr3t-token-value; again s3cr3t-token-value')).toBe('token=***; again ***')
  })

  it('removes the base64 Basic-auth form of a token', () => {
    registerSecret('tok-12345')
    const header = Buffer.from('pinbot:tok-12345').toString('base64')
    expect(redact(`Authorization: Basic ${header}`)).toBe('Authorization: Basic ***')
  })

  it('removes credentials embedded in URLs, registered or not', () => {
    expect(redact('fetch https://user:pa55@forge.example/o/r.git failed')).toBe('fetch https://***@forge.example/o/r.git failed')
    expect(redact('http://only-token@127.0.0.1:3000/x')).toBe('http://***@127.0.0.1:3000/x')
    // Pasted unencoded, a password may hold / ? # : and even @: none of it may show.
    for (const password of ['pa/ss', 'a/b/c?d#e:f', 'p@ss/w:rd', 'x+y=z%2F']) {
      const out = redact(`remote "https://bot:${password}@git.example.com/o/r.git" failed`)
      expect(out).toBe('remote "https://***@git.example.com/o/r.git" failed')
    }
    expect(redact('see https://git.example.com/o/r.git and https://u:p/q@h/x')).toBe('see https://git.example.com/o/r.git and https://***@h/x')
  })

  it('leaves ordinary text and emails alone', () => {
    expect(redact('Co-Authored-By: Bot <bot@example.com>')).toBe('Co-Authored-By: Bot <bot@example.com>')
  })

  it('ignores secrets too short to be safely masked', () => {
    registerSecret('ab')
    expect(redact('abc')).toBe('abc')
  })

  it('redacts every string inside JSON values', () => {
    registerSecret('hunter2-long')
    expect(redactDeep({ a: ['x hunter2-long'], b: { c: 'hunter2-long' }, n: 3 })).toEqual({ a: ['x ***'], b: { c: '***' }, n: 3 })
  })
})
