import { afterEach, describe, expect, it } from 'vitest'
import { clearSecrets, redact } from '../../../src/redact.js'
import { parseForgeUrl, resolveRepo } from '../../../src/git/repo-ref.js'

afterEach(() => clearSecrets())

const forge = new URL('https://git.example.com/')

describe('resolveRepo', () => {
  it('resolves OWNER/NAME against the forge and shows it as given', () => {
    expect(resolveRepo('molecule-ai/template-python', forge)).toEqual({
      url: 'https://git.example.com/molecule-ai/template-python.git',
      display: 'molecule-ai/template-python',
    })
    expect(resolveRepo('group/sub/name.git', parseForgeUrl('https://gitlab.example.com/base/')).url).toBe('https://gitlab.example.com/base/group/sub/name.git')
  })

  it('takes a clone URL as it is', () => {
    expect(resolveRepo('http://127.0.0.1:3000/acme/app.git')).toEqual({ url: 'http://127.0.0.1:3000/acme/app.git', display: 'http://127.0.0.1:3000/acme/app.git' })
  })

  it('refuses URLs with credentials, masking the token in the error and everywhere after', () => {
    let error: Error | undefined
    try {
      resolveRepo('https://bot:tok-secret-999@git.example.com/acme/app.git')
    } catch (e) {
      error = e as Error
    }
    expect(error).toMatchObject({ code: 'credentials-in-url', exit: 2 })
    expect(error!.message).not.toContain('tok-secret-999')
    expect(redact('echo tok-secret-999')).toBe('echo ***')
  })

  it('refuses what it cannot resolve, with exit 2', () => {
    expect(() => resolveRepo('acme/app')).toThrow(expect.objectContaining({ code: 'missing-forge', exit: 2 }))
    expect(() => resolveRepo('acme', forge)).toThrow(expect.objectContaining({ code: 'invalid-repo' }))
    expect(() => resolveRepo('acme/../etc', forge)).toThrow(expect.objectContaining({ code: 'invalid-repo' }))
    expect(() => resolveRepo('git@github.com:acme/app.git', forge)).toThrow(expect.objectContaining({ code: 'invalid-repo' }))
    expect(() => resolveRepo('ssh://git@github.com/acme/app.git')).toThrow(expect.objectContaining({ code: 'unsupported-url' }))
    expect(() => parseForgeUrl('https://git.example.com/?x=1')).toThrow(expect.objectContaining({ code: 'invalid-forge' }))
    expect(() => parseForgeUrl('not a url')).toThrow(expect.objectContaining({ code: 'invalid-url' }))
  })
})
