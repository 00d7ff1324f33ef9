import { describe, expect, it } from 'vitest'
import { transportError } from '../../../src/git/http-errors.js'

const failure = (code: string) => transportError(Object.assign(new Error('fetch failed'), { cause: { code } }), 'GET https://git.example.com/a.git/info/refs', 30_000, 'request')

describe('certificate errors: the hint names what to fix', () => {
  it('points at NODE_EXTRA_CA_CERTS for a CA the machine does not trust, and not for a name or date problem', () => {
    expect(failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE')).toMatchObject({ code: 'certificate', hint: expect.stringContaining('NODE_EXTRA_CA_CERTS') })
    expect(failure('ERR_TLS_CERT_ALTNAME_INVALID')).toMatchObject({ code: 'certificate', message: expect.stringContaining('does not name this host'), hint: expect.stringContaining('host name') })
    expect(failure('CERT_HAS_EXPIRED')).toMatchObject({ code: 'certificate', message: expect.stringContaining('expired'), hint: expect.not.stringContaining('NODE_EXTRA_CA_CERTS') })
  })
})
