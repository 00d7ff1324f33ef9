/** git's allowed_signers lines, read and judged as ssh-keygen does (ssh-keygen(1), ALLOWED SIGNERS). */
import { describe, expect, it } from 'vitest'
import { judgeTrust, parseSshTime, parseSshTrust } from '../../../src/identity/allowed-signers.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJtqHBg+sLD1CiifmpKRBYThv+j6/JN0/AxWpVFNRxn'
const OTHER = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICvsn1grB+Y/DshlCozrZRkZvUK2SAJ0aQQ0SCNMI/es'
const blob = (line: string) => Buffer.from(line.split(' ')[1], 'base64')
const T = Date.UTC(2024, 5, 1, 12, 0, 0) / 1000

describe('parseSshTime', () => {
  it('reads YYYYMMDD[HHMM[SS]] with Z (or UTC) as UTC, without as local time', () => {
    expect(parseSshTime('20240601Z')).toBe(Date.UTC(2024, 5, 1) / 1000)
    expect(parseSshTime('202406011200UTC')).toBe(T)
    expect(parseSshTime('20240601120000Z')).toBe(T)
    expect(parseSshTime('20240601')).toBe(new Date(2024, 5, 1).getTime() / 1000)
  })

  it.each(['2024-06-01', '2024060', '20241301', '20240230', '20240601246000Z'])('refuses %j', (text) => {
    expect(() => parseSshTime(text)).toThrow()
  })
})

describe('parseSshTrust and judgeTrust', () => {
  const file = [
    '# the bot',
    '',
    `pinbot@example.com ${KEY} comment words`,
    `"old bot",release@example.com namespaces="git,file",valid-after="20240101",valid-before="20240601120000Z" ${OTHER}`,
    OTHER,
  ].join('\n')
  const entries = parseSshTrust(file, 'allowed')

  it('reads principals, quoted options and plain public key lines, naming file:line', () => {
    expect(entries.map(({ origin, principals, namespaces, validAfter, validBefore }) => ({ origin, principals, namespaces, validAfter, validBefore }))).toEqual([
      { origin: 'allowed:3', principals: 'pinbot@example.com', namespaces: undefined, validAfter: undefined, validBefore: undefined },
      { origin: 'allowed:4', principals: '"old bot",release@example.com', namespaces: 'git,file', validAfter: parseSshTime('20240101'), validBefore: T },
      { origin: 'allowed:5', principals: undefined, namespaces: undefined, validAfter: undefined, validBefore: undefined },
    ])
    expect(entries[0].fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
  })

  it('judges at the committer time, bounds inclusive; a later entry for the same key may still trust it', () => {
    expect(judgeTrust(entries, blob(KEY), 'git', T)).toMatchObject({ status: 'good', entry: { origin: 'allowed:3' } })
    expect(judgeTrust(entries.slice(0, 2), blob(OTHER), 'git', T)).toMatchObject({ status: 'good' })
    expect(judgeTrust(entries.slice(0, 2), blob(OTHER), 'git', T + 1)).toMatchObject({
      status: 'expired-key',
      reason: 'allowed:4: the key is not valid after 2024-06-01T12:00:00Z; the commit was made at 2024-06-01T12:00:01Z',
    })
    expect(judgeTrust(entries, blob(OTHER), 'git', T + 1)).toMatchObject({ status: 'good', entry: { origin: 'allowed:5' } })
  })

  it('honours namespaces= with patterns and negation, as match_pattern_list does', () => {
    const only = (namespaces: string) => parseSshTrust(`bot namespaces="${namespaces}" ${KEY}`, 'f')
    expect(judgeTrust(only('g*'), blob(KEY), 'git', T).status).toBe('good')
    expect(judgeTrust(only('file'), blob(KEY), 'git', T)).toMatchObject({ status: 'unknown-key', reason: expect.stringContaining('not allowed for the "git" namespace') })
    expect(judgeTrust(only('*,!git'), blob(KEY), 'git', T).status).toBe('unknown-key')
  })

  it('does not trust certificate authorities (pinbot verifies no certificates), nor keys not listed', () => {
    expect(judgeTrust(parseSshTrust(`*@example.com cert-authority ${KEY}`, 'f'), blob(KEY), 'git', T).status).toBe('unknown-key')
    expect(judgeTrust(entries, Buffer.from('other'), 'git', T).status).toBe('unknown-key')
  })

  it.each([
    [`bot unknown-option ${KEY}`, 'f:1: unknown option "unknown-option"'],
    [`bot valid-before="tomorrow" ${KEY}`, 'f:1: "tomorrow" is not a time'],
    ['bot ssh-ed25519 not-base64!', 'f:1: the ssh-ed25519 key is not valid base64 of that key type'],
    [`bot "unterminated ${KEY}`, 'f:1: unterminated quote'],
    ['just words here', 'f:1: expected "principals [options] keytype base64-key"'],
  ])('refuses %j naming the line', (line, message) => {
    expect(() => parseSshTrust(line, 'f')).toThrow(message)
  })
})
