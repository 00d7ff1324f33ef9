import { describe, expect, it } from 'vitest'
import { currentPinOf, decidePin } from '../../../src/pin/pin-decision.js'
import { checkVersionBytes } from '../../../src/contract/runtime-version.js'

const file = (text: string) => ({ kind: 'file' as const, bytes: Buffer.from(text) })

describe('decidePin', () => {
  it('keeps a pin that already holds the version, with or without its newline', () => {
    expect(decidePin(file('1.2.3\n'), '1.2.3')).toEqual({ action: 'keep', outcome: 'unchanged', before: '1.2.3' })
    expect(decidePin(file('1.2.3'), '1.2.3')).toEqual({ action: 'keep', outcome: 'unchanged', before: '1.2.3' })
  })

  it('raises a lower pin, and never lowers a higher one unless allowed', () => {
    expect(decidePin(file('1.2.3\n'), '1.3.0')).toEqual({ action: 'write', before: '1.2.3' })
    expect(decidePin(file('1.3.0\n'), '1.3.0-rc.1')).toEqual({ action: 'keep', outcome: 'skipped', reason: 'downgrade', before: '1.3.0' })
    expect(decidePin(file('1.3.0\n'), '1.2.3', { allowDowngrade: true })).toEqual({ action: 'write', before: '1.3.0' })
  })

  it('rewrites a version that differs only in build metadata (same precedence, different text)', () => {
    expect(decidePin(file('1.2.3+a\n'), '1.2.3+b')).toEqual({ action: 'write', before: '1.2.3+a' })
  })

  it('repairs malformed pins, adds an absent pin, and refuses to replace a symlink, directory or submodule', () => {
    for (const text of ['v1.2.3\n', '1.2.3\r\n', '', '1.2.3\n1.2.4\n', '\uFEFF1.2.3\n']) {
      const problem = checkVersionBytes(Buffer.from(text)).problems[0]
      expect(problem, JSON.stringify(text)).toBeDefined()
      expect(decidePin(file(text), '1.2.3'), JSON.stringify(text)).toEqual({ action: 'write', reason: 'repaired', problem })
    }
    expect(decidePin({ kind: 'symlink' }, '1.2.3')).toEqual({ action: 'refuse', found: 'symlink' })
    expect(decidePin({ kind: 'absent' }, '1.2.3')).toEqual({ action: 'write' })
    expect(decidePin({ kind: 'directory' }, '1.2.3')).toEqual({ action: 'refuse', found: 'directory' })
    expect(decidePin({ kind: 'submodule' }, '1.2.3')).toEqual({ action: 'refuse', found: 'submodule' })
  })
})

describe('currentPinOf', () => {
  const read = async (oid: string) => Buffer.from(`bytes of ${oid}`)

  it('tells a file (reading its bytes) from a symlink, directory or submodule (reading nothing)', async () => {
    expect(await currentPinOf(undefined, read)).toEqual({ kind: 'absent' })
    expect(await currentPinOf({ type: 'blob', mode: '100644', oid: 'a' }, read)).toEqual({ kind: 'file', bytes: Buffer.from('bytes of a') })
    expect(await currentPinOf({ type: 'blob', mode: '100755', oid: 'b' }, read)).toEqual({ kind: 'file', bytes: Buffer.from('bytes of b') })
    const unread = async (): Promise<Uint8Array> => {
      throw new Error('read a blob it did not need')
    }
    expect(await currentPinOf({ type: 'blob', mode: '120000', oid: 'c' }, unread)).toEqual({ kind: 'symlink' })
    expect(await currentPinOf({ type: 'tree', mode: '040000', oid: 'd' }, unread)).toEqual({ kind: 'directory' })
    expect(await currentPinOf({ type: 'commit', mode: '160000', oid: 'e' }, unread)).toEqual({ kind: 'submodule' })
  })
})
